"""Markdown dialects: attribute lists, admonitions, shortcodes and Liquid tags, page bundles and
links between documents, read as their authors meant them (the fixtures in fixtures/markup show
each one whole; these tests pin what the fixtures cannot)."""

from __future__ import annotations

import re
import shutil
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader
from test_epub import NS, Package, build, built, run_epubcheck

from publisher import i18n
from publisher.assembling.assemble import BookInfo, Selection, assemble
from publisher.build import load
from publisher.normalizing.markup import Markup, convert
from publisher.normalizing.shortcodes import Page
from publisher.projects import config

TAGS = re.compile(r"\{\{[<%]|\{%|\{#|\[!NOTE\]")


def run(text: str, lang: str = "en", page: Page | None = None) -> Markup:
    """Convert a Markdown body as the normalizer does, its first line being line 1."""
    return convert(
        text, "markdown", lang=lang, path="t.md", first_line=1, anchor_prefix="doc", page=page
    )


def reader_text(markup: Markup) -> str:
    """The text of a body as a reader sees it, code left out."""
    root = ET.fromstring(f"<div>{markup.body}</div>")
    for parent in root.iter():
        for code in [child for child in parent if child.tag in ("code", "pre")]:
            code.clear()
    return " ".join(root.itertext())


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


# Template tags --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "{{< x",
        "Open {{< tag a=1 >}} never closed, then text.",
        "{{< a >}}{{< b >}}inner{{< /a >}}{{< /b >}}",
        "{{% note %}}\nno closing tag",
        "| {{< param v >}} | {{% x %}} |\n|---|---|\n| {{< y />}} | z |",
        "## Heading {{< x >}} {#id}",
        "[link]({{< param url >}}) and ![img]({{< param src >}})",
        "Note.[^1]\n\n[^1]: In a note {{% comment %}}gone{{% /comment %}} {{< ref x >}}.",
        "{% if a %}{% else %}b{% endif %} {%- assign x = 1 -%}",
        '{{< gallery match="a"\n  rowHeight="150"\n>}} after',
        "{{<x>}}{{</x>}}{{% x/%}}{%x%}{%endx%}",
        "- item {{% alert %}}\n  in a list\n  {{% /alert %}}",
        "> quote {{< youtube id >}}",
    ],
)
def test_no_template_tag_reaches_a_reader(text: str) -> None:
    assert not TAGS.search(reader_text(run(text, page=Page({"v": "1"}))))


@pytest.mark.parametrize(
    "text",
    [
        "{{< a >}}" * 3000 + "x" + "{{< /a >}}" * 3000,
        "{{% note %}}\n" * 22 + "x\n" + "{{% /note %}}\n" * 22,
        "{{<" * 50_000,
        "{% raw %}" * 20_000,
    ],
    ids=["deep", "nested-admonitions", "lone-openers", "raw-openers"],
)
def test_hostile_tags_cost_little_and_leave_nothing(text: str) -> None:
    start = time.perf_counter()
    markup = run(text)
    assert time.perf_counter() - start < 15
    assert not TAGS.search(reader_text(markup))


def test_an_unknown_shortcode_warns_once_per_name_at_its_first_line_and_keeps_its_text() -> None:
    markup = run("Intro.\n\n{{< tabs >}}One{{< /tabs >}}\n\n{{< tabs >}}Two{{< /tabs >}} {% x %}\n")
    assert [(d.line, d.code, d.message) for d in markup.diagnostics] == [
        (3, "unknown-shortcode", "unknown shortcode 'tabs': its tags dropped, what it holds kept"),
        (5, "unknown-shortcode", "unknown tag 'x': its tags dropped, what it holds kept"),
    ]
    assert reader_text(markup).split() == ["Intro.", "One", "Two"]


def test_what_is_reported_after_an_expansion_keeps_its_source_line() -> None:
    text = (
        "{{% alert %}}\nOne\n\nTwo\n{{% /alert %}}\n\n"
        '{{< figure src="a.png" caption="Long\n\ncaption" >}}\n\n'
        "![x](missing.png)\n"
    )
    problems = run(text).diagnostics
    assert [(d.line, d.code) for d in problems] == [(7, "image-missing"), (11, "image-missing")]
    (inner,) = run("{{% note %}}\nText\n\n![y](gone.png)\n{{% /note %}}\n").diagnostics
    assert inner.line == 4


def test_a_paired_shortcode_may_sit_inside_a_sentence() -> None:
    markup = run("Before {{< unknown >}}*kept*{{< /unknown >}} after.")
    assert markup.body == "<p>Before <em>kept</em> after.</p>"


def test_liquid_tags_in_code_are_code_and_known_ones_still_work_there() -> None:
    text = "```\n{% for x in y %}{% raw %}{{ x }}{% endraw %}{% endfor %}\n```\n"
    assert "{% for x in y %}{{ x }}{% endfor %}" in run(text).body


def test_params_read_nested_front_matter_and_booleans() -> None:
    page = Page({"release": {"version": "2.4"}, "beta": True, "list": [1]})
    markup = run("{{< param release.version >}} {{< param beta >}} {{< param list >}}", page=page)
    assert markup.body == "<p>2.4 true</p>"
    assert [d.code for d in markup.diagnostics] == ["param-missing"]


# Admonitions ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "note", "warning"),
    [("en", "Note", "Warning"), ("es", "Nota", "Advertencia"), ("de", "Hinweis", "Warnung")],
)
def test_admonition_labels_are_in_the_document_language(lang: str, note: str, warning: str) -> None:
    body = run("> [!NOTE]\n> a\n\n{{% warning %}}\nb\n{{% /warning %}}\n", lang).body
    titles = re.findall(r'<p class="admonition-title">([^<]*)</p>', body)
    assert titles == [note, warning]


def test_every_language_with_labels_has_a_label_for_every_admonition() -> None:
    languages = [path.name.replace("_", "-") for path in i18n.LOCALES.iterdir() if path.is_dir()]
    assert len(languages) >= 18
    for lang in languages:
        labels = [i18n.admonition(lang, kind) for kind in i18n.ADMONITIONS]
        assert all(labels) and len(set(labels)) == len(labels), lang
    assert i18n.admonition("tlh", "tip") == "Tip"


def test_admonitions_pass_the_sanitizer_but_raw_html_cannot_invent_roles() -> None:
    body = run('<aside role="alert" class="admonition x">raw</aside>').body
    assert body == '<aside class="admonition">raw</aside>'


# Attribute lists ------------------------------------------------------------------------------


def test_a_heading_id_is_its_anchor_and_not_in_its_text() -> None:
    markup = run("## Über uns {#about}\n\n## About\n\nSee [us](#about).\n")
    assert [(h.text, h.anchor) for h in markup.headings] == [
        ("Über uns", "doc-about"),
        ("About", "doc-about-2"),
    ]
    assert '<a href="#doc-about">us</a>' in markup.body


def test_only_allowlisted_classes_and_no_other_attribute_survive() -> None:
    body = run("Text\n{.admonition .lead #p onclick=alert(1) style='color:red'}\n").body
    assert body == '<p id="doc-p">Text</p>'


def test_kramdown_and_pandoc_lists_are_read_too() -> None:
    markup = run("## Title {: #kd .x}\n\n![a](images/a.png){width=50%}\n")
    assert [h.anchor for h in markup.headings] == ["doc-kd"]
    assert "{" not in markup.body


# Page bundles ---------------------------------------------------------------------------------


@pytest.fixture
def bundle(tmp_path: Path) -> Path:
    """A Hugo page bundle with a featured image and a folder of logos."""
    post = tmp_path / "2024-05-01-release"
    for name in ("release-featured.png", "logos/a.png", "logos/b.png", "logos/c.jpg"):
        (post / name).parent.mkdir(parents=True, exist_ok=True)
        Image.new("RGB", (8, 8), (30, 80, 160)).save(post / name)
    write(
        post,
        "index.md",
        "---\ntitle: Release\ndate: 2024-05-01\n---\n"
        "{{< imgproc featured Resize 600x >}}\nThe **banner**.\n{{< /imgproc >}}\n\n"
        '{{< gallery match="logos/*.png" sortOrder="desc" >}}\n',
    )
    write(
        tmp_path, "single.md", "---\ntitle: Single\n---\n{{< imgproc featured >}}{{< /imgproc >}}"
    )
    return tmp_path


def test_bundle_images_are_found_by_imgproc_and_gallery(bundle: Path) -> None:
    loaded = load([str(bundle)])
    post = next(d for d in loaded.documents if d.id == "2024-05-01-release")
    assert re.findall(r'src="([^"]+)"', post.body) == [
        "2024-05-01-release/release-featured.png",
        "2024-05-01-release/logos/b.png",
        "2024-05-01-release/logos/a.png",
    ]
    assert "<figcaption><p>The <strong>banner</strong>.</p></figcaption>" in post.body
    # A page that is no bundle has no resources, as in Hugo.
    (problem,) = [d for d in loaded.diagnostics if d.path == "single.md"]
    assert problem.code == "image-missing"


def test_a_gallery_follows_its_bundle_across_cached_builds(bundle: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    first = load([str(bundle)], cache=cache)
    Image.new("RGB", (8, 8)).save(bundle / "2024-05-01-release" / "logos" / "d.png")
    again = load([str(bundle)], cache=cache)
    bodies = [next(d.body for d in docs if d.id == "2024-05-01-release") for docs in
              (first.documents, again.documents)]  # fmt: skip
    assert "logos/d.png" not in bodies[0] and "logos/d.png" in bodies[1]


# Links between documents ----------------------------------------------------------------------


@pytest.fixture
def linked(tmp_path: Path) -> Path:
    """Three posts: one links to another's heading by file, by ref and by name, and to none."""
    source = tmp_path / "src"
    write(
        source,
        "alpha.md",
        "---\ntitle: Alpha\ndate: 2024-01-01\nsource_url: https://example.org/alpha/\n---\n"
        "Intro.\n\n## Installing it {#install}\n\nSteps.\n",
    )
    write(
        source,
        "beta/index.md",
        "---\ntitle: Beta\ndate: 2024-01-02\n---\n"
        'See [by file](../alpha.md#install), [by ref]({{< ref "alpha" >}}), '
        '[by relref]({{< relref "/alpha.md#install" >}}) and [nowhere](missing.md).\n',
    )
    write(source, "gamma.md", "---\ntitle: Gamma\ndate: 2024-01-03\ntags: [g]\n---\nText.\n")
    return source


def hrefs(body: str) -> list[str | None]:
    return [link.get("href") for link in ET.fromstring(f"<div>{body}</div>").iter("a")]


def test_a_link_to_a_document_points_into_the_compilation_else_to_its_address(
    linked: Path,
) -> None:
    docs = load([str(linked)]).documents
    whole, problems = assemble(docs, BookInfo())
    beta = next(d for d in whole.documents if d.id == "beta")
    assert hrefs(beta.body) == ["#doc-alpha--install", "#doc-alpha", "#doc-alpha--install"]
    assert "nowhere" in beta.body and "data-publisher" not in beta.body
    assert [(d.path, d.line, d.code) for d in problems] == [
        ("beta/index.md", 5, "reference-missing")
    ]
    alone, _ = assemble(docs, BookInfo(), Selection(match="by file"))
    (beta,) = alone.documents
    assert hrefs(beta.body) == [
        "https://example.org/alpha/#install",
        "https://example.org/alpha/",
        "https://example.org/alpha/#install",
    ]


def test_links_between_documents_resolve_in_the_epub_and_the_pdf(
    linked: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    result = build(str(linked), "-o", str(out))
    package = built(result, out / "collection.epub")
    beta = package.xml("EPUB/doc-beta.xhtml")
    targets = [a.get("href") for a in beta.iterfind(".//x:div[@class='doc-body']//x:a", NS)]
    install, start = "doc-alpha.xhtml#doc-alpha--install", "doc-alpha.xhtml#doc-alpha"
    assert targets == [install, start, install]
    assert run_epubcheck({"linked": package.path}) == {"linked": []}
    reader = PdfReader(out / "collection.pdf")
    destinations = {
        str(annotation.get_object()["/Dest"])
        for page in reader.pages
        for annotation in page.get("/Annots") or []
        if "/Dest" in annotation.get_object()
    }
    assert {"doc-alpha--install", "doc-alpha"} <= destinations
    assert "doc-alpha--install" in reader.named_destinations


# Project snippets -----------------------------------------------------------------------------


def project(
    tmp_path: Path, snippet: str, shortcodes: str = 'badge = "shortcodes/badge.html"'
) -> Path:
    """A project whose theme maps the badge shortcode to a snippet."""
    write(tmp_path, "theme/shortcodes/badge.html", snippet)
    write(
        tmp_path,
        "content/post.md",
        '---\ntitle: Post\nversion: 9\n---\nA {{< badge "new" tone=green >}}'
        "*inner*{{< /badge >}} badge.\n",
    )
    return write(
        tmp_path,
        "publisher.toml",
        '[theme]\ntemplates = ["theme"]\n\n[shortcodes]\n'
        f'{shortcodes}\n\n[editions.all]\nformat = "epub"\n',
    )


def test_a_project_snippet_renders_its_shortcode_sanitized(tmp_path: Path) -> None:
    snippet = (
        '<span title="{{ params.tone }}">{{ args[0] }} v{{ page.version }}: {{ inner }}</span>'
        "<script>alert(1)</script>"
    )
    loaded = config.load(project(tmp_path, snippet), {})
    (doc,) = load([str(tmp_path / "content")], snippets=loaded.snippets()).documents
    # What a snippet writes is read as Markdown, as a shortcode's output is in Hugo.
    assert doc.body == "<p>A <span>new v9: <em>inner</em></span> badge.</p>"


def test_a_snippet_runs_sandboxed_and_its_failure_is_a_warning(tmp_path: Path) -> None:
    loaded = config.load(project(tmp_path, "{{ ''.__class__.__mro__ }}"), {})
    result = load([str(tmp_path / "content")], snippets=loaded.snippets())
    (doc,) = result.documents
    assert doc.body == "<p>A <em>inner</em> badge.</p>"
    assert [d.code for d in result.diagnostics] == ["shortcode-snippet"]


def test_a_snippet_outside_the_theme_is_a_config_error(tmp_path: Path) -> None:
    path = project(tmp_path, "x", 'badge = "../publisher.toml"\nother = "nowhere.html"')
    with pytest.raises(config.ConfigError) as caught:
        config.load(path, {})
    assert [d.message for d in caught.value.diagnostics] == [
        "shortcodes.badge: name a file inside a theme template folder",
        f"shortcodes.other: nowhere.html is in no theme template folder ({tmp_path / 'theme'})",
    ]


def test_a_project_build_uses_its_snippets(tmp_path: Path) -> None:
    path = project(tmp_path, "<strong>{{ args[0] }}</strong>")
    result = build("--config", str(path), "all")
    assert result.exit_code == 0, result.output
    package = Package(tmp_path / "dist" / "all.epub")
    assert "<strong>new</strong>" in package.zip.read("EPUB/doc-post.xhtml").decode()
    shutil.rmtree(tmp_path / "dist")
