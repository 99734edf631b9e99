"""Markdown → HTML (markdown-it-py): CommonMark with tables, footnotes and typographic quotes.

Blocks are marked with their line in the file, so that the tree passes after it can locate what
they report; raw HTML is scanned on the way for what the sanitizer will remove.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.footnote import footnote_plugin

from publisher.normalizing import admonitions, attributes, code, emphasis
from publisher.normalizing.sanitize import MAX_DEPTH, Scanner, Warn, check_url
from publisher.normalizing.tree import LINE_ATTR
from publisher.reading import limits
from publisher.reading.limits import TABLE_ROWS

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
_CONTAINER = re.compile(r"(?:[ \t]*(?:>|(?:[-+*]|\d{1,9}[.)])(?=[ \t]|$)))+[ \t]*")
FOOTNOTE_ID = re.compile(r"fn(ref)?-\d+(-\d+)?")
# markdown-it drops what is nested deeper (and recurses per level, so this bounds the stack too).
_MAX_NESTING = limits.MARKDOWN_NESTING
_DELIMITER_ROW = re.compile(r"[ \t]*\|?[ \t]*:?-+:?[ \t]*(?:\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*")


class TooManyRows(Exception):
    """The body's tables have more rows than allowed; it is rejected before it is parsed."""

    def __init__(self, line: int) -> None:
        super().__init__(line)
        self.line = line


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
                raise TooManyRows(first_line + number)
        elif "|" in line and "-" in line and _DELIMITER_ROW.fullmatch(line):
            in_table = True


class _Markdown(MarkdownIt):
    """CommonMark that lets every link through: the sanitizer judges URLs and warns."""

    def validateLink(self, url: str) -> bool:
        """Accept a URL, so that a bad one is unwrapped to its text instead of shown as source."""
        return True


@lru_cache(maxsize=32)
def _markdown(quotes: str, html: bool) -> MarkdownIt:
    """A parser for one set of quotation marks, with or without raw HTML."""
    options = {"html": html, "typographer": True, "quotes": quotes, "maxNesting": _MAX_NESTING}
    options["highlight"] = code.highlight
    md = _Markdown("commonmark", options)
    # Typographer "replacements" would turn the "(c)" of legal clauses into ©; only quotes change.
    md.enable(["table", "strikethrough", "smartquotes"])
    # Prose indented four spaces is not code in these documents; fenced code still is.
    md.disable("code")
    md.use(footnote_plugin)
    admonitions.setup(md)
    attributes.setup(md)
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


def render(
    text: str, lang: str, first_line: int, warn: Warn, lines: Sequence[int] | None = None
) -> str:
    """Render Markdown to HTML, marking blocks with their file line and scanning raw HTML.

    ``lines`` gives the body line of each line of text, when text is not the body as written.
    """
    _check_table_lines(text, first_line)
    text = emphasis.repair(_BLANKISH.sub("", text))
    md = _markdown(_quotes(lang), True)
    # Admonition labels are in the document's language.
    env: dict[str, Any] = {"lang": lang}
    tokens = md.parse(text, env)
    if max((token.level for token in tokens), default=0) >= _MAX_NESTING - 1:
        # markdown-it drops everything after the block that nests too deep, not just that block.
        message = f"Markdown nested over {_MAX_NESTING} levels: lists and quotes made paragraphs"
        warn(first_line, "nesting-too-deep", message)
        text = _flatten(text)
        env = {"lang": lang}
        tokens = md.parse(text, env)
    if _mark_lines(tokens, first_line, warn, lines) > MAX_DEPTH:
        warn(first_line, "nesting-too-deep", f"raw HTML nested over {MAX_DEPTH} levels as text")
        md = _markdown(_quotes(lang), False)
        env = {"lang": lang}
        tokens = md.parse(text, env)
        _mark_lines(tokens, first_line, warn, lines)
    html: str = md.renderer.render(tokens, md.options, env)
    return html


def _mark_lines(
    tokens: Sequence[Token], first_line: int, warn: Warn, lines: Sequence[int] | None
) -> int:
    """Mark blocks with their file line, warn about what the sanitizer will remove; HTML depth."""
    scanner = Scanner(warn)
    for token in tokens:
        if not token.map:
            continue
        at = token.map[0]
        line = first_line + (lines[min(at, len(lines) - 1)] if lines else at)
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


def _render_html_block(_: Any, tokens: Sequence[Token], idx: int, *__: Any) -> str:
    """Raw HTML after an empty marker element that carries its line for the tree passes."""
    line = tokens[idx].meta.get("line")
    return (f'<span {LINE_ATTR}="{line}"></span>' if line else "") + tokens[idx].content


def _footnote_ids(token: Token) -> tuple[str, str]:
    """Ids of a footnote and of one of its references, matching FOOTNOTE_ID."""
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
