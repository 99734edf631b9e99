"""Untrusted HTML → safe element tree: the allowlist, nesting limits and URL policy."""

from __future__ import annotations

import re
from collections.abc import Callable, Collection
from html.parser import HTMLParser
from pathlib import PurePosixPath
from urllib.parse import quote, unquote, urljoin, urlsplit
from xml.etree.ElementTree import Element

import nh3

from publisher.normalizing import code, placeholders
from publisher.normalizing.images import Refused, check_data
from publisher.normalizing.tree import (
    ID_ATTR,
    LINE_ATTR,
    REF_ATTR,
    VOID,
    Replacement,
    bottom_up,
    splice,
    unwrap,
)
from publisher.reading import limits

Warn = Callable[[int | None, str, str], None]
"""Report a problem: (file line or None, diagnostic code, message)."""
MAX_DEPTH = limits.HTML_NESTING
"""Deepest element nesting kept; html5ever slows down quadratically on deeper raw HTML."""

# Tag tables read better filled than one name per line.
# fmt: off
TAGS = frozenset({
    "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "em", "strong", "b", "i", "u", "s",
    "del", "ins", "sup", "sub", "small", "mark", "q", "cite", "abbr", "code", "pre", "kbd",
    "blockquote", "ul", "ol", "li", "dl", "dt", "dd", "a", "img", "figure", "figcaption",
    "table", "caption", "colgroup", "col", "thead", "tbody", "tfoot", "tr", "th", "td", "span",
    "section", "aside",
})
# Removed with their content: what is inside is code, widgets or drawings, not text for a reader.
_DROP_CONTENT = frozenset({
    "script", "style", "iframe", "object", "embed", "svg", "template", "textarea", "select",
    "title", "frame", "frameset", "applet", "noembed", "noframes", "button",
})
# Not counted when measuring nesting: their end tag is optional, the next one closes the last.
_IMPLIED_END = frozenset({
    "p", "li", "dt", "dd", "tr", "td", "th", "thead", "tbody", "tfoot", "colgroup", "caption",
    "option",
})
# fmt: on
_UNSAFE = _DROP_CONTENT | {
    *("form", "input", "button", "base", "link", "meta", "math"),
    *("video", "audio", "source", "track", "canvas", "map", "area", "portal"),
}
# Attributes that load something else, dropped from the elements that are kept.
_RESOURCE_ATTRIBUTES = frozenset({"srcset", "background", "poster", "lowsrc", "dynsrc", "ping"})
_ATTRIBUTES = {
    "*": {LINE_ATTR, ID_ATTR},
    "a": {"href", "title", "id"},
    "abbr": {"title"},
    "img": {"src", "alt", "title", "width", "height"},
    "col": {"span"},
    "colgroup": {"span"},
    "th": {"colspan", "rowspan"},
    "td": {"colspan", "rowspan"},
    "ol": {"start"},
    "li": {"id"},
    "span": {"style"},
}
# DPUB-ARIA roles let footnotes be styled and announced without class attributes.
_ATTRIBUTE_VALUES = {
    "th": {"scope": {"row", "col", "rowgroup", "colgroup"}},
    "a": {"role": {"doc-noteref", "doc-backlink"}},
    "section": {"role": {"doc-endnotes"}},
    "aside": {"role": {"note"}},
}
# The classes the styles give a meaning to, those of admonitions and shortcodes; any other class
# (an attribute list's, raw HTML's) means nothing here and goes.
_CLASSES = {
    "aside": {"admonition", "note", "tip", "important", "warning", "caution"},
    "p": {"admonition-title"},
    "figure": {"embed", "gallery"},
    # Pygments' token classes, on the spans the highlighter wraps tokens of code in.
    "span": set(code.CLASSES),
}
# Kept only long enough to turn <span style="text-decoration: underline"> into <u>.
_STYLES = {"text-decoration", "text-decoration-line", "font-weight", "font-style"}
_SCHEMES = {"a": {"http", "https", "mailto"}, "img": {"http", "https", "data"}}
_NUMERIC = {"width", "height", "colspan", "rowspan", "span", "start"}
_DOCUMENT_SUFFIXES = frozenset({".md", ".markdown"})
_DATA_IMAGE = re.compile(r"data:image/(png|jpeg|gif|webp)(;[\w=.+-]+)*,", re.I)
# XML 1.0 forbids C0 controls but tab/LF/CR, lone surrogates and U+FFFE/U+FFFF.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_C0_AND_SPACE = "".join(map(chr, range(0x21)))


def xml_chars(text: str) -> str:
    """Replace the characters XML 1.0 cannot hold: form feeds become spaces, the rest go."""
    return _NOT_XML.sub(lambda m: " " if m.group() in "\x0b\x0c" else "", text)


def url_scheme(url: str) -> str:
    """Lower-cased scheme of a URL the way browsers read it, or "" for a relative URL."""
    url = re.sub(r"[\t\n\r]", "", url).strip(_C0_AND_SPACE)
    match = re.match(r"([A-Za-z][A-Za-z0-9+.-]*):", url)
    return match.group(1).lower() if match else ""


def check_url(tag: str, url: str, line: int | None, warn: Warn) -> None:
    """Warn about a link (tag "a") or image ("img") URL whose scheme nh3 is going to strip."""
    scheme = url_scheme(url)
    if scheme and scheme not in _SCHEMES.get(tag, _SCHEMES["a"]):
        warn(line, "unsafe-url", f"removed {scheme}: {'image' if tag == 'img' else 'link'}")


class Scanner(HTMLParser):
    """Finds, with their lines, the elements, attributes and URLs that nh3 will remove."""

    def __init__(self, warn: Warn) -> None:
        super().__init__(convert_charrefs=True)
        self.warn = warn
        self.first_line = 1
        self.depth = 0
        self.max_depth = 0

    def scan(self, html: str, first_line: int) -> None:
        """Scan one piece of raw HTML starting on first_line; the nesting depth carries over."""
        self.reset()
        self.first_line = first_line
        try:
            self.feed(html)
            self.close()
        except AssertionError:
            # html.parser's markupbase asserts on malformed "<![" sections; the scan only advises,
            # nh3 (html5ever) still parses and sanitizes the same text.
            pass

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._check(tag, attrs)
        if tag not in VOID and tag not in _IMPLIED_END:
            self.depth += 1
            self.max_depth = max(self.max_depth, self.depth)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._check(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag not in VOID and tag not in _IMPLIED_END:
            self.depth = max(0, self.depth - 1)

    def _check(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Warn about the tag or its attributes if nh3 is going to remove them."""
        line = self.first_line + self.getpos()[0] - 1
        if tag in _UNSAFE:
            self.warn(line, "unsafe-html", f"removed <{tag}> element")
        for name, value in attrs:
            if name.startswith("on"):
                self.warn(line, "unsafe-html", f"removed {name} attribute from <{tag}>")
            elif name in ("href", "src") and value and tag in TAGS:
                check_url(tag, value, line, self.warn)
            elif (
                name in _RESOURCE_ATTRIBUTES
                and value
                and tag in TAGS
                # An image with a src is reported for that (if at all): srcset only adds sizes.
                and (name != "srcset" or not dict(attrs).get("src"))
            ):
                self.warn(line, "unsafe-html", f"removed {name} attribute from <{tag}>")


def clean(html: str) -> tuple[Element, bool]:
    """Sanitize with nh3 and parse into a tree under a <div>; True if nesting had to be cut."""
    safe = nh3.clean(
        xml_chars(html),
        tags=set(TAGS),
        clean_content_tags=set(_DROP_CONTENT),
        attributes=_ATTRIBUTES,
        tag_attribute_values=_ATTRIBUTE_VALUES,
        allowed_classes=_CLASSES,
        link_rel=None,
        url_schemes=_SCHEMES["a"] | _SCHEMES["img"],
        filter_style_properties=_STYLES,
    )
    builder = _Builder()
    builder.feed(safe)
    builder.close()
    return builder.root, builder.cut


class _Builder(HTMLParser):
    """Builds an ElementTree from nh3's balanced output, cutting nesting at MAX_DEPTH."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Element("div")
        self.stack = [self.root]
        self.cut_tags: list[str] = []
        self.cut = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.cut_tags or len(self.stack) > MAX_DEPTH:
            self.cut = True
            if tag not in VOID:
                self.cut_tags.append(tag)
            return
        element = Element(tag, {name: xml_chars(value or "") for name, value in attrs})
        self.stack[-1].append(element)
        if tag not in VOID:
            self.stack.append(element)

    def handle_endtag(self, tag: str) -> None:
        if self.cut_tags:
            if self.cut_tags[-1] == tag:
                self.cut_tags.pop()
        elif len(self.stack) > 1 and self.stack[-1].tag == tag:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        parent = self.stack[-1]
        if len(parent):
            parent[-1].tail = (parent[-1].tail or "") + xml_chars(data)
        else:
            parent.text = (parent.text or "") + xml_chars(data)


def tidy_attributes(root: Element) -> None:
    """Turn styled spans into <u>, <s>, <strong>, <em>; drop bad numbers, styles, line marks and
    empty classes."""
    for element in root.iter():
        element.attrib.pop(LINE_ATTR, None)
        if not element.get("class", "x").strip():
            del element.attrib["class"]  # nh3 leaves the attribute when it drops every class
        style = element.attrib.pop("style", "").replace(" ", "").lower()
        if element.tag == "span" and style:
            if "underline" in style:
                element.tag = "u"
            elif "line-through" in style:
                element.tag = "s"
            elif "font-weight:bold" in style or "font-weight:700" in style:
                element.tag = "strong"
            elif "font-style:italic" in style:
                element.tag = "em"
        for name in _NUMERIC & element.attrib.keys():
            number = r"-?\d{1,6}" if name == "start" else r"\d{1,6}"
            if not re.fullmatch(number, element.get(name, "")):
                del element.attrib[name]


def apply_url_policy(
    root: Element,
    line_of: Callable[[Element], int | None],
    warn: Warn,
    base_url: str | None,
    resolve_image: Callable[[str], str | None] | None,
    references: Collection[str] = (),
) -> tuple[str, ...]:
    """Keep safe absolute links, resolve relative ones, keep only local images; return those.

    A link to another document (a Markdown file, or one of ``references``) is marked with
    ``REF_ATTR`` for the assembling stage, which knows where that document ends up.
    """
    images: list[str] = []
    named = {unquote(reference) for reference in references}

    def decide(child: Element) -> Replacement:
        if child.tag == "a":
            return _link(child, line_of, warn, base_url, named)
        if child.tag == "img":
            return _image(child, line_of, warn, resolve_image, images)
        return child

    for parent in bottom_up(root):
        splice(parent, decide)
    return tuple(dict.fromkeys(images))


def _link(
    a: Element,
    line_of: Callable[[Element], int | None],
    warn: Warn,
    base: str | None,
    references: set[str],
) -> Replacement:
    """The link kept, made absolute, marked as naming a document, or unwrapped to its text."""
    href = a.get("href", "").strip()
    scheme = url_scheme(href)
    if href.startswith("#") or scheme in ("http", "https", "mailto"):
        return a
    if not href or scheme:
        return unwrap(a)  # nh3 stripped a bad URL (the scan warned) or kept a data: URL
    shortcode = unquote(href) in references
    if shortcode or PurePosixPath(urlsplit(href).path).suffix.lower() in _DOCUMENT_SUFFIXES:
        a.set(REF_ATTR, unquote(href))
        line = line_of(a)
        if line is not None:
            a.set(LINE_ATTR, str(line))  # for a warning when the document is nowhere
        # Where the document is not in the compilation, a Markdown file's link still has the
        # address the site gives it; a shortcode's has none until the document is found.
        fallback = "" if shortcode or not base else urljoin(base, href)
        if url_scheme(fallback) in ("http", "https"):
            a.set("href", fallback)
        else:
            del a.attrib["href"]
        return a
    try:
        href = "https:" + href if href.startswith("//") else urljoin(base or "", href)
    except ValueError:  # urljoin's reply to a malformed IPv6 host
        href = ""
    if url_scheme(href) not in ("http", "https"):
        message = f"link to {a.get('href')!r} has no base URL; kept as text"
        warn(line_of(a), "relative-link", message)
        return unwrap(a)
    a.set("href", href)
    return a


def _image(
    img: Element,
    line_of: Callable[[Element], int | None],
    warn: Warn,
    resolve: Callable[[str], str | None] | None,
    images: list[str],
) -> Replacement:
    """The image kept with its resolved path, or a placeholder with its alt text or name."""
    src = img.get("src", "").strip()
    scheme = url_scheme(src)
    img.attrib.setdefault("alt", "")  # required in (X)HTML; empty marks a decorative image
    if scheme in ("http", "https") or src.startswith("//"):
        warn(line_of(img), "remote-image", f"remote image {src!r} not fetched; alt text kept")
    elif scheme == "data":
        what = f"{src[5 : src.find(',')] or src[5:20]}, {len(src) // 1024} KB"
        try:
            if not _DATA_IMAGE.match(src):
                raise Refused("not PNG, JPEG, GIF or WebP")
            check_data(src)
            return img
        except Refused as refusal:
            warn(line_of(img), "data-uri", f"data: image ({what}) not used: {refusal}")
    elif src and not scheme:
        path = unquote(urlsplit(src).path)
        try:
            found = resolve(path) if resolve and path else None
        except Refused as refusal:
            warn(line_of(img), "image-refused", f"image {path!r} not used: {refusal}")
        else:
            if found:
                images.append(found)
                img.set("src", quote(found, safe="/!$&'()*+,;=:@-._~"))
                return img
            message = f"image {path!r} is not a file under the source root"
            warn(line_of(img), "image-missing", message)
    return "", [placeholders.placeholder(img.get("alt", ""), src)]
