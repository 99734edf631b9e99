"""Chinese, Japanese and Korean in print: each language in its own faces, emphasis without a
synthesized italic, and one warning naming the script and the package where no font has it."""

from __future__ import annotations

import ctypes
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pypdfium2
import pypdfium2.raw as pdfium
import pytest
from printed import NO_CJK, Glyph, glyphs, has_cjk
from test_epub import build, built

from publisher.pdf import coverage

pytestmark = pytest.mark.fonts

STYLES = Path(__file__).resolve().parents[1] / "styles"
KANA = re.compile("[\u3040-\u30ff]")
HANGUL = re.compile("[\u1100-\u11ff\u3130-\u318f\uac00-\ud7af]")
CJK = re.compile("[\u3000-\u30ff\u3400-\u9fff\uac00-\ud7af\uff00-\uffef]")
FACES = {"ja": "CJK-JP", "zh": "CJK-SC", "ko": "CJK-KR"}
# Links to a document's translations, each in the translation's language and faces.
READ_IN = re.compile("日本語で読む|阅读简体中文版|한국어로읽기")  # white space is not read back

needs_cjk = pytest.mark.skipif(not has_cjk(), reason=NO_CJK)


@pytest.fixture(scope="session")
def cjk_folder(tmp_path_factory: pytest.TempPathFactory, sample_corpus: Path) -> Path:
    """Two glossary terms in Japanese, Chinese and Korean, one with emphasis added in each."""
    folder = tmp_path_factory.mktemp("cjk")
    glossary = sample_corpus / "bilingual" / "cncf-glossary"
    for lang in ("ja", "zh-cn", "ko"):
        (folder / lang).mkdir()
        for term in ("cluster.md", "cloud-computing.md"):
            shutil.copy(glossary / lang / term, folder / lang / term)
        cluster = folder / lang / "cluster.md"
        text = cluster.read_text(encoding="utf-8")
        cluster.write_text(text.replace("\n\n", "\n\n*強調*\n\n", 1), encoding="utf-8")
    return folder


@pytest.fixture(scope="session")
def cjk_book(tmp_path_factory: pytest.TempPathFactory, cjk_folder: Path) -> Path:
    """The CJK terms as a book: every document starts on a page of its own."""
    out = tmp_path_factory.mktemp("cjk-book") / "cjk.pdf"
    sources = [str(cjk_folder / lang) for lang in ("ja", "zh-cn", "ko")]
    result = build(*sources, "-f", "pdf", "--layout", "book", "-o", str(out), "--no-cache")
    assert result.exit_code == 0, result.output
    assert "pdf-glyph-missing" not in result.output
    return out


def _lang(body: list[Glyph]) -> str:
    """The language of a document page, from its characters."""
    text = "".join(glyph.char for glyph in body)
    return "ja" if KANA.search(text) else "ko" if HANGUL.search(text) else "zh"


@needs_cjk
def test_each_language_prints_in_its_own_faces(cjk_book: Path) -> None:
    pages = glyphs(cjk_book)
    seen: dict[str, int] = {}
    for number, page in enumerate(pages):
        # Running heads are in the book's language (a margin box has no other).
        body = [glyph for glyph in page if not glyph.in_margin]
        links = "".join(glyph.char for glyph in body)
        for link in READ_IN.finditer(links):
            body[link.start() : link.end()] = [Glyph(" ", "", False)] * (link.end() - link.start())
        for glyph in body:
            # Kana is only Japanese and Hangul only Korean, on every page (contents included).
            if KANA.match(glyph.char):
                assert FACES["ja"] in glyph.font, (number, glyph)
            if HANGUL.match(glyph.char):
                assert FACES["ko"] in glyph.font, (number, glyph)
        cjk = [glyph for glyph in body if CJK.match(glyph.char)]
        text = "".join(glyph.char for glyph in body)
        if not cjk or (KANA.search(text) and HANGUL.search(text)):
            continue  # the contents and the sources list every language
        lang = _lang(cjk)
        wrong = {glyph.font for glyph in cjk if FACES[lang] not in glyph.font}
        assert not wrong, (number, lang, wrong)
        seen[lang] = seen.get(lang, 0) + 1
    assert set(seen) == {"ja", "zh", "ko"}, seen
    fonts = {glyph.font for page in pages for glyph in page}
    # Serif text and sans-serif headings, in each language.
    for face in FACES.values():
        assert {f"Noto-Serif-{face}", f"Noto-Sans-{face}-Bold"} <= fonts, fonts


@needs_cjk
def test_emphasis_is_upright_in_the_gothic_face(cjk_book: Path) -> None:
    document = pypdfium2.PdfDocument(cjk_book)
    matrix = pdfium.FS_MATRIX()
    found = 0
    for page_glyphs, page in zip(glyphs(cjk_book), document, strict=True):
        text = page.get_textpage()
        printed = "".join(glyph.char for glyph in page_glyphs)
        for match in re.finditer("強調", printed):
            found += 1
            for glyph in page_glyphs[match.start() : match.end()]:
                assert "Noto-Sans-CJK" in glyph.font and "Oblique" not in glyph.font, glyph
        # No CJK glyph is slanted: WeasyPrint draws every glyph with an upright text matrix.
        for index in range(pdfium.FPDFText_CountChars(text)):
            if CJK.match(chr(pdfium.FPDFText_GetUnicode(text, index))):
                assert pdfium.FPDFText_GetMatrix(text, index, ctypes.byref(matrix))
                assert (matrix.b, matrix.c) == (0, 0)
    assert found == 3


def test_the_epub_asks_reading_systems_not_to_synthesize_cjk_styles(
    tmp_path: Path, sample_corpus: Path
) -> None:
    out = tmp_path / "ja.epub"
    source = str(sample_corpus / "bilingual" / "cncf-glossary" / "ja")
    package = built(build(source, "-f", "epub", "-o", str(out)), out)
    css = "".join(
        package.zip.read(name).decode() for name in package.zip.namelist() if name.endswith(".css")
    )
    assert ":lang(ja), :lang(zh), :lang(ko) { font-synthesis: none; }" in css
    assert re.search(r"em:lang\(ja\)[^{]*\{ font-style: normal; font-family: sans-serif; \}", css)


def test_a_script_no_font_has_is_one_warning_naming_it_and_its_package(
    tmp_path: Path, sample_corpus: Path
) -> None:
    # Fontconfig sees the bundled Liberation fonts only: no font has Japanese, Korean or emoji.
    (tmp_path / "fonts.conf").write_text(
        '<?xml version="1.0"?>\n<fontconfig>\n'
        f"<dir>{STYLES / 'fonts'}</dir>\n<cachedir>{tmp_path / 'fc-cache'}</cachedir>\n"
        "</fontconfig>\n",
        encoding="utf-8",
    )
    glossary = sample_corpus / "bilingual" / "cncf-glossary"
    source = tmp_path / "source"
    source.mkdir()
    shutil.copy(glossary / "ja" / "cluster.md", source / "ja.md")
    shutil.copy(glossary / "ko" / "cluster.md", source / "ko.md")
    (source / "emoji.md").write_text("---\ntitle: Emoji\n---\n\nFlux 💖 Kubernetes 🤖\n")
    env = {**os.environ, "FONTCONFIG_FILE": str(tmp_path / "fonts.conf")}
    command = [sys.executable, "-m", "publisher", "build", str(source), "-f", "pdf", "-v"]
    out = ["-o", str(tmp_path / "out.pdf"), "--no-cache"]
    result = subprocess.run([*command, *out], env=env, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    warnings = sorted(line for line in result.stderr.splitlines() if coverage.CODE in line)
    assert len(warnings) == 3, warnings
    emoji, ja, ko = warnings
    assert emoji.startswith("emoji.md: warning: no font has the emoji characters")
    assert "(2 distinct: 💖, 🤖)" in emoji and "(Debian: fonts-noto-color-emoji)" in emoji
    assert ja.startswith("ja.md: warning: no font has the Han, Hiragana and Katakana characters")
    assert "(Debian: fonts-noto-cjk)" in ja
    assert ko.startswith("ko.md: warning: no font has the Hangul characters") and "noto-cjk" in ko
