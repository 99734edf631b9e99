"""The build cache: data only, verified and bounded, never code.

In: keys and plain values (``data.Data``). Out: the same values read back, or a miss: a damaged,
foreign or oversized entry is never trusted. Used by the normalizing stage and the PDF backend.
"""

from publisher.cache.store import Store

__all__ = ["Store"]
