"""Code and images that are not included, in both outputs: highlighted code in the theme's own
monospace face, never hyphenated, long lines wrapped with a mark; placeholders for images."""

from __future__ import annotations

import re
from pathlib import Path

import pypdfium2
import pytest
from fontTools.ttLib import TTFont
from printed import Glyph, glyphs
from test_epub import NS, Package, build, built, run_epubcheck, text

from publisher.normalizing import code
from publisher.normalizing.markup import convert

STYLES = Path(__file__).resolve().parents[1] / "styles"
KEYWORD = (0x85, 0x31, 0x8C)
STRING = (0x25, 0x6B, 0x28)
"""Colours of base.css for Pygments' keyword and string classes."""
MONO = "Liberation-Mono"
WORDS = ("reconciliation", "authentication", "kustomization", "configuration", "notification")
LONG = " ".join(f"--option-{n}=value{n}" for n in range(24))


def body(source: str, body_format: str = "markdown") -> str:
    fmt = "html" if body_format == "html" else "markdown"
    return convert(source, fmt, lang="en", path="t.md", first_line=1, anchor_prefix="").body


# Markup ----------------------------------------------------------------------------------------


def test_fenced_code_in_a_known_language_is_highlighted_with_token_classes() -> None:
    html = body('```python\ndef f(x):\n    return "s"  # c\n```')
    assert '<span class="k">def</span> <span class="nf">f</span>' in html
    assert '<span class="s2">&quot;s&quot;</span>' in html or '<span class="s2">"s"</span>' in html
    assert '<span class="c1"># c</span>' in html
    for fence in ("```\nx = 1\n```", "```no-such-language\nx = 1\n```"):
        assert body(fence) == '<pre><code><span class="line">x = 1\n</span></code></pre>'


def test_each_source_line_is_an_element_and_elements_across_lines_are_split() -> None:
    html = body("<pre><code>one\n<b>two\n\nthree</b>\nfour</code></pre>", "html")
    lines = re.findall(
        r'<span class="line">(.*?)</span>(?=<span class="line">|</code>)', html, re.S
    )
    assert lines == ["one\n", "<b>two\n</b>", "<b>\n</b>", "<b>three</b>\n", "four"]


def test_token_classes_live_only_inside_code_and_no_other_class_gets_through() -> None:
    html = body(
        '<p><span class="k">word</span> <span class="image-missing">forged</span></p>'
        '<pre><code><span class="k evil">if</span></code></pre>',
        "html",
    )
    assert html == (
        "<p><span>word</span> <span>forged</span></p>\n"
        '<pre><code><span class="line"><span class="k">if</span></span></code></pre>'
    )


def test_a_block_too_long_to_highlight_quickly_stays_plain() -> None:
    html = body("```python\n" + "x = 1\n" * (code.MAX_CHARACTERS // 6 + 1) + "```")
    assert 'class="k' not in html and 'class="n"' not in html
    assert html.count('<span class="line">') == code.MAX_CHARACTERS // 6 + 1


# Outputs ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def blog_epub(tmp_path_factory: pytest.TempPathFactory, sample_corpus: Path) -> Package:
    out = tmp_path_factory.mktemp("code-epub") / "blog.epub"
    return built(build(str(sample_corpus / "blog" / "fluxcd"), "-f", "epub", "-o", str(out)), out)


@pytest.fixture(scope="module")
def blog_pdf(tmp_path_factory: pytest.TempPathFactory, sample_corpus: Path) -> list[list[Glyph]]:
    out = tmp_path_factory.mktemp("code-pdf") / "blog.pdf"
    source = str(sample_corpus / "blog" / "fluxcd")
    result = build(source, "-f", "pdf", "-o", str(out), "--no-cache")
    assert result.exit_code == 0, result.output
    return glyphs(out)


def test_the_epub_has_the_highlighted_code_and_the_monospace_font(blog_epub: Package) -> None:
    names = [name for name in blog_epub.zip.namelist() if name.endswith(".xhtml")]
    pages = [blog_epub.zip.read(name).decode() for name in names]
    tokens = re.compile(r'<span class="(?!line")[a-z0-9]+">')
    assert sum(len(tokens.findall(page)) for page in pages) > 100
    assert sum(page.count('<span class="line">') for page in pages) > 100
    fonts = [item for item in blog_epub.opf.iter() if item.get("media-type") == "font/ttf"]
    assert [font.get("href") for font in fonts] == ["styles/fonts/LiberationMono-Regular.ttf"]
    assert run_epubcheck({"blog": blog_epub.path}) == {"blog": []}


def test_the_pdf_prints_code_in_the_theme_face_in_the_theme_colours(
    blog_pdf: list[list[Glyph]],
) -> None:
    printed = [glyph for page in blog_pdf for glyph in page]
    # Named -Bold or -Oblique in bold or italic text: the same face, drawn upright.
    mono = [glyph for glyph in printed if glyph.font.startswith(MONO)]
    assert len(mono) > 5000
    colours = {glyph.color for glyph in mono}
    assert {KEYWORD, STRING} <= colours
    # Another monospace face draws only what the bundled one lacks (✔, ► in command output).
    has = TTFont(STYLES / "fonts" / "LiberationMono-Regular.ttf", lazy=True).getBestCmap()
    others = {g.char for g in printed if "Mono" in g.font and not g.font.startswith(MONO)}
    assert others and not any(ord(char) in has for char in others), others


def test_images_not_included_leave_a_placeholder_in_both_outputs(
    blog_epub: Package, blog_pdf: list[list[Glyph]]
) -> None:
    expected = {"Flagger", "Weave GitOps Enterprise", "featured-image.png"}
    found = set()
    for name in blog_epub.spine:
        for span in blog_epub.xml(name).iterfind(".//x:span[@class='image-missing']", NS):
            label = span.find("x:span[@class='image-missing-label']", NS)
            assert label is not None and label.text == "Image not included:"
            found.add(text(span).removeprefix("Image not included:").strip())
    assert found == expected
    printed = "".join(glyph.char for page in blog_pdf for glyph in page)
    for name in expected:
        assert "Imagenotincluded:" + name.replace(" ", "") in printed


def test_a_placeholder_is_labelled_in_the_language_of_its_document() -> None:
    html = convert(
        "![構成図](https://example.com/a.png)\n\n![](../outside.png)",
        "markdown",
        lang="ja",
        path="t.md",
        first_line=1,
        anchor_prefix="",
        resolve_image=lambda _: None,
    ).body
    label = '<span class="image-missing-label">画像未収録:</span>'
    assert f'<p><span class="image-missing">{label} 構成図</span></p>' in html
    assert f'<p><span class="image-missing">{label} outside.png</span></p>' in html


@pytest.fixture(scope="module")
def sample_pdf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A document with a code line too long for the measure and inline code in running text."""
    folder = tmp_path_factory.mktemp("code-sample")
    # Words a hyphenation dictionary splits, at many places along the lines.
    inline = " ".join(f"to {'x' * (n % 5)} `{WORDS[n % len(WORDS)]}`" for n in range(60))
    (folder / "code.md").write_text(
        f"---\ntitle: Code\ndate: 2024-01-01\n---\n\n{inline}\n\n"
        f"```shell\nshort line\nflux create {LONG}\nlast line\n```\n",
        encoding="utf-8",
    )
    out = folder / "code.pdf"
    result = build(str(folder), "-f", "pdf", "-o", str(out), "--no-cache")
    assert result.exit_code == 0, result.output
    return out


def test_inline_code_is_never_hyphenated(sample_pdf: Path) -> None:
    document = pypdfium2.PdfDocument(sample_pdf)
    printed = " ".join(page.get_textpage().get_text_range() for page in document)
    printed = printed[: printed.index("short line")]  # the running text, before the code block
    assert "\u2010\r\n" not in printed and "-\r\n" not in printed and "\ufffe" not in printed
    assert sum(printed.count(word) for word in WORDS) == 60


def test_a_long_code_line_wraps_with_a_mark_on_each_line_it_continues_on(
    sample_pdf: Path,
) -> None:
    pages = glyphs(sample_pdf)
    number, page = next((n, p) for n, p in enumerate(pages) if any(g.font == MONO for g in p))
    rows: dict[float, list[Glyph]] = {}
    for glyph in page:
        if glyph.font == MONO:
            rows.setdefault(round(glyph.baseline, 1), []).append(glyph)
    printed = [row for _, row in sorted(rows.items(), reverse=True)]
    first = next(n for n, row in enumerate(printed) if row[0].char == "s")
    block = printed[first:]  # the code block, after the inline code of the paragraph
    lines = ["".join(glyph.char for glyph in row) for row in block]
    assert lines[0] == "shortline" and lines[-1] == "lastline"
    assert "".join(lines[1:-1]) == "fluxcreate" + LONG.replace(" ", "")
    assert len(lines) >= 4  # the long line took two printed lines at least
    scale = 4
    image = pypdfium2.PdfDocument(sample_pdf)[number].render(scale=scale).to_pil().convert("L")
    height = image.height / scale
    mm = 72 / 25.4

    def marked(row: list[Glyph]) -> bool:
        """Whether the gutter left of a printed line has something drawn in it."""
        left = min(glyph.box[0] for glyph in row)
        bottom, top = min(g.box[1] for g in row), max(g.box[3] for g in row)
        area = (left - 3.8 * mm, height - top, left - 0.4 * mm, height - bottom)
        gutter = image.crop(tuple(round(value * scale) for value in area))
        darkest, _ = gutter.getextrema()
        return bool(darkest < 200)

    marks = [marked(row) for row in block]
    assert marks == [False, False] + [True] * (len(lines) - 3) + [False]
