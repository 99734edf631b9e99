"""Markdown or HTML body → safe XHTML, headings, summary: the only module that knows Markdown."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from html import escape, unescape
from itertools import chain
from typing import Any
from xml.etree.ElementTree import Element

from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.footnote import footnote_plugin

from publisher.model import BodyFormat, Diagnostic, Heading
from publisher.normalizing import nesting
from publisher.normalizing.sanitize import (
    LINE_ATTR,
    MAX_DEPTH,
    Replacement,
    Scanner,
    Warn,
    apply_url_policy,
    assign_ids,
    check_url,
    clean,
    line_map,
    remove,
    splice,
    text_of,
    tidy_attributes,
    tidy_text,
    to_xhtml,
    trim_start,
    unwrap,
    xml_chars,
)
from publisher.reading import limits
from publisher.reading.limits import TABLE_ROWS


@dataclass(frozen=True, slots=True)
class Markup:
    """A converted body and what was learned from it."""

    body: str
    """Sanitized, well-formed XHTML fragment (no <html>/<body> wrapper)."""
    headings: tuple[Heading, ...]
    """Subheadings (levels 2 to 6) in order, each with its unique anchor."""
    summary: str
    """First prose paragraph as plain text, at most about 400 characters."""
    words: int
    """Number of words in the body text."""
    title: str | None
    """Text of the leading level-1 heading, which is then not in the body; else None."""
    images: tuple[str, ...]
    """Local images the body shows, as root-relative POSIX paths from resolve_image."""
    diagnostics: tuple[Diagnostic, ...]
    """Warnings about what was removed, repaired or not resolved, in line order; or the one
    error that makes the body unusable (and the rest of the Markup empty)."""


# CLDR quotation marks: open, close, nested open, nested close. French spacing is left to the
# text, like every other space.
_QUOTES = dict(
    line.split()
    for line in """
en “”‘’
es «»“”
fr «»“”
de „“‚‘
pt “”‘’
pt-pt «»“”
it «»“”
nl ‘’“”
pl „”«»
cs „“‚‘
ru «»„“
uk «»„“
sv ””’’
fi ””’’
da “”‘’
nb «»‘’
ja 「」『』
zh “”‘’
zh-hant 「」『』
he ””’’
ar ”“’‘
""".strip().splitlines()  # noqa: RUF001 (typographic quotes are the data)
)
_BLANKISH = re.compile(r"^[ \t\u00a0]+$", re.M)
_FENCE = re.compile(r" {0,3}(`{3,}|~{3,})")
# A paragraph, list item or heading starts a new run of emphasis delimiters to pair up.
_NEW_BLOCK = re.compile(r" {0,3}(?:[-+*]|\d{1,9}[.)])[ \t]+\S|[ \t]*$| {0,3}#")
_DELIMITER = re.compile(r"(?<![*\\])\*{1,4}(?!\*)")
_BULLET = re.compile(r"[ \t]*\*[ \t]+\S")
_RULE = re.compile(r"[ \t]*(?:\*[ \t]*){3,}")
_LEAD = re.compile(r"\s*(?:[-+*]|\d{1,9}[.)])?\s*")
_CONTAINER = re.compile(r"(?:[ \t]*(?:>|(?:[-+*]|\d{1,9}[.)])(?=[ \t]|$)))+[ \t]*")
_OPENERS = "\u201c\u2018\u00ab(["
_FOOTNOTE_ID = re.compile(r"fn(ref)?-\d+(-\d+)?")
_END_MARK = re.compile(r"\\?#\s*\\?#\s*\\?#|\*\s*\*\s*\*|\u2042")
_TRAILING_END_MARK = re.compile(r"\s+\\?#\s*\\?#\s*\\?#$")
_SENTENCE_ENDS = tuple('.!?…:;"\u201d\u2019)')
_MAX_SUMMARY = 400
# markdown-it drops what is nested deeper (and recurses per level, so this bounds the stack too).
_MAX_NESTING = limits.MARKDOWN_NESTING
_DELIMITER_ROW = re.compile(r"[ \t]*\|?[ \t]*:?-+:?[ \t]*(?:\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*")
_LONG_WORD = re.compile(f"[^\\s\u200b]{{{limits.WORD_CHARACTERS + 1},}}")
_WORD_PIECE = 100
_MAX_BOLD_HEADING = 120


def convert(
    text: str,
    body_format: BodyFormat,
    *,
    lang: str,
    path: str,
    first_line: int,
    anchor_prefix: str,
    base_url: str | None = None,
    resolve_image: Callable[[str], str | None] | None = None,
) -> Markup:
    """Turn a Markdown or HTML body into sanitized XHTML with its headings, summary and images.

    resolve_image gets a local image path as written (URL-decoded, without query) and returns
    the root-relative path of the file, or None when it escapes the root or does not exist.
    """
    found: dict[tuple[int | None, str, str], Diagnostic] = {}

    def warn(line: int | None, code: str, message: str) -> None:
        found.setdefault((line, code, message), Diagnostic(path, line, "warning", code, message))

    text = xml_chars(text.replace("\r\n", "\n").replace("\r", "\n"))
    try:
        if body_format == "html":
            html = _prepare_html(text, first_line, warn)
        else:
            html = _render_markdown(text, lang, first_line, warn)
    except _TooManyRows as too_many:
        return _unusable(path, too_many.line)
    root, cut = clean(html)
    nesting.repair(root)
    if cut:
        warn(first_line, "nesting-too-deep", f"markup nested over {MAX_DEPTH} levels flattened")
    lines = line_map(root)

    def line_of(element: Element) -> int:
        return lines.get(element, first_line)

    rows = list(root.iter("tr"))
    if len(rows) > TABLE_ROWS:
        return _unusable(path, line_of(rows[TABLE_ROWS]))
    tidy_attributes(root)
    images = apply_url_policy(root, line_of, warn, base_url, resolve_image)
    tidy_text(root)
    _break_long_words(root, line_of, warn)
    _drop_end_marks(root)
    title = _take_title(root)
    _promote_bold_headings(root)
    headings = assign_ids(root, anchor_prefix, _FOOTNOTE_ID, line_of, warn)
    # One block per line, however many were removed between them.
    root.text = root.text if (root.text or "").strip() else None
    for child in root:
        child.tail = child.tail if _tail(child) else "\n"
    return Markup(
        body=to_xhtml(root),
        headings=headings,
        summary=_summary(root),
        words=len(re.findall(r"\w+(?:['\u2019.-]\w+)*", " ".join(root.itertext()))),
        title=title,
        images=images,
        diagnostics=tuple(sorted(found.values(), key=lambda d: d.line or 0)),
    )


class _TooManyRows(Exception):
    """The body's tables have more rows than allowed; it is rejected before it is parsed."""

    def __init__(self, line: int) -> None:
        super().__init__(line)
        self.line = line


def _unusable(path: str, line: int) -> Markup:
    """The Markup of a body rejected for its tables: empty, with the error."""
    message = f"more than {TABLE_ROWS:,} table rows; split the document"
    error = Diagnostic(path, line, "error", "too-many-rows", message)
    return Markup("", (), "", 0, None, (), (error,))


def _check_table_lines(text: str, first_line: int) -> None:
    """Reject a body whose tables may have too many rows, before markdown-it spends seconds on it.

    Every line after a table's delimiter row up to the next blank line is counted as a row: an
    upper bound, exact for tables that end with a blank line.
    """
    if text.count("\n") <= TABLE_ROWS:
        return
    lines = text.split("\n")
    rows = 0
    in_table = False
    for number, line in enumerate(lines):
        if not line.strip():
            in_table = False
        elif in_table:
            rows += 1
            if rows > TABLE_ROWS:
                raise _TooManyRows(first_line + number)
        elif "|" in line and "-" in line and _DELIMITER_ROW.fullmatch(line):
            in_table = True


def _break_long_words(root: Element, line_of: Callable[[Element], int], warn: Warn) -> None:
    """Give each word of more than WORD_CHARACTERS characters an invisible break point every 100.

    A line breaker tries every character of a word too long for its line, again on each line
    it fills: a 10,000-character word took WeasyPrint a second.
    """

    def pieces(match: re.Match[str]) -> str:
        word = match[0]
        return "\u200b".join(word[i : i + _WORD_PIECE] for i in range(0, len(word), _WORD_PIECE))

    for element in root.iter():
        for name in ("text", "tail"):
            text = getattr(element, name)
            if text and (long := _LONG_WORD.search(text)):
                message = f"a word of {len(long[0]):,} characters may break every {_WORD_PIECE}"
                warn(line_of(element), "long-word", message)
                setattr(element, name, _LONG_WORD.sub(pieces, text))


def _prepare_html(text: str, first_line: int, warn: Warn) -> str:
    """Scan an HTML body; if it nests too deep for html5ever, keep only its text."""
    scanner = Scanner(warn)
    scanner.scan(text, first_line)
    if scanner.max_depth <= MAX_DEPTH:
        return text
    warn(first_line, "nesting-too-deep", f"HTML nested over {MAX_DEPTH} levels kept as text")
    plain = unescape(re.sub(r"<[^<>]*>", " ", text))
    return "".join(f"<p>{escape(block)}</p>" for block in re.split(r"\n\s*\n", plain))


class _Markdown(MarkdownIt):
    """CommonMark that lets every link through: the sanitizer judges URLs and warns."""

    def validateLink(self, url: str) -> bool:
        """Accept a URL, so that a bad one is unwrapped to its text instead of shown as source."""
        return True


@lru_cache(maxsize=32)
def _markdown(quotes: str, html: bool) -> MarkdownIt:
    """A parser for one set of quotation marks, with or without raw HTML."""
    options = {"html": html, "typographer": True, "quotes": quotes, "maxNesting": _MAX_NESTING}
    md = _Markdown("commonmark", options)
    # Typographer "replacements" would turn the "(c)" of legal clauses into ©; only quotes change.
    md.enable(["table", "strikethrough", "smartquotes"])
    # Prose indented four spaces is not code in these documents; fenced code still is.
    md.disable("code")
    md.use(footnote_plugin)
    md.add_render_rule("html_block", _render_html_block)
    md.add_render_rule("footnote_ref", _render_footnote_ref)
    md.add_render_rule("footnote_block_open", lambda *_: '<section role="doc-endnotes">\n<ol>\n')
    md.add_render_rule("footnote_block_close", lambda *_: "</ol>\n</section>\n")
    md.add_render_rule("footnote_open", _render_footnote_open)
    md.add_render_rule("footnote_close", lambda *_: "</li>\n")
    md.add_render_rule("footnote_anchor", _render_footnote_anchor)
    return md


def _quotes(lang: str) -> str:
    """Quotation marks for a BCP 47 language tag, English ones when unknown."""
    tag = lang.lower().replace("_", "-")
    return _QUOTES.get(tag) or _QUOTES.get(tag.split("-")[0]) or _QUOTES["en"]


def _render_markdown(text: str, lang: str, first_line: int, warn: Warn) -> str:
    """Render Markdown to HTML, marking blocks with their file line and scanning raw HTML."""
    _check_table_lines(text, first_line)
    text = _repair_emphasis(_BLANKISH.sub("", text))
    md = _markdown(_quotes(lang), True)
    env: dict[str, Any] = {}
    tokens = md.parse(text, env)
    if max((token.level for token in tokens), default=0) >= _MAX_NESTING - 1:
        # markdown-it drops everything after the block that nests too deep, not just that block.
        message = f"Markdown nested over {_MAX_NESTING} levels: lists and quotes made paragraphs"
        warn(first_line, "nesting-too-deep", message)
        text = _flatten(text)
        env = {}
        tokens = md.parse(text, env)
    if _mark_lines(tokens, first_line, warn) > MAX_DEPTH:
        warn(first_line, "nesting-too-deep", f"raw HTML nested over {MAX_DEPTH} levels as text")
        md = _markdown(_quotes(lang), False)
        env = {}
        tokens = md.parse(text, env)
        _mark_lines(tokens, first_line, warn)
    html: str = md.renderer.render(tokens, md.options, env)
    return html


def _mark_lines(tokens: Sequence[Token], first_line: int, warn: Warn) -> int:
    """Mark blocks with their file line, warn about what the sanitizer will remove; HTML depth."""
    scanner = Scanner(warn)
    for token in tokens:
        if not token.map:
            continue
        line = first_line + token.map[0]
        if token.nesting == 1:
            token.attrSet(LINE_ATTR, str(line))
        elif token.type == "html_block":
            token.meta["line"] = line
            scanner.scan(token.content, line)
        for child in token.children or ():
            if child.type == "html_inline":
                scanner.scan(child.content, line)
            elif child.type == "link_open":
                check_url("a", str(child.attrGet("href") or ""), line, warn)
            elif child.type == "image":
                check_url("img", str(child.attrGet("src") or ""), line, warn)
    return scanner.max_depth


def _flatten(text: str) -> str:
    """Markdown without list and quote markers, each former item on a line of its own.

    Lines keep their place, so that diagnostics still point at the right line: a hard break
    (two trailing spaces) instead of a blank line keeps an item off the line before it.
    """
    out: list[str] = []
    for line in text.split("\n"):
        marker = _CONTAINER.match(line)
        if marker and out:
            out[-1] += "  "
        out.append(line[marker.end() :] if marker else line)
    return "\n".join(out)


def _repair_emphasis(text: str) -> str:
    """Fix pandoc's emphasis with inner edge spaces (``**Purpose. **The``) outside code fences."""
    out: list[str] = []
    block: list[str] = []
    fence = ""
    for line in text.split("\n"):
        if fence:
            out.append(line)
            fence = "" if line.strip().startswith(fence) else fence
            continue
        opening = _FENCE.match(line)
        if block and (opening or _NEW_BLOCK.match(line)):
            out.append(_repair_block("\n".join(block)))
            block = []
        if opening:
            fence = opening.group(1)
            out.append(line)
        else:
            block.append(line)
    if block:
        out.append(_repair_block("\n".join(block)))
    return "\n".join(out)


def _repair_block(block: str) -> str:
    """Pair a block's emphasis delimiters in order; move edge spaces out, drop empty emphasis.

    CommonMark leaves ``**Purpose. **The``, ``**Name: “**Text`` and ``Pandemics*.*`` as literal
    asterisks where the source page showed bold text and a plain period. Pairs spaced on both
    sides around no real word (``2 * x * 4``) are left alone.
    """
    if "*" not in block or "`" in block:
        return block
    marks = _emphasis_marks(block)
    actions = {at: ("drop", size) for at, size in marks if size == 4}
    close_at_end = ""
    for size in (1, 2, 3):
        starts = [at for at, n in marks if n == size]
        if len(starts) % 2 and not block[starts[-1] + size :].strip():
            actions[starts.pop()] = ("drop", size)
        elif len(starts) % 2 and _LEAD.fullmatch(block[: starts[0]]):
            # An opener whose closer pandoc put in the next block: bold a short line, else drop.
            if len(block) - starts[0] <= _MAX_BOLD_HEADING:
                close_at_end = "*" * size
            else:
                actions[starts[0]] = ("drop", size)
            starts.pop(0)
        if len(starts) % 2:
            continue
        for start, end in zip(starts[::2], starts[1::2], strict=True):
            inner, after = block[start + size : end], block[end + size : end + size + 1]
            bad_open = inner[:1].isspace()
            bad_close = inner[-1:].isspace() or (inner[-1:] in _OPENERS and after.isalnum())
            if not any(ch.isalnum() for ch in inner):
                actions[start] = actions[end] = ("drop", size)
                continue
            if bad_open and bad_close and not re.search(r"[^\W\d_]{3}", inner):
                continue
            if bad_open:
                actions[start] = ("open", size)
            if bad_close:
                actions[end] = ("close", size)
    text = _apply_moves(block, actions)
    stripped = text.rstrip()
    return stripped + close_at_end + text[len(stripped) :]


def _apply_moves(block: str, actions: dict[int, tuple[str, int]]) -> str:
    """Drop delimiters or move them past the spaces (and opening quotes) they must not touch."""
    out: list[str] = []
    pending = ""
    i = 0
    while i < len(block):
        if i in actions:
            action, size = actions[i]
            i += size
            if action == "open":
                pending = "*" * size
            elif action == "close":
                moved = []
                while out and (out[-1].isspace() or out[-1] in _OPENERS):
                    moved.append(out.pop())
                out += ["*" * size, *reversed(moved)]
            continue
        if pending and not block[i].isspace():
            out.append(pending)
            pending = ""
        out.append(block[i])
        i += 1
    return "".join(out) + pending


def _emphasis_marks(block: str) -> list[tuple[int, int]]:
    """Index and length of each asterisk run that can be emphasis: not a bullet, not a rule."""
    marks = []
    offset = 0
    for line in block.split("\n"):
        if not _RULE.fullmatch(line):
            bullet = offset + len(line) - len(line.lstrip()) if _BULLET.match(line) else -1
            runs = ((offset + m.start(), len(m.group())) for m in _DELIMITER.finditer(line))
            marks += [(at, size) for at, size in runs if at != bullet]
        offset += len(line) + 1
    return marks


def _render_html_block(_: Any, tokens: Sequence[Token], idx: int, *__: Any) -> str:
    """Raw HTML after an empty marker element that carries its line for the tree passes."""
    line = tokens[idx].meta.get("line")
    return (f'<span {LINE_ATTR}="{line}"></span>' if line else "") + tokens[idx].content


def _footnote_ids(token: Token) -> tuple[str, str]:
    """Ids of a footnote and of one of its references, matching _FOOTNOTE_ID."""
    number = f"{token.meta['id'] + 1}"
    sub = token.meta.get("subId", -1)
    return f"fn-{number}", f"fnref-{number}" + (f"-{sub + 1}" if sub > 0 else "")


def _render_footnote_ref(_: Any, tokens: Sequence[Token], idx: int, *__: Any) -> str:
    """A footnote call: a superscript number linking to the note."""
    note, ref = _footnote_ids(tokens[idx])
    number = tokens[idx].meta["id"] + 1
    return f'<sup><a href="#{note}" id="{ref}" role="doc-noteref">{number}</a></sup>'


def _render_footnote_open(_: Any, tokens: Sequence[Token], idx: int, *__: Any) -> str:
    """The start of a note in the notes list."""
    return f'<li id="{_footnote_ids(tokens[idx])[0]}">'


def _render_footnote_anchor(_: Any, tokens: Sequence[Token], idx: int, *__: Any) -> str:
    """The link from a note back to where it is called."""
    return f' <a href="#{_footnote_ids(tokens[idx])[1]}" role="doc-backlink">\u21a9\ufe0e</a>'


def _drop_end_marks(root: Element) -> None:
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
    while end and children[end - 1].tag in ("hr", "section") and not _tail(children[end - 1]):
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


def _take_title(root: Element) -> str | None:
    """Remove a leading level-1 heading and return its text; demote any other to level 2."""
    title = None
    if len(root) and root[0].tag == "h1" and not (root.text or "").strip():
        first = root[0]
        title = text_of(first)
        splice(root, lambda child: remove(child) if child is first else child)
    for heading in root.iter("h1"):
        heading.tag = "h2"
    return title


def _promote_bold_headings(root: Element) -> None:
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
    return len(text) <= _MAX_BOLD_HEADING and not re.search(r"([:;,]|[a-z]{2}\.)$", text)


def _summary(root: Element) -> str:
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


def _tail(element: Element) -> str:
    """The visible text after an element."""
    return (element.tail or "").strip()
