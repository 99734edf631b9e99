"""Block alignment, checked against alignments worked out by hand on real translation pairs.

Each expected alignment is written as beads ``left-right``: block indexes of the original (English,
unless said otherwise) and of its translation, several joined by commas, none left empty. The
indexes are those of the body's top-level blocks, as the reader prints them:

    for n, (_, block) in enumerate(bilingual.blocks(doc.body)): print(n, block.kind, ...)
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from publisher.assembling import bilingual
from publisher.assembling.align import Bead, Block, align, block
from publisher.build import load
from publisher.model import Document

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "bilingual"


def beads(text: str) -> tuple[Bead, ...]:
    """Beads from their written form, e.g. ``"0-0 1,2-1 3-"``."""

    def side(part: str) -> tuple[int, ...]:
        return tuple(int(n) for n in part.split(",")) if part else ()

    return tuple(Bead(side(a), side(b)) for a, _, b in (w.partition("-") for w in text.split()))


def written(found: tuple[Bead, ...]) -> str:
    """Beads in their written form, for a readable diff."""
    return " ".join(f"{','.join(map(str, b.left))}-{','.join(map(str, b.right))}" for b in found)


def aligned(left: Document, right: Document) -> str:
    return written(
        align(
            [b for _, b in bilingual.blocks(left.body)],
            [b for _, b in bilingual.blocks(right.body)],
        )
    )


@pytest.fixture(scope="module")
def whitehouse(sample_corpus: Path) -> dict[tuple[str, str], Document]:
    """The White House translations by (translation key suffix, language)."""
    documents = load([str(sample_corpus / "bilingual" / "whitehouse")]).documents
    return {(str(d.translation_key).removeprefix("wh-2022-06-10-"), d.lang): d for d in documents}


def test_the_declaration_pairs_block_for_block_and_rule_for_rule(
    whitehouse: dict[tuple[str, str], Document],
) -> None:
    english = whitehouse["los-angeles-declaration", "en"]
    spanish = whitehouse["los-angeles-declaration", "es"]
    # 24 blocks each: seven paragraphs, five headings each with its paragraph, five lists, and a
    # thematic break that English writes as <hr> and Spanish as a paragraph of dashes.
    assert aligned(english, spanish) == " ".join(f"{n}-{n}" for n in range(24))


# The fact sheet lost the bold lead sentences of its Spanish lists when it was scraped. Where the
# English has the lists for Belize and Colombia apart, the Spanish has one list holding what is
# left of the first and all of the second; the same for Costa Rica and Ecuador. From the heading
# of Pillar II on, Spanish block n translates English block n + 2.
FACT_SHEET_ES = "0-0 1-1 2-2 3-3 4,5-4 6,7-5 " + " ".join(f"{n}-{n - 2}" for n in range(8, 32))


def test_merged_lists_in_the_spanish_fact_sheet(
    whitehouse: dict[tuple[str, str], Document],
) -> None:
    english = whitehouse["los-angeles-declaration-deliverables", "en"]
    spanish = whitehouse["los-angeles-declaration-deliverables", "es"]
    assert aligned(english, spanish) == FACT_SHEET_ES


def test_split_lists_with_spanish_as_the_original(
    whitehouse: dict[tuple[str, str], Document],
) -> None:
    english = whitehouse["los-angeles-declaration-deliverables", "en"]
    spanish = whitehouse["los-angeles-declaration-deliverables", "es"]
    mirrored = " ".join(f"{b}-{a}" for a, _, b in (w.partition("-") for w in FACT_SHEET_ES.split()))
    assert aligned(spanish, english) == mirrored


def test_the_portuguese_fact_sheet_stays_one_to_one_though_its_leads_are_lost(
    whitehouse: dict[tuple[str, str], Document],
) -> None:
    english = whitehouse["los-angeles-declaration-deliverables", "en"]
    portuguese = whitehouse["los-angeles-declaration-deliverables", "pt"]
    # Every list of 32 kept its place, but lost a third to a half of its text (block 4: 166
    # characters in English, 78 in Portuguese): lengths alone pair 16 with 16 and 17.
    assert aligned(english, portuguese) == " ".join(f"{n}-{n}" for n in range(32))


def test_three_lists_kept_as_one_in_french(whitehouse: dict[tuple[str, str], Document]) -> None:
    english = whitehouse["los-angeles-declaration-deliverables", "en"]
    french = whitehouse["los-angeles-declaration-deliverables", "fr"]
    left = [b for _, b in bilingual.blocks(english.body)][10:17]
    right = [b for _, b in bilingual.blocks(french.body)][10:15]
    # Pillar II: heading, paragraph, Canada's three lists (one list of three items in French),
    # then Guatemala and Mexico.
    assert written(align(left, right)) == "0-0 1-1 2,3,4-2 5-3 6-4"


def test_a_paragraph_split_in_the_hebrew_translation() -> None:
    documents = {d.path: d for d in load([str(FIXTURES)]).documents}
    english, hebrew = documents["en/water-research.md"], documents["he/water-research.md"]
    assert aligned(english, hebrew) == "0-0 1-1,2 2-3 3-4 4-5 5-6"


def test_numbers_and_names_are_anchors_whatever_their_script() -> None:
    english = block("In 2022, 20,000 workers from Guatemala and El Salvador came.")
    spanish = block("En 2022 llegaron 20.000 trabajadores de Guatemala y El Salvador.")
    french = block("En 2022, 20 000 travailleurs du Guatemala et d\u2019El Salvador sont arrivés.")
    assert english.anchors == spanish.anchors == french.anchors
    assert english.anchors == ("20000", "2022", "guate", "salva")
    assert block("———————-").kind == "hr"


def test_empty_sides() -> None:
    assert align([], []) == ()
    assert align([], [Block(10)]) == (Bead((), (0,)),)
    assert align([Block(10), Block(0, "h2")], []) == (Bead((0,), ()), Bead((1,), ()))


_blocks = st.lists(
    st.builds(Block, st.integers(0, 2_000), st.sampled_from(["p", "p", "ul", "h2"])), max_size=25
)


@given(_blocks, _blocks)
def test_beads_cover_both_sides_in_order_and_headings_pair_only_with_headings(
    left: list[Block], right: list[Block]
) -> None:
    found = align(left, right)
    assert [i for b in found for i in b.left] == list(range(len(left)))
    assert [j for b in found for j in b.right] == list(range(len(right)))
    for bead in found:
        assert bead.left or bead.right
        kinds = [left[i].heading for i in bead.left] + [right[j].heading for j in bead.right]
        if any(kinds):
            assert len(kinds) == 1 or (kinds == [True, True] and len(bead.left) == 1)
