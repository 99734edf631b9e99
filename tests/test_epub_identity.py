"""EPUB file names and ids stay unique when collections mix roots and Hugo page bundles."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from test_epub import Package, build, built, run_epubcheck

TERMS = ("cluster.md", "container.md", "ingress.md", "service-mesh.md")
BUNDLES = ("2021-03-01-march-update", "2022-11-01-november-update")
MODES = ("none", "sequential", "interleaved")


@pytest.fixture(scope="module")
def roots(tmp_path_factory: pytest.TempPathFactory, sample_corpus: Path) -> list[Path]:
    """Three glossary roots that hold the same file names, and a root of two page bundles."""
    base = tmp_path_factory.mktemp("identity")
    found = []
    for lang in ("en", "es", "ja"):
        root = base / lang
        root.mkdir()
        for term in TERMS:
            if (source := sample_corpus / "bilingual" / "cncf-glossary" / lang / term).is_file():
                shutil.copy(source, root / term)
        found.append(root)
    blog = base / "blog"
    for bundle in BUNDLES:
        shutil.copytree(sample_corpus / "blog" / "fluxcd" / bundle, blog / bundle)
    return [*found, blog]


@pytest.fixture(scope="module")
def epubs(tmp_path_factory: pytest.TempPathFactory, roots: list[Path]) -> dict[str, Package]:
    out = tmp_path_factory.mktemp("identity-epub")
    found = {}
    for mode in MODES:
        path = out / f"{mode}.epub"
        layout = () if mode == "none" else ("--bilingual", mode)
        found[mode] = built(build(*map(str, roots), "-f", "epub", "-o", str(path), *layout), path)
    return found


@pytest.mark.parametrize("mode", MODES)
def test_no_file_is_twice_in_the_spine(mode: str, epubs: dict[str, Package]) -> None:
    assert len(epubs[mode].spine) == len(set(epubs[mode].spine))


@pytest.mark.parametrize("mode", ["none", "sequential"])
def test_every_document_has_a_file_of_its_own(
    mode: str, epubs: dict[str, Package], roots: list[Path]
) -> None:
    sources = sum(1 for root in roots for _ in root.rglob("*.md"))
    assert len({name for name in epubs[mode].spine if "/doc-" in name}) == sources


def test_a_page_bundle_file_is_named_by_its_folder(epubs: dict[str, Package]) -> None:
    names = set(epubs["none"].spine)
    assert {f"EPUB/doc-{bundle}.xhtml" for bundle in BUNDLES} <= names
    assert not any("index" in name for name in names)


def test_epubcheck_finds_no_error_and_no_warning(epubs: dict[str, Package]) -> None:
    reports = run_epubcheck({mode: package.path for mode, package in epubs.items()})
    assert reports == {mode: [] for mode in MODES}
