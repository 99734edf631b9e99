"""Images that are not included (remote, missing, refused): a visible placeholder in their place.

An image that vanished left "…health risks including:" followed by nothing. Its placeholder
says, in the document's language, that an image is not included, then its alt text, else its
file name; both outputs show it as a framed note (``base.css``).
"""

from __future__ import annotations

from pathlib import PurePosixPath
from urllib.parse import unquote, urlsplit
from xml.etree.ElementTree import Element

from publisher import i18n

CLASS = "image-missing"
"""The class of a placeholder."""
LABEL_CLASS = "image-missing-label"
"""The class of the label inside it."""


def placeholder(alt: str, src: str) -> Element:
    """The placeholder of an image: its alt text, else the file name of its URL."""
    element = Element("span", {"class": CLASS})
    name = "" if src.startswith("data:") else PurePosixPath(unquote(urlsplit(src).path)).name
    element.text = " ".join(alt.split()) or name or None
    return element


def label(root: Element, lang: str) -> None:
    """Start every placeholder with the localized label: "Image not included: …"."""
    text = i18n.field(lang, "image_not_included")
    for element in [span for span in root.iter("span") if span.get("class") == CLASS]:
        name = Element("span", {"class": LABEL_CLASS})
        name.text = text
        name.tail = f" {element.text}" if element.text else None
        element.text = None
        element.insert(0, name)
