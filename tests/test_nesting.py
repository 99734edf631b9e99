"""Nesting repair: no block inside a paragraph, heading or inline element; list items in lists."""

from __future__ import annotations

import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from test_epub import build, built, run_epubcheck

from publisher.model import BodyFormat
from publisher.normalizing.markup import convert
from publisher.normalizing.sanitize import TAGS
from publisher.normalizing.tree import INLINE

FIXTURES = Path(__file__).parent / "fixtures" / "markup"
# The HTML content models, written out here rather than taken from the code under test.
PHRASING = frozenset(INLINE | {"br", "img"})
HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
PHRASING_ONLY = frozenset(INLINE | HEADINGS | {"p", "pre"})
# Table parts outside a table are dropped by the HTML parser itself.
TABLE_PARTS = frozenset({"caption", "colgroup", "col", "thead", "tbody", "tfoot", "tr", "th", "td"})
BLOCKS = sorted(TAGS - PHRASING - TABLE_PARTS)
PARENTS = {"li": ("ul", "ol"), "dt": ("dl",), "dd": ("dl",), "figcaption": ("figure",)}
CHILDREN = {"ul": ("li",), "ol": ("li",), "dl": ("dt", "dd")}


def model_errors(body: str) -> list[str]:
    """Where the fragment breaks the content models EPUBCheck enforces."""
    root = ET.fromstring(f"<div>{body}</div>")
    errors = []
    for parent in root.iter():
        for child in parent:
            if parent.tag in PHRASING_ONLY and child.tag not in PHRASING:
                errors.append(f"<{child.tag}> in <{parent.tag}>")
            if child.tag in PARENTS and parent.tag not in PARENTS[child.tag]:
                errors.append(f"<{child.tag}> in <{parent.tag}>")
            if parent.tag in CHILDREN and child.tag not in CHILDREN[parent.tag]:
                errors.append(f"<{child.tag}> in <{parent.tag}>")
            if parent.tag == "dt" and child.tag in HEADINGS:
                errors.append(f"<{child.tag}> in <dt>")
        texts = [parent.text, *(child.tail for child in parent)]
        if parent.tag in CHILDREN and any(t and t.strip() for t in texts):
            errors.append(f"text in <{parent.tag}>")
    return errors


def body(html: str, body_format: BodyFormat) -> str:
    return convert(html, body_format, lang="en", path="t", first_line=1, anchor_prefix="doc").body


@pytest.mark.parametrize("body_format", ["html", "markdown"])
@pytest.mark.parametrize("outer", sorted(PHRASING_ONLY))
def test_a_block_inside_any_phrasing_element_is_moved_out(
    outer: str, body_format: BodyFormat
) -> None:
    for block in BLOCKS:
        inner = "<li>b</li>" if block in ("ul", "ol") else "<dt>b</dt>" if block == "dl" else "b"
        # The opening paragraph keeps a leading <h1> from being taken as the title.
        html = f"<p>Start</p><{outer}>a <{block}>{inner}</{block}> c</{outer}> d"
        result = body(html, body_format)
        assert model_errors(result) == [], f"{html} → {result}"
        text = " ".join(ET.fromstring(f"<div>{result}</div>").itertext())
        assert text.split() == ["Start", "a", "b", "c", "d"], f"{html} → {result}"


@pytest.mark.parametrize("item", sorted(PARENTS))
def test_an_item_without_its_list_gets_one(item: str) -> None:
    result = body(f"<p>Before</p><{item}>one</{item}><{item}>two</{item}> after", "html")
    assert model_errors(result) == [], result


@pytest.mark.parametrize(
    "html",
    [
        "<ol><p>para</p><li>item</li> loose</ol>",
        "<dl>text<dt>t</dt></dl>",
        "<dl><dt><h3>A term as a heading</h3></dt><dd>d</dd></dl>",
    ],
)
def test_what_a_list_holds_outside_its_items_is_put_in_one(html: str) -> None:
    result = body(html, "html")
    assert model_errors(result) == [], result


def test_the_fixtures_make_an_epub_that_epubcheck_passes(tmp_path: Path) -> None:
    sources = tmp_path / "sources"
    sources.mkdir()
    for name in ("hand-nesting.html", "hand-nesting-md.md"):
        shutil.copy(FIXTURES / name, sources / name)
    out = tmp_path / "nesting.epub"
    built(build(str(sources), "-f", "epub", "-o", str(out)), out)
    assert run_epubcheck({"nesting": out}) == {"nesting": []}
