"""Characters the bundled fonts lack: what falls back in the corpus, and what prints as its plain
equivalent instead of a glyph from another font or an empty box."""

from __future__ import annotations

import shutil
import unicodedata
from functools import cache
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont
from printed import glyphs
from test_epub import build

from publisher.pdf import coverage
from publisher.pdf import glyphs as pdf_glyphs

pytestmark = pytest.mark.fonts

FONTS = Path(__file__).resolve().parents[1] / "styles" / "fonts"
# The corpus documents that write "high-consequence", "non-Federal", "Co-operative" with U+2011.
NON_BREAKING = (
    "whitehouse/2022-11-10-national-security-memorandum-on-on-strengthening-the-security-and-"
    "resilience-of-united-states-food-and-agriculture.md",
    "bilingual/whitehouse/en/2022-06-10-los-angeles-declaration-on-migration-and-protection.md",
)


@cache
def cmaps(pattern: str = "*.ttf") -> dict[str, frozenset[int]]:
    """The characters of each bundled font whose file name matches, by file name."""
    return {
        path.name: frozenset(TTFont(path, lazy=True).getBestCmap())
        for path in sorted(FONTS.glob(pattern))
    }


def _drawn(char: str, pattern: str = "*.ttf") -> bool:
    """Whether every bundled font has the character, or it is drawn as nothing anyway."""
    ignorable = unicodedata.category(char) in ("Cf", "Mn") or "\u200b" <= char <= "\u200f"
    return ignorable or all(ord(char) in found for found in cmaps(pattern).values())


def test_each_equivalent_stands_for_a_character_the_fonts_lack_with_ones_they_have() -> None:
    assert len(cmaps()) >= 7
    for char, equivalent in pdf_glyphs.EQUIVALENTS.items():
        assert all(ord(char) not in found for found in cmaps().values()), hex(ord(char))
        assert all(_drawn(part) for part in equivalent), hex(ord(char))


def test_what_falls_back_in_the_shared_corpus_is_cjk_emoji_or_invisible(corpus: Path) -> None:
    falls_back: dict[str, set[str]] = {}
    for path in sorted(corpus.rglob("*.md")):
        text = pdf_glyphs.plain(path.read_text(encoding="utf-8", errors="replace"))
        for char in set(text) - {"\n", "\r", "\t"}:
            # Text is set in the serif and the sans (the monospace face is for code).
            if not _drawn(char, "Liberation[!M]*.ttf"):
                group = coverage.group(char)
                falls_back.setdefault("none" if group is None else group or "core", set()).add(char)
    listing = "\n".join(
        f"{group}: {len(chars)} characters: {' '.join(sorted(chars)[:40])}"
        for group, chars in sorted(falls_back.items())
    )
    print(f"Characters of ../shared/corpus the bundled fonts lack, by package:\n{listing}")
    # Latin, Greek, Cyrillic and punctuation are all drawn by the theme's own fonts.
    assert set(falls_back) <= {"cjk", "emoji"}, listing
    assert len(falls_back["cjk"]) > 1500
    assert "\u2011" not in "".join(falls_back.get("cjk", set()) | falls_back.get("emoji", set()))


@pytest.fixture(scope="module")
def hyphens(tmp_path_factory: pytest.TempPathFactory, sample_corpus: Path) -> tuple[Path, str]:
    """The corpus documents with non-breaking hyphens, as a PDF, and what the build said."""
    folder = tmp_path_factory.mktemp("hyphens")
    for name in NON_BREAKING:
        shutil.copy(sample_corpus / name, folder / Path(name).name)
    out = folder / "hyphens.pdf"
    result = build(str(folder), "-f", "pdf", "-o", str(out), "--no-cache")
    assert result.exit_code == 0, result.output
    return out, result.output


def test_a_non_breaking_hyphen_prints_as_a_hyphen_of_the_bundled_font(
    hyphens: tuple[Path, str],
) -> None:
    path, output = hyphens
    assert coverage.CODE not in output and ".notdef" not in output
    printed = [glyph for page in glyphs(path) for glyph in page]
    text = "".join(glyph.char for glyph in printed)
    for word in ("high\u2010consequence", "non\u2010Federal", "Co\u2010operative"):
        assert word in text
    assert "\u2011" not in text
    dashes = [glyph for glyph in printed if glyph.char == "\u2010"]
    assert len(dashes) >= 7
    assert {glyph.font for glyph in dashes} <= {"Liberation-Serif", "Liberation-Sans"}


def test_the_plain_equivalents_leave_markup_alone() -> None:
    body = '<p><a href="https://example.com/C\u2011130J">C\u2011130J</a> and F\u201135</p>'
    assert pdf_glyphs.plain_markup(body) == (
        '<p><a href="https://example.com/C\u2011130J">C\u2010\u2060130J</a> and F\u2010\u206035</p>'
    )
