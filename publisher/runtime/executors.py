"""An executor named by a URL (``dask://HOST:PORT``) → a ``concurrent.futures.Executor``.

PDF units are plain data (``pdf.units.Job`` in, ``pdf.units.Laid`` out), so any executor can lay
them out; the cache stays with the build, which looks units up before it sends them. A Dask
cluster's workers need Publisher, the fonts and the project's files at the same paths.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from concurrent.futures import Executor
from urllib.parse import urlsplit

SCHEMES = ("dask",)
"""The kinds of executor a URL can name."""
TIMEOUT = 30
"""Seconds to wait for the scheduler: a busy one may be slow to answer."""


class ExecutorError(Exception):
    """An executor that cannot be used: its message says why."""


def check(url: str) -> str:
    """The URL if it names an executor Publisher knows (``dask://HOST:PORT``); else ValueError."""
    parts = urlsplit(url)
    if parts.scheme not in SCHEMES or not parts.hostname:
        raise ValueError(f"{url!r} is not an executor URL (dask://HOST:PORT)")
    try:
        port = parts.port
    except ValueError as error:
        raise ValueError(f"{url!r}: {error}") from None
    if port is None:
        raise ValueError(f"{url!r} has no port (dask://HOST:PORT)")
    return url


@contextlib.contextmanager
def connected(url: str | None) -> Iterator[Executor | None]:
    """The executor a URL names, connected for the block; None for no URL (a process pool)."""
    if not url:
        yield None
        return
    parts = urlsplit(check(url))
    try:
        from distributed import Client
    except ImportError:
        raise ExecutorError(
            f"{url}: Dask is not installed (pip install 'publisher[dask]')"
        ) from None
    address = f"tcp://{parts.hostname}:{parts.port}"
    try:
        # distributed's Client is not annotated.
        client = Client(address, timeout=TIMEOUT)  # type: ignore[no-untyped-call]
    except OSError as error:
        raise ExecutorError(f"{url}: could not reach the scheduler: {error}") from None
    with client:
        yield client.get_executor()  # type: ignore[no-untyped-call]
