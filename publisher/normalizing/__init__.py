"""Normalizing: RawDocument → Document.

In: a ``RawDocument``. Out: a frozen ``Document`` with its fields resolved from front-matter
aliases, its body converted (Markdown or HTML) and sanitized to a well-formed XHTML fragment, its
headings, images checked, and a digest. ``documents.read_documents`` does it for a whole set of
files, across processes and through the cache.
"""

from publisher.normalizing.documents import read_documents

__all__ = ["read_documents"]
