"""EPUB accessibility: Ace by DAISY finds nothing in the books built from the bundled corpus, and
the package's structure and metadata are read back to check each fix on its own."""

from __future__ import annotations

import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from test_epub import EPUB_TYPE, NS, XML_LANG, Package, build, built, run_epubcheck
from tools import ACE_MISSING, ace_runs, programs

from publisher.checking import ace

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "bilingual"
CERTIFIED = """\
[book]
title = "Certified"
publisher = "Our Newsroom"

[book.accessibility]
certified_by = "Acme Access"
conformance = "WCAG 2.1 AA"

[sources]
paths = ["content"]

[editions.book]
format = "epub"
"""
# The DPUB-ARIA role each epub:type of ours needs (Ace's epub-type-has-matching-role).
ROLES = {
    "chapter": "doc-chapter",
    "part": "doc-part",
    "toc": "doc-toc",
    "bibliography": "doc-bibliography",
    "colophon": "doc-colophon",
}


@pytest.fixture(scope="session")
def books(tmp_path_factory: pytest.TempPathFactory, sample_corpus: Path) -> dict[str, Package]:
    """The White House set grouped by year, the blog, the en/es and en/ja translations in both
    bilingual EPUB layouts, and a small book whose config names a certifier."""
    out = tmp_path_factory.mktemp("a11y")
    bilingual = sample_corpus / "bilingual"
    runs: dict[str, tuple[str, ...]] = {
        "whitehouse": (
            *(str(sample_corpus / "whitehouse"), "--group", "year"),
            *("--title", "White House Briefings", "--publisher", "Desk"),
        ),
        "blog": (str(sample_corpus / "blog" / "fluxcd"),),
    }
    for mode in ("sequential", "interleaved"):
        runs[f"en-es-{mode}"] = (
            str(bilingual / "whitehouse"),
            "--bilingual",
            mode,
            "--secondary",
            "es",
        )
        glossary = str(bilingual / "cncf-glossary")
        runs[f"en-ja-{mode}"] = (glossary, "--bilingual", mode, "--secondary", "ja")
    found = {}
    for name, args in runs.items():
        path = out / f"{name}.epub"
        found[name] = built(build(*args, "-f", "epub", "-o", str(path)), path)
    found["certified"] = _certified(out / "certified", sample_corpus)
    return found


def _certified(folder: Path, sample_corpus: Path) -> Package:
    """Four glossary terms in a project whose config names who evaluated it, to what level."""
    (folder / "content").mkdir(parents=True)
    for term in ("cluster.md", "container.md", "ingress.md", "service-mesh.md"):
        shutil.copy(sample_corpus / "bilingual" / "cncf-glossary" / "en" / term, folder / "content")
    (folder / "publisher.toml").write_text(CERTIFIED, encoding="utf-8")
    result = build("--config", str(folder / "publisher.toml"))
    return built(result, folder / "dist" / "book.epub")


@pytest.fixture(scope="session")
def ace_reports(books: dict[str, Package]) -> dict[str, dict[str, Any]]:
    """Ace's JSON report of every book, two runs at a time (each drives a Chromium)."""
    found = programs()
    if not ace_runs(found):
        pytest.skip(ACE_MISSING)
    assert found.ace is not None

    def one(package: Package) -> dict[str, Any]:
        report = ace.report(str(found.ace), found.chromium, package.path)
        assert not isinstance(report, str), f"Ace did not report on {package.path}: {report}"
        return report

    with ThreadPoolExecutor(2) as pool:
        reports = pool.map(one, books.values())
        return dict(zip(books, reports, strict=True))


def failures(report: dict[str, Any]) -> list[str]:
    """Every failed assertion of an Ace report, read from its JSON as Ace wrote it."""
    return [
        f"{test['earl:test']['earl:impact']} {test['earl:test']['dct:title']} in "
        f"{subject['earl:testSubject']['url']}: {test['earl:result'].get('html', '')[:120]}"
        for subject in report["assertions"]
        for test in subject["assertions"]
        if test["earl:result"]["earl:outcome"] == "fail"
    ]


@pytest.mark.parametrize(
    "name",
    [
        "whitehouse",
        "blog",
        "en-es-sequential",
        "en-es-interleaved",
        "en-ja-sequential",
        "en-ja-interleaved",
        "certified",
    ],
)
def test_ace_finds_no_violation_of_any_impact(
    name: str, ace_reports: dict[str, dict[str, Any]], books: dict[str, Package]
) -> None:
    report = ace_reports[name]
    assert failures(report) == []
    assert report["earl:result"]["earl:outcome"] == "pass"
    # Ace looked at every content document, not at an empty shell.
    checked = {subject["earl:testSubject"]["url"] for subject in report["assertions"]}
    pages = {name.rsplit("/", 1)[-1] for name in books[name].spine}
    assert pages <= checked


def test_epubcheck_still_finds_nothing(books: dict[str, Package]) -> None:
    # test_bilingual_epub checks the en/es books, built the same way but for their title.
    checked = {name: books[name].path for name in books if not name.startswith("en-es")}
    assert run_epubcheck(checked) == {name: [] for name in checked}


def test_the_package_says_the_book_language_and_direction(
    books: dict[str, Package], tmp_path: Path
) -> None:
    assert (
        books["en-ja-sequential"].opf.get(XML_LANG),
        books["en-ja-sequential"].opf.get("dir"),
    ) == (
        "en",
        "ltr",
    )
    path = tmp_path / "hebrew.epub"
    result = build(
        str(FIXTURES), "--bilingual", "interleaved", "--lang", "he", "-f", "epub", "-o", str(path)
    )
    hebrew = built(result, path)
    assert (hebrew.opf.get(XML_LANG), hebrew.opf.get("dir")) == ("he", "rtl")


def test_every_page_says_what_it_is_on_a_section_with_the_matching_role(
    books: dict[str, Package],
) -> None:
    kinds: set[str] = set()
    for name in books["whitehouse"].spine:
        page = books["whitehouse"].xml(name)
        body = page.find("x:body", NS)
        assert body is not None and body.get(EPUB_TYPE) is None, name
        (section,) = list(body)
        assert section.tag == f"{{{NS['x']}}}section", name
        types = section.get(EPUB_TYPE, "").split()
        wanted = [ROLES[t] for t in types if t in ROLES]
        assert section.get("role") == (wanted[0] if wanted else None), name
        kinds.update(types)
    assert {"cover", "titlepage", "toc", "part", "chapter", "bibliography", "colophon"} <= kinds


def test_headings_of_a_document_page_never_skip_a_level(books: dict[str, Package]) -> None:
    checked = 0
    for package in (books["whitehouse"], books["blog"]):
        for name in package.spine:
            levels = [
                int(element.tag[-1])
                for element in package.xml(name).iter()
                if element.tag in {f"{{{NS['x']}}}h{n}" for n in range(1, 7)}
            ]
            steps = zip([0, *levels], levels, strict=False)
            assert all(level <= before + 1 for before, level in steps), (name, levels)
            checked += len(levels) > 2
    assert checked > 5


def test_without_a_certifier_nothing_is_claimed_and_the_summary_says_so(
    books: dict[str, Package],
) -> None:
    package = books["whitehouse"]
    assert package.meta("dcterms:conformsTo") == []
    assert package.meta("a11y:certifiedBy") == []
    (summary,) = package.meta("schema:accessibilitySummary")
    assert summary.startswith("No conformance claim: no person has evaluated this publication")
    assert "42 documents" in summary and "Language: English," in summary
    languages = books["en-ja-sequential"].meta("schema:accessibilitySummary")[0]
    assert "Languages: English, Spanish, Japanese" in languages


def test_a_configured_certifier_is_claimed_as_the_spec_writes_it(books: dict[str, Package]) -> None:
    package = books["certified"]
    (conforms,) = package.opf.findall("opf:metadata/opf:meta[@property='dcterms:conformsTo']", NS)
    assert conforms.text == "EPUB Accessibility 1.1 - WCAG 2.1 Level AA"
    (certifier,) = package.opf.findall("opf:metadata/opf:meta[@property='a11y:certifiedBy']", NS)
    assert certifier.text == "Acme Access"
    assert certifier.get("refines") == f"#{conforms.get('id')}"
    (summary,) = package.meta("schema:accessibilitySummary")
    assert summary.startswith(
        "Evaluated by Acme Access as EPUB Accessibility 1.1 - WCAG 2.1 Level AA."
    )


def test_images_without_alt_text_are_decorative_and_counted(tmp_path: Path) -> None:
    folder = tmp_path / "images"
    folder.mkdir()
    Image.new("RGB", (40, 20), (200, 30, 30)).save(folder / "chart.png")
    Image.new("RGB", (20, 20), (30, 30, 200)).save(folder / "rule.png")
    (folder / "doc.md").write_text(
        "---\ntitle: Two images\ndate: 2024-01-02\n---\n\n![A red chart](chart.png)\n\n"
        "![](rule.png)\n",
        encoding="utf-8",
    )
    path = tmp_path / "images.epub"
    package = built(build(str(folder), "-f", "epub", "-o", str(path)), path)
    page = package.xml("EPUB/doc-doc.xhtml")
    images = {img.get("alt"): img.get("role") for img in page.iter(f"{{{NS['x']}}}img")}
    assert images == {"A red chart": None, "": "presentation"}
    assert package.meta("schema:accessModeSufficient") == ["textual,visual"]
    assert "alternativeText" not in package.meta("schema:accessibilityFeature")
    (summary,) = package.meta("schema:accessibilitySummary")
    assert "The cover and 1 of the 2 images in the documents have a text alternative" in summary
    assert "1 has none and is marked decorative" in summary
