"""Font programs in a PDF laid out in units: one per face, with every glyph any unit draws."""

# Greek and Cyrillic letters that look Latin are the point of the sample texts.
# ruff: noqa: RUF001

from __future__ import annotations

import dataclasses
import hashlib
import io
import shutil
from pathlib import Path

import pikepdf
import pypdf
import pypdfium2
import pytest
from fontTools.ttLib import TTFont
from subsetter import CHOICES, using
from test_parallel import compile_folder

from publisher.pdf import fonts as pdf_fonts
from publisher.pdf import writer as pdf
from publisher.rendering.options import OutputOptions

pytestmark = pytest.mark.fonts

# Article 1 of the Universal Declaration of Human Rights, each with a few words of the others, so
# that every face is drawn by several units, each with glyphs the others lack.
SCRIPTS = {
    "greek": (
        "el",
        "Όλοι οι άνθρωποι γεννιούνται ελεύθεροι και ίσοι στην αξιοπρέπεια και τα δικαιώματα. "
        "Είναι προικισμένοι με λογική και συνείδηση, και οφείλουν να συμπεριφέρονται μεταξύ "
        "τους με πνεύμα αδελφοσύνης. Ψηφιακή ζώνη, ξένος, ϋ ΰ ΐ. Также: свобода, חירות.",
    ),
    "russian": (
        "ru",
        "Все люди рождаются свободными и равными в своем достоинстве и правах. Они наделены "
        "разумом и совестью и должны поступать в отношении друг друга в духе братства. "
        "Ёжик, щука, объём, йод. Καὶ: ἐλευθερία, שוויון.",
    ),
    "hebrew": (
        "he",
        "כל בני האדם נולדו בני חורין ושווים בערכם ובזכויותיהם. כולם חוננו בתבונה ובמצפון, "
        "לפיכך חובה עליהם לנהוג איש ברעהו ברוח של אחוה. ערבית: يولد جميع الناس أحرارًا "
        "ومتساوين في الكرامة والحقوق. Ещё: Œuvre, ñandú, Ångström, Ǻ ǿ ḱ.",
    ),
}
SPANISH = 6
"""Spanish glossary entries: accented Latin (composite glyphs) in many units."""


@dataclasses.dataclass(frozen=True)
class Built:
    """One publication laid out in one pass and in units, by one subsetter."""

    single: Path
    units: Path
    cached: Path
    again: Path


@pytest.fixture(scope="module")
def scripts(tmp_path_factory: pytest.TempPathFactory, sample_corpus: Path) -> Path:
    """Spanish glossary entries, and Greek, Russian and Hebrew statements."""
    folder = tmp_path_factory.mktemp("scripts")
    spanish = sorted((sample_corpus / "bilingual" / "cncf-glossary" / "es").glob("*.md"))
    for path in spanish[::7][:SPANISH]:
        shutil.copy(path, folder / path.name)
    for number, (name, (lang, text)) in enumerate(SCRIPTS.items(), 1):
        front = f"---\ntitle: {name.title()}\ndate: 2024-0{number}-01\nlang: {lang}\n---\n\n"
        (folder / f"{name}.md").write_text(front + f"{text}\n\n{text}\n", encoding="utf-8")
    return folder


@pytest.fixture(scope="module", params=CHOICES)
def built(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, scripts: Path
) -> Built:
    """The book laid out by one subsetter: in one pass, in units, and in units with a cache."""
    folder = tmp_path_factory.mktemp(f"fonts-{request.param}")
    compilation, roots = compile_folder(scripts)
    paths = Built(*(folder / f"{name}.pdf" for name in ("single", "units", "cached", "again")))
    runs = (
        (paths.single, {"jobs": 0}),
        (paths.units, {"jobs": 2}),
        (paths.cached, {"jobs": 2, "cache": folder / "cache"}),
        (paths.again, {"jobs": 2, "cache": folder / "cache"}),
    )
    with using(request.param), pytest.MonkeyPatch.context() as patch:
        # fontTools stamps the subsets it makes with this time, else with the time of the build.
        patch.setenv("SOURCE_DATE_EPOCH", "1700000000")
        for output, options in runs:
            made = OutputOptions(roots=roots, layout="book", **options)
            problems = pdf.write(compilation, output, made)
            # The note that fontTools subsets (slower than HarfBuzz) is no problem here.
            assert [p for p in problems if "harfbuzz" not in p.message.lower()] == []
    return paths


def programs(path: Path) -> dict[str, tuple[TTFont, dict[int, float]]]:
    """Each face's embedded program and its glyph widths, by face name."""
    found: dict[str, tuple[TTFont, dict[int, float]]] = {}
    streams: dict[str, set[tuple[int, int]]] = {}
    with pikepdf.open(path) as document:
        for page in document.pages:
            for font in page.Resources.Font.values():
                descendant = font.DescendantFonts[0]
                stream = descendant.FontDescriptor.FontFile2
                name = str(font.BaseFont)
                streams.setdefault(name, set()).add(stream.objgen)
                items, widths = list(descendant.W), {}
                for start, run in zip(items[::2], items[1::2], strict=True):
                    widths.update({int(start) + i: float(w) for i, w in enumerate(run)})
                program = TTFont(io.BytesIO(stream.read_bytes()))
                found[name] = (program, widths)
    # One program per face, however many units draw with it.
    assert all(len(objects) == 1 for objects in streams.values()), streams
    return found


def outline(font: TTFont, gid: int) -> tuple[object, ...]:
    """A glyph's points and contours, its components resolved."""
    glyf = font["glyf"]
    coordinates, ends, _ = glyf[font.getGlyphOrder()[gid]].getCoordinates(glyf)
    return tuple(coordinates), tuple(ends)


def test_every_glyph_a_unit_draws_is_in_its_face_program(built: Built) -> None:
    single, units = programs(built.single), programs(built.units)
    assert units.keys() == single.keys()
    assert len(units) >= 4, "Liberation Serif and Sans, and a fallback face for Hebrew"
    drawn = 0
    for name, (font, widths) in units.items():
        reference, reference_widths = single[name]
        assert widths == reference_widths, name
        for gid in widths:
            assert outline(font, gid) == outline(reference, gid), f"{name} glyph {gid}"
            drawn += bool(outline(font, gid)[0])
    assert drawn > 300


def test_text_extracts_as_from_one_pass(built: Built) -> None:
    single, units = pypdf.PdfReader(built.single), pypdf.PdfReader(built.units)
    assert len(units.pages) == len(single.pages) >= len(SCRIPTS) + SPANISH
    texts = [page.extract_text().replace("\0", "") for page in units.pages]
    assert texts == [page.extract_text().replace("\0", "") for page in single.pages]
    whole = " ".join(" ".join(text.split()) for text in texts)
    for word in ("ελεύθεροι", "Ψηφιακή", "свободными", "объём", "Ångström", "ñandú"):
        assert word in whole, word
    # Right-to-left runs may come out in either order: their letters must all be there.
    assert set("כלבניהאדםנולדוחורין") <= set(whole)


def test_pages_look_as_from_one_pass(built: Built) -> None:
    single, units = pypdfium2.PdfDocument(built.single), pypdfium2.PdfDocument(built.units)
    try:
        for number in range(len(single)):
            one = single[number].render(scale=0.5).to_pil()
            other = units[number].render(scale=0.5).to_pil()
            # Above the foot, whose page number the assembly stamps in at a slightly other place.
            body = (0, 0, one.width, int(one.height * 0.92))
            assert one.crop(body).tobytes() == other.crop(body).tobytes(), f"page {number + 1}"
    finally:
        single.close()
        units.close()


def test_the_cache_gives_the_same_bytes(built: Built) -> None:
    assert built.cached.read_bytes() == built.units.read_bytes()
    assert built.again.read_bytes() == built.units.read_bytes()


def test_a_face_whose_file_was_not_kept_keeps_a_program_per_unit(
    scripts: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # As where workers cannot write where the assembly reads (a cluster's other machines).
    monkeypatch.setattr(pdf_fonts, "keep", lambda _, data: hashlib.sha256(data).hexdigest())
    compilation, roots = compile_folder(scripts)
    output = tmp_path / "book.pdf"
    pdf.write(compilation, output, OutputOptions(roots=roots, layout="book", jobs=1))
    with pikepdf.open(output) as document:
        streams = {
            font.DescendantFonts[0].FontDescriptor.FontFile2.objgen
            for page in document.pages
            for font in page.Resources.Font.values()
        }
        faces = {str(f.BaseFont) for p in document.pages for f in p.Resources.Font.values()}
    assert len(streams) > len(faces)
    text = " ".join(page.extract_text() for page in pypdf.PdfReader(output).pages)
    assert "ελεύθεροι" in text
    assert "свободными" in text
