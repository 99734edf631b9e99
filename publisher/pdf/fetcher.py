"""The only way WeasyPrint reaches a resource: files under allowed folders and small data: URIs."""

from __future__ import annotations

import mimetypes
import stat
from collections.abc import Iterable, Mapping
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

from weasyprint.urls import URLFetcher, URLFetcherResponse

from publisher.normalizing import images
from publisher.reading import files

DATA_LIMIT = 1 << 20
"""Largest decoded data: URI served, in bytes."""
FILE_LIMIT = 64 << 20
"""Largest file served, in bytes: a bound on what a hostile source can make the build read."""
DATA_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp", "image/svg+xml"})
"""Media types a data: URI may carry."""

_TYPES = {".css": "text/css", ".ttf": "font/ttf", ".otf": "font/otf", ".woff2": "font/woff2"}


class Refused(ValueError):
    """A resource the fetcher will not serve; WeasyPrint logs it and goes on without it."""


class Fetcher(URLFetcher):  # type: ignore[misc]  # WeasyPrint ships no type hints
    """Serves regular files under the allowed folders and small image data: URIs; refuses the rest.

    Every refusal is also kept in ``refused`` as ``(url, reason)``: WeasyPrint reports a failed
    font only at debug level, so its log alone would lose some of them.
    """

    def __init__(self, folders: Iterable[Path]) -> None:
        # The base class sets what WeasyPrint reads from any fetcher (``_fail_on_errors``); its
        # own opener is never used, ``fetch`` below replaces it.
        super().__init__(allowed_protocols=("file", "data"), allow_redirects=False)
        self.folders = tuple(dict.fromkeys(folder.resolve() for folder in folders))
        self.refused: list[tuple[str, str]] = []

    def fetch(self, url: str, headers: Mapping[str, str] | None = None) -> URLFetcherResponse:
        """Serve ``url`` or raise ``Refused``."""
        try:
            return self._serve(url)
        except Refused as refusal:
            self.refused.append((url, str(refusal)))
            raise

    def _serve(self, url: str) -> URLFetcherResponse:
        scheme = url.split(":", 1)[0].lower() if ":" in url else ""
        if scheme == "data":
            return _data(url)
        if scheme == "file":
            return self._file(url)
        raise Refused(f"only local files and data: URIs are served, not {scheme or 'relative'}:")

    def _file(self, url: str) -> URLFetcherResponse:
        parts = urlsplit(url)
        if parts.netloc not in ("", "localhost"):
            raise Refused(f"file URL names another host ({parts.netloc})")
        try:
            path = Path(url2pathname(parts.path)).resolve(strict=True)
            info = path.stat()
        except (OSError, RuntimeError) as error:
            raise Refused(f"cannot read the file ({error.__class__.__name__})") from None
        if not any(path.is_relative_to(folder) for folder in self.folders):
            raise Refused("the file is outside the source and theme folders")
        if not stat.S_ISREG(info.st_mode):
            raise Refused("not a regular file")
        if info.st_size > FILE_LIMIT:
            raise Refused(f"the file is larger than {FILE_LIMIT >> 20} MB")
        try:
            body = files.read(path, FILE_LIMIT)
        except OSError as error:
            raise Refused(f"cannot read the file ({error.strerror or error})") from None
        kind = _TYPES.get(path.suffix.lower()) or mimetypes.guess_type(path.name)[0]
        return URLFetcherResponse(url, body, {"Content-Type": kind or "application/octet-stream"})


def _data(url: str) -> URLFetcherResponse:
    """Decode a data: URI of an allowed image type and size."""
    try:
        kind, raw = images.decode_data(url, DATA_LIMIT)
    except images.Refused as error:
        raise Refused(str(error)) from None
    if kind not in DATA_TYPES:
        raise Refused(f"data: URIs may only carry images, not {kind}")
    return URLFetcherResponse(url, raw, {"Content-Type": kind})
