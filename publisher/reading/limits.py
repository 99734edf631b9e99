"""The documented limits on one source document; each is enforced with a diagnostic.

Sources are untrusted: these bound the time and memory one document can cost, so that a
pathological file is rejected or repaired in seconds instead of stalling the build. The README's
"Limits" section lists them; keep the two in step.
"""

from __future__ import annotations

DOCUMENT_BYTES = 1_000_000
"""Largest source file read: about 200 printed pages; the largest corpus document is 191 KB."""
FRONT_MATTER_BYTES = 64_000
"""Largest front matter in bytes of UTF-8; real ones are well under 1 KB."""
FRONT_MATTER_NESTING = 50
"""Deepest YAML or JSON nesting in front matter; deeper would exhaust the stack while loading."""
MARKDOWN_NESTING = 50
"""Deepest Markdown nesting of lists and quotes; deeper content is kept as plain paragraphs."""
HTML_NESTING = 100
"""Deepest element nesting kept; deeper elements are flattened into their ancestor, text kept."""
TABLE_ROWS = 2_000
"""Most rows in one document's tables; the corpus has at most 65."""
IMAGE_BYTES = 16_000_000
"""Largest local image file shown."""
IMAGE_PIXELS = 25_000_000
"""Most pixels (width times height) an image header may declare: a 6000 by 4000 photo."""
DATA_URI_BYTES = 256 * 1024
"""Largest image embedded in the text as a ``data:`` URI, decoded."""
SVG_ELEMENTS = 5_000
"""Most elements an SVG image draws, each ``<use>`` counted as the elements it repeats."""
WORD_CHARACTERS = 500
"""Longest word laid out as it is; longer ones get an invisible break point every 100 characters."""
