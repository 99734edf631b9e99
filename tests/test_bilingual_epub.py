"""Bilingual EPUBs built from the corpus translations, checked by EPUBCheck and read back."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from test_epub import NS, XML_LANG, Package, build, built, run_epubcheck, text

from publisher import i18n
from publisher.assembling.bilingual import MODES
from publisher.build import load

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "bilingual"
X = f"{{{NS['x']}}}"
CHITA = "en/2024-01-31-statement-from-president-joe-biden-on-the-passing-of-chita-rivera.md"
CHITA_ES = (
    "es/2024-01-31-declaracion-del-presidente-joe-biden-ante-el-fallecimiento-de-chita-rivera.md"
)


@pytest.fixture(scope="session")
def epubs(
    tmp_path_factory: pytest.TempPathFactory, sample_corpus: Path
) -> dict[str, tuple[Package, str]]:
    """The White House translations in every layout, Spanish first among the translations; the
    glossary interleaved; the Hebrew fixture with Hebrew as the primary language."""
    out = tmp_path_factory.mktemp("bilingual-epub")
    whitehouse = str(sample_corpus / "bilingual" / "whitehouse")
    runs: dict[str, tuple[str, ...]] = {
        mode: (whitehouse, "--bilingual", mode, "--secondary", "es", "--title", "Relaciones")
        for mode in MODES
    }
    runs["glossary"] = (
        str(sample_corpus / "bilingual" / "cncf-glossary"),
        "--bilingual",
        "interleaved",
    )
    runs["hebrew"] = (str(FIXTURES), "--bilingual", "interleaved", "--lang", "he")
    found: dict[str, tuple[Package, str]] = {}
    for name, args in runs.items():
        path = out / f"{name}.epub"
        result = build(*args, "-f", "epub", "-o", str(path))
        found[name] = (built(result, path), result.output)
    return found


@pytest.fixture(scope="session")
def files(sample_corpus: Path) -> dict[str, str]:
    """The file name each White House document has in the EPUB, by source path."""
    documents = load([str(sample_corpus / "bilingual" / "whitehouse")]).documents
    return {d.path: f"doc-{d.id}.xhtml" for d in documents}


@pytest.fixture(scope="session")
def checked(epubs: dict[str, tuple[Package, str]]) -> dict[str, list[str]]:
    # The parallel EPUB is the interleaved one, byte for byte (tested below): one check is enough.
    paths = {name: package.path for name, (package, _) in epubs.items() if name != "parallel"}
    return run_epubcheck(paths)


@pytest.mark.parametrize("name", ["sequential", "interleaved", "primary", "glossary", "hebrew"])
def test_epubcheck_finds_no_error_and_no_warning(name: str, checked: dict[str, list[str]]) -> None:
    assert checked[name] == [], "\n".join(checked[name])


def test_parallel_falls_back_to_interleaved_and_says_so(
    epubs: dict[str, tuple[Package, str]],
) -> None:
    (parallel, output), (interleaved, _) = epubs["parallel"], epubs["interleaved"]
    assert "warning: the parallel layout is for print" in output
    assert parallel.path.read_bytes() == interleaved.path.read_bytes()


def pages(package: Package) -> list[tuple[str, ET.Element]]:
    """The document pages in spine order, with their file names."""
    found = []
    for name in package.spine:
        page = package.xml(name)
        if page.find(".//x:article", NS) is not None:
            found.append((Path(name).name, page))
    return found


def test_every_element_says_its_language_and_direction(
    epubs: dict[str, tuple[Package, str]],
) -> None:
    for name, (package, _) in epubs.items():
        for entry in package.spine:
            for element in package.xml(entry).iter():
                lang = element.get("lang")
                if lang is None:
                    continue
                assert element.get(XML_LANG) == lang, (name, entry)
                assert element.get("dir") == ("rtl" if i18n.is_rtl(lang) else "ltr"), (name, entry)


def test_the_package_lists_every_language(epubs: dict[str, tuple[Package, str]]) -> None:
    assert epubs["sequential"][0].metadata("dc:language") == ["en", "es", "fr", "pt"]
    assert epubs["hebrew"][0].metadata("dc:language") == ["he", "en"]


def test_sequential_puts_variants_together_and_links_them(
    epubs: dict[str, tuple[Package, str]], files: dict[str, str]
) -> None:
    package, _ = epubs["sequential"]
    order = [(page.get("lang"), name) for name, page in pages(package)]
    # Four entries, each its lead in English, then Spanish, then the others.
    assert [lang for lang, _ in order] == ["en", "es", "fr", "pt"] * 2 + ["en", "es"] * 2
    english = package.xml(f"EPUB/{files[CHITA]}")
    link = english.find(".//x:a[@class='translation-link']", NS)
    assert link is not None and text(link) == "Leer en español"
    assert (link.get("href"), link.get("hreflang")) == (files[CHITA_ES], "es")
    spanish = package.xml(f"EPUB/{files[CHITA_ES]}")
    header = text(spanish.find(".//x:header", NS))
    assert "Publicado: 31 de enero de 2024" in header and "Read in English" in header
    back = spanish.find(".//x:a[@class='translation-link']", NS)
    assert back is not None and back.get("href") == files[CHITA]


def test_the_contents_list_each_entry_once_with_every_title(
    epubs: dict[str, tuple[Package, str]], files: dict[str, str]
) -> None:
    package, _ = epubs["sequential"]
    nav = package.xml("EPUB/nav.xhtml")
    entries = list(nav.iterfind(".//x:nav[@role='doc-toc']/x:ol/x:li/x:a", NS))
    documents = [a for a in entries if a.get("href", "").startswith("doc-")]
    assert len(documents) == 4
    chita = next(a for a in documents if a.get("href") == files[CHITA])
    spans = chita.findall("x:span", NS)
    assert [(s.get("lang"), text(s)) for s in spans] == [
        ("en", "EN Statement from President Joe Biden on the Passing of Chita Rivera"),
        ("es", "ES Declaración del Presidente Joe Biden ante el Fallecimiento de Chita Rivera"),
    ]
    page = package.xml("EPUB/toc.xhtml")
    items = page.findall(".//x:li[@class='toc-entry toc-bilingual']", NS)
    assert len(items) == 4
    langs = [s.get("lang") for s in items[0].iterfind(".//x:span[@lang]", NS)]
    assert langs == ["en", "es", "fr", "pt"]


def body_text(html: str) -> str:
    root = ET.fromstring(f"<div>{html}</div>")
    return " ".join("".join(root.itertext()).split())


@pytest.mark.parametrize("mode", ["interleaved", "parallel"])
def test_interleaved_pairs_each_block_with_its_translation(
    mode: str, epubs: dict[str, tuple[Package, str]], sample_corpus: Path
) -> None:
    package, _ = epubs[mode]
    documents = {d.id: d for d in load([str(sample_corpus / "bilingual" / "whitehouse")]).documents}
    paired = [
        (name, page) for name, page in pages(package) if page.find(".//x:div", NS) is not None
    ]
    beaded = [(n, p) for n, p in paired if p.find(".//x:div[@class='bead']", NS) is not None]
    assert len(beaded) == 4
    for name, page in beaded:
        lead = documents[name.removeprefix("doc-").removesuffix(".xhtml")]
        partner = next(
            d
            for d in documents.values()
            if d.translation_key == lead.translation_key and d.lang == "es"
        )
        beads = page.findall(".//x:div[@class='bead']", NS)
        sides = {"en": "", "es": ""}
        for bead in beads:
            for side in bead:
                sides[str(side.get("lang"))] += " " + text(side)
            first = bead[0]
            assert first.get("class") in ("bead-primary", "bead-secondary")
        assert " ".join(sides["en"].split()) == body_text(lead.body)
        assert " ".join(sides["es"].split()) == body_text(partner.body)
        assert page.find(".//x:p[@class='doc-title-translation']", NS).get("lang") == "es"  # type: ignore[union-attr]
    declaration = next(p for n, p in beaded if n.startswith("doc-2022-06-10-los-angeles-decl"))
    rows = declaration.findall(".//x:div[@class='bead']", NS)
    assert [len(bead) for bead in rows] == [2] * 24


def test_primary_shows_one_language_and_links_to_the_translations(
    epubs: dict[str, tuple[Package, str]], files: dict[str, str]
) -> None:
    package, _ = epubs["primary"]
    shown = pages(package)
    assert {page.get("lang") for _, page in shown} == {"en"}
    assert len(shown) == 4
    english = package.xml(f"EPUB/{files[CHITA]}")
    link = english.find(".//x:a[@class='translation-link']", NS)
    assert link is not None and text(link) == "Leer en español"
    assert link.get("href") == (
        "https://www.whitehouse.gov/briefing-room/statements-releases/2024/01/31/"
        "declaracion-del-presidente-joe-biden-ante-el-fallecimiento-de-chita-rivera/"
    )


def test_a_right_to_left_book_and_its_single_language_entry(
    epubs: dict[str, tuple[Package, str]],
) -> None:
    package, _ = epubs["hebrew"]
    for name in ("EPUB/title.xhtml", "EPUB/nav.xhtml"):
        assert (package.xml(name).get("lang"), package.xml(name).get("dir")) == ("he", "rtl")
    (name, pair), (_, single) = pages(package)
    assert (pair.get("lang"), pair.get("dir")) == ("he", "rtl")
    secondary = pair.findall(".//x:div[@class='bead-secondary']", NS)
    assert {(s.get("lang"), s.get("dir")) for s in secondary} == {("en", "ltr")}
    header = text(pair.find(".//x:header", NS))
    assert "פורסם: 12 במרץ 2024" in header and "Published: March 12, 2024" in header
    # Each side has its own quotation marks: the Hebrew as written, the English made curly.
    assert "”ביטחון המים" in text(pair.find(".//x:div[@class='doc-body']", NS))
    assert "“Water security is built" in text(pair.find(".//x:div[@class='doc-body']", NS))
    only = single.find(".//x:p[@class='doc-only']", NS)
    assert only is not None and text(only) == "באנגלית בלבד"
    assert (only.get("lang"), only.get("dir")) == ("he", "rtl")
