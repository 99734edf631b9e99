"""Reading: files → RawDocument.

In: source paths, folders and globs under the project's roots. Out: one ``RawDocument`` per file
(decoded text, front matter split and parsed with its line numbers, the body's first line) or the
diagnostics that say why a file could not be read. Every read is bounded (``limits``, ``files``).
"""

from publisher.reading.reader import read
from publisher.reading.sources import find

__all__ = ["find", "read"]
