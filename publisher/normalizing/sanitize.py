"""Untrusted HTML → safe element tree → well-formed XHTML: the allowlist, URL policy and ids."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from html.parser import HTMLParser
from urllib.parse import quote, unquote, urljoin, urlsplit
from xml.etree.ElementTree import Element

import nh3

from publisher.model import Heading
from publisher.normalizing.images import Refused, check_data
from publisher.reading import limits

Warn = Callable[[int | None, str, str], None]
"""Report a problem: (file line or None, diagnostic code, message)."""
Replacement = Element | tuple[str, list[Element]]
"""What `splice` puts in place of a child: an element, or text and elements (the tail stays)."""

LINE_ATTR = "data-publisher-line"
"""Carries the source line of a block from the Markdown renderer through nh3 to the tree passes."""
MAX_DEPTH = limits.HTML_NESTING
"""Deepest element nesting kept; html5ever slows down quadratically on deeper raw HTML."""

# Tag tables read better filled than one name per line.
# fmt: off
VOID = frozenset({
    "br", "hr", "img", "col", "area", "base", "embed", "input", "link", "meta", "param", "source",
    "track", "wbr",
})
TAGS = frozenset({
    "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "em", "strong", "b", "i", "u", "s",
    "del", "ins", "sup", "sub", "small", "mark", "q", "cite", "abbr", "code", "pre", "kbd",
    "blockquote", "ul", "ol", "li", "dl", "dt", "dd", "a", "img", "figure", "figcaption",
    "table", "caption", "colgroup", "col", "thead", "tbody", "tfoot", "tr", "th", "td", "span",
    "section",
})
INLINE = frozenset({
    "em", "strong", "b", "i", "u", "s", "del", "ins", "sup", "sub", "small", "mark", "q",
    "cite", "abbr", "code", "kbd", "span", "a",
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
_TEXT_CONTAINERS = frozenset({
    "p", "li", "dt", "dd", "td", "th", "h1", "h2", "h3", "h4", "h5", "h6", "figcaption", "caption",
})
_DROP_IF_EMPTY = frozenset({
    "p", "h1", "h2", "h3", "h4", "h5", "h6", "figure", "figcaption", "caption", "blockquote",
    "pre", "ul", "ol", "dl", "table", "section",
})
# fmt: on
_UNSAFE = _DROP_CONTENT | {
    *("form", "input", "button", "base", "link", "meta", "math"),
    *("video", "audio", "source", "track", "canvas", "map", "area", "portal"),
}
# Attributes that load something else, dropped from the elements that are kept.
_RESOURCE_ATTRIBUTES = frozenset({"srcset", "background", "poster", "lowsrc", "dynsrc", "ping"})
_ATTRIBUTES = {
    "*": {LINE_ATTR},
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
}
# Kept only long enough to turn <span style="text-decoration: underline"> into <u>.
_STYLES = {"text-decoration", "text-decoration-line", "font-weight", "font-style"}
_SCHEMES = {"a": {"http", "https", "mailto"}, "img": {"http", "https", "data"}}
_NUMERIC = {"width", "height", "colspan", "rowspan", "span", "start"}
_DATA_IMAGE = re.compile(r"data:image/(png|jpeg|gif|webp)(;[\w=.+-]+)*,", re.I)
# XML 1.0 forbids C0 controls but tab/LF/CR, lone surrogates and U+FFFE/U+FFFF.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_C0_AND_SPACE = "".join(map(chr, range(0x21)))
# Pandoc wrote a sentence's double space as NBSP + space; a lone NBSP (before a last word) stays.
_SPACE_RUN = re.compile(r"[ \t\n\u00a0]{2,}")
_BREAK_INDENT = re.compile(r"^(\n?)[ \t\u00a0]+")


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


def splice(parent: Element, decide: Callable[[Element], Replacement]) -> None:
    """Replace each child of parent by what decide returns, keeping text and tails in place."""
    children = list(parent)
    if not children:
        return
    new: list[Element] = []
    head = parent.text or ""

    def add(text: str) -> None:
        nonlocal head
        if new:
            new[-1].tail = (new[-1].tail or "") + text
        else:
            head += text

    for child in children:
        replacement = decide(child)
        if isinstance(replacement, Element):
            new.append(replacement)
            continue
        text, elements = replacement
        add(text)
        new.extend(elements)
        add(child.tail or "")
    parent[:] = new
    parent.text = head or None


def unwrap(element: Element) -> Replacement:
    """The content of an element without the element."""
    return element.text or "", list(element)


def remove(_: Element) -> Replacement:
    """Nothing in place of the element (its tail stays)."""
    return "", []


def bottom_up(root: Element) -> Iterable[Element]:
    """Every element, descendants before ancestors, so a splice sees finished children."""
    return reversed(list(root.iter()))


def text_of(element: Element) -> str:
    """The text inside an element, without note calls; breaks and blocks as single spaces."""
    parts: list[str] = []
    _gather(element, parts)
    return " ".join("".join(parts).split())


def _gather(element: Element, parts: list[str]) -> None:
    """Append the text of an element for text_of."""
    parts.append(element.text or "")
    for child in element:
        gap = "" if child.tag in INLINE else " "
        parts.append(gap)
        if child.get("role") != "doc-noteref":
            _gather(child, parts)
        parts.append(gap + (child.tail or ""))


def line_map(root: Element) -> dict[Element, int]:
    """The source line of every element: that of the nearest marked block at or before it."""
    lines: dict[Element, int] = {}
    line: int | None = None
    for element in root.iter():
        mark = element.get(LINE_ATTR, "")
        if mark.isdigit():
            line = int(mark)
        if line is not None:
            lines[element] = line
    return lines


def tidy_attributes(root: Element) -> None:
    """Turn styled spans into <u>, <s>, <strong>, <em>; drop bad numbers, styles, line marks."""
    for element in root.iter():
        element.attrib.pop(LINE_ATTR, None)
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
) -> tuple[str, ...]:
    """Keep safe absolute links, resolve relative ones, keep only local images; return those."""
    images: list[str] = []

    def decide(child: Element) -> Replacement:
        if child.tag == "a":
            return _link(child, line_of, warn, base_url)
        if child.tag == "img":
            return _image(child, line_of, warn, resolve_image, images)
        return child

    for parent in bottom_up(root):
        splice(parent, decide)
    return tuple(dict.fromkeys(images))


def _link(
    a: Element, line_of: Callable[[Element], int | None], warn: Warn, base: str | None
) -> Replacement:
    """The link kept, made absolute, or unwrapped to its text."""
    href = a.get("href", "").strip()
    scheme = url_scheme(href)
    if href.startswith("#") or scheme in ("http", "https", "mailto"):
        return a
    if not href or scheme:
        return unwrap(a)  # nh3 stripped a bad URL (the scan warned) or kept a data: URL
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
    """The image kept with its resolved path, or its alt text in <em>."""
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
    alt = " ".join(img.get("alt", "").split())
    if not alt:
        return remove(img)
    em = Element("em")
    em.text = alt
    return "", [em]


def tidy_text(root: Element) -> None:
    """Collapse NBSP double spaces, trim text containers' ends, drop empty elements."""
    _collapse_spaces(root)
    for element in root.iter():
        if element.tag in _TEXT_CONTAINERS:
            trim_start(element)
            _trim_end(element)

    def decide(child: Element) -> Replacement:
        if "".join(child.itertext()).strip() or child.find(".//img") is not None:
            return child
        if child.tag in INLINE:
            return unwrap(child)
        return remove(child) if child.tag in _DROP_IF_EMPTY else child

    for parent in bottom_up(root):
        splice(parent, decide)


def _collapse_spaces(element: Element) -> None:
    """Collapse NBSP double spaces and the spaces around line breaks, outside code."""
    if element.tag in ("pre", "code"):
        return
    element.text = element.text and _SPACE_RUN.sub(_one_space, element.text)
    previous = None
    for child in element:
        _collapse_spaces(child)
        child.tail = child.tail and _SPACE_RUN.sub(_one_space, child.tail)
        if child.tag == "br":
            # Spaces around a line break only indent the next line or pad the last one.
            if previous is None:
                element.text = element.text and element.text.rstrip(" \t\u00a0")
            else:
                previous.tail = previous.tail and previous.tail.rstrip(" \t\u00a0")
            child.tail = child.tail and _BREAK_INDENT.sub(r"\1", child.tail)
        previous = child


def _one_space(match: re.Match[str]) -> str:
    """One space (or line end) for a run that mixes NBSP with ordinary white space."""
    run = match.group()
    if "\u00a0" not in run or not run.strip("\u00a0"):
        return run
    return "\n" if "\n" in run else " "


def trim_start(element: Element) -> bool:
    """Strip white space and line breaks at the start; False if nothing visible is left."""
    while True:
        element.text = (element.text or "").lstrip() or None
        if element.text:
            return True
        if not len(element):
            return False
        first = element[0]
        if first.tag != "br" and (first.tag not in INLINE or trim_start(first)):
            return True
        element.text = first.tail
        element.remove(first)


def _trim_end(element: Element) -> bool:
    """Strip white space and line breaks at the end; False if nothing visible is left."""
    while len(element):
        last = element[-1]
        last.tail = (last.tail or "").rstrip() or None
        if last.tail or (last.tag != "br" and (last.tag not in INLINE or _trim_end(last))):
            return True
        element.remove(last)
    element.text = (element.text or "").rstrip() or None
    return bool(element.text)


def assign_ids(
    root: Element,
    prefix: str,
    keep: re.Pattern[str],
    line_of: Callable[[Element], int | None],
    warn: Warn,
) -> tuple[Heading, ...]:
    """Prefix the ids matching keep, give h2 to h6 unique ids, point fragment links at them.

    Every other id is dropped: with the prefix, many documents can share one HTML file.
    """
    targets: dict[str, str] = {}
    used: set[str] = set()
    tried: dict[str, int] = {}

    def unique(slug: str) -> str:
        base = f"{prefix}-{slug}" if prefix else slug
        n = tried.get(base, 1)
        anchor = base if n == 1 else f"{base}-{n}"
        while anchor in used:
            n += 1
            anchor = f"{base}-{n}"
        tried[base] = n
        used.add(anchor)
        return anchor

    for element in root.iter():
        old = element.attrib.pop("id", None)
        if old and keep.fullmatch(old) and old not in targets:
            targets[old] = unique(old)
            element.set("id", targets[old])
    headings = []
    for element in root.iter():
        if element.tag in ("h2", "h3", "h4", "h5", "h6"):
            text = text_of(element)
            anchor = unique(_slug(text))
            element.set("id", anchor)
            headings.append(Heading(int(str(element.tag)[1]), text, anchor))
            # Authors link to a heading by our slug (numbered or not) or GitHub's (with accents).
            targets.setdefault(anchor[len(prefix) + 1 :] if prefix else anchor, anchor)
            targets.setdefault(_slug(text), anchor)
            targets.setdefault(re.sub(r"[^\w\- ]", "", text.lower()).replace(" ", "-"), anchor)

    def decide(child: Element) -> Replacement:
        href = child.get("href", "") if child.tag == "a" else ""
        fragment = unquote(href[1:])
        if not href.startswith("#") or fragment in used:
            return child
        if fragment in targets:
            child.set("href", f"#{targets[fragment]}")
            return child
        warn(line_of(child), "broken-anchor", f"link to #{fragment} has no target; kept as text")
        return unwrap(child)

    for parent in bottom_up(root):
        splice(parent, decide)
    return tuple(headings)


def _slug(text: str) -> str:
    """Lower-case words joined by hyphens, accents dropped, at most about 60 characters."""
    folded = unicodedata.normalize("NFKD", text.lower())
    words = re.findall(r"\w+", "".join(c for c in folded if not unicodedata.combining(c)))
    slug = ""
    for word in words:
        if slug and len(slug) + len(word) > 60:
            break
        slug = f"{slug}-{word}" if slug else word[:60]
    return slug or "section"


def to_xhtml(root: Element) -> str:
    """Serialize the content of root as XML: every element closed, only & < > " escaped."""
    out: list[str] = []
    _write_content(root, out)
    return "".join(out).strip()


def _write_content(element: Element, out: list[str]) -> None:
    """Append the XML of an element's text and children (not of the element itself)."""
    if element.text:
        out.append(_escape(element.text))
    for child in element:
        tag = str(child.tag)
        attrs = "".join(f' {name}="{_escape(value, True)}"' for name, value in child.attrib.items())
        if tag in VOID:
            out.append(f"<{tag}{attrs}/>")
        else:
            out.append(f"<{tag}{attrs}>")
            _write_content(child, out)
            out.append(f"</{tag}>")
        if child.tail:
            out.append(_escape(child.tail))


def _escape(text: str, attribute: bool = False) -> str:
    """Escape for XML text, or for a double-quoted attribute with white space as spaces."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if attribute:
        text = text.replace('"', "&quot;").replace("\n", " ").replace("\t", " ").replace("\r", " ")
    return text
