"""Editions over time: a second release says what is new and updated, and leaves re-posts out.

Release v1 of fifteen White House documents; then drop one, add five, change one document's
text and date, and re-post two (one byte for byte under a new slug, one with a few words
changed). Release v2 and read it back: the EPUB's XHTML, the PDF's text, links and outline,
CHANGES.md and ``publisher diff``.
"""

from __future__ import annotations

import json
import re
import shutil
import zipfile
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
from click.testing import CliRunner
from pypdf import PdfReader
from test_epub import run_epubcheck

from publisher.build import load
from publisher.cli.commands import main
from publisher.model import Diagnostic
from publisher.projects import config as project_config
from publisher.projects import history, project
from publisher.projects import releases as release_folders

SAMPLE = Path(__file__).resolve().parent / "corpus" / "whitehouse"
XHTML = {"x": "http://www.w3.org/1999/xhtml"}
EPOCH = 1_767_225_600  # 2026-01-01
CHANGED = "2021-03-01-u-s-mexico-joint-declaration.md"
EXACT = "2021-04-13-fact-sheet-the-american-jobs-plan-supports-small-businesses.md"
NEAR = (
    "2021-02-08-press-briefing-by-white-house-covid-19-response-team-and-public-health-officials.md"
)
CONFIG = """\
[book]
title = "Briefing Room"
lang = "en"

[sources]
paths = ["content"]

[defaults]
whats_new = true

[editions.book]
format = "epub"
output = "dist/book.epub"

[editions.brief]
format = "pdf"
output = "dist/brief.pdf"
"""


@dataclass(frozen=True)
class Releases:
    """The project after its second release, and what each step said."""

    root: Path
    v1: set[str]
    v2: set[str]
    """Source paths of the documents each release holds (re-posts left out)."""
    diagnostics: tuple[Diagnostic, ...]
    """What the second build reported."""

    def titles(self, paths: set[str]) -> set[str]:
        docs = load([str(self.root / "content")]).documents
        return {d.title for d in docs if d.path in paths}


def _release(root: Path, version: str, epoch: int, editions: tuple[str, ...]) -> project.Result:
    """Build and release a version, its manifest and CHANGES.md moved to dist/releases/<V>/."""
    config = project_config.load(root / "publisher.toml", {"SOURCE_DATE_EPOCH": str(epoch)})
    result = project.build_editions(config, project.select_editions(config, editions), version)
    assert not [d for d in result.diagnostics if d.severity == "error"]
    release_folders.write(config, result, version, root / history.RELEASES)
    # The release layout: each version in a folder of its own.
    folder = root / history.RELEASES / version
    folder.mkdir(parents=True, exist_ok=True)
    for name in (history.MANIFEST, history.CHANGES, "SHA256SUMS"):
        shutil.move(root / "dist" / name, folder / name)
    for output in result.outputs:
        shutil.move(output.path, folder / output.path.name)
    return result


def _edit(path: Path, old: str, new: str, count: int = 1) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) >= count, (path.name, old)
    path.write_text(text.replace(old, new, count), encoding="utf-8")


@pytest.fixture(scope="module")
def releases(tmp_path_factory: pytest.TempPathFactory) -> Releases:
    root = tmp_path_factory.mktemp("history")
    (root / "publisher.toml").write_text(CONFIG)
    content = root / "content"
    content.mkdir()
    names = sorted(p.name for p in SAMPLE.glob("*.md"))[:20]
    for name in names[:15]:
        shutil.copy(SAMPLE / name, content / name)
    _release(root, "v1", EPOCH, ("book",))
    # The archive grows, loses a document and corrects another (text and date)...
    (content / names[0]).unlink()
    for name in names[15:]:
        shutil.copy(SAMPLE / name, content / name)
    _edit(content / CHANGED, "President Joe Biden hosted", "President Joseph R. Biden Jr. hosted")
    _edit(
        content / CHANGED,
        "published_time:",
        "modified_time: 2021-03-05 10:00:00-05:00\npublished_time:",
    )
    # ...and the same statements come back under new slugs, one with a few words changed.
    reposts = content / "reposts"
    reposts.mkdir()
    shutil.copy(SAMPLE / EXACT, reposts / "small-businesses.md")
    _edit(reposts / "small-businesses.md", "supports-small-businesses/", "small-business-plan/")
    shutil.copy(SAMPLE / NEAR, reposts / "briefing.md")
    _edit(reposts / "briefing.md", "public-health-officials/", "officials-2/")
    _edit(reposts / "briefing.md", " important ", " essential ", 3)
    result = _release(root, "v2", EPOCH + 86_400, ("book", "brief"))
    return Releases(
        root,
        set(names[:15]),
        set(names[1:]),
        result.diagnostics,
    )


@pytest.fixture(scope="module")
def epub(releases: Releases) -> dict[str, ET.Element]:
    """The v2 EPUB's content documents, parsed, by file name."""
    with zipfile.ZipFile(releases.root / "dist" / "releases" / "v2" / "book-v2.epub") as book:
        return {
            Path(name).name: ET.fromstring(book.read(name))
            for name in book.namelist()
            if name.endswith(".xhtml")
        }


@pytest.fixture(scope="module")
def pdf(releases: Releases) -> PdfReader:
    return PdfReader(releases.root / "dist" / "releases" / "v2" / "brief-v2.pdf")


def _added(releases: Releases) -> set[str]:
    return releases.v2 - releases.v1


def _listed(page: ET.Element) -> set[str]:
    """The titles a "New since" or "Updated since" page links to."""
    return {
        "".join(a.itertext()).strip()
        for a in page.iterfind(".//x:li[@class='news-entry']/x:a", XHTML)
    }


def _words(text: str) -> str:
    return " ".join(text.split())


def test_the_re_posts_are_reported_once_each_naming_both_paths(releases: Releases) -> None:
    found = sorted(
        (d.path, d.message) for d in releases.diagnostics if d.code == "duplicate-document"
    )
    assert [path for path, _ in found] == ["reposts/briefing.md", "reposts/small-businesses.md"]
    assert NEAR in found[0][1] and "nearly the same text" in found[0][1]
    assert EXACT in found[1][1] and "the same text" in found[1][1]


def test_the_epub_says_what_is_new_and_updated_since_v1(
    releases: Releases, epub: dict[str, ET.Element]
) -> None:
    new, updated = epub["new-since.xhtml"], epub["updated-since.xhtml"]
    assert "".join(new.find(".//x:h1", XHTML).itertext()) == "New since v1"
    assert _listed(new) == releases.titles(_added(releases))
    assert _listed(updated) == releases.titles({CHANGED})
    assert "Updated March 5, 2021" in _words("".join(updated.itertext()))
    # The links lead to the documents inside the book, and the re-posts are not in it.
    hrefs = {a.get("href") for a in new.iterfind(".//x:a", XHTML)}
    assert all(h is not None and h.split("#")[0] in epub for h in hrefs)
    documents = [name for name in epub if name.startswith("doc-")]
    assert len(documents) == len(releases.v2)


def test_the_epub_navigation_lists_the_new_pages_first(epub: dict[str, ET.Element]) -> None:
    points = [
        ("".join(a.itertext()), a.get("href"))
        for a in epub["nav.xhtml"].iterfind(".//x:nav[@id='toc']/x:ol/x:li/x:a", XHTML)
    ]
    assert points[:4] == [
        ("Briefing Room", "title.xhtml"),
        ("Contents", "toc.xhtml"),
        ("New since v1", "new-since.xhtml"),
        ("Updated since v1", "updated-since.xhtml"),
    ]


def test_the_updated_document_says_so_in_its_header(epub: dict[str, ET.Element]) -> None:
    page = epub["doc-2021-03-01-u-s-mexico-joint-declaration.xhtml"]
    header = page.find(".//x:header", XHTML)
    assert header is not None
    assert "Updated March 5, 2021" in _words("".join(header.itertext()))


def test_the_epub_passes_epubcheck(releases: Releases) -> None:
    path = releases.root / "dist" / "releases" / "v2" / "book-v2.epub"
    assert run_epubcheck({"v2": path}) == {"v2": []}


def test_the_pdf_says_what_is_new_and_updated_since_v1(releases: Releases, pdf: PdfReader) -> None:
    outline = [item.title for item in pdf.outline if not isinstance(item, list)]
    assert outline[:4] == ["Briefing Room", "At a glance", "New since v1", "Updated since v1"]
    pages = {item.title: pdf.get_destination_page_number(item) for item in pdf.outline[2:4]}
    new = _words(pdf.pages[pages["New since v1"]].extract_text())
    updated = _words(pdf.pages[pages["Updated since v1"]].extract_text())
    listed = new[new.index("New since v1") :]
    everything = releases.titles(releases.v2 | releases.v1)
    assert {t for t in everything if _words(t) in listed} == releases.titles(_added(releases))
    tail = updated[updated.index("Updated since v1") :]
    changed = releases.titles({CHANGED})
    assert {t for t in everything if _words(t) in tail[: tail.find("Updated March 5")]} == changed


def test_the_pdf_links_each_new_document_to_its_page(releases: Releases, pdf: PdfReader) -> None:
    number = next(
        pdf.get_destination_page_number(item)
        for item in pdf.outline
        if not isinstance(item, list) and item.title == "New since v1"
    )
    targets = {_target(pdf, a.get_object()) for a in pdf.pages[number].get("/Annots", [])}
    targets.discard(None)
    starts = {
        pdf.get_destination_page_number(item): item.title
        for item in pdf.outline
        if not isinstance(item, list)
    }
    assert len(targets) == len(_added(releases))
    assert {starts.get(t) for t in targets} == releases.titles(_added(releases))


def _target(pdf: PdfReader, link: dict[str, object]) -> int | None:
    """The page an internal link goes to, or None for another link."""
    dest = link.get("/Dest")
    action = link.get("/A")
    if dest is None and action is not None:
        dest = action.get_object().get("/D")
    if dest is None:
        return None
    if isinstance(dest, str):
        return pdf.get_destination_page_number(pdf.named_destinations[dest])
    return pdf.get_page_number(dest[0].get_object())


def test_changes_md_and_publisher_diff_agree(releases: Releases) -> None:
    folder = releases.root / "dist" / "releases"
    changes = (folder / "v2" / history.CHANGES).read_text(encoding="utf-8")
    sections = dict(re.findall(r"^## (\w+) \(\d+\)\n\n(.*?)(?=\n## |\Z)", changes, re.S | re.M))
    titles = {
        name: set(re.findall(r"^- \*\*(.+?)\*\*", text, re.M)) for name, text in sections.items()
    }
    assert titles["Added"] == releases.titles(_added(releases))
    assert titles["Updated"] == releases.titles({CHANGED})
    assert titles["Removed"] == {
        d.title for d in load([str(SAMPLE)]).documents if d.path in releases.v1 - releases.v2
    }
    result = CliRunner().invoke(main, ["diff", str(folder / "v1"), str(folder / "v2"), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert (data["old"], data["new"], data["since"]) == ("v1", "v2", "v1")
    assert {k: {r["title"] for r in data[k]} for k in ("added", "updated", "removed")} == {
        k.lower(): v for k, v in titles.items()
    }
    text = CliRunner().invoke(
        main, ["diff", str(folder / "v1" / "manifest.json"), str(folder / "v2")]
    )
    assert text.exit_code == 0 and text.output == changes
    manifest = json.loads((folder / "v2" / history.MANIFEST).read_text())
    assert manifest["changes"] == {k: data[k] for k in ("since", "added", "updated", "removed")}


@pytest.mark.parametrize(
    "since", ["dist/releases/v1/manifest.json", "dist/releases/v1", "v1", "v9"]
)
def test_since_release_names_a_version_a_manifest_or_its_folder(
    releases: Releases, since: str
) -> None:
    name = f"since-{len(since)}"
    (releases.root / f"{name}.toml").write_text(
        CONFIG.split("[defaults]")[0]
        + f'[editions.{name}]\nformat = "epub"\nsince_release = "{since}"\n'
    )
    config = project_config.load(releases.root / f"{name}.toml")
    result = project.build_editions(config, config.editions)
    missing = [d for d in result.diagnostics if d.code == "no-earlier-release"]
    with zipfile.ZipFile(result.outputs[0].path) as book:
        pages = set(book.namelist())
        news = book.read("EPUB/new-since.xhtml") if "EPUB/new-since.xhtml" in pages else None
    if since == "v9":
        assert news is None and [d.severity for d in missing] == ["warning"]
        assert "dist/releases/v9/manifest.json" in missing[0].message
    else:
        assert news is not None and not missing
        # Against v1, the archive as it stands now: v2's additions, and nothing more.
        assert _listed(ET.fromstring(news)) == releases.titles(_added(releases))
