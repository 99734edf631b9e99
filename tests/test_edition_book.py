"""Every [book] key per edition: a Spanish edition beside an English one, from one project."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pypdf
import pytest
from click.testing import CliRunner
from test_epub import NS, XML_LANG, Package, run_epubcheck, text

from publisher import i18n
from publisher.cli.commands import main
from publisher.model import Certification
from publisher.projects import config

EPOCH = 1_616_457_600
"""2021-03-23, the Tuesday after the documents' last."""
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "bilingual"

PROJECT = """\
[book]
title = "Briefing"
publisher = "Press Office"
lang = "en"

[editions.english]
format = "epub"

[editions.spanish]
format = "epub"
lang = "es"
title = "Resumen"
subtitle = "Marzo"
description = "Las declaraciones de marzo"
authors = ["Oficina de prensa"]

[editions.english-print]
format = "pdf"

[editions.spanish-print]
format = "pdf"
lang = "es"

[editions.us-spanish-print]
format = "pdf"
lang = "es-US"
"""


def run(folder: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(
        main,
        ["build", "--config", str(folder / "publisher.toml"), *args],
        env={"SOURCE_DATE_EPOCH": str(EPOCH)},
        catch_exceptions=False,
    )
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory, sample_corpus: Path) -> Path:
    """The White House statements of March 2021, built in English and in Spanish."""
    folder = tmp_path_factory.mktemp("editions")
    (folder / "content").mkdir()
    for path in (sample_corpus / "whitehouse").glob("2021-03-*.md"):
        shutil.copy(path, folder / "content")
    (folder / "publisher.toml").write_text(PROJECT)
    code, _, err = run(folder)
    assert code == 0, err
    return folder


def pdf_text(path: Path) -> str:
    return " ".join(" ".join(page.extract_text() for page in pypdf.PdfReader(path).pages).split())


def test_an_edition_may_set_every_book_key(tmp_path: Path) -> None:
    path = tmp_path / "publisher.toml"
    path.write_text(
        '[book]\ntitle = "Book"\nlang = "en"\nrights = "CC0"\n\n'
        '[editions.es]\nformat = "epub"\nlang = "es-MX"\ntitle = "Libro"\nsubtitle = "Sub"\n'
        'publisher = "Pub"\nauthors = "Ana"\ndescription = "Desc"\nrights = "CC BY"\n'
        'identifier = "urn:isbn:9780000000002"\n\n'
        '[editions.es.accessibility]\ncertified_by = "Lab"\nconformance = "WCAG 2.1 AA"\n\n'
        '[editions.en]\nformat = "epub"\n'
    )
    spanish, english = config.load(path, {}).editions
    book = spanish.book
    assert (book.lang, book.title, book.subtitle, book.publisher) == (
        "es-MX",
        "Libro",
        "Sub",
        "Pub",
    )
    assert (book.authors, book.description, book.rights) == (("Ana",), "Desc", "CC BY")
    assert book.identifier == "urn:isbn:9780000000002"
    assert book.certification == Certification("Lab", "EPUB Accessibility 1.1 - WCAG 2.1 Level AA")
    assert english.book == config.load(path, {}).book
    assert (english.book.lang, english.book.rights, english.book.certification) == (
        "en",
        "CC0",
        None,
    )


def test_bad_book_keys_in_an_edition_are_reported_with_their_lines(tmp_path: Path) -> None:
    path = tmp_path / "publisher.toml"
    path.write_text(
        '[editions.es]\nformat = "epub"\nlang = "es es"\nauthors = 3\nlangs = "es"\n\n'
        '[editions.es.accessibility]\ncertified_by = "Lab"\n'
    )
    with pytest.raises(config.ConfigError) as caught:
        config.load(path, {})
    assert [d.format() for d in caught.value.diagnostics] == [
        "publisher.toml:3: error: editions.es.lang: 'es es' is not a BCP 47 language tag "
        "[config-value]",
        "publisher.toml:4: error: editions.es.authors: must be a string or a list of strings "
        "[config-type]",
        "publisher.toml:5: error: editions.es.langs: unknown key; did you mean 'lang'? "
        "[config-unknown-key]",
        "publisher.toml:7: error: editions.es.accessibility.conformance: missing; the level "
        "certified_by found, such as 'WCAG 2.1 AA' [config-missing]",
    ]


def test_a_book_key_in_the_defaults_is_sent_to_book(tmp_path: Path) -> None:
    path = tmp_path / "publisher.toml"
    path.write_text('[defaults]\nlang = "es"\n\n[editions.es]\nformat = "epub"\n')
    with pytest.raises(config.ConfigError) as caught:
        config.load(path, {})
    assert [d.format() for d in caught.value.diagnostics] == [
        "publisher.toml:2: error: defaults.lang: unknown key; a book key goes in [book], or in an "
        "edition that differs [config-unknown-key]"
    ]


def test_the_spanish_epub_is_spanish_throughout(project: Path) -> None:
    spanish, english = (Package(project / "dist" / f"{n}.epub") for n in ("spanish", "english"))
    assert spanish.opf.get(XML_LANG) == "es" and english.opf.get(XML_LANG) == "en"
    languages = [e.text for e in spanish.opf.findall("opf:metadata/dc:language", NS)]
    assert languages == ["es", "en"]
    assert [e.text for e in english.opf.findall("opf:metadata/dc:language", NS)] == ["en"]
    metadata = {
        key: text(spanish.opf.find(f"opf:metadata/dc:{key}", NS))
        for key in ("title", "creator", "publisher")
    }
    assert metadata == {
        "title": "Resumen",
        "creator": "Oficina de prensa",
        "publisher": "Press Office",
    }
    assert text(spanish.opf.find("opf:metadata/dc:description", NS)) == "Las declaraciones de marzo"
    nav = spanish.xml("EPUB/nav.xhtml")
    assert nav.get(XML_LANG) == "es"
    contents = i18n.label("es", "contents")
    assert contents == "Índice"
    assert text(nav.find(".//x:nav[@id='toc']/x:h1", NS)) == contents
    assert text(english.xml("EPUB/nav.xhtml").find(".//x:nav[@id='toc']/x:h1", NS)) == "Contents"
    colophon = spanish.xml("EPUB/colophon.xhtml")
    assert colophon.get(XML_LANG) == "es"
    assert text(colophon.find(".//x:h1", NS)) == i18n.label("es", "colophon")
    assert i18n.long_date(dt.date(2021, 3, 23), "es") in text(colophon)
    # The documents stay in their own language.
    page = spanish.xml(next(n for n in spanish.spine if "joint-declaration" in n))
    assert page.find(".//x:article", NS).get(XML_LANG) == "en"  # type: ignore[union-attr]
    assert run_epubcheck({"es": spanish.path, "en": english.path}) == {"es": [], "en": []}


def test_the_spanish_pdf_prints_spanish_dates_on_its_paper(project: Path) -> None:
    first, last = (i18n.long_date(dt.date(2021, 3, day), "es") for day in (1, 19))
    assert first == "1 de marzo de 2021"
    for name, lang, size in (
        ("spanish-print", "es", [595, 842]),
        ("us-spanish-print", "es-US", [612, 792]),
    ):
        pdf = project / "dist" / f"{name}.pdf"
        printed = pdf_text(pdf)
        assert f"{first} \u2013 {last}" in printed
        assert i18n.label("es", "at_a_glance") in printed
        reader = pypdf.PdfReader(pdf)
        assert reader.trailer["/Root"]["/Lang"] == lang
        assert [round(float(v)) for v in reader.pages[0].mediabox[2:]] == size
    english = project / "dist" / "english-print.pdf"
    assert "March 1, 2021 \u2013 March 19, 2021" in pdf_text(english)
    assert "de marzo" not in pdf_text(english)


def test_lang_on_the_command_line_overrides_every_edition(project: Path, tmp_path: Path) -> None:
    code, _, err = run(project, "english", "spanish", "--lang", "fr", "-f", "epub")
    assert code == 0, err
    for name in ("english", "spanish"):
        package = Package(project / "dist" / f"{name}.epub")
        assert package.opf.get(XML_LANG) == "fr"
        assert text(package.xml("EPUB/nav.xhtml").find(".//x:nav[@id='toc']/x:h1", NS)) == (
            i18n.label("fr", "contents")
        )
    # Built again as configured, for the other tests of the module.
    assert run(project, "english", "spanish")[0] == 0


def test_check_pairs_translations_in_each_editions_language(tmp_path: Path) -> None:
    (tmp_path / "publisher.toml").write_text(
        f'[sources]\npaths = ["{FIXTURES}"]\n\n[editions.hebrew]\nformat = "epub"\n'
        'lang = "he"\nbilingual = "interleaved"\n'
    )
    result = CliRunner().invoke(main, ["check", "--config", str(tmp_path / "publisher.toml")])
    assert result.exit_code == 0
    assert result.stderr.splitlines() == [
        "en/note-to-editors.md: warning: no Hebrew version; a bilingual layout shows it in "
        "'en' only [translation-unpaired]"
    ]
