"""Hostile and broken documents: each is refused or repaired with a diagnostic, never a crash."""

from __future__ import annotations

import base64
import os
import subprocess
import sys
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pikepdf
import pypdf
import pypdfium2 as pdfium
import pytest
from test_epub import run_epubcheck

from publisher.build import slug

ADVERSARIAL = Path(__file__).resolve().parent / "adversarial"
GOOD_TITLE = "U.S.-Mexico Joint Declaration"
SPECIAL_TITLE = "Tom &amp; Jerry &lt;b&gt; \" ' ]]&gt; {{ 7*7 }}"
# Content an output must never hold: active content, local file references, /etc/passwd itself,
# or the host that html-embed.html loads styles and images from.
FORBIDDEN = ("<script", "javascript:", "onerror", "file:", "root:x:0:0", "evil.example")

EXPECTED = {
    "enc-controls.md": "enc-controls.md: error: contains NUL bytes: a binary file, or UTF-16 saved "
    "without a byte-order mark [binary-file]",
    "enc-c0-controls.md": "enc-c0-controls.md:6: warning: removed 3 character(s) XML cannot "
    "hold, the first U+0007 [control-characters]",
    "enc-empty.md": "enc-empty.md: error: the file is empty [empty-file]",
    "enc-latin1.md": "enc-latin1.md:2: error: not valid UTF-8 at byte 14; save the file as UTF-8 "
    "[decode-error]",
    "enc-png-renamed.md": "enc-png-renamed.md: error: this is a PNG image, not a text document "
    "[binary-file]",
    "fm-alias-bomb.md": "fm-alias-bomb.md:4: error: front matter uses a YAML alias (*name); write "
    "the value out instead [yaml-aliases]",
    "fm-malformed-line4.md": "fm-malformed-line4.md:5: error: invalid front matter: did not find "
    "expected ',' or ']' (while parsing a flow sequence started on line 4) [front-matter-invalid]",
    "fm-missing.md": "fm-missing.md:1: warning: no front matter; title taken from the first "
    "heading or the file name [no-front-matter]",
    "fm-not-mapping.md": "fm-not-mapping.md:2: error: front matter must be a mapping of keys to "
    "values, not a list [front-matter-not-mapping]",
    "fm-python-object.md": "fm-python-object.md:2: error: invalid front matter: tag "
    "!!python/object/apply:os.system is not allowed; front matter holds plain data only "
    "[front-matter-invalid]",
    "fm-unterminated.md": "fm-unterminated.md:1: error: front matter opened with '---' is never "
    "closed [front-matter-unterminated]",
    "fm-bad-lang.md": "fm-bad-lang.md:4: warning: lang: 'Klingon!' is not a BCP 47 language tag "
    "[bad-lang]",
    "fm-bad-source-url.md": "fm-bad-source-url.md:4: warning: source_url: 'file:///etc/passwd' is "
    "not an http(s) URL [bad-source-url]",
    "fm-empty.md": "fm-empty.md:1: warning: no title in front matter; using 'Fm empty' "
    "[title-missing]",
    "fm-impossible-date.md": "fm-impossible-date.md:3: warning: date: '2021-02-30' is not a date "
    "[bad-date]",
    "fm-mapping-title.md": "fm-mapping-title.md:2: error: title: must be text, not a mapping "
    "(keys: en) [bad-title]",
    "html-embed.html": "html-embed.html:5: warning: removed <base> element [unsafe-html]",
    "html-embed.html link": "html-embed.html:6: warning: removed <link> element [unsafe-html]",
    "html-embed.html object": "html-embed.html:7: warning: removed <object> element [unsafe-html]",
    "html-embed.html style": "html-embed.html:11: warning: removed <style> element [unsafe-html]",
    "html-image-paths.md": "html-image-paths.md:6: warning: removed file: image [unsafe-url]",
    "html-image-paths.md ..": "html-image-paths.md:6: warning: image '../../etc/passwd' is not a "
    "file under the source root [image-missing]",
    "html-image-paths.md /": "html-image-paths.md:6: warning: image '/etc/passwd' is not a file "
    "under the source root [image-missing]",
    "html-image-paths.md remote": "html-image-paths.md:8: warning: remote image "
    "'http://example.com/tracker.png' not fetched; alt text kept [remote-image]",
    "html-image-paths.md sibling": "html-image-paths.md:10: warning: image '../conftest.py' is "
    "not a file under the source root [image-missing]",
    "html-script.md": "html-script.md:6: warning: removed <script> element [unsafe-html]",
    "html-script.md onclick": "html-script.md:8: warning: removed onclick attribute from <p> "
    "[unsafe-html]",
    "html-script.md onerror": "html-script.md:10: warning: removed onerror attribute from <img> "
    "[unsafe-html]",
    "html-script.md javascript": "html-script.md:12: warning: removed javascript: link "
    "[unsafe-url]",
    "html-svg-file.md": "html-svg-file.md:6: warning: image 'xxe.svg' not used: the SVG declares a "
    "DTD or entities [image-refused]",
    "html-svg-xxe.html": "html-svg-xxe.html:6: warning: removed <svg> element [unsafe-html]",
    "text-rtl.md": "text-rtl.md:2: warning: title: removed 2 bidirectional embedding or override "
    "character(s), which can make a title read in another order than it is written [title-bidi]",
}


@dataclass(frozen=True, slots=True)
class Run:
    """One command-line build: exit code, everything printed, and the files written."""

    code: int
    output: str
    epub: Path
    pdf: Path


def build(sources: Path, out: Path, *args: str, timeout: float = 300) -> Run:
    """Run ``publisher build`` in a child process, as a user would, with a fixed epoch."""
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1600000000"}
    # -v: every diagnostic on its own line, not one line per code.
    command = [
        sys.executable,
        "-m",
        "publisher",
        "-v",
        "build",
        str(sources),
        "-o",
        str(out),
        *args,
    ]
    done = subprocess.run(
        [*command, "--title", "Adversarial", "--no-cache"],
        capture_output=True,
        text=True,
        env=env,
        cwd=out.parent,
        timeout=timeout,
    )
    return Run(
        done.returncode,
        done.stdout + done.stderr,
        out / "adversarial.epub",
        out / "adversarial.pdf",
    )


@pytest.fixture(scope="session")
def run(tmp_path_factory: pytest.TempPathFactory) -> Run:
    """The whole adversarial folder built once, to EPUB and PDF."""
    out = tmp_path_factory.mktemp("adversarial") / "out"
    return build(ADVERSARIAL, out, "-f", "epub", "-f", "pdf")


def test_bad_documents_are_skipped_without_a_traceback(run: Run) -> None:
    """The build finishes, says some documents were skipped and writes both outputs."""
    assert run.code == 1, run.output
    assert "Traceback" not in run.output
    assert run.epub.is_file() and run.pdf.is_file()


@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_each_bad_case_has_its_diagnostic(run: Run, case: str) -> None:
    """Each hostile file is reported on its own line, with its path, line and code."""
    assert EXPECTED[case] in run.output.splitlines()


def _epub_members(path: Path) -> dict[str, str]:
    with zipfile.ZipFile(path) as archive:
        return {n: archive.read(n).decode("utf-8", "replace") for n in archive.namelist()}


def _pdf_text_and_links(path: Path) -> tuple[str, list[str]]:
    reader = pypdf.PdfReader(path)
    # Fallback fonts come out of pypdf with a NUL before each character.
    text = "\n".join(page.extract_text().replace("\x00", "") for page in reader.pages)
    uris = [
        str(annot.get_object().get("/A", {}).get("/URI", ""))
        for page in reader.pages
        for annot in page.get("/Annots", [])
    ]
    return text, uris


def test_the_good_document_is_in_both_outputs(run: Run) -> None:
    """A real document beside the hostile ones comes through whole."""
    members = _epub_members(run.epub)
    assert any(GOOD_TITLE in text for text in members.values())
    text, _ = _pdf_text_and_links(run.pdf)
    assert GOOD_TITLE in text


def test_epubcheck_finds_nothing(run: Run) -> None:
    """The repaired documents make a valid EPUB."""
    assert run_epubcheck({"adversarial": run.epub}) == {"adversarial": []}


def test_the_pdf_is_sound_and_every_page_renders(run: Run) -> None:
    """qpdf's checks (through pikepdf) find nothing; PDFium draws ink on every page."""
    with pikepdf.open(run.pdf) as pdf:
        assert pdf.check_pdf_syntax() == []
    document = pdfium.PdfDocument(run.pdf)
    for index in range(len(document)):
        darkest, _ = document[index].render(scale=0.5).to_pil().convert("L").getextrema()
        assert darkest < 128, f"page {index + 1} is blank"


def test_no_active_content_or_local_file_reaches_an_output(run: Run) -> None:
    """Scripts, handlers and file references are gone from every EPUB member and the PDF.

    "/etc/passwd" itself is a legitimate title here, so only its contents and file: URLs count.
    """
    for name, content in _epub_members(run.epub).items():
        assert ".." not in name and "passwd" not in name
        assert 'src="http' not in content, name  # remote images are never fetched nor linked
        for needle in FORBIDDEN:
            assert needle not in content.lower(), (name, needle)
    raw = run.pdf.read_bytes().lower()
    text, uris = _pdf_text_and_links(run.pdf)
    for needle in FORBIDDEN:
        assert needle.encode() not in raw
        assert needle not in text.lower()
        assert not any(needle in uri.lower() for uri in uris)


def test_titles_in_any_script_reach_the_contents(run: Run) -> None:
    """RTL, CJK, emoji and path-like titles are listed; NFD is stored as NFC, as two entries."""
    nav = _epub_members(run.epub)["EPUB/nav.xhtml"]
    # The override around the first word is gone (and reported): the letters read as written.
    arabic = 'dir="rtl">عنوان عربي<'
    assert f'lang="ar" xml:lang="ar" {arabic}' in nav
    for title in ("中文标题", "Emoji 👩\u200d👩\u200d👧 Z", "../../etc/passwd"):
        assert f">{title}" in nav
    assert nav.count('">Caf\u00e9<') == 2


def test_template_syntax_in_a_title_stays_literal(run: Run) -> None:
    """A title is data: ``{{ 7*7 }}`` is printed as written and never evaluated."""
    page = _epub_members(run.epub)["EPUB/doc-text-specials.xhtml"]
    assert f'<h1 class="doc-title">{SPECIAL_TITLE}</h1>' in page
    text, _ = _pdf_text_and_links(run.pdf)
    assert "{{ 7*7 }}" in text


def _data_image(size: int) -> str:
    payload = base64.b64encode(b"\x89PNG\r\n\x1a\n" + bytes(size)).decode()
    return f"![big](data:image/png;base64,{payload})"


# Over the file-size limit, then just under it, so that the inner limit is reached too.
TOO_LARGE = ": error: larger than 1 MB; split it up [too-large]"
BIG = {
    "paragraph-5mb": ("word " * 1_000_000, 1, TOO_LARGE),
    "paragraph-900kb": ("word " * 180_000, 0, ""),
    "nesting": (
        "> " * 1000 + "deep\n\n" + "- " * 1000 + "list\n\n" + "<div>" * 1000 + "divs",
        0,
        ":5: warning: Markdown nested over 50 levels: lists and quotes made paragraphs "
        "[nesting-too-deep]",
    ),
    "table-100000": ("| a | b |\n|---|---|\n" + "| 1 | 2 |\n" * 100_000, 1, TOO_LARGE),
    "table-3000": (
        "| a | b |\n|---|---|\n" + "| 1 | 2 |\n" * 3_000,
        1,
        ":2008: error: more than 2,000 table rows; split the document [too-many-rows]",
    ),
    "word": (
        "x" * 10_000,
        0,
        ":6: warning: a word of 10,000 characters may break every 100 [long-word]",
    ),
    "data-image-8mb": (_data_image(8_000_000), 1, TOO_LARGE),
    "data-image-300kb": (
        _data_image(300_000),
        0,
        ":6: warning: data: image (image/png;base64, 390 KB) not used: the image is larger than "
        "256 KB [data-uri]",
    ),
}


@pytest.mark.parametrize("case", sorted(BIG))
def test_a_huge_document_is_handled_quickly(tmp_path: Path, case: str) -> None:
    """Each pathological size gives a diagnostic, or a repaired document, in seconds."""
    body, code, diagnostic = BIG[case]
    sources = tmp_path / "src"
    sources.mkdir()
    (sources / f"{case}.md").write_text(
        f"---\ntitle: Big {case}\ndate: 2021-01-01\n---\n\n{body}\n"
    )
    start = time.monotonic()
    result = build(sources, tmp_path / "out", "-f", "epub", timeout=60)
    assert time.monotonic() - start < 20
    assert "Traceback" not in result.output
    assert result.code == code, result.output
    if diagnostic:
        assert f"{case}.md{diagnostic}" in result.output.splitlines()
    # A rejected only document leaves nothing to publish, and no empty book is written.
    assert result.epub.is_file() == (code == 0)


@pytest.mark.parametrize(
    ("title", "name"),
    [
        ("../../etc/passwd", "etc-passwd"),
        ("..\\..\\boot.ini", "boot-ini"),
        ("Con", "con-book"),
        ("LPT1", "lpt1-book"),
        ("Console", "console"),
        ("中文标题", "publication"),
    ],
)
def test_a_book_title_makes_a_plain_file_name(title: str, name: str) -> None:
    """The output's name is never a path, nor a name Windows keeps for a device."""
    assert slug(title) == name
