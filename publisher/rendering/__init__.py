"""Rendering: Compilation → XHTML parts, shared by both backends.

In: a ``Compilation``, a ``Theme`` and ``OutputOptions``. Out: ``Part``s (title page, contents,
section dividers, documents, sources, colophon) rendered from the Jinja2 templates, with labels
and dates in each document's language, and the cover images.
"""

from publisher.rendering.options import OutputOptions
from publisher.rendering.render import Part, Theme

__all__ = ["OutputOptions", "Part", "Theme"]
