"""What the common Hugo shortcodes and Jekyll tags stand for, as Markdown and HTML.

``HUGO`` and ``LIQUID`` map a tag's name to the function that renders a call of it. Images
name files of the page bundle, which the sanitizer resolves as it does any image; videos and
posts become a block with their title and address, since print cannot play them; admonitions
become ``:::kind`` containers, which ``admonitions`` turns into asides. A project's own
snippets (Jinja, sandboxed) render before the built-in ones of the same name.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from html import escape
from typing import Any
from urllib.parse import quote

import jinja2
from jinja2.sandbox import SandboxedEnvironment

from publisher.normalizing.admonitions import kind_of


def _no_resources(_: str) -> tuple[str, ...]:
    return ()


def _no_include(_: str) -> str | None:
    return None


@dataclass(frozen=True, slots=True)
class Page:
    """What tags may read beside the body."""

    meta: Mapping[str, Any] = field(default_factory=dict)
    """The front matter, for ``param``."""
    resources: Callable[[str], tuple[str, ...]] = _no_resources
    """The bundle's files that match a glob, as paths relative to the document's folder."""
    include: Callable[[str], str | None] = _no_include
    """The text of a file of Jekyll's ``_includes``, or None."""
    snippets: Mapping[str, str] = field(default_factory=dict)
    """A project's Jinja snippet for a shortcode name."""


@dataclass(frozen=True, slots=True)
class Call:
    """One use of a tag."""

    name: str
    args: tuple[str, ...]
    """Positional arguments, unquoted."""
    named: Mapping[str, str]
    """Named arguments, unquoted."""
    inner: str | None
    """What a paired tag holds, its own tags expanded; None for a tag without a closing one."""
    line: int
    """Line of the tag in the body (0-based)."""

    def get(self, name: str, index: int | None = None) -> str:
        """A named argument, else the positional one at index, else ""."""
        if name in self.named:
            return self.named[name]
        return self.args[index] if index is not None and index < len(self.args) else ""


@dataclass(slots=True)
class Context:
    """What tags share while one body is expanded."""

    page: Page
    warn: Callable[[int, str, str], None]
    """Report a problem at a body line (0-based)."""
    references: set[str] = field(default_factory=set)
    """Link targets that name a document (``ref``, ``post_url``…), for the URL policy."""


@dataclass(frozen=True, slots=True)
class Expansion:
    """What a tag becomes."""

    head: str
    """The text in place of the tag (of its opening tag, when it holds content)."""
    tail: str | None = None
    """The text in place of the closing tag; None drops what the tag holds."""
    block: bool = False
    """Blocks of its own, on lines of their own."""
    include: str | None = None
    """Text to read in place of the tag, its tags expanded in turn."""


Render = Callable[[Call, Context], Expansion]

_DROPPED = Expansion("")
_KEPT = Expansion("", "")
_YOUTUBE = "https://www.youtube.com/watch?v="
_MISSING = object()


def _figure(call: Call, context: Context) -> Expansion:
    """Hugo's figure: an image with its title, caption and attribution."""
    del context
    caption = " ".join(filter(None, (call.get("caption"), call.get("attr"))))
    title = call.get("title")
    return _image_figure(
        (call.get("src", 0),),
        call.get("alt") or (call.inner or "").strip(),
        "\n\n".join(filter(None, (f"**{title}**" if title else "", caption))),
    )


def _img(call: Call, context: Context) -> Expansion:
    """A theme's img: an image of the bundle with its caption (an argument or what it holds)."""
    del context
    caption = call.get("caption") or (call.inner or "").strip()
    return _image_figure((call.get("src", 0),), call.get("alt"), caption)


def _imgproc(call: Call, context: Context) -> Expansion:
    """Docsy's imgproc: the first bundle image whose path holds the name; inner is the caption."""
    pattern = call.get("src", 0)
    found = context.page.resources(f"**{pattern}*")
    caption = (call.inner or "").strip()
    return _image_figure(found[:1] or (pattern,), "", caption, wraps=bool(caption))


def _gallery(call: Call, context: Context) -> Expansion:
    """A gallery: every bundle image that matches, in the order asked for."""
    pattern = call.get("match") or call.get("dir", 0) or "*"
    found = sorted(context.page.resources(pattern), reverse=call.get("sortOrder") == "desc")
    if not found:
        context.warn(call.line, "image-missing", f"gallery: no bundle image matches {pattern!r}")
        return _DROPPED
    images = "\n".join(f'<img src="{escape(quote(path))}" alt=""/>' for path in found)
    return Expansion(f'<figure class="gallery">\n{images}\n</figure>', block=True)


def _image_figure(
    sources: tuple[str, ...], alt: str, caption: str, *, wraps: bool = False
) -> Expansion:
    """A figure of images with a Markdown caption; with wraps, the caption is the inner text."""
    images = "\n".join(
        f'<img src="{escape(quote(src, safe="/"))}" alt="{escape(" ".join(alt.split()))}"/>'
        for src in sources
        if src
    )
    head = f"<figure>\n{images}"
    if wraps:
        return Expansion(f"{head}\n<figcaption>\n", "\n</figcaption>\n</figure>", block=True)
    if caption:
        head += f"\n<figcaption>\n\n{caption}\n\n</figcaption>"
    return Expansion(f"{head}\n</figure>", block=True)


def _embed(service: str, url: str, title: str) -> Expansion:
    """A video or post as what print can show: who hosts it, its title and its address."""
    label = f"<strong>{escape(service)}</strong>" + (f" {escape(title)}" if title else "")
    link = f'<a href="{escape(url)}">{escape(url)}</a>'
    return Expansion(
        f'<figure class="embed">\n<figcaption>{label}</figcaption>\n<p>{link}</p>\n</figure>',
        block=True,
    )


def _youtube(call: Call, context: Context) -> Expansion:
    del context
    video = quote(call.get("id", 0), safe="")
    return _embed("YouTube", f"{_YOUTUBE}{video}", call.get("title"))


def _vimeo(call: Call, context: Context) -> Expansion:
    del context
    video = quote(call.get("id", 0), safe="")
    return _embed("Vimeo", f"https://vimeo.com/{video}", call.get("title"))


def _tweet(call: Call, context: Context) -> Expansion:
    """A post on X (Twitter): by user and id, or by id alone as old Hugo wrote it."""
    del context
    user, post = call.get("user"), call.get("id", 0)
    path = f"{quote(user, safe='')}/status/{quote(post, safe='')}" if user else f"i/status/{post}"
    return _embed("X (Twitter)", f"https://x.com/{path}", f"@{user}" if user else "")


def _gist(call: Call, context: Context) -> Expansion:
    del context
    user, gist, file = call.get("user", 0), call.get("id", 1), call.get("file", 2)
    url = f"https://gist.github.com/{quote(user, safe='')}/{quote(gist, safe='')}"
    if file:
        url += "#file-" + quote(re.sub(r"[^\w-]", "-", file.lower()), safe="")
    return _embed("GitHub Gist", url, "/".join(filter(None, (user, file))))


def _admonition(kind: str, *, untitled: bool = False) -> Render:
    """An admonition whose inner text is Markdown; a color or type argument may change its kind.

    Without a title it shows its kind's label, unless untitled.
    """

    def render(call: Call, context: Context) -> Expansion:
        del context
        chosen = kind_of(call.get("color") or call.get("type") or call.get("icon", 0)) or kind
        title = "[]" if untitled else " " + " ".join(call.get("title").split())
        # Longer than any container fence inside, so that those close first.
        inside = re.findall(r"^[ \t>]*(:{3,})", call.inner or "", re.M)
        colons = ":" * (1 + max(map(len, inside), default=2))
        return Expansion(f"{colons}{chosen}{title}".rstrip(), colons, block=True)

    return render


def _param(call: Call, context: Context) -> Expansion:
    """A front-matter value by name (dots go into tables)."""
    name = call.get("name", 0)
    value: Any = context.page.meta
    for key in name.split("."):
        value = value.get(key, _MISSING) if isinstance(value, Mapping) else _MISSING
    if value is _MISSING or isinstance(value, Mapping | list):
        context.warn(call.line, "param-missing", f"param {name!r}: no such front-matter value")
        return _DROPPED
    return Expansion(str(value).lower() if isinstance(value, bool) else str(value))


def _reference(index: int, key: str) -> Render:
    """A link target naming another document, resolved once the compilation is known."""

    def render(call: Call, context: Context) -> Expansion:
        target = call.get(key, index).strip()
        href = quote(target, safe="/#:._~-")
        context.references.add(href)
        return Expansion(href)

    return render


def _highlight(call: Call, context: Context) -> Expansion:
    """A fenced code block in the language named."""
    del context
    code = (call.inner or "").strip("\n")
    fence = "`" * max(3, 1 + max(map(len, re.findall("`+", code)), default=0))
    language = re.sub(r"[^\w+#.-]", "", call.get("lang", 0))
    return Expansion(f"{fence}{language}\n{code}\n{fence}", block=True)


def _include(call: Call, context: Context) -> Expansion:
    """Jekyll's include: a file of _includes, its ``{{ include.name }}`` filled in."""
    name = call.get("file", 0)
    text = context.page.include(name)
    if text is None:
        context.warn(call.line, "include-missing", f"include {name!r}: no such file in _includes")
        return _DROPPED

    def value(match: re.Match[str]) -> str:
        return call.named.get(match[1], "")

    return Expansion("", include=re.sub(r"\{\{-?\s*include\.([\w-]+)\s*-?\}\}", value, text))


def snippet(source: str, call: Call, context: Context) -> Expansion:
    """A project's Jinja snippet rendered for a call; its output is read as any body is."""
    try:
        template = _SANDBOX.from_string(source)
        text = template.render(
            args=list(call.args),
            params=dict(call.named),
            inner=call.inner or "",
            page=dict(context.page.meta),
        )
    except (jinja2.TemplateError, TypeError, ValueError) as error:
        message = f"shortcode {call.name!r}: its snippet failed ({error}); what it holds kept"
        context.warn(call.line, "shortcode-snippet", message)
        return _KEPT
    return Expansion(text, block="\n" in text.strip())


_SANDBOX = SandboxedEnvironment(autoescape=True, undefined=jinja2.StrictUndefined)

# fmt: off
HUGO: dict[str, Render] = {
    "figure": _figure,
    "img": _img,
    "imgproc": _imgproc,
    "gallery": _gallery,
    "youtube": _youtube,
    "vimeo": _vimeo,
    "tweet": _tweet,
    "x": _tweet,
    "gist": _gist,
    "alert": _admonition("note"),
    "note": _admonition("note"),
    "tip": _admonition("tip"),
    "warning": _admonition("warning"),
    "callout": _admonition("note"),
    "pageinfo": _admonition("note", untitled=True),
    "param": _param,
    "ref": _reference(0, "path"),
    "relref": _reference(0, "path"),
    "highlight": _highlight,
    "comment": lambda call, context: _DROPPED,
}
LIQUID: dict[str, Render] = {
    "highlight": _highlight,
    "include": _include,
    "raw": lambda call, context: _KEPT,
    "comment": lambda call, context: _DROPPED,
    "post_url": _reference(0, "post"),
    "link": _reference(0, "path"),
}
# fmt: on
