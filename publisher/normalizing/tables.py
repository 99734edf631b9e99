"""Table header cells that say something: an empty ``<th>`` becomes a data cell.

An empty header cell (the corner of a table whose rows and columns both have headers, or a
Markdown table whose header row leaves a column blank) names nothing, and a screen reader
announces it before every cell of its row or column.
"""

from __future__ import annotations

from xml.etree.ElementTree import Element


def fill_headers(root: Element) -> None:
    """Make every ``<th>`` without visible text a ``<td>`` (which takes no ``scope``)."""
    for cell in root.iter("th"):
        if not "".join(cell.itertext()).strip():
            cell.tag = "td"
            cell.attrib.pop("scope", None)
