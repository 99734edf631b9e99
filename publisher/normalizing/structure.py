"""What a body's markup says about the document: its title, bold-paragraph headings, end marks
and summary."""

from __future__ import annotations

import re
from collections.abc import Iterator
from itertools import chain
from xml.etree.ElementTree import Element

from publisher.normalizing.emphasis import MAX_BOLD_HEADING
from publisher.normalizing.tidy import trim_start
from publisher.normalizing.tree import Replacement, remove, splice, text_of, unwrap

_END_MARK = re.compile(r"\\?#\s*\\?#\s*\\?#|\*\s*\*\s*\*|\u2042")
_TRAILING_END_MARK = re.compile(r"\s+\\?#\s*\\?#\s*\\?#$")
_SENTENCE_ENDS = tuple('.!?…:;"\u201d\u2019)')
_MAX_SUMMARY = 400


def drop_end_marks(root: Element) -> None:
    """Drop the "###" end mark that closes a release (templates print their own).

    An end mark or asterism inside the body separates two parts, so it becomes a thematic
    break; breaks left at the end of the body (before the footnotes) are dropped.
    """
    for child in root:
        if child.tag == "p" and _END_MARK.fullmatch(text_of(child)):
            child.clear()
            child.tag, child.tail = "hr", "\n"
    children = list(root)
    end = len(children)
    while end and children[end - 1].tag in ("hr", "section") and not tail(children[end - 1]):
        end -= 1
    trailing = {child for child in children[end:] if child.tag == "hr"}
    splice(root, lambda child: remove(child) if child in trailing else child)
    if end and children[end - 1].tag == "p":
        node = children[end - 1]
        while len(node) and not (node[-1].tail or "").strip():
            node = node[-1]
        if len(node):
            node[-1].tail = _strip_end_mark(node[-1].tail or "")
        else:
            node.text = _strip_end_mark(node.text or "")


def _strip_end_mark(text: str) -> str:
    """Remove an end mark written at the end of the last paragraph's text."""
    text = text.rstrip()
    # Matching only near the end keeps the regex linear on a huge paragraph.
    return text[:-100] + _TRAILING_END_MARK.sub("", text[-100:]) if text.endswith("#") else text


def take_title(root: Element) -> str | None:
    """Remove a leading level-1 heading and return its text; demote any other to level 2."""
    title = None
    if len(root) and root[0].tag == "h1" and not (root.text or "").strip():
        first = root[0]
        title = text_of(first)
        splice(root, lambda child: remove(child) if child is first else child)
    for heading in root.iter("h1"):
        heading.tag = "h2"
    return title


def promote_bold_headings(root: Element) -> None:
    """Make the bold-only paragraphs that pandoc kept of the source's subheadings into <h2>."""
    splice(root, _split_bold_lead)
    for child in root:
        if _is_bold_heading(child):
            splice(child, unwrap)
            child.tag = "h2"


def _split_bold_lead(p: Element) -> Replacement:
    """Split ``<p><strong>Heading</strong><br/>Text</p>`` into a heading paragraph and the text."""
    at = next((n for n, child in enumerate(p) if child.tag == "br"), 0) if p.tag == "p" else 0
    if not at:
        return p
    head, rest = Element("p"), Element("p")
    head.text, head.tail = p.text, "\n"
    head.extend(p[:at])
    rest.text, rest.tail = p[at].tail, p.tail
    rest.extend(p[at + 1 :])
    if not _is_bold_heading(head) or not trim_start(rest):
        return p
    return "", [head, rest]


def _is_bold_heading(p: Element) -> bool:
    """A short paragraph of bold text only; lead-ins (ending with a colon) and sentences aren't."""
    if p.tag != "p" or not len(p) or (p.text or "").strip():
        return False
    if any(child.tag not in ("strong", "b") or (child.tail or "").strip() for child in p):
        return False
    text = text_of(p)
    return len(text) <= MAX_BOLD_HEADING and not re.search(r"([:;,]|[a-z]{2}\.)$", text)


def summary(root: Element) -> str:
    """The first paragraph that reads as prose (else the first one), cut at a word near 400."""
    text = next(filter(_is_prose, _paragraph_texts(root)), None)
    if text is None:
        text = next(filter(None, _paragraph_texts(root)), "")
    if len(text) <= _MAX_SUMMARY:
        return text
    return text[: _MAX_SUMMARY + 1].rsplit(" ", 1)[0].rstrip(",;:- \u2013\u2014") + "…"


def _paragraph_texts(root: Element) -> Iterator[str]:
    """Texts of the top-level paragraphs, then of every paragraph and list item."""
    top = [child for child in root if child.tag == "p"]
    nested = (element for element in root.iter() if element.tag in ("p", "li"))
    return (text_of(element) for element in chain(top, nested))


def _is_prose(text: str) -> bool:
    """Eight words or more ending like a sentence: not a dateline, place or all-caps label."""
    return text.endswith(_SENTENCE_ENDS) and not text.isupper() and len(text.split(None, 8)) > 8


def tail(element: Element) -> str:
    """The visible text after an element."""
    return (element.tail or "").strip()
