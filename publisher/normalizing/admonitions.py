"""Admonitions as one aside: GitHub alerts, Obsidian callouts, Docusaurus containers and
MkDocs blocks.

``> [!NOTE]`` (markdown-it's alerts; ``> [!tip] Title`` too), ``:::note Title`` … ``:::`` (a
container, which the shortcodes become too) and ``!!! note "Title"`` with an indented body
(mdit-py-plugins' admon) all render as ``<aside class="admonition note" role="note">`` with a
first paragraph of class ``admonition-title``: the author's title, else the kind's label in the
document's language.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token
from mdit_py_plugins.admon import admon_plugin
from mdit_py_plugins.container import container_plugin

from publisher import i18n

# What each source's names mean, from GitHub, Docusaurus, MkDocs, Docsy and Bootstrap, as one
# of the kinds an admonition is shown as (GitHub's five, which have labels).
_KINDS = {
    **dict.fromkeys(i18n.ADMONITIONS, ""),
    **dict.fromkeys(
        ("info", "abstract", "summary", "tldr", "seealso", "example", "quote", "cite", "question",
         "help", "faq", "todo", "primary", "secondary", "light", "dark", "pageinfo", "callout"),
        "note",
    ),
    **dict.fromkeys(("hint", "success", "check", "done"), "tip"),
    **dict.fromkeys(("attention", "warn"), "warning"),
    **dict.fromkeys(("danger", "error", "failure", "fail", "missing", "bug"), "caution"),
}  # fmt: skip
_CALLOUT = re.compile(r"\[!([A-Za-z]+)\][+-]?[ \t]*([^\n]*)\n?")
_CONTAINER = re.compile(r"\s*([A-Za-z]+)(?:\[(.*)\]|\s+(.*)|\s*)$")


def kind_of(name: str) -> str | None:
    """The kind a source's admonition name stands for, or None for a name of none."""
    key = name.strip().lower()
    found = _KINDS.get(key)
    return None if found is None else found or key


def setup(md: MarkdownIt) -> None:
    """Read the three admonition syntaxes; a core rule makes each an aside with its title."""
    md.options["alerts"] = True
    md.use(admon_plugin)
    md.use(container_plugin, name="admonition", validate=_is_container, render=_render)
    # Any other fenced container (":::details", Pandoc's "::: {.columns}") shows its content only.
    md.use(container_plugin, name="other", validate=_is_other, render=_render)
    md.core.ruler.after("block", "admonitions", _asides)


def _is_container(params: str, *_: Any) -> bool:
    match = _CONTAINER.match(params)
    return match is not None and kind_of(match.group(1)) is not None


def _is_other(params: str, *_: Any) -> bool:
    return bool(re.match(r"\s*(?:\{[^{}\n]*\}|[\w-]+)", params))


def _render(self: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    result: str = self.renderToken(tokens, idx, options, env)
    return result


def _callouts(tokens: list[Token]) -> None:
    """Mark the quotes that open with ``[!KIND]`` that markdown-it's alerts leave: a title after
    the marker or text under it (Obsidian's callouts), or a kind GitHub does not have."""
    for index, token in enumerate(tokens[:-2]):
        if token.type != "blockquote_open" or tokens[index + 1].type != "paragraph_open":
            continue
        inline = tokens[index + 2]
        match = _CALLOUT.match(inline.content)
        kind = kind_of(match.group(1)) if match else None
        if match is None or kind is None:
            continue
        inline.content = inline.content[match.end() :]
        token.type, token.meta = "callout_open", {"kind": kind, "title": match.group(2).strip()}
        closing = next(
            t for t in tokens[index:] if t.type == "blockquote_close" and t.level == token.level
        )
        closing.type = "callout_close"


def _asides(state: StateCore) -> None:
    """Give every admonition the same aside and title, whichever syntax it came from."""
    lang = str(state.env.get("lang", "en"))
    _callouts(state.tokens)
    tokens: list[Token] = []
    skip = 0
    label: str | None = None
    for token in state.tokens:
        if skip:
            skip -= 1  # markdown-it's own title paragraph of an alert, in English
            continue
        if token.type in _OPENERS:
            kind, title = _kind_and_title(token)
            if token.type == "alert_open":
                skip = 3
            tokens.append(token)
            if token.type == "admonition_open":
                # mdit-py-plugins' admon wrote the title paragraph; a default one is the kind's.
                label = i18n.admonition(lang, kind) if title is None else None
            elif title != "":
                tokens.extend(_title(title or i18n.admonition(lang, kind), token))
            token.type, token.tag = "admonition_open", "aside"
            token.attrs = {"class": f"admonition {kind}", "role": "note"}
            continue
        if token.type in ("container_other_open", "container_other_close"):
            continue
        if token.type in _CLOSERS:
            token.type, token.tag = "admonition_close", "aside"
        elif label and token.type == "inline" and tokens[-1].type == "admonition_title_open":
            token.content, label = label, None
        tokens.append(token)
    state.tokens = tokens


_OPENERS = frozenset({"alert_open", "admonition_open", "container_admonition_open", "callout_open"})
_CLOSERS = frozenset(
    {"alert_close", "admonition_close", "container_admonition_close", "callout_close"}
)


def _kind_and_title(token: Token) -> tuple[str, str | None]:
    """The kind of an admonition and its title: None for the label, "" for none at all."""
    if token.type == "alert_open":
        return str(token.meta["kind"]).lower(), None
    if token.type == "callout_open":
        return str(token.meta["kind"]), str(token.meta["title"]) or None
    if token.type == "admonition_open":
        kind = kind_of(str(token.meta.get("tag", ""))) or "note"
        return kind, None if re.fullmatch(r"\s*\S+\s*", token.info) else ""
    match = _CONTAINER.match(token.info)
    assert match is not None  # _is_container accepted it
    kind = kind_of(match.group(1)) or "note"
    if match.group(2) is not None:
        return kind, match.group(2).strip()
    return kind, (match.group(3) or "").strip() or None


def _title(text: str, opening: Token) -> list[Token]:
    """The title paragraph of an admonition."""
    start = Token("admonition_title_open", "p", 1)
    start.attrs = {"class": "admonition-title"}
    start.map = opening.map
    inline = Token("inline", "", 0)
    inline.content, inline.children, inline.map = text, [], opening.map
    return [start, inline, Token("admonition_title_close", "p", -1)]
