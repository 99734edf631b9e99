"""Tidying a sanitized tree: spaces collapsed, text containers trimmed, empty elements dropped,
unique heading ids with fragment links pointed at them."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from urllib.parse import unquote
from xml.etree.ElementTree import Element

from publisher.model import Heading
from publisher.normalizing.sanitize import Warn
from publisher.normalizing.tree import (
    ID_ATTR,
    INLINE,
    Replacement,
    bottom_up,
    remove,
    splice,
    text_of,
    unwrap,
)

# fmt: off
_TEXT_CONTAINERS = frozenset({
    "p", "li", "dt", "dd", "td", "th", "h1", "h2", "h3", "h4", "h5", "h6", "figcaption", "caption",
})
_DROP_IF_EMPTY = frozenset({
    "p", "h1", "h2", "h3", "h4", "h5", "h6", "figure", "figcaption", "caption", "blockquote",
    "pre", "ul", "ol", "dl", "table", "section", "aside",
})
# fmt: on
# Pandoc wrote a sentence's double space as NBSP + space; a lone NBSP (before a last word) stays.
_SPACE_RUN = re.compile(r"[ \t\n\u00a0]{2,}")
_BREAK_INDENT = re.compile(r"^(\n?)[ \t\u00a0]+")


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
    """Prefix the ids matching keep and those attribute lists gave, give h2 to h6 unique ids,
    point fragment links at them.

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

    named: set[Element] = set()
    for element in root.iter():
        old = element.attrib.pop("id", None)
        if old and keep.fullmatch(old) and old not in targets:
            targets[old] = unique(old)
            element.set("id", targets[old])
        given = element.attrib.pop(ID_ATTR, "").strip()
        if given and given not in targets:
            # The author's id wins over a heading's slug, as in Hugo.
            targets[given] = unique(given if re.fullmatch(r"[\w-]+", given) else _slug(given))
            element.set("id", targets[given])
            named.add(element)
    headings = []
    for element in root.iter():
        if element.tag in ("h2", "h3", "h4", "h5", "h6"):
            text = text_of(element)
            anchor = element.get("id", "") if element in named else unique(_slug(text))
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
