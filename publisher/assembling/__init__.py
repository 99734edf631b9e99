"""Assembling: Documents → Compilation.

In: normalized documents, a ``Selection`` and ``BookInfo``. Out: a ``Compilation`` whose sections
hold entries: documents selected, ordered and grouped, translations paired into one entry, and
(for bilingual layouts) their blocks aligned.
"""

from publisher.assembling.assemble import BookInfo, Selection, select

# ``assemble.assemble`` is reached through its module: a re-export would hide the module.
__all__ = ["BookInfo", "Selection", "select"]
