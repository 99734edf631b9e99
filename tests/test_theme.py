"""Themes: a project's sheets, logo and cover on both outputs, and the exported built-in theme."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pikepdf
import pypdfium2
import pytest
from PIL import Image, ImageOps
from test_epub import run_epubcheck

ACCENT = (0x00, 0xAA, 0x77)
"""The project's accent, ``#0a7`` in extra.css."""
BUILT_IN_ACCENT = (0x1D, 0x4E, 0x89)
LOGO = (200, 30, 160)
"""The logo's one colour."""
LOGO_SIZE = (300, 120)
MARK = (250, 200, 0)
"""The colour of the image the cover template shows."""

CONFIG = """\
[book]
title = "Theme test"
lang = "en"

[sources]
paths = ["content"]

[editions.book]
format = "pdf"
layout = "book"
output = "dist/book.pdf"

[editions.collection]
format = "epub"
output = "dist/collection.epub"
"""


def publisher(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1700000000"}
    return subprocess.run(
        [sys.executable, "-m", "publisher", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


def project(root: Path, documents: Path, theme: str = "") -> Path:
    """A project of three real documents, its config ending with ``theme``."""
    (root / "content").mkdir(parents=True)
    for path in sorted(documents.glob("*.md"))[:3]:
        shutil.copy(path, root / "content" / path.name)
    (root / "publisher.toml").write_text(CONFIG + theme, encoding="utf-8")
    return root


def build(root: Path, *args: str) -> Path:
    result = publisher("build", "--no-cache", *args, cwd=root)
    assert result.returncode == 0, result.stderr
    return root / "dist"


def count(image: Image.Image, colour: tuple[int, int, int]) -> int:
    """How many pixels are exactly that colour."""
    return sum(n for n, pixel in image.convert("RGB").getcolors(1 << 24) or () if pixel == colour)


def first_page(pdf: Path, number: int = 0) -> Image.Image:
    document = pypdfium2.PdfDocument(pdf)
    try:
        image: Image.Image = document[number].render(scale=2).to_pil()
        return image.convert("RGB")
    finally:
        document.close()


def cover_image(epub: Path) -> Image.Image:
    with zipfile.ZipFile(epub) as package:
        return Image.open(io.BytesIO(package.read("EPUB/images/cover.png"))).convert("RGB")


def page_images(pdf: Path) -> list[tuple[int, int]]:
    """The size of each image XObject drawn on page 1."""
    with pikepdf.open(pdf) as document:
        return [
            (int(image.Width), int(image.Height))
            for image in document.pages[0].get_images().values()
        ]


@pytest.fixture(scope="module")
def plain(tmp_path_factory: pytest.TempPathFactory, whitehouse_sample: Path) -> Path:
    """The built-in theme's outputs."""
    return build(project(tmp_path_factory.mktemp("plain"), whitehouse_sample))


@pytest.fixture(scope="module")
def themed(tmp_path_factory: pytest.TempPathFactory, whitehouse_sample: Path) -> Path:
    """Outputs of a project with a sheet that sets the accent, and a logo."""
    theme = '\n[theme]\ncss = ["extra.css"]\nlogo = "brand/logo.png"\n'
    root = project(tmp_path_factory.mktemp("themed"), whitehouse_sample, theme)
    settings = ":root { --accent: #0a7; --page-margin: 30mm 18mm 18mm; }\n"
    (root / "extra.css").write_text(settings, encoding="utf-8")
    (root / "brand").mkdir()
    Image.new("RGB", LOGO_SIZE, LOGO).save(root / "brand" / "logo.png")
    return build(root)


def test_the_pdf_cover_shows_the_logo_and_the_accent(themed: Path, plain: Path) -> None:
    assert LOGO_SIZE in page_images(themed / "book.pdf")
    page = first_page(themed / "book.pdf")
    assert count(page, ACCENT) > 500
    assert count(page, LOGO) > 5000
    assert page_images(plain / "book.pdf") == []
    assert count(first_page(plain / "book.pdf"), ACCENT) == 0


def test_the_logo_has_a_text_alternative_in_a_tagged_pdf(themed: Path) -> None:
    tagged = ("book", "--pdf-variant", "pdf/ua-1", "-o", "tagged.pdf")
    result = publisher("build", "--no-cache", *tagged, cwd=themed.parent)
    assert result.returncode == 0, result.stderr
    assert "alt" not in result.stderr and "warning" not in result.stderr, result.stderr


def test_the_page_margins_follow_the_setting(themed: Path, plain: Path) -> None:
    # The running head sits at the foot of the top margin: 10 mm lower at scale 2 is 57 pixels.
    boxes = [
        ImageOps.invert(first_page(dist / "book.pdf", 1)).getbbox() for dist in (plain, themed)
    ]
    assert boxes[0] is not None and boxes[1] is not None
    assert 50 < boxes[1][1] - boxes[0][1] < 64, boxes


def test_the_epub_cover_is_drawn_from_the_pdf_cover(themed: Path, plain: Path) -> None:
    image = cover_image(themed / "collection.epub")
    assert image.size == (1600, 2400)
    assert count(image, ACCENT) > 500 and count(image, LOGO) > 5000
    built_in = cover_image(plain / "collection.epub")
    assert count(built_in, BUILT_IN_ACCENT) > 500 and count(built_in, ACCENT) == 0


def test_the_project_sheet_comes_last_and_the_epub_has_literal_values(themed: Path) -> None:
    with zipfile.ZipFile(themed / "collection.epub") as package:
        base = package.read("EPUB/styles/base.css").decode()
        page = package.read("EPUB/title.xhtml").decode()
    assert "a { color: #0a7; }" in base and "var(" not in base
    links = [line for line in page.splitlines() if 'rel="stylesheet"' in line]
    assert links[-1].endswith('href="styles/extra.css" />'), links


def test_the_themed_epub_passes_epubcheck(themed: Path) -> None:
    assert run_epubcheck({"themed": themed / "collection.epub"}) == {"themed": []}


def test_builds_are_byte_identical_with_the_exported_theme(
    tmp_path: Path, whitehouse_sample: Path, plain: Path
) -> None:
    theme = '\n[theme]\ntemplates = ["look/templates"]\nstyles = ["look/styles"]\n'
    root = project(tmp_path / "exported", whitehouse_sample, theme)
    exported = publisher("theme", "export", "look", cwd=root)
    assert exported.returncode == 0, exported.stderr
    assert 'templates = ["look/templates"]' in (root / "look" / "README.md").read_text()
    dist = build(root)
    for name in ("book.pdf", "collection.epub"):
        assert (dist / name).read_bytes() == (plain / name).read_bytes(), name


def test_export_refuses_a_folder_that_is_not_empty(tmp_path: Path) -> None:
    (tmp_path / "look").mkdir()
    (tmp_path / "look" / "notes.txt").write_text("mine")
    refused = publisher("theme", "export", "look", cwd=tmp_path)
    assert refused.returncode == 2 and "not empty" in refused.stderr
    assert sorted(p.name for p in (tmp_path / "look").iterdir()) == ["notes.txt"]
    forced = publisher("theme", "export", "look", "--force", cwd=tmp_path)
    assert forced.returncode == 0, forced.stderr
    assert (tmp_path / "look" / "styles" / "base.css").is_file()


def test_a_cover_template_draws_both_covers_and_its_urls_follow_the_theme_folder(
    tmp_path: Path, whitehouse_sample: Path
) -> None:
    theme = '\n[theme]\ntemplates = ["look"]\ncover = "look/cover.html"\n'
    root = project(tmp_path / "template", whitehouse_sample, theme)
    (root / "look").mkdir()
    (root / "look" / "cover.html").write_text(
        '<section id="{{ name }}" class="title-page" lang="{{ book.lang }}">'
        '<img src="mark.png" alt="" /><h1 class="book-title">Ours: {{ book.title }}</h1>'
        "</section>\n",
        encoding="utf-8",
    )
    Image.new("RGB", (200, 200), MARK).save(root / "look" / "mark.png")
    dist = build(root)
    document = pypdfium2.PdfDocument(dist / "book.pdf")
    try:
        assert "Ours: Theme test" in document[0].get_textpage().get_text_range()
    finally:
        document.close()
    assert (200, 200) in page_images(dist / "book.pdf")
    assert count(cover_image(dist / "collection.epub"), MARK) > 10_000
    with zipfile.ZipFile(dist / "collection.epub") as package:
        assert "Ours" not in package.read("EPUB/title.xhtml").decode()


def test_the_cover_option_puts_an_image_on_both_covers(
    tmp_path: Path, whitehouse_sample: Path
) -> None:
    root = project(tmp_path / "image", whitehouse_sample)
    Image.new("RGB", (600, 900), MARK).save(root / "front.png")
    dist = build(root, "--cover", "front.png")
    assert (600, 900) in page_images(dist / "book.pdf")
    with zipfile.ZipFile(dist / "collection.epub") as package:
        assert package.read("EPUB/images/cover.png") == (root / "front.png").read_bytes()


def test_theme_files_outside_the_project_are_refused(
    tmp_path: Path, whitehouse_sample: Path
) -> None:
    Image.new("RGB", LOGO_SIZE, LOGO).save(tmp_path / "logo.png")
    root = project(tmp_path / "outside", whitehouse_sample, '\n[theme]\nlogo = "../logo.png"\n')
    result = publisher("build", "--no-cache", cwd=root)
    assert result.returncode == 2
    assert "theme.logo" in result.stderr and "outside the project folder" in result.stderr
