"""Images a document shows, checked before any backend decodes them: size, pixels, SVG content."""

from __future__ import annotations

import base64
import binascii
import io
import re
import warnings
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import unquote_to_bytes

from PIL import Image

from publisher import css
from publisher.reading import files, limits

RASTER_FORMATS = frozenset({"PNG", "JPEG", "GIF", "WEBP"})
"""Raster formats both backends show, as Pillow names them."""

_SVG = "{http://www.w3.org/2000/svg}"
_XLINK_HREF = "{http://www.w3.org/1999/xlink}href"
# Static drawing only: no scripts, no links out, no embedded images or foreign content, and none
# of the elements (markers, patterns, filters) that repeat their content a number of times the
# file does not bound.
# fmt: off
_SVG_ELEMENTS = frozenset({
    "svg", "g", "defs", "title", "desc", "metadata", "style", "symbol", "use", "path", "rect",
    "circle", "ellipse", "line", "polyline", "polygon", "text", "tspan", "textPath",
    "linearGradient", "radialGradient", "stop", "clipPath", "mask",
})
# fmt: on
# Kept as a pattern over the text, not a tokenizer's view: it refuses a reference even inside a
# CSS comment or string, because parsers we do not control read the SVG (reading systems old and
# new; WeasyPrint tests presentation attributes with ``startswith("url(")``), and refusing a
# harmless image costs one image where a reference missed reaches out of the book.
_EXTERNAL_URL = re.compile(r"url\(\s*['\"]?\s*(?=[^\s'\"#])|@import|expression\(", re.IGNORECASE)
# Functions whose quoted strings are URLs, and those that run code (old Internet Explorer).
_URL_FUNCTIONS = frozenset({"url", "src", "image", "image-set", "-webkit-image-set"})
_SCRIPT_FUNCTIONS = frozenset({"expression"})
_DTD = re.compile(rb"<!(?:DOCTYPE|ENTITY)", re.IGNORECASE)


class Refused(Exception):
    """An image no backend should read; the message says why."""


def check_file(path: Path) -> None:
    """Raise Refused unless the file is an image of a kind, size and content both backends take."""
    try:
        data = files.read(path, limits.IMAGE_BYTES)
    except files.Refused as refused:
        if refused.code == "too-large":
            raise Refused(f"the file is larger than {limits.IMAGE_BYTES // 1_000_000} MB") from None
        raise Refused(str(refused.strerror)) from None
    except OSError as error:
        raise Refused(f"cannot read the file: {error.strerror or error}") from None
    if path.suffix.lower() == ".svg":
        _check_svg(data)
    else:
        _check_raster(data)


def check_data(uri: str) -> None:
    """Raise Refused unless a ``data:`` URI holds a raster image of an allowed size."""
    _check_raster(decode_data(uri, limits.DATA_URI_BYTES)[1])


def decode_data(uri: str, limit: int) -> tuple[str, bytes]:
    """The media type and bytes of a ``data:`` URI; Refused if it is malformed or over ``limit``."""
    header, comma, payload = uri[5:].partition(",")
    size = f"{limit >> 20} MB" if limit >= 1 << 20 else f"{limit >> 10} KB"
    # Percent-encoding at most triples a byte, so longer text cannot decode to an allowed size.
    if not comma or len(payload) > 3 * limit:
        raise Refused(f"not a data: URI of at most {size}")
    params = [p.strip().lower() for p in header.split(";")]
    data = unquote_to_bytes(payload)
    if "base64" in params[1:]:
        try:
            data = base64.b64decode(data, validate=False)
        except (binascii.Error, ValueError):
            raise Refused("the data: URI is not valid base64") from None
    if len(data) > limit:
        raise Refused(f"the image is larger than {size}")
    return params[0] or "text/plain", data


def _check_raster(data: bytes) -> None:
    """Refuse what Pillow cannot identify, or an image whose header declares too many pixels."""
    try:
        # Opening reads the header only; decoding is left to the backends.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                kind, (width, height) = image.format, image.size
    except Image.DecompressionBombError:
        width = height = limits.IMAGE_PIXELS + 1
    except (OSError, ValueError, SyntaxError):
        raise Refused("not a PNG, JPEG, GIF or WebP image") from None
    else:
        if kind not in RASTER_FORMATS:
            raise Refused(f"a {kind} image, not PNG, JPEG, GIF or WebP")
    if width * height > limits.IMAGE_PIXELS:
        megapixels = limits.IMAGE_PIXELS // 1_000_000
        raise Refused(f"the image declares more than {megapixels} million pixels")


def _check_svg(data: bytes) -> None:
    """Refuse an SVG that is not plain, self-contained drawing of a bounded size."""
    # No DTD means no entities at all: neither external ones nor exponential expansion.
    if _DTD.search(data):
        raise Refused("the SVG declares a DTD or entities")
    try:
        root = ET.fromstring(data)
    except ET.ParseError as error:
        raise Refused(f"not well-formed SVG ({error})") from None
    if root.tag != f"{_SVG}svg":
        raise Refused("not an SVG image")
    elements = list(root.iter())
    if len(elements) > limits.SVG_ELEMENTS:
        raise Refused(f"the SVG has more than {limits.SVG_ELEMENTS} elements")
    for element in elements:
        _check_svg_element(element)
    if _depth(root) > limits.HTML_NESTING:
        raise Refused(f"the SVG is nested more than {limits.HTML_NESTING} levels deep")
    if _drawn(root) > limits.SVG_ELEMENTS:
        raise Refused(f"the SVG draws more than {limits.SVG_ELEMENTS} elements with <use>")


def _check_svg_element(element: ET.Element) -> None:
    """Refuse an element that is not static drawing, or that points outside the image."""
    name = str(element.tag).removeprefix(_SVG)
    if name not in _SVG_ELEMENTS:
        raise Refused(f"the SVG uses <{name.split('}')[-1]}>")
    for attribute, value in element.attrib.items():
        local = attribute.split("}")[-1]
        if local.lower().startswith("on"):
            raise Refused(f"the SVG has a script ({local})")
        if local == "href" and not value.strip().startswith("#"):
            raise Refused("the SVG refers to another file")
        if _refers_out(value):
            raise Refused("the SVG refers to another file")
    if name == "style" and _refers_out("".join(element.itertext())):
        raise Refused("the SVG's style refers to another file")


def _refers_out(text: str) -> bool:
    """Whether CSS text (a style sheet, or any attribute) may name a file other than the image.

    The pattern finds references as they are written; a CSS parser also reads those that
    escapes spell (``\\75 rl(``, ``@\\69mport``) and the quoted URLs of ``image-set()``, which
    only a tokenizer sees. Neither can be written without a parenthesis or an at sign.
    """
    if _EXTERNAL_URL.search(text):
        return True
    if "(" not in text and "@" not in text:
        return False
    return any(map(_names_file, css.walk(css.parse(text))))


def _names_file(value: css.Node) -> bool:
    """Whether a CSS value names a resource outside the image, or runs a script."""
    if value.type == "url":
        return _outside(value.value)
    if value.type == "at-keyword":
        return bool(value.lower_value == "import")
    if css.is_function(value, *_SCRIPT_FUNCTIONS):
        return True
    if css.is_function(value, *_URL_FUNCTIONS):
        return any(v.type == "string" and _outside(v.value) for v in value.arguments)
    return False


def _outside(url: str) -> bool:
    """Whether a URL names something other than a part of the image itself."""
    url = url.strip()
    return bool(url) and not url.startswith("#")


def _depth(root: ET.Element) -> int:
    """How deep elements nest under root (root alone is 1)."""
    deepest, level = 0, [(root, 1)]
    while level:
        element, depth = level.pop()
        deepest = max(deepest, depth)
        level.extend((child, depth + 1) for child in element)
    return deepest


def _drawn(root: ET.Element) -> int:
    """How many elements are drawn, each <use> counted as the elements it repeats.

    Ten nested groups of ten <use> each draw ten billion rectangles from a 3 KB file.
    """
    ids = {element.get("id"): element for element in root.iter() if element.get("id")}
    counts: dict[int, int] = {}
    busy: set[int] = set()
    stack: list[tuple[ET.Element, bool]] = [(root, False)]
    while stack:
        element, done = stack.pop()
        parts = list(element)
        if str(element.tag) == f"{_SVG}use":
            target = ids.get((element.get("href") or element.get(_XLINK_HREF) or "")[1:])
            parts += [target] if target is not None else []
        if done:
            busy.discard(id(element))
            total = 1 + sum(counts[id(part)] for part in parts)
            counts[id(element)] = min(total, limits.SVG_ELEMENTS + 1)
            continue
        if id(element) in busy:
            raise Refused("the SVG uses itself")
        if id(element) in counts:
            continue
        busy.add(id(element))
        stack.append((element, True))
        stack.extend((part, False) for part in parts if id(part) not in counts)
    return counts[id(root)]
