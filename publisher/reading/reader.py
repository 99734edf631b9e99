"""Bytes → RawDocument: read, decode, clean, split the front matter; no interpretation of fields."""

from __future__ import annotations

import codecs
import re
from collections.abc import Mapping
from pathlib import Path

from publisher.model import BodyFormat, Diagnostic, RawDocument
from publisher.reading import files, front_matter, limits
from publisher.reading.problems import Note, Unusable, line_at

BODY_FORMATS: Mapping[str, BodyFormat] = {
    ".md": "markdown",
    ".markdown": "markdown",
    ".txt": "markdown",
    ".html": "html",
    ".htm": "html",
}
MAX_BYTES = limits.DOCUMENT_BYTES
"""Largest source file read."""

# UTF-32 comes first because its little-endian BOM begins with UTF-16's.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le", "UTF-32"),
    (codecs.BOM_UTF32_BE, "utf-32-be", "UTF-32"),
    (codecs.BOM_UTF8, "utf-8", "UTF-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le", "UTF-16"),
    (codecs.BOM_UTF16_BE, "utf-16-be", "UTF-16"),
)
_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"%PDF-", "a PDF file"),
    (b"PK\x03\x04", "a ZIP archive (or a DOCX, ODT or EPUB)"),
)
# XML 1.0 §2.2 cannot hold these, so neither can an EPUB or the PDF's source. CR is gone by then.
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# XML allows DEL and the C1 controls, but YAML does not, and in text they are only ever the debris
# of a wrong decoding (cp1252's "…" read as Latin-1 is U+0085).
_C1 = re.compile("[\x7f-\x9f]")


def read(path: Path, root: Path) -> tuple[RawDocument | None, list[Diagnostic]]:
    """Split one source file into front matter and body, or say why it cannot be used."""
    return parse(path, root, None)


def parse(
    path: Path, root: Path, data: bytes | None
) -> tuple[RawDocument | None, list[Diagnostic]]:
    """``read``, of the bytes given when they were read already: a caller keys what it parses."""
    rel = path.relative_to(root).as_posix()
    body_format = BODY_FORMATS.get(path.suffix.lower())
    try:
        if body_format is None:
            known = ", ".join(BODY_FORMATS)
            raise Unusable(None, "unsupported-format", f"not a document type read here ({known})")
        text, notes = _clean(_decode(_read_bytes(path) if data is None else data))
        front = front_matter.split(text)
    except Unusable as unusable:
        line, code, message = unusable.note
        return None, [Diagnostic(rel, line, "error", code, message)]
    if front is None:
        message = "no front matter; title taken from the first heading or the file name"
        notes.append(Note(1, "no-front-matter", message))
        doc = RawDocument(rel, root, {}, text, body_format, 1, {}, has_front_matter=False)
    else:
        notes += front.notes
        doc = RawDocument(
            rel, root, front.meta, front.body, body_format, front.body_line, front.key_lines
        )
    return doc, [Diagnostic(rel, line, "warning", code, message) for line, code, message in notes]


def contents(path: Path) -> bytes | None:
    """The bytes ``read`` would parse, or None when it would report that they cannot be read."""
    try:
        return _read_bytes(path)
    except Unusable:
        return None


def _read_bytes(path: Path) -> bytes:
    """The file's bytes: a regular file only, refused past the size cap without reading it all."""
    try:
        return files.read(path, MAX_BYTES)
    except files.Refused as refused:
        if refused.code == "too-large":
            message = f"larger than {MAX_BYTES // 1_000_000} MB; split it up"
            raise Unusable(None, "too-large", message) from None
        raise Unusable(None, refused.code, f"cannot read the file: {refused.strerror}") from None
    except OSError as exc:
        message = f"cannot read the file: {exc.strerror or exc}"
        raise Unusable(None, "read-error", message) from None


def _decode(data: bytes) -> str:
    """Decode by BOM (UTF-8 without one), with newlines normalized to ``\\n``."""
    for magic, kind in _MAGIC:
        if data.startswith(magic):
            raise Unusable(None, "binary-file", f"this is {kind}, not a text document")
    bom, codec, name = next((b for b in _BOMS if data.startswith(b[0])), (b"", "utf-8", "UTF-8"))
    if codec == "utf-8" and b"\0" in data:
        message = "contains NUL bytes: a binary file, or UTF-16 saved without a byte-order mark"
        raise Unusable(None, "binary-file", message)
    content = data[len(bom) :]
    # Lone UTF-16 surrogates get through here and are then dropped with the XML-forbidden ones.
    errors = "strict" if codec == "utf-8" else "surrogatepass"
    try:
        text = content.decode(codec, errors)
    except UnicodeDecodeError as exc:
        line = _newlines(content[: exc.start].decode(codec, errors)).count("\n") + 1
        # The offset counts from 0 and includes the BOM, as a hex editor shows it.
        message = f"not valid {name} at byte {len(bom) + exc.start}; save the file as UTF-8"
        raise Unusable(line, "decode-error", message) from None
    return _newlines(text)


def _newlines(text: str) -> str:
    """Turn CRLF and lone CR into LF."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _clean(text: str) -> tuple[str, list[Note]]:
    """Drop characters XML forbids and refuse a text with nothing in it."""
    notes: list[Note] = []
    if first := _FORBIDDEN.search(text):
        line = line_at(text, first.start())
        text, count = _FORBIDDEN.subn("", text)
        message = f"removed {count} character(s) XML cannot hold, the first U+{ord(first[0]):04X}"
        notes.append(Note(line, "control-characters", message))
    if first := _C1.search(text):
        line = line_at(text, first.start())
        text, count = _C1.subn("", text)
        message = f"removed {count} control character(s), the first U+{ord(first[0]):04X}"
        notes.append(Note(line, "control-characters", message))
    if not text.strip():
        raise Unusable(None, "empty-file", "the file is empty")
    if (lost := text.find("\ufffd")) >= 0:
        message = "contains U+FFFD, the mark of text lost in an earlier conversion"
        notes.append(Note(line_at(text, lost), "replacement-character", message))
    return text, notes
