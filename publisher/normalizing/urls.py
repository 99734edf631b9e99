"""Web addresses from front matter: which are usable, and how readers must get them."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

_URL_UNSAFE = re.compile(r'["<>\\^`{|}]')
# A registered name (letters in any script, digits, dots, hyphens) or an IP address.
_HOST = re.compile(r"[\w.-]+|[0-9a-f:.]+", re.IGNORECASE)


def is_web_url(text: str) -> bool:
    """Whether text is an absolute http(s) URL with a host a browser would accept."""
    if not text or re.search(r"[\s\x00-\x1f\x7f-\x9f]", text):
        return False
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 (the property raises on a port that is not a number)
    except ValueError:  # "http://[::1" and the like
        return False
    host = parts.hostname or ""
    return parts.scheme in ("http", "https") and bool(_HOST.fullmatch(host))


def encoded(url: str) -> str:
    """The URL with the characters a URL cannot hold percent-encoded, as browsers send them.

    EPUB readers (and EPUBCheck) reject them in a link.
    """
    return _URL_UNSAFE.sub(lambda m: f"%{ord(m[0]):02X}", url)
