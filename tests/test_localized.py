"""Labels, bylines and tag names as readers see them, in EPUBs and PDFs built from the corpus."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pypdf
import pypdfium2
import pytest
from test_epub import NS, Package, build, built, run_epubcheck, text
from test_pdf import links

from publisher.assembling.assemble import assemble
from publisher.build import load
from publisher.projects import config

GLOSSARY_LABELS = {
    "en": ("Source:", "Read in English"),
    "es": ("Fuente:", "Leer en español"),
    "ja": ("出典:", "日本語で読む"),
    "zh-cn": ("来源:", "阅读简体中文版"),
    "ko": ("출처:", "한국어로 읽기"),
}
LINKED = '"[Stefan Prodan](https://github.com/stefanprodan) & Matheus Pimenta"'


@pytest.fixture(scope="session")
def glossary(tmp_path_factory: pytest.TempPathFactory, sample_corpus: Path) -> Package:
    """The CNCF glossary in English, Spanish, Japanese, Chinese and Korean, one page each."""
    out = tmp_path_factory.mktemp("glossary") / "glossary.epub"
    source = str(sample_corpus / "bilingual" / "cncf-glossary")
    return built(build(source, "-f", "epub", "-o", str(out), "--bilingual", "sequential"), out)


@pytest.fixture(scope="session")
def glossary_pdf(tmp_path_factory: pytest.TempPathFactory, sample_corpus: Path) -> Path:
    out = tmp_path_factory.mktemp("glossary-pdf") / "glossary.pdf"
    source = str(sample_corpus / "bilingual" / "cncf-glossary")
    result = build(source, "-f", "pdf", "-o", str(out), "--bilingual", "sequential", "--no-cache")
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="session")
def blog(tmp_path_factory: pytest.TempPathFactory, sample_corpus: Path) -> Path:
    """Three Flux blog posts: one as published, copies with linked authors and in Spanish."""
    folder = tmp_path_factory.mktemp("blog")
    posts = sample_corpus / "blog" / "fluxcd"
    shutil.copy(posts / "2022-02-22-security-fuzzing.md", folder)
    post = (posts / "2024-03-19-flux-kubeconeu2024.md").read_text(encoding="utf-8")
    (folder / "linked.md").write_text(
        post.replace("author: Tamao", f"author: {LINKED}", 1), encoding="utf-8"
    )
    spanish = post.replace("author: Tamao", "authors: [Ana Ruiz, Luis Pérez & Tamao]\nlang: es", 1)
    (folder / "spanish.md").write_text(spanish, encoding="utf-8")
    return folder


@pytest.fixture(scope="session")
def blog_epub(tmp_path_factory: pytest.TempPathFactory, blog: Path) -> Package:
    out = tmp_path_factory.mktemp("blog-epub") / "blog.epub"
    return built(build(str(blog), "-f", "epub", "-o", str(out), "--title", "Flux"), out)


@pytest.fixture(scope="session")
def blog_pdf(tmp_path_factory: pytest.TempPathFactory, blog: Path) -> Path:
    out = tmp_path_factory.mktemp("blog-pdf") / "blog.pdf"
    result = build(str(blog), "-f", "pdf", "-o", str(out), "--title", "Flux", "--no-cache")
    assert result.exit_code == 0, result.output
    return out


def printed(path: Path, pages: slice = slice(None)) -> str:
    """A PDF's text as PDFium extracts it (pypdf garbles the CJK of merged fonts), one line."""
    document = pypdfium2.PdfDocument(path)
    found = [document[n].get_textpage().get_text_range() for n in range(len(document))[pages]]
    return " ".join(" ".join(found).split())


def _pages_by_lang(package: Package) -> dict[str, list[str]]:
    """The text of each document page's header, by the document's language."""
    found: dict[str, list[str]] = {}
    for name in package.spine:
        article = package.xml(name).find(".//x:article[@class='document']", NS)
        if article is not None:
            header = article.find("x:header", NS)
            lang = article.get("lang", "").lower()
            found.setdefault(lang, []).append(text(header))
    return found


def test_each_glossary_page_has_the_labels_of_its_language(glossary: Package) -> None:
    pages = _pages_by_lang(glossary)
    assert set(pages) == set(GLOSSARY_LABELS)
    for lang, (source, _) in GLOSSARY_LABELS.items():
        assert all(source in header for header in pages[lang]), (lang, pages[lang][0])
    for lang, (_, read_in) in GLOSSARY_LABELS.items():
        others = [header for other, found in pages.items() if other != lang for header in found]
        # Every page of a term links to each of its translations, each named in its language.
        assert any(read_in in header for header in others), lang


def test_the_glossary_epub_passes_epubcheck(glossary: Package, blog_epub: Package) -> None:
    assert run_epubcheck({"glossary": glossary.path, "blog": blog_epub.path}) == {
        "glossary": [],
        "blog": [],
    }


def test_the_glossary_pdf_prints_the_labels_of_each_language(glossary_pdf: Path) -> None:
    text = printed(glossary_pdf)
    for lang, (source, read_in) in GLOSSARY_LABELS.items():
        assert source in text, lang
        assert read_in in text, lang
    # Each document's running foot counts its pages in its own language.
    assert re.search(r"\d+ / \d+ ページ", text)
    assert re.search(r"第 \d+ 页\uff0c共 \d+ 页", text)


def test_a_byline_names_and_links_the_authors(blog_epub: Package) -> None:
    bylines = {}
    for name in blog_epub.spine:
        page = blog_epub.xml(name)
        byline = page.find(".//x:p[@class='doc-meta doc-byline']", NS)
        if byline is not None:
            title = text(page.find(".//x:h1[@class='doc-title']", NS))
            metas = page.findall(".//x:meta[@name='author']", NS)
            authors = [meta.get("content") for meta in metas]
            links = [(a.get("href"), a.text) for a in byline.findall("x:a", NS)]
            bylines[name] = (title, text(byline), authors, links)
    assert sorted(by for _, by, _, _ in bylines.values()) == [
        "By Stefan Prodan and Matheus Pimenta",
        "By dholbach",
        "Por Ana Ruiz, Luis Pérez y Tamao",
    ]
    linked = next(v for v in bylines.values() if v[1].startswith("By Stefan"))
    assert linked[2] == ["Stefan Prodan", "Matheus Pimenta"]
    assert linked[3] == [("https://github.com/stefanprodan", "Stefan Prodan")]
    assert blog_epub.metadata("dc:creator") == []
    assert blog_epub.metadata("dc:contributor") == [
        "dholbach",
        "Stefan Prodan",
        "Matheus Pimenta",
        "Ana Ruiz",
        "Luis Pérez",
        "Tamao",
    ]


def test_the_pdf_prints_the_byline_and_links_the_name(blog_pdf: Path) -> None:
    text = printed(blog_pdf)
    assert "By Stefan Prodan and Matheus Pimenta" in text
    assert "Por Ana Ruiz, Luis Pérez y Tamao" in text
    assert "By dholbach" in text
    assert "](http" not in text
    uris = {uri for page in pypdf.PdfReader(blog_pdf).pages for _, _, uri in links(page)}
    assert "https://github.com/stefanprodan" in uris


@pytest.fixture(scope="session")
def example(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example project, built: its tags have display names."""
    folder = tmp_path_factory.mktemp("example") / "ex"
    examples = Path(__file__).resolve().parents[1] / "examples"
    shutil.copytree(examples, folder, ignore=shutil.ignore_patterns("dist", ".publisher-cache"))
    result = subprocess.run(
        [sys.executable, "-m", "publisher", "build", "brief", "collection"],
        cwd=folder,
        capture_output=True,
        text=True,
        env={**os.environ, "SOURCE_DATE_EPOCH": "1700000000"},
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return folder


def test_the_example_names_every_tag_it_uses() -> None:
    examples = Path(__file__).resolve().parents[1] / "examples"
    project = config.load(examples / "publisher.toml", {})
    documents = load([str(examples / "content")]).documents
    tags = {tag for doc in documents for tag in doc.tags}
    assert tags <= set(project.book.tag_names)
    compilation, _ = assemble(documents, project.book, group="tag")
    assert [s.title for s in compilation.sections] == [
        "Presidential Actions",
        "Press Briefings",
        "Speeches & Remarks",
        "Statements & Releases",
    ]


def test_tag_names_show_in_kickers_and_the_brief(example: Path) -> None:
    package = Package(example / "dist" / "relations.epub")
    kickers = {
        text(kicker)
        for name in package.spine
        for kicker in package.xml(name).findall(".//x:p[@class='doc-kicker']", NS)
    }
    assert "Statements & Releases" in kickers
    assert not {"Statements Releases", "Speeches Remarks"} & kickers
    glance = printed(example / "dist" / "mexico-brief.pdf", slice(0, 3))
    assert "At a glance" in glance
    assert "Statements & Releases" in glance
    assert not re.search(r"Statements Releases", glance)


def test_tag_names_are_checked_in_the_config(tmp_path: Path) -> None:
    (tmp_path / "publisher.toml").write_text(
        "[labels.tags]\nStatements-Releases = 'Statements & Releases'\n"
        "statements-releases = 'Again'\nspeeches = 3\nempty = ' '\n"
    )
    with pytest.raises(config.ConfigError) as error:
        config.load(tmp_path / "publisher.toml", {})
    (problem,) = error.value.diagnostics
    assert problem.code == "config-value"
    assert problem.message.startswith("labels.tags: statements-releases: named twice")
    (tmp_path / "publisher.toml").write_text("[labels]\ntags = 'statements'\nother = 1\n")
    with pytest.raises(config.ConfigError) as error:
        config.load(tmp_path / "publisher.toml", {})
    assert [d.code for d in error.value.diagnostics] == ["config-type", "config-unknown-key"]


def test_a_project_catalog_relabels_its_outputs(tmp_path: Path, sample_corpus: Path) -> None:
    (tmp_path / "content").mkdir()
    shutil.copy(
        sample_corpus / "whitehouse" / "2021-03-01-u-s-mexico-joint-declaration.md",
        tmp_path / "content",
    )
    catalog = tmp_path / "locales" / "en" / "LC_MESSAGES" / "publisher.po"
    catalog.parent.mkdir(parents=True)
    catalog.write_text(
        'msgid ""\nmsgstr ""\n"Language: en\\n"\n\n'
        'msgctxt "source"\nmsgid "Source"\nmsgstr "Origin"\n\n'
        'msgctxt "contents"\nmsgid "Contents"\nmsgstr "In this book"\n',
        encoding="utf-8",
    )
    (tmp_path / "publisher.toml").write_text(
        '[theme]\nlocales = "locales"\n\n[labels.tags]\nstatements-releases = "Statements"\n\n'
        '[editions.book]\nformat = "epub"\noutput = "dist/book.epub"\n'
    )
    result = subprocess.run(
        [sys.executable, "-m", "publisher", "build"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    package = Package(tmp_path / "dist" / "book.epub")
    (page,) = package.documents().values()
    assert text(page.find(".//x:p[@class='doc-source']/x:span", NS)) == "Origin:"
    assert text(page.find(".//x:p[@class='doc-kicker']", NS)) == "Statements"
    nav = package.xml(package.name(package.item("nav")["href"]))
    assert "In this book" in text(nav)
