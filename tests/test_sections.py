"""Where a long brief's run of documents starts new pages, so that its sections lay out apart."""

from __future__ import annotations

from publisher.pdf import flow as pdf_flow
from publisher.pdf import plan as pdf_plan
from publisher.pdf import sections
from publisher.rendering.render import Part


def document(number: int) -> Part:
    return Part(f"doc-{number:04d}", "document", "", "en", '<div class="document"></div>')


def run(count: int) -> list[Part]:
    title = Part("title", "title", "", "en", '<section class="title"></section>')
    return [title, *(document(n) for n in range(count))]


def positions(parts: list[Part], names: frozenset[str]) -> list[int]:
    return [i for i, part in enumerate(parts) if part.name in names]


def test_sections_are_neither_too_short_nor_too_long() -> None:
    parts = run(2000)
    shown, names = sections.cut(parts, "brief")
    cuts = positions(parts, names)
    lengths = [b - a for a, b in zip([1, *cuts], cuts, strict=False)]
    assert len(cuts) > 2000 // sections.LONGEST
    assert min(lengths) >= sections.SHORTEST and max(lengths) <= sections.LONGEST
    # The cut documents start a page; the others are left as they were.
    for i, (before, after) in enumerate(zip(parts, shown, strict=True)):
        expected = pdf_flow.opened(before.html) if i in cuts else before.html
        assert after.html == expected


def test_a_short_brief_and_a_book_are_not_cut() -> None:
    assert sections.cut(run(sections.SHORTEST), "brief")[1] == frozenset()
    parts = run(1000)
    assert sections.cut(parts, "book") == (tuple(parts), frozenset())


def test_a_document_added_moves_no_cut_beyond_the_next_one() -> None:
    parts = run(1500)
    _, names = sections.cut(parts, "brief")
    cuts = positions(parts, names)
    changed = [*parts[:300], Part("added", "document", "", "en", "<div></div>"), *parts[300:]]
    _, again = sections.cut(changed, "brief")
    later = [c for c in cuts if c > 300]
    # Every cut before the new document stays, and all but the first one or two after it.
    assert {parts[c].name for c in cuts if c <= 300} <= again
    assert {parts[c].name for c in later[2:]} <= again


def test_no_cut_parts_a_section_heading_from_its_first_document() -> None:
    parts = run(0)
    for month in range(40):
        parts.append(Part(f"month-{month}", "section", "", "en", '<div class="section"></div>'))
        parts.extend(document(month * 10 + n) for n in range(10))
    _, names = sections.cut(parts, "brief")
    assert names
    for i in positions(parts, names):
        assert parts[i - 1].kind == "document"


def test_each_section_is_a_unit_of_its_own() -> None:
    parts = run(200)
    shown, names = sections.cut(parts, "brief")
    units = pdf_plan.units(shown, "brief", names)
    assert [unit[0].name for unit in units[1:]] == [p.name for p in shown[1:2]] + sorted(names)
    assert all(pdf_plan.flowing(unit, "brief") is not None for unit in units[1:])
