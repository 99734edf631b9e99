"""Author names as front matter writes them → ``Author`` records (name, optional link)."""

from __future__ import annotations

import re

from publisher.model import Author
from publisher.normalizing import urls

# A Markdown link: [text](target "title"), the target holding one level of parentheses.
_LINK = re.compile(
    r"\[([^\[\]]+)\]\(\s*<?((?:[^\s<>()]|\([^\s<>()]*\))+)>?(?:\s+(?:\"[^\"]*\"|'[^']*'))?\s*\)"
)
# Commas, semicolons, ampersands and "and" part names; CJK lists also use the ideographic comma
# and the full-width comma and semicolon.
_SEPARATOR = re.compile(r"\s*(?:[,;&\u3001\uff0c\uff1b]|\s+and\s+)\s*")
# What follows a name after a comma without being another name: "Joseph R. Biden, Jr.".
_SUFFIX = re.compile(r"(?:jr|sr|ii|iii|iv|phd|ph\.d|md|m\.d|esq)\.?", re.IGNORECASE)
_HELD = re.compile("\0(\\d+)\0")

URL_KEYS = ("url", "link", "website", "homepage")
"""Keys of an author table (``{name: …, url: …}``) that may give the author's page."""


def parse(text: str) -> tuple[list[Author], list[str]]:
    """The authors one front-matter string names, and link targets that are not web URLs.

    ``[Jane Doe](https://github.com/jdoe), John Roe & @jroe`` names three: Jane Doe, linked;
    John Roe; the handle @jroe as written.
    """
    links: list[tuple[str, str]] = []

    def hold(match: re.Match[str]) -> str:
        links.append((" ".join(match[1].split()), match[2]))
        return f"\0{len(links) - 1}\0"

    names: list[str] = []
    for piece in _SEPARATOR.split(_LINK.sub(hold, text)):
        if names and _SUFFIX.fullmatch(piece):
            names[-1] += f", {piece}"
        elif piece.strip():
            names.append(piece.strip())
    found: list[Author] = []
    refused: list[str] = []
    for name in names:
        held = _HELD.fullmatch(name)
        if held is None:
            # A link amid other words keeps its text: the name is the whole.
            found.append(Author(_HELD.sub(lambda m: links[int(m[1])][0], name)))
            continue
        author, bad = linked(*links[int(held[1])])
        found.append(author)
        refused += bad
    return found, refused


def linked(name: str, url: str) -> tuple[Author, list[str]]:
    """An author with a link, and the URL when it is not a web address (the name is kept)."""
    url = url.strip()
    if urls.is_web_url(url):
        return Author(name, urls.encoded(url)), []
    return Author(name), [url]
