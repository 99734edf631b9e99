"""Heading levels with none skipped, and table headers that are never empty, from the normalizer."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from test_markup import run

from publisher.build import load


def levels(text: str, body_format: str = "markdown") -> list[int]:
    markup = run(text, "html" if body_format == "html" else "markdown")
    in_body = [int(tag[1]) for tag in re.findall(r"<(h[1-6])[ >]", markup.body)]
    assert in_body == [h.level for h in markup.headings]
    return in_body


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # The title, then an h4: the h4 is the first level under the title.
        ("# Title\n\n#### A\n\ntext\n\n##### A.1\n\n#### B", [2, 3, 2]),
        # An h4 under an h2 becomes an h3; the h3 after it is its sibling, not its child.
        ("## A\n\n#### A.1\n\n### A.2\n\n## B", [2, 3, 3, 2]),
        # A body that opens one level deeper than it goes on keeps its order.
        ("### A\n\n## B\n\n### B.1", [2, 2, 3]),
        ("###### Deep\n\n###### Deep too", [2, 2]),
        ("## A\n\n### A.1\n\n#### A.1.a\n\n## B", [2, 3, 4, 2]),
    ],
)
def test_no_heading_level_is_skipped_and_the_outline_is_kept(
    text: str, expected: list[int]
) -> None:
    assert levels(text) == expected


def test_html_headings_inside_other_blocks_count_in_document_order() -> None:
    html = "<h3>A</h3><blockquote><h5>Quoted</h5></blockquote><h4>A.1</h4><h3>B</h3>"
    assert levels(html, "html") == [2, 3, 3, 2]


def test_every_bundled_document_opens_at_level_two_and_never_skips(sample_corpus: Path) -> None:
    loaded = load([str(sample_corpus)])
    with_headings = [doc for doc in loaded.documents if doc.headings]
    assert len(with_headings) > 20
    for doc in with_headings:
        found = [h.level for h in doc.headings]
        steps = zip([1, *found], found, strict=False)
        assert all(level <= before + 1 for before, level in steps), (doc.path, found)


def test_the_may_update_h4_under_an_h2_becomes_an_h3(sample_corpus: Path) -> None:
    path = sample_corpus / "blog" / "fluxcd" / "2023-06-06-may-update"
    (doc,) = load([str(path)]).documents
    heading = next(h for h in doc.headings if h.text.startswith("Flux project meetings"))
    assert heading.level == 3
    before = doc.headings[doc.headings.index(heading) - 1]
    assert before.level == 2


def cells(body: str) -> list[tuple[str, str, str | None]]:
    root = ET.fromstring(f"<div>{body}</div>")
    return [
        (cell.tag, "".join(cell.itertext()), cell.get("scope"))
        for cell in root.iter()
        if cell.tag in ("th", "td")
    ]


def test_an_empty_markdown_header_cell_becomes_a_data_cell() -> None:
    markup = run("| | 2023 |\n|---|---|\n| Users | 10 |")
    assert cells(markup.body) == [
        ("td", "", None),
        ("th", "2023", None),
        ("td", "Users", None),
        ("td", "10", None),
    ]


def test_an_empty_html_header_cell_loses_its_scope_too() -> None:
    html = (
        '<table><tr><th scope="col"> </th><th scope="col">Name</th></tr>'
        '<tr><th scope="row">1</th><td>A</td></tr></table>'
    )
    assert cells(run(html, "html").body) == [
        ("td", "", None),
        ("th", "Name", "col"),
        ("th", "1", "row"),
        ("td", "A", None),
    ]
