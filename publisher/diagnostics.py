"""Every diagnostic code, and the filters that choose which diagnostics a build reports."""

from __future__ import annotations

import difflib
from collections.abc import Collection, Iterable

from publisher.model import Diagnostic, Document

CODES: dict[str, str] = {
    # Reading: files → raw documents.
    "source-missing": "a source path or glob names no file",
    "file-name-encoding": "a file name that is not text",
    "symlink-escape": "a link that leads out of the source folder",
    "unsupported-format": "a file of a type not read",
    "binary-file": "a file that is not text",
    "read-error": "a file that cannot be read",
    "not-regular-file": "a device, pipe or folder where a file was expected",
    "too-large": "a file past the size limit",
    "decode-error": "bytes that are not text in the encoding found",
    "empty-file": "an empty file",
    "control-characters": "characters XML cannot hold, removed",
    "replacement-character": "text that lost characters to decoding",
    "no-front-matter": "a document without front matter",
    "front-matter-invalid": "front matter that does not parse",
    "front-matter-not-mapping": "front matter that is not a table",
    "front-matter-too-large": "front matter past the size limit",
    "front-matter-unterminated": "front matter that never closes",
    "duplicate-key": "a front-matter key given twice",
    "yaml-aliases": "YAML aliases, refused",
    # Normalizing: front matter and bodies.
    "title-missing": "no title in front matter",
    "title-empty": "an empty title",
    "title-bidi": "bidirectional overrides removed from a title",
    "bad-title": "a title that is not text",
    "bad-lang": "a language that is not a BCP 47 tag",
    "bad-date": "a date that is not a date",
    "bad-source-url": "a source URL that is not http(s)",
    "bad-authors": "an author entry that cannot be used",
    "bad-tags": "a tag that is not text",
    "bad-translation-key": "a translation_key that is not text",
    "bad-translation-of": "a translation_of that is not text",
    "unsafe-html": "raw HTML removed by the sanitizer",
    "unsafe-url": "a link or image with a scheme that is not allowed",
    "relative-link": "a link to a file that is not in the publication",
    "broken-anchor": "a link to an anchor that does not exist",
    "remote-image": "an image on the web, not fetched",
    "data-uri": "a data: image not used",
    "image-missing": "an image file that is not there",
    "image-refused": "an image file that cannot be used",
    "long-word": "a word too long to break",
    "nesting-too-deep": "markup nested too deep, flattened",
    "too-many-rows": "a table past the row limit",
    "unknown-shortcode": "a shortcode with no snippet",
    "shortcode-broken": "a shortcode that does not parse",
    "shortcode-snippet": "a project snippet that failed",
    "include-missing": "an include that names no file",
    "include-too-deep": "includes nested too deep",
    "param-missing": "a param shortcode naming no front-matter value",
    # Assembling.
    "translation-duplicate": "two documents for one language of one entry",
    "translation-conflict": "translation_of and translation_key that disagree",
    "translation-cycle": "translation_of that goes round in a circle",
    "translation-missing": "translation_of naming no document in the set",
    "translation-unpaired": "a document without the translation a bilingual layout wants",
    "reference-missing": "a link to a document not in the publication",
    "empty-publication": "a selection that holds no document",
    "duplicate-document": "the same document twice (same identity, or nearly the same text)",
    "no-earlier-release": "what is new asked for, with no earlier release to compare with",
    # Rendering and writing.
    "image-not-embedded": "an image the cover cannot use",
    "link-unresolved": "a link the EPUB cannot resolve",
    "style-resource": "a style sheet resource that cannot be used",
    "parallel-in-epub": "the parallel layout asked of an EPUB",
    "epub-bad-body": "a document body the EPUB cannot hold",
    "cover-unusable": "a cover image that cannot be used",
    "pdf-refused": "a resource the PDF fetcher refused",
    "pdf-resource": "a resource WeasyPrint could not load",
    "pdf-engine": "a message from WeasyPrint",
    "pdf-glyph-missing": "characters no font has",
    "pdf-subsetter": "fonts subset with the slower fontTools",
    "pdf-ua-artifact": "PDF/UA: content outside the structure",
    "pdf-ua-lang": "PDF/UA: a missing language",
    "pdf-ua-scope": "PDF/UA: a table header without scope",
    "pdf-ua-headings": "PDF/UA: a skipped heading level",
    "pdf-ua-table-headers": "PDF/UA: a table without headers",
    "output-failed": "an output that could not be written",
    "cache-corrupt": "a damaged cache entry, dropped",
    # Configuration.
    "config-syntax": "publisher.toml is not TOML",
    "config-encoding": "publisher.toml is not UTF-8",
    "config-type": "a config value of the wrong type",
    "config-value": "a config value that cannot be used",
    "config-missing": "a required config key is missing",
    "config-unknown-key": "a config key that is not known",
    "config-locales": "a project catalog that cannot be used",
    "unknown-code": "a diagnostic code to ignore that is not known",
    # Validating the outputs.
    "output-missing": "an output to validate that is not there",
    "output-format": "an output of a format not validated",
    "epubcheck-missing": "EPUBCheck is not installed",
    "epubcheck-failed": "EPUBCheck did not run",
    "ace-missing": "Ace by DAISY is not installed",
    "ace-failed": "Ace by DAISY did not run",
    "pdf-empty": "a PDF with no page",
    "pdf-damaged": "a PDF that does not parse cleanly",
    "pdf-unreadable": "a PDF that does not open",
}
"""Each code a diagnostic may carry, with what it means."""

FAMILIES: tuple[str, ...] = ("epubcheck-", "ace-")
"""Prefixes of the codes that the validators name after their own messages and rules."""


def known(code: str) -> bool:
    """Whether a code is one a diagnostic may carry."""
    return code in CODES or code.startswith(FAMILIES)


def unknown(code: str) -> str:
    """The message for a code that is not known, with the nearest known one for a near miss."""
    hint = difflib.get_close_matches(code, CODES, n=1)
    return f"{code!r} is not a diagnostic code" + (f"; did you mean {hint[0]!r}?" if hint else "")


def without(diagnostics: Iterable[Diagnostic], ignore: Collection[str]) -> list[Diagnostic]:
    """The diagnostics whose code is not ignored."""
    return [d for d in diagnostics if d.code not in ignore]


def about(
    diagnostics: Iterable[Diagnostic], read: Iterable[Document], included: Iterable[Document]
) -> list[Diagnostic]:
    """The diagnostics that concern a publication of the ``included`` documents.

    Those about a document that was ``read`` but left out go; the rest stay: those about the
    included documents, and those about the project or a file that did not become a document
    (which a selection might have held).
    """
    left_out = {d.path for d in read} - {d.path for d in included}
    return [d for d in diagnostics if d.path not in left_out]
