"""EPUB Accessibility 1.1 metadata that says what the book has, and claims only what was certified.

The discovery metadata (access modes, features, hazards, a summary) describes every book. A
conformance statement (``dcterms:conformsTo`` with a WCAG level) and the party that evaluated it
(``a11y:certifiedBy``, which the spec requires beside it) are written only when the project's
config names both: no tool can evaluate WCAG conformance, and EPUB Accessibility 1.1 defines no
statement for a publication nobody evaluated, so that one carries none and its summary says so.
"""

from __future__ import annotations

from dataclasses import dataclass

from publisher import i18n
from publisher.model import Compilation

CONFORMANCE_ID = "conformance"
"""The id of the ``dcterms:conformsTo`` meta, which ``a11y:certifiedBy`` refines."""


@dataclass(frozen=True, slots=True)
class Meta:
    """One ``<meta property>`` of the package."""

    property: str
    """The property, with its prefix (``schema:accessMode``)."""
    value: str
    """Its value."""
    id: str = ""
    """The element's id, when another meta refines it."""
    refines: str = ""
    """The id of the meta it refines, without the ``#``."""


def metadata(compilation: Compilation, images: int, alternatives: int) -> list[Meta]:
    """The accessibility metadata of a book whose documents show ``images`` images, of which
    ``alternatives`` have a text alternative (the cover always has one)."""
    described = alternatives == images
    features = [
        "structuralNavigation",
        "tableOfContents",
        "readingOrder",
        "ARIA",
        "displayTransformability",
    ]
    if described:
        features.append("alternativeText")
    found = [
        Meta("schema:accessMode", "textual"),
        Meta("schema:accessMode", "visual"),
        Meta("schema:accessModeSufficient", "textual,visual"),
    ]
    if described:
        # Every image has a text alternative, so the text alone carries the book.
        found.append(Meta("schema:accessModeSufficient", "textual"))
    found += [Meta("schema:accessibilityFeature", feature) for feature in features]
    found.append(Meta("schema:accessibilityHazard", "none"))
    found.append(Meta("schema:accessibilitySummary", summary(compilation, images, alternatives)))
    claim = compilation.certification
    if claim is not None:
        found.append(Meta("dcterms:conformsTo", claim.conformance, id=CONFORMANCE_ID))
        found.append(Meta("a11y:certifiedBy", claim.certified_by, refines=CONFORMANCE_ID))
    return found


def summary(compilation: Compilation, images: int, alternatives: int) -> str:
    """What a reader can rely on, and what is missing, in a few English sentences."""
    claim = compilation.certification
    if claim is None:
        conformance = (
            "No conformance claim: no person has evaluated this publication against WCAG or "
            "EPUB Accessibility."
        )
    else:
        conformance = f"Evaluated by {claim.certified_by} as {claim.conformance}."
    count = len(compilation.documents)
    documents = "1 document" if count == 1 else f"{count} documents"
    structure = (
        f"Reflowable text in {documents}, with a table of contents and landmarks; each document "
        "is a chapter whose title is its first heading, and no heading level is skipped."
    )
    names = [i18n.language_name(lang, "en") for lang in compilation.languages]
    if len(names) > 1:
        languages = f"Languages: {', '.join(names[:-1])} and {names[-1]}, "
    else:
        languages = f"Language: {names[0] if names else 'English'}, "
    languages += "marked on every document and on every title given in another language."
    return " ".join(
        [
            conformance,
            structure,
            languages,
            _images(images, alternatives),
            "No sound, flashing or motion.",
        ]
    )


def _images(images: int, alternatives: int) -> str:
    """How many images have a text alternative: the cover's is written from the book's metadata."""
    if images == 0:
        return "The cover has a text alternative; the documents show no image."
    if alternatives == images:
        shown = "the one image" if images == 1 else f"all {images} images"
        return f"The cover and {shown} in the documents have a text alternative."
    missing = images - alternatives
    marked = "has none and is" if missing == 1 else "have none and are"
    return (
        f"The cover and {alternatives} of the {images} images in the documents have a text "
        f"alternative; {missing} {marked} marked decorative, as the sources described nothing."
    )
