"""The PDF/UA variant's structure tree, read back with pikepdf: artifacts, /Lang, /Scope, grids."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import pikepdf
import pypdf
import pytest
from click.testing import CliRunner
from printed import NO_CJK, has_cjk
from weasyprint import HTML

from publisher.checking import pdf as checking_pdf
from publisher.cli.commands import main
from publisher.pdf import tagging

pytestmark = pytest.mark.fonts

HYPHEN = "\u2010"
SPANISH = "el|los|las|del|de|la|que|en"
ENGLISH = "the|and|of|to|is"
BRIEF = (
    "2021-03-01-u-s-mexico-joint-declaration.md",
    "2021-04-16-fact-sheet-biden-administration-announces-1-7-billion-investment-to-fight-"
    "covid-19-variants.md",
)
# A page box with a running head and a page number, a data table whose headers say no scope, and
# a table of two translations side by side with no header at all.
SAMPLE = """<html lang="en"><head><title>Sample</title><style>
@page { @top-center { content: "Running head" } @bottom-center { content: counter(page) } }
</style></head><body><h1>Sample</h1><h4>Skipped to</h4>
<table><thead><tr><th>Date</th><th>Title</th></tr></thead>
<tbody><tr><td>2021</td><td>One</td></tr></tbody></table>
<table role="presentation"><tbody><tr><td>Text.</td><td lang="es">Texto.</td></tr></tbody></table>
<table><tbody><tr><td>Data</td><td>without headers</td></tr></tbody></table>
</body></html>"""


def build(output: Path, *args: str) -> Path:
    """Build a PDF/UA file with the command line."""
    command = ["build", "-f", "pdf", "--pdf-variant", "pdf/ua-1", "-o", str(output), *args]
    result = CliRunner().invoke(main, command, catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    return output


@pytest.fixture(scope="module")
def brief(tmp_path_factory: pytest.TempPathFactory, sample_corpus: Path) -> Path:
    folder = tmp_path_factory.mktemp("ua-brief")
    for name in BRIEF:
        shutil.copy(sample_corpus / "whitehouse" / name, folder / name)
    return build(folder / "brief.pdf", "--layout", "brief", "--group", "month", str(folder))


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory, sample_corpus: Path) -> Path:
    folder = tmp_path_factory.mktemp("ua-book")
    for path in sorted((sample_corpus / "whitehouse").glob("2021-0[34]-*.md"))[:4]:
        shutil.copy(path, folder / path.name)
    args = ("--layout", "book", "--group", "month", "--qr")
    return build(folder / "book.pdf", *args, str(folder))


# Japanese without its faces is drawn in boxes that read as no text: nothing to check there.
JAPANESE = pytest.param(
    ("cncf-glossary", "ja"), marks=pytest.mark.skipif(not has_cjk(), reason=NO_CJK)
)


@pytest.fixture(scope="module", params=[("whitehouse", "es"), JAPANESE])
def parallel(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, sample_corpus: Path
) -> tuple[Path, str]:
    corpus, lang = request.param
    folder = tmp_path_factory.mktemp(f"ua-{corpus}")
    for code in ("en", lang):
        shutil.copytree(sample_corpus / "bilingual" / corpus / code, folder / "sources" / code)
    args = ("--layout", "book", "--bilingual", "parallel", "--secondary", lang)
    return build(folder / "book.pdf", *args, str(folder / "sources")), lang


def elements(path: Path) -> list[tuple[str, str, str]]:
    """Every structure element of a file, in reading order: its type, /Lang and /Scope."""
    with pikepdf.open(path) as pdf:
        return [
            (str(e.S), str(e.get("/Lang", "")), str(e.get("/A", {}).get("/Scope", "")))
            for e in tagging._elements(pdf)
        ]


def artifacts(page: pikepdf.Page, kind: str = "/Pagination") -> int:
    """How many artifacts of a kind a page marks."""
    return sum(
        1
        for instruction in pikepdf.parse_content_stream(page, "BDC")
        if instruction.operands[0] == pikepdf.Name.Artifact
        and instruction.operands[1].get("/Type") == kind
    )


def marked(page: pikepdf.Page) -> list[str]:
    """The tags of a page's marked contents that the structure tree holds, in order."""
    return [
        str(instruction.operands[0])
        for instruction in pikepdf.parse_content_stream(page, "BDC")
        if "/MCID" in instruction.operands[1]
    ]


def marked_texts(page: pypdf.PageObject) -> dict[int, str]:
    """The text of each marked content of a page, by MCID."""
    found: dict[int, str] = {}
    open_: list[int | None] = []

    def before(op: bytes, args: list[Any], *_: object) -> None:
        if op in (b"BDC", b"BMC"):
            props = args[1] if op == b"BDC" and len(args) > 1 else {}
            mcid = props.get("/MCID") if isinstance(props, dict) else None
            open_.append(int(mcid) if mcid is not None else None)
        elif op == b"EMC" and open_:
            open_.pop()

    def text(chars: str, *_: object) -> None:
        if open_ and open_[-1] is not None:
            found[open_[-1]] = found.get(open_[-1], "") + chars

    page.extract_text(visitor_operand_before=before, visitor_text=text)
    return found


def runs(path: Path) -> list[tuple[str, str, str | None, str]]:
    """Each marked content the tree holds: its declared language, text, actual text and tag."""
    texts = [marked_texts(page) for page in pypdf.PdfReader(path).pages]
    result: list[tuple[str, str, str | None, str]] = []
    with pikepdf.open(path) as pdf:
        pages = {page.obj.objgen: index for index, page in enumerate(pdf.pages)}
        stack = [(kid, str(pdf.Root.Lang)) for kid in tagging._kids(pdf.Root.StructTreeRoot)]
        while stack:
            element, lang = stack.pop()
            lang = str(element.get("/Lang", lang))
            kids = element.get("/K")
            for kid in kids if isinstance(kids, pikepdf.Array) else [kids]:
                if isinstance(kid, int):
                    text = texts[pages[element.Pg.objgen]].get(kid, "")
                    actual = element.get("/ActualText")
                    actual_text = None if actual is None else str(actual)
                    result.append((lang, text, actual_text, str(element.S)))
            stack.extend((kid, lang) for kid in tagging._kids(element))
    return result


def test_the_checks_find_what_weasyprint_leaves_and_the_fixes_leave_nothing(
    tmp_path: Path,
) -> None:
    raw = tmp_path / "raw.pdf"
    HTML(string=SAMPLE).write_pdf(raw, pdf_variant="pdf/ua-1")
    codes = {d.code for d in tagging.check_structure(raw)}
    assert codes == {tagging.ARTIFACT, tagging.SCOPE, tagging.TABLE_HEADERS, tagging.HEADINGS}
    fixed = tmp_path / "fixed.pdf"
    data = HTML(string=SAMPLE).write_pdf(pdf_variant="pdf/ua-1", finisher=tagging.finish)
    fixed.write_bytes(tagging.retag(data, b"0123456789abcdef"))
    # A source's table without header cells stays a table, and is reported.
    assert [(d.code, d.severity) for d in tagging.check_structure(fixed)] == [
        (tagging.TABLE_HEADERS, "warning")
    ]
    assert [tag for tag, _, _ in elements(fixed)].count("/Table") == 2
    with pikepdf.open(fixed) as pdf:
        assert artifacts(pdf.pages[0]) == 2
    assert [tag for tag, _, _ in elements(fixed) if tag.startswith("/H")] == ["/H1", "/H2"]


@pytest.mark.parametrize(
    ("which", "expected"),
    [
        # The fact sheet's table heads its columns with bold data cells: a warning, left as it is.
        ("brief", {(tagging.TABLE_HEADERS, "warning")}),
        ("book", set()),
    ],
)
def test_briefs_and_books_pass_the_structure_checks(
    which: str, expected: set[tuple[str, str]], request: pytest.FixtureRequest
) -> None:
    path: Path = request.getfixturevalue(which)
    assert {(d.code, d.severity) for d in tagging.check_structure(path)} == expected


def test_running_heads_and_page_numbers_are_artifacts_on_every_page(book: Path) -> None:
    with pikepdf.open(book) as pdf:
        marked = [artifacts(page) for page in pdf.pages]
    # The cover and title pages have no running head or page number; all the others have both.
    assert sum(1 for count in marked if count >= 2) >= len(marked) - 3 > 5


def test_leaders_and_qr_codes_are_decoration_and_page_references_content(book: Path) -> None:
    with pikepdf.open(book) as pdf:
        contents = next(page for page in pdf.pages if artifacts(page, "/Layout") > 20)
        # Each entry's title and page number are still read; only the dots are not.
        assert len(marked(contents)) >= 8
        assert not [tag for page in pdf.pages for tag in marked(page) if tag == "/Figure"]
        assert sum(artifacts(page, "/Layout") for page in pdf.pages[2:]) >= 4


def test_header_cells_say_what_they_head(brief: Path) -> None:
    scopes = [scope for tag, _, scope in elements(brief) if tag == "/TH"]
    # The glance table: four column heads, then a row heading each month's documents.
    assert scopes == ["/Column"] * 4 + ["/Row"] * 2


def test_parallel_translations_are_a_grid_with_their_language(parallel: tuple[Path, str]) -> None:
    path, lang = parallel
    assert tagging.check_structure(path) == []
    found = list(elements(path))
    assert not [tag for tag, _, _ in found if tag in ("/Table", "/TR", "/TD")]
    langs = [found_lang for _, found_lang, _ in found if found_lang]
    assert len(langs) > 10
    assert set(langs) == {lang}
    # Each line of text is declared in its own language: Japanese script, or Spanish words and no
    # English ones. (An English source of the White House quotes a few Spanish paragraphs itself.)
    declared: dict[str, list[str]] = {}
    for run_lang, text, _, _ in runs(path):
        if len(text.strip()) > 20:
            declared.setdefault(run_lang, []).append(text)
    assert share(declared[lang], lang) > 0.8
    assert share(declared["en"], lang) < 0.1


def test_hyphenated_words_read_whole(parallel: tuple[Path, str]) -> None:
    path, _ = parallel
    hyphenated = 0
    # A link holds its runs itself, with no element of their own to say what they are.
    for _, text, actual, tag in runs(path):
        if tag != "/Link" and text.rstrip().endswith(HYPHEN):
            hyphenated += 1
            assert actual is not None
            assert actual.strip() == text.strip().removesuffix(HYPHEN) + "\u00ad"
        else:
            assert actual is None
    assert hyphenated > 5 or path.parent.name.startswith("ua-cncf")


def share(texts: list[str], lang: str) -> float:
    """The share of texts that look written in a language (Japanese, or Spanish and not English)."""
    if lang == "ja":
        found = [t for t in texts if re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", t)]
    else:
        spanish, english = (re.compile(rf"\b(?:{words})\b") for words in (SPANISH, ENGLISH))
        found = [t for t in texts if spanish.search(t) and not english.search(t)]
    return len(found) / len(texts)


def test_the_validation_gate_holds_tagged_pdfs_to_the_clauses_and_not_untagged_ones(
    tmp_path: Path,
) -> None:
    """``publisher validate`` runs the structure checks on a tagged PDF, not on a plain one."""
    tagged, plain = tmp_path / "tagged.pdf", tmp_path / "plain.pdf"
    HTML(string=SAMPLE).write_pdf(tagged, pdf_variant="pdf/ua-1")
    HTML(string=SAMPLE).write_pdf(plain)
    assert tagging.ARTIFACT in {d.code for d in checking_pdf.check(tagged)}
    assert not [d for d in checking_pdf.check(plain) if d.code.startswith("pdf-ua")]
