"""Markdown or HTML body → safe XHTML with its headings, summary, words and images."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from html import escape, unescape
from xml.etree.ElementTree import Element

from publisher.model import BodyFormat, Diagnostic, Heading
from publisher.normalizing import (
    code,
    markdown,
    nesting,
    placeholders,
    segments,
    structure,
    templating,
)
from publisher.normalizing.headings import normalize_levels
from publisher.normalizing.sanitize import (
    MAX_DEPTH,
    Scanner,
    Warn,
    apply_url_policy,
    clean,
    tidy_attributes,
    xml_chars,
)
from publisher.normalizing.shortcodes import Page
from publisher.normalizing.tables import fill_headers
from publisher.normalizing.tidy import assign_ids, tidy_text
from publisher.normalizing.tree import line_map, to_xhtml
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


_LONG_WORD = re.compile(f"[^\\s\u200b]{{{limits.WORD_CHARACTERS + 1},}}")
_WORD_PIECE = 100


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
    page: Page | None = None,
) -> Markup:
    """Turn a Markdown or HTML body into sanitized XHTML with its headings, summary and images.

    resolve_image gets a local image path as written (URL-decoded, without query) and returns
    the root-relative path of the file, or None when it escapes the root or does not exist.
    ``page`` is what the template tags of a Markdown body may read (front matter, bundle files).
    """
    found: dict[tuple[int | None, str, str], Diagnostic] = {}

    def warn(line: int | None, code: str, message: str) -> None:
        found.setdefault((line, code, message), Diagnostic(path, line, "warning", code, message))

    text = xml_chars(text.replace("\r\n", "\n").replace("\r", "\n"))
    references: set[str] = set()
    try:
        if body_format == "html":
            html = _prepare_html(text, first_line, warn)
        else:
            text, body_lines, references = templating.expand(text, page or Page(), first_line, warn)
            html = markdown.render(text, lang, first_line, warn, body_lines)
    except markdown.TooManyRows as too_many:
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
    images = apply_url_policy(root, line_of, warn, base_url, resolve_image, references)
    placeholders.label(root, lang)
    tidy_text(root)
    segments.join_lines(root, lang)
    code.split_lines(root)
    _break_long_words(root, line_of, warn)
    structure.drop_end_marks(root)
    title = structure.take_title(root)
    structure.promote_bold_headings(root)
    normalize_levels(root)
    fill_headers(root)
    headings = assign_ids(root, anchor_prefix, markdown.FOOTNOTE_ID, line_of, warn)
    # One block per line, however many were removed between them.
    root.text = root.text if (root.text or "").strip() else None
    for child in root:
        child.tail = child.tail if structure.tail(child) else "\n"
    return Markup(
        body=to_xhtml(root),
        headings=headings,
        summary=structure.summary(root),
        words=len(re.findall(r"\w+(?:['\u2019.-]\w+)*", " ".join(root.itertext()))),
        title=title,
        images=images,
        diagnostics=tuple(sorted(found.values(), key=lambda d: d.line or 0)),
    )


def _unusable(path: str, line: int) -> Markup:
    """The Markup of a body rejected for its tables: empty, with the error."""
    message = f"more than {TABLE_ROWS:,} table rows; split the document"
    error = Diagnostic(path, line, "error", "too-many-rows", message)
    return Markup("", (), "", 0, None, (), (error,))


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
