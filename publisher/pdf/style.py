"""The part of the print style that depends on the publication: paper, page labels, QR codes."""

from __future__ import annotations

import string

import segno

from publisher import i18n
from publisher.model import Compilation
from publisher.rendering import render
from publisher.rendering.options import OutputOptions, Paper

LETTER_REGIONS = frozenset({"US", "CA", "MX", "PH", "CL", "CO", "VE", "CR", "GT", "SV", "PR"})
"""Regions where Letter is the usual paper; a bare ``en`` counts as the United States."""
QR_SIZE_MM = 18
"""Printed width of a QR code: large enough for a phone camera at reading distance."""

HEAD_CHARS = 80
"""Longest title printed whole in a running head; longer ones are cut at a word."""

_FRONT_PARTS = ".glance, .toc, .section-divider, .sources, .colophon"


def paper(compilation: Compilation, options: OutputOptions) -> Paper:
    """The paper size asked for, or the usual one for the compilation's language region."""
    if options.paper is not None:
        return options.paper
    subtags = compilation.lang.replace("_", "-").split("-")
    regions = [tag.upper() for tag in subtags[1:] if len(tag) == 2 or tag.isdigit()]
    if regions:
        return "letter" if regions[0] in LETTER_REGIONS else "a4"
    return "letter" if subtags[0].lower() == "en" else "a4"


def generated(compilation: Compilation, options: OutputOptions) -> str:
    """CSS for this publication: page size, running heads, "Page N of M" per language, QR codes."""
    labels = options.theme.labels
    book_label = _page_label(labels, compilation.lang)
    rules = [
        f"@page {{ size: {paper(compilation, options)}; }}",
        f".title-page {{ string-set: book-title {_string(compilation.title)}, {book_label}; }}",
        f"{_FRONT_PARTS} {{ string-set: {book_label}; }}",
    ]
    for doc in compilation.documents:
        strings = f"doc-title {_string(doc.title)}, {_page_label(labels, doc.lang)}"
        rules.append(f"#{_ident(render.part_name(doc))} {{ string-set: {strings}; }}")
    if options.qr:
        for url in sorted({doc.source_url for doc in compilation.documents if doc.source_url}):
            selector = f'.doc-source a.source-link[href="{_css_escape(url)}"]::before'
            rules.append(f'{selector} {{ content: url("{_css_escape(_qr(url))}"); }}')
    return "\n".join(rules) + "\n"


def _string(text: str) -> str:
    """A title as a quoted CSS string for a running head, cut at a word near ``HEAD_CHARS``."""
    text = " ".join(text.split())
    if len(text) > HEAD_CHARS:
        text = text[: HEAD_CHARS + 1].rsplit(" ", 1)[0].rstrip(",;:-\u2013\u2014 ") + "\u2026"
    return f'"{_css_escape(text)}"'


def _page_label(labels: i18n.Labels, lang: str) -> str:
    """``string-set`` values that spell a language's "Page {page} of {pages}" around counters.

    The margin box prints before, page, between, pages, after; a label that puts the total
    first cannot be spelled that way and falls back to English.
    """
    pieces = list(string.Formatter().parse(labels.pattern(lang, "page_of")))
    fields = [name for _, name, _, _ in pieces if name is not None]
    if fields != ["page", "pages"]:
        pieces = list(string.Formatter().parse(i18n.BUILTIN.pattern("en", "page_of")))
    texts = [literal for literal, _, _, _ in pieces]
    before, between = texts[0], texts[1]
    after = texts[2] if len(texts) > 2 else ""
    return ", ".join(
        f'{name} "{_css_escape(text)}"'
        for name, text in (
            ("page-before", before),
            ("page-between", between),
            ("page-after", after),
        )
    )


def _qr(url: str) -> str:
    """A QR code of the URL as an SVG data: URI, ``QR_SIZE_MM`` wide."""
    code = segno.make(url, error="m")
    modules = code.symbol_size(scale=1, border=2)[0]
    uri: str = code.svg_data_uri(scale=QR_SIZE_MM / modules, unit="mm", border=2)
    return uri


def _css_escape(text: str) -> str:
    """Text safe inside a double-quoted CSS string in a style sheet."""
    out = []
    for ch in text:
        if ch in '"\\' or ord(ch) < 0x20 or ch in "<>\x7f":
            out.append(f"\\{ord(ch):x} ")
        else:
            out.append(ch)
    return "".join(out)


def _ident(name: str) -> str:
    """A name as a CSS identifier (for an id selector)."""
    out = [
        ch if ch.isascii() and (ch.isalnum() or ch in "-_") else f"\\{ord(ch):x} " for ch in name
    ]
    if name[:1].isdigit() or name[:2] == "--" or (name[:1] == "-" and name[1:2].isdigit()):
        out[0] = f"\\{ord(name[0]):x} "
    return "".join(out)
