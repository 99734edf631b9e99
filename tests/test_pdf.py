"""The PDF backend: PDFs built from real documents, read back with pypdf."""

from __future__ import annotations

import dataclasses
import datetime as dt
import html
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pypdf
import pytest
from click.testing import CliRunner
from PIL import Image

from publisher.assembling.assemble import BookInfo, assemble
from publisher.build import Loaded, load
from publisher.cli.commands import main
from publisher.model import Compilation, Diagnostic, Document
from publisher.pdf import style as pdf_style
from publisher.pdf import writer as pdf
from publisher.pdf.fetcher import DATA_LIMIT, Fetcher, Refused
from publisher.rendering import render
from publisher.rendering.options import OUTPUT_FAILED, OutputOptions

pytestmark = pytest.mark.fonts

EPOCH = 1_700_000_000
TITLE = "Briefings sample"
EXTRA = (
    "2021-03-01-u-s-mexico-joint-declaration.md",
    "2021-04-16-fact-sheet-biden-administration-announces-1-7-billion-investment-to-fight-"
    "covid-19-variants.md",
)


@dataclasses.dataclass(frozen=True)
class Built:
    """One PDF built by the command line, read back."""

    path: Path
    reader: pypdf.PdfReader
    documents: tuple[Document, ...]
    stderr: str

    def page_text(self, index: int) -> str:
        """The text of one page (0-based)."""
        return self.reader.pages[index].extract_text()


def problems(found: list[Diagnostic]) -> list[Diagnostic]:
    """Errors and warnings: a note (the fontTools subsetter hint) is neither."""
    return [d for d in found if d.problem]


def squash(text: str) -> str:
    """Text compared across extraction: no whitespace, no hyphens (hyphenation), case-folded."""
    return re.sub(r"[\s\u00ad\u2010\u2011\u2060-]+", "", text).casefold()


def outline(reader: pypdf.PdfReader) -> list[tuple[int, str, int]]:
    """Every bookmark as (depth, title, page index), in order."""
    found: list[tuple[int, str, int]] = []

    def walk(items: list[object], depth: int) -> None:
        for item in items:
            if isinstance(item, list):
                walk(item, depth + 1)
            else:
                assert isinstance(item, pypdf.generic.Destination)
                page = reader.get_destination_page_number(item)
                found.append((depth, str(item.title), page))

    walk(reader.outline, 0)
    return found


def fragments(page: pypdf.PageObject) -> list[tuple[float, float, str]]:
    """Text pieces with the page position where each starts."""
    pieces: list[tuple[float, float, str]] = []

    def visit(text: str, cm: list[float], tm: list[float], *_: object) -> None:
        x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
        y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
        if text.strip():
            pieces.append((x, y, text))

    page.extract_text(visitor_text=visit)
    return pieces


def links(page: pypdf.PageObject) -> Iterator[tuple[list[float], str | None, str | None]]:
    """Link annotations as (rect, internal destination name, external URI)."""
    for ref in page.get("/Annots", []):
        annot = ref.get_object()
        if annot.get("/Subtype") != "/Link":
            continue
        action = annot.get("/A", {})
        dest = annot.get("/Dest")
        uri = action.get("/URI") if action.get("/S") == "/URI" else None
        yield [float(v) for v in annot["/Rect"]], str(dest) if dest else None, uri


def printed_numbers(built: Built, pages: range) -> dict[str, int]:
    """The page number printed for each contents entry, by the anchor its link points to.

    The brief's table has a link of its own around the number, right of the title's link; the
    book's contents has one link over the whole entry (title, date, leader, number) that ends
    with the number.
    """
    pieces: dict[str, list[tuple[float, float, str]]] = {}
    rightmost: dict[str, tuple[float, str]] = {}
    for index in pages:
        page = built.reader.pages[index]
        found = fragments(page)
        for rect, dest, _ in links(page):
            if dest is None:
                continue
            x0, x1 = sorted(rect[0::2])
            y0, y1 = sorted(rect[1::2])
            inside = [p for p in found if x0 - 1 <= p[0] <= x1 + 1 and y0 - 1 <= p[1] <= y1 + 1]
            pieces.setdefault(dest, []).extend(inside)
            if x0 > rightmost.get(dest, (-1.0, ""))[0]:
                rightmost[dest] = (x0, " ".join(p[2] for p in inside).strip())
    numbers = {}
    for dest, inside in pieces.items():
        if rightmost[dest][1].isdigit():
            numbers[dest] = int(rightmost[dest][1])
            continue
        bottom = min(p[1] for p in inside)
        last_line = sorted((p for p in set(inside) if p[1] - bottom < 3), key=lambda p: p[0])
        match = re.search(r"(\d+)\s*$", " ".join(p[2] for p in last_line))
        if match:
            numbers[dest] = int(match.group(1))
    return numbers


def first_paragraph_words(doc: Document, count: int = 6) -> str:
    """The first words of the first paragraph of a body, as plain text."""
    match = re.search(r"<p\b[^>]*>(.*?)</p>", doc.body, re.S)
    assert match, doc.path
    text = html.unescape(re.sub(r"<[^>]+>", " ", match.group(1)))
    return " ".join(text.split()[:count])


def run_build(sources: Path, output: Path, *args: str) -> tuple[int, str]:
    """Run ``publisher build`` for a PDF with a fixed SOURCE_DATE_EPOCH; exit code and stderr."""
    runner = CliRunner(env={"SOURCE_DATE_EPOCH": str(EPOCH)})
    command = ["build", str(sources), "-f", "pdf", "-o", str(output), "--title", TITLE, "-v", *args]
    result = runner.invoke(main, command, catch_exceptions=False)
    return result.exit_code, result.stderr


@pytest.fixture(scope="session")
def pdf_sources(
    tmp_path_factory: pytest.TempPathFactory, whitehouse_sample: Path, sample_corpus: Path
) -> Path:
    """14 real documents: every third of the sample, the reference example and one with a table."""
    folder = tmp_path_factory.mktemp("pdf-sources")
    for path in sorted(whitehouse_sample.glob("*.md"))[::3]:
        shutil.copy(path, folder / path.name)
    for name in EXTRA:
        shutil.copy(sample_corpus / "whitehouse" / name, folder / name)
    return folder


def build_layout(folder: Path, sources: Path, layout: str, *args: str) -> Built:
    """Build one layout with the command line and read it back."""
    output = folder / f"{layout}.pdf"
    code, stderr = run_build(sources, output, "--layout", layout, *args)
    assert code == 0, stderr
    return Built(output, pypdf.PdfReader(output), load([str(sources)]).documents, stderr)


@pytest.fixture(scope="session")
def brief(tmp_path_factory: pytest.TempPathFactory, pdf_sources: Path) -> Built:
    """The brief, ungrouped."""
    return build_layout(tmp_path_factory.mktemp("brief"), pdf_sources, "brief")


@pytest.fixture(scope="session")
def book(tmp_path_factory: pytest.TempPathFactory, pdf_sources: Path) -> Built:
    """The book, grouped by month."""
    return build_layout(tmp_path_factory.mktemp("book"), pdf_sources, "book", "--group", "month")


@pytest.fixture(params=["brief", "book"])
def built(request: pytest.FixtureRequest) -> Built:
    """Each layout in turn, built once for the session."""
    result: Built = request.getfixturevalue(request.param)
    return result


def document_pages(built: Built) -> dict[str, int]:
    """The page index each document's bookmark points to, by document id."""
    by_title = {}
    for _, title, page in outline(built.reader):
        by_title.setdefault(" ".join(title.split()), page)
    pages = {}
    for doc in built.documents:
        assert " ".join(doc.title.split()) in by_title, f"no bookmark for {doc.title!r}"
        pages[doc.id] = by_title[" ".join(doc.title.split())]
    return pages


def test_every_document_has_a_bookmark_to_the_page_with_its_title(built: Built) -> None:
    assert len(built.documents) == 14
    for doc in built.documents:
        page = document_pages(built)[doc.id]
        assert squash(doc.title) in squash(built.page_text(page)), doc.title


def test_printed_contents_give_the_page_of_each_bookmark(built: Built) -> None:
    pages = document_pages(built)
    contents = range(1, min(pages.values()))
    numbers = printed_numbers(built, contents)
    for doc in built.documents:
        anchor = render.part_name(doc)
        assert anchor in numbers, f"{doc.title!r} is not in the printed contents"
        assert numbers[anchor] == pages[doc.id] + 1, doc.title
        target = built.reader.named_destinations[anchor]
        assert built.reader.get_destination_page_number(target) == pages[doc.id]


def test_page_numbers_are_printed_as_page_n_of_m(built: Built) -> None:
    total = len(built.reader.pages)
    for index in (1, total // 2, total - 1):
        text = " ".join(built.page_text(index).split())
        assert f"Page {index + 1} of {total}" in text
        assert TITLE in text
    assert "Page 1 of" not in built.page_text(0)


def test_every_source_url_is_a_link_on_the_documents_first_page(built: Built) -> None:
    pages = document_pages(built)
    everywhere = {uri for page in built.reader.pages for _, _, uri in links(page) if uri}
    for doc in built.documents:
        assert doc.source_url
        on_page = {uri for _, _, uri in links(built.reader.pages[pages[doc.id]]) if uri}
        assert doc.source_url in on_page, doc.title
        assert squash(doc.source_url) in squash(built.page_text(pages[doc.id]))
    assert everywhere >= {doc.source_url for doc in built.documents}


def test_the_first_paragraph_starts_on_the_documents_first_page(built: Built) -> None:
    pages = document_pages(built)
    for doc in built.documents:
        words = first_paragraph_words(doc)
        assert squash(words) in squash(built.page_text(pages[doc.id])), doc.title


def test_bookmarks_nest_subheadings_under_their_document(built: Built) -> None:
    marks = outline(built.reader)
    grouped = any(depth == 0 and title == "April 2021" for depth, title, _ in marks)
    level = 1 if grouped else 0
    for doc in built.documents:
        title = " ".join(doc.title.split())
        start = next(i for i, m in enumerate(marks) if m[1] == title)
        assert marks[start][0] == level
        children = []
        for depth, text, _ in marks[start + 1 :]:
            if depth <= level:
                break
            children.append((depth - level, text))
        wanted = [(h.level - 1, h.text) for h in doc.headings if h.level <= 3]
        assert children == wanted, doc.title
    top = [title for depth, title, _ in marks if depth == 0]
    assert top[0] == TITLE
    assert top[-2:] == ["Sources", "Colophon"]


def test_the_book_starts_each_document_on_a_new_page_and_the_brief_does_not(built: Built) -> None:
    starts = list(document_pages(built).values())
    if built.path.stem == "book":
        assert len(set(starts)) == len(starts)
        months = [t for d, t, _ in outline(built.reader) if d == 0 and t[-4:] in ("2021", "2022")]
        assert "March 2021" in months
    else:
        assert len(set(starts)) < len(starts)


def test_the_pdf_has_metadata_from_the_compilation(built: Built) -> None:
    info = built.reader.metadata
    assert info is not None
    assert info.title == TITLE
    assert str(built.reader.trailer["/Root"]["/Lang"]) == "en"
    assert {t for d in built.documents for t in d.tags} <= set(info["/Keywords"].split(", "))
    stamp = dt.datetime.fromtimestamp(EPOCH, dt.UTC)
    assert info.creation_date == stamp
    assert info.modification_date == stamp
    assert "14 documents" in info.subject
    assert built.reader.trailer["/Root"]["/PageMode"] == "/UseOutlines"
    assert [float(v) for v in built.reader.pages[0].mediabox] == [0, 0, 612, 792]


def test_the_engine_reported_nothing(built: Built) -> None:
    # The one note a machine without libharfbuzz-subset gets is a hint, not a report.
    lines = built.stderr.splitlines()
    assert [line for line in lines if "[pdf-" in line and not line.startswith("note: ")] == []


def test_two_builds_with_the_same_epoch_are_byte_identical(
    brief: Built, tmp_path: Path, pdf_sources: Path
) -> None:
    again = build_layout(tmp_path, pdf_sources, "brief")
    assert again.path.read_bytes() == brief.path.read_bytes()


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com/image.png",
        "https://example.com/style.css",
        "ftp://example.com/file",
        "file:///etc/passwd",
        "file:///dev/urandom",
        "file://elsewhere/share/image.png",
        "data:text/html,<script>alert(1)</script>",
        "data:image/png;base64," + "A" * (DATA_LIMIT * 2),
        "image.png",
    ],
)
def test_the_fetcher_refuses_what_is_not_a_local_file_or_a_small_image(
    tmp_path: Path, url: str
) -> None:
    fetcher = Fetcher([tmp_path])
    with pytest.raises(Refused):
        fetcher.fetch(url)
    assert [u for u, _ in fetcher.refused] == [url]


def test_the_fetcher_refuses_devices_and_links_that_escape_even_inside_a_root(
    tmp_path: Path,
) -> None:
    outside = tmp_path / "outside.css"
    outside.write_text("p { color: red }")
    root = tmp_path / "root"
    root.mkdir()
    (root / "escape.css").symlink_to(outside)
    (root / "random.png").symlink_to("/dev/urandom")
    fetcher = Fetcher([root, Path("/dev")])
    for name in ("escape.css", "random.png", "missing.css"):
        with pytest.raises(Refused):
            fetcher.fetch((root / name).as_uri())
    with pytest.raises(Refused, match="regular file"):
        fetcher.fetch("file:///dev/urandom")
    with pytest.raises(Refused):
        fetcher.fetch(root.as_uri())


def test_the_fetcher_serves_files_under_its_roots_and_small_data_images(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "a b.css").write_text("p { color: red }")
    fetcher = Fetcher([tmp_path])
    response = fetcher.fetch((tmp_path / "sub" / "a b.css").as_uri())
    assert response.read() == b"p { color: red }"
    assert response.content_type == "text/css"
    png = fetcher.fetch("data:image/png;base64,iVBORw0KGgo=")
    assert png.content_type == "image/png"
    assert png.read() == b"\x89PNG\r\n\x1a\n"
    svg = fetcher.fetch("data:image/svg+xml;charset=utf-8,%3Csvg%2F%3E")
    assert svg.read() == b"<svg/>"
    assert fetcher.refused == []


def compile_folder(folder: Path, **changes: str) -> tuple[Loaded, Compilation]:
    """Load and assemble a folder of documents, with the test's fixed build time."""
    loaded = load([str(folder)])
    documents = [
        dataclasses.replace(d, body=d.body + changes[d.path]) if d.path in changes else d
        for d in loaded.documents
    ]
    info = BookInfo(title="Test", modified=dt.datetime.fromtimestamp(EPOCH, dt.UTC))
    return loaded, assemble(documents, info)[0]


def test_a_build_refuses_resources_outside_the_roots_and_says_so(
    tmp_path: Path, sample_corpus: Path
) -> None:
    root = tmp_path / "documents"
    root.mkdir()
    shutil.copy(sample_corpus / "whitehouse" / EXTRA[0], root / EXTRA[0])
    secret = tmp_path / "secret.png"
    secret.write_bytes(b"\x89PNG\r\n\x1a\nsecret")
    (root / "random.png").symlink_to("/dev/urandom")
    (root / "hostile.md").write_text(
        "---\ntitle: Hostile\ndate: 2021-03-02\n---\n\n"
        "![a](random.png) ![b](../secret.png) ![c](/dev/urandom)\n\n"
        '<img src="http://example.com/x.png" alt="remote"> Text in no font: \U0010fffd.\n'
    )
    theme = tmp_path / "theme"
    theme.mkdir()
    (theme / "print-brief.css").write_text(
        '@import url("http://example.com/a.css");\n'
        '.doc-body { background: url("file:///dev/urandom"); }\n'
        f'.doc-title {{ background: url("{secret.as_uri()}"); }}\n'
    )
    # A body that got past markup's own checks: the fetcher is the last line of defence.
    slipped = '<p><img src="file:///etc/passwd" alt=""/><img src="https://example.com/t.png"/></p>'
    loaded, compilation = compile_folder(root, **{"hostile.md": slipped})
    output = tmp_path / "hostile.pdf"
    options = OutputOptions(theme=render.Theme(style_dirs=(theme,)), roots=loaded.roots)
    found = problems(pdf.write(compilation, output, options))
    assert output.read_bytes().startswith(b"%PDF-")
    refused = {d.message.split(" not loaded")[0]: d.path for d in found if d.code == "pdf-refused"}
    assert refused == {
        "http://example.com/a.css": str(theme / "print-brief.css"),
        "file:///dev/urandom": "",
        secret.as_uri(): "",
        "file:///etc/passwd": "hostile.md",
        "https://example.com/t.png": "hostile.md",
    }
    assert all(d.severity == "warning" for d in found)
    assert b"secret" not in output.read_bytes()
    glyphs = [d for d in found if d.code == "pdf-glyph-missing"]
    assert [(d.path, "U+10FFFD" in d.message) for d in glyphs] == [("hostile.md", True)]


def test_local_images_are_found_under_each_of_several_roots(tmp_path: Path) -> None:
    roots = [tmp_path / "one", tmp_path / "two"]
    for number, root in enumerate(roots, 1):
        (root / "pictures").mkdir(parents=True)
        Image.new("RGB", (40 * number, 30), (200, 30 * number, 0)).save(root / "pictures" / "p.png")
        (root / f"doc{number}.md").write_text(
            f"---\ntitle: Document {number}\ndate: 2021-05-0{number}\n---\n\n"
            f"Picture {number}:\n\n![Picture {number}](pictures/p.png)\n"
        )
    loaded = load([str(root) for root in roots])
    info = BookInfo(title="Pictures", modified=dt.datetime.fromtimestamp(EPOCH, dt.UTC))
    compilation = assemble(loaded.documents, info)[0]
    output = tmp_path / "pictures.pdf"
    assert problems(pdf.write(compilation, output, OutputOptions(roots=loaded.roots))) == []
    images = {
        img.name: img.image.width for page in pypdf.PdfReader(output).pages for img in page.images
    }
    assert sorted(images.values()) == [40, 80]


def test_markdown_footnotes_are_printed_at_the_foot_of_the_page_that_calls_them(
    tmp_path: Path,
) -> None:
    root = tmp_path / "documents"
    root.mkdir()
    (root / "notes.md").write_text(
        "---\ntitle: Notes\ndate: 2021-05-01\n---\n\n"
        "A claim that needs a source.[^1] Another claim.[^2]\n\n"
        "Closing paragraph of the body.\n\n"
        "[^1]: The first note, with *emphasis*.\n"
        "[^2]: The second note.\n"
    )
    loaded, compilation = compile_folder(root)
    output = tmp_path / "notes.pdf"
    assert problems(pdf.write(compilation, output, OutputOptions(roots=loaded.roots))) == []
    reader = pypdf.PdfReader(output)
    page = next(p for p in reader.pages if "A claim that needs" in p.extract_text())
    pieces = fragments(page)
    closing = next(y for _, y, text in pieces if "Closing paragraph" in text)
    for note in ("The first note", "The second note"):
        assert any(note in text and y < closing for _, y, text in pieces), note
    assert "\u21a9" not in "".join(p.extract_text() for p in reader.pages)


def test_qr_codes_are_drawn_beside_source_urls(tmp_path: Path, sample_corpus: Path) -> None:
    root = tmp_path / "documents"
    root.mkdir()
    shutil.copy(sample_corpus / "whitehouse" / EXTRA[0], root / EXTRA[0])
    loaded, compilation = compile_folder(root)
    sizes = []
    for qr in (False, True):
        output = tmp_path / f"qr-{qr}.pdf"
        assert (
            problems(pdf.write(compilation, output, OutputOptions(roots=loaded.roots, qr=qr))) == []
        )
        page = pypdf.PdfReader(output).pages[2]
        sizes.append(len(page.get_contents().get_data()))
    assert sizes[1] > sizes[0] + 5000
    css = pdf_style.generated(compilation, OutputOptions(qr=True))
    assert css.count('url("data:image/svg+xml') == 1


@pytest.mark.parametrize(
    ("variant", "key"), [("pdf/ua-1", "/StructTreeRoot"), ("pdf/a-3b", "/OutputIntents")]
)
def test_tagged_and_archival_variants(
    tmp_path: Path, sample_corpus: Path, variant: str, key: str
) -> None:
    root = tmp_path / "documents"
    root.mkdir()
    shutil.copy(sample_corpus / "whitehouse" / EXTRA[0], root / EXTRA[0])
    loaded, compilation = compile_folder(root)
    output = tmp_path / "variant.pdf"
    options = OutputOptions(roots=loaded.roots, pdf_variant=variant)
    assert problems(pdf.write(compilation, output, options)) == []
    catalog = pypdf.PdfReader(output).trailer["/Root"]
    assert key in catalog
    assert b"<x:xmpmeta" in catalog["/Metadata"].get_object().get_data()


def test_a_pdf_that_cannot_be_written_is_an_output_failed_diagnostic(
    tmp_path: Path, sample_corpus: Path
) -> None:
    root = tmp_path / "documents"
    root.mkdir()
    shutil.copy(sample_corpus / "whitehouse" / EXTRA[0], root / EXTRA[0])
    compilation = compile_folder(root)[1]
    (tmp_path / "file").write_text("not a folder")
    found = problems(pdf.write(compilation, tmp_path / "file" / "out.pdf", OutputOptions()))
    assert [d.code for d in found] == [OUTPUT_FAILED]
    assert found[0].severity == "error"


@pytest.mark.parametrize(
    ("lang", "asked", "paper"),
    [
        ("en", None, "letter"),
        ("en-US", None, "letter"),
        ("es-MX", None, "letter"),
        ("en-GB", None, "a4"),
        ("fr", None, "a4"),
        ("de-DE", None, "a4"),
        ("en", "a4", "a4"),
        ("fr", "letter", "letter"),
    ],
)
def test_paper_follows_the_option_then_the_language_region(
    lang: str, asked: str | None, paper: str
) -> None:
    compilation = assemble([], BookInfo(lang=lang))[0]
    options = OutputOptions(paper=asked)  # type: ignore[arg-type]
    assert pdf_style.paper(compilation, options) == paper
    assert f"size: {paper};" in pdf_style.generated(compilation, options)


def test_page_labels_are_localized_per_document_language() -> None:
    css = pdf_style.generated(assemble([], BookInfo(lang="es"))[0], OutputOptions())
    assert 'page-before "Página ", page-between " de "' in css


def test_each_page_is_numbered_in_the_language_of_its_document(
    tmp_path: Path, sample_corpus: Path
) -> None:
    root = tmp_path / "documents"
    for lang, name in (
        ("en", "2024-01-31-statement-from-president-joe-biden-on-the-passing-of-chita-rivera.md"),
        (
            "es",
            "2024-01-31-declaracion-del-presidente-joe-biden-ante-el-fallecimiento-de-chita-rivera.md",
        ),
    ):
        (root / lang).mkdir(parents=True)
        shutil.copy(sample_corpus / "bilingual" / "whitehouse" / lang / name, root / lang / name)
    loaded, compilation = compile_folder(root)
    output = tmp_path / "bilingual.pdf"
    assert (
        problems(pdf.write(compilation, output, OutputOptions(roots=loaded.roots, layout="book")))
        == []
    )
    reader = pypdf.PdfReader(output)
    total = len(reader.pages)
    pages = {title: page for _, title, page in outline(reader)}
    spanish = next(d for d in compilation.documents if d.lang == "es")
    english = next(d for d in compilation.documents if d.lang == "en")
    text = reader.pages[pages[spanish.title]].extract_text()
    assert f"Página {pages[spanish.title] + 1} de {total}" in " ".join(text.split())
    text = reader.pages[pages[english.title]].extract_text()
    assert f"Page {pages[english.title] + 1} of {total}" in " ".join(text.split())
