"""Flowing parts: their blocks, the copy a layout resumes from, chunks, and where to resume."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from publisher.pdf import flow as pdf_flow

TOC = (
    '<nav id="toc" class="toc" lang="en">'
    '<h1 class="toc-title">Contents</h1>'
    '<h2 class="toc-section"><a href="#s1">March</a></h2>'
    '<ol class="toc-entries"><li class="toc-entry"><a href="#a">A</a></li>'
    '<li class="toc-entry"><a href="#b">B</a></li></ol>'
    '<h2 class="toc-section" style="color: red"><a href="#s2">April</a></h2>'
    '<ol class="toc-entries"><li class="toc-entry"><a href="#c">C &amp; D</a></li>'
    '<li class="toc-entry"><a href="#e">E</a></li></ol>'
    "</nav>"
)


def test_blocks_are_the_children_with_lists_standing_for_their_items() -> None:
    found = pdf_flow.blocks(ET.fromstring(TOC))
    assert [ET.tostring(b, encoding="unicode", method="text") for b in found] == [
        "Contents", "March", "A", "B", "April", "C & D", "E",
    ]  # fmt: skip


def test_a_changed_block_changes_its_digest_only() -> None:
    before = pdf_flow.digests(TOC)
    after = pdf_flow.digests(TOC.replace(">B<", ">B, revised<"))
    assert len(before) == len(after) == 7
    assert [n for n, (a, b) in enumerate(zip(before, after, strict=True)) if a != b] == [3]


def test_a_changed_holder_changes_every_block_it_holds() -> None:
    before = pdf_flow.digests(TOC)
    after = pdf_flow.digests(TOC.replace('lang="en"', 'lang="fr"'))
    assert all(a != b for a, b in zip(before, after, strict=True))
    second = TOC.replace('"toc-entries"><li class="toc-entry"><a href="#c"',
                         '"toc-entries x"><li class="toc-entry"><a href="#c"')  # fmt: skip
    changed = pdf_flow.digests(second)
    assert [n for n, (a, b) in enumerate(zip(before, changed, strict=True)) if a != b] == [5, 6]


def test_the_tail_keeps_the_heading_and_starts_the_block_on_a_new_page() -> None:
    html, start = pdf_flow.tail(TOC, 5)
    assert start == pdf_flow.MARKER
    root = ET.fromstring(html)
    texts = [ET.tostring(b, encoding="unicode", method="text") for b in pdf_flow.blocks(root)]
    # The heading; the section that holds the block (its heading came before it); the block on.
    assert texts == ["Contents", "C & D", "E"]
    lists = root.findall("ol")
    # The first list lost every item and is gone; nothing of the second was left out.
    assert len(lists) == 1
    assert lists[0].get("style") is None
    opened = lists[0][0]
    assert opened.get("id") == pdf_flow.MARKER
    assert opened.get("style") == "break-before: page; margin-break: discard"


def test_the_tail_counts_items_on_from_those_left_out_and_keeps_ids() -> None:
    sources = (
        '<section id="sources"><h1>Sources</h1><ol class="sources-list">'
        + "".join(f'<li id="i{n}">Item {n}</li>' for n in range(10))
        + "</ol></section>"
    )
    html, start = pdf_flow.tail(sources, 5)
    # Blocks 1 to 4 are items 0 to 3: item 4 opens the layout, under its own id.
    assert start == "i4"
    root = ET.fromstring(html)
    assert root.find("ol").get("style") == "counter-reset: list-item 4"  # type: ignore[union-attr]
    assert [li.get("id") for li in root.iter("li")] == [f"i{n}" for n in range(4, 10)]


def test_a_tail_that_keeps_an_existing_style_adds_to_it() -> None:
    html, start = pdf_flow.tail(TOC, 4)
    root = ET.fromstring(html)
    heading = root.findall("h2")[0]
    assert start == pdf_flow.MARKER
    assert heading.get("style") == "color: red; break-before: page; margin-break: discard"
    assert heading.get("id") == pdf_flow.MARKER


@pytest.mark.parametrize(
    ("opens", "expected"),
    [
        ([0, None, 2, 5, None, 9, 12], [(0, 3), (3, 6), (6, 7)]),
        ([0, None, None, None, 7], [(0, 4), (4, 5)]),
        ([0, 1], [(0, 2)]),
        ([0, None, None, None], [(0, 4)]),
    ],
)
def test_chunks_end_at_the_first_opened_page_after_enough_pages(
    opens: list[int | None], expected: list[tuple[int, int]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pdf_flow, "CHUNK", 3)
    assert pdf_flow.chunks(opens) == expected


def test_chunks_from_a_chunk_on_are_the_same_chunks() -> None:
    opens: list[int | None] = [0, 3, None, 8, 11, 15, None, None, 30, 33, 35]
    whole = pdf_flow.chunks(opens)
    start = whole[1][0]
    assert [(a + start, b + start) for a, b in pdf_flow.chunks(opens[start:])] == whole[1:]


def test_resume_from_the_last_chunk_that_nothing_changed_can_move() -> None:
    old = [f"d{n}" for n in range(40)]
    opens = [0, 10, 20, 30]
    # Block 31 changed: the chunk opened by block 30 could move (its break depends on the block
    # after it), so the layout starts again at the chunk opened by block 20.
    new = [*old[:31], "changed", *old[32:]]
    assert pdf_flow.resume(opens, old, new) == pdf_flow.Resume(kept=2, block=20)
    # A block added at the end: the last chunk is laid out again.
    assert pdf_flow.resume(opens, old, [*old, "new"]) == pdf_flow.Resume(kept=3, block=30)
    # A change in the first chunk: nothing to keep.
    assert pdf_flow.resume(opens, old, ["changed", *old[1:]]) is None
    # A chunk that opens mid-block is no place to start.
    assert pdf_flow.resume([0, None, None], old, [*old, "new"]) is None


@pytest.mark.parametrize(
    "html",
    [
        '<nav id="toc"><h1>Contents</h1><p>A<br>B</p></nav>',
        '<nav id="toc"><h1>Contents</h1><svg xmlns="http://www.w3.org/2000/svg"/></nav>',
    ],
)
def test_a_part_that_would_not_serialize_back_is_never_resumed(html: str) -> None:
    assert pdf_flow.digests(html) is None
