"""Length-based alignment of a document's blocks with its translation's (Gale and Church, 1993).

Gale and Church align sentences by their lengths in characters. Blocks are paragraphs, lists and
headings, so three things are added, each for a case the corpus translations show: the spread of
lengths grows in proportion for long blocks; a list kept whole in one language and cut in three
in another is a bead of its own; and where lengths cannot tell (a translation that lost a lead
sentence), numbers and names that appear on both sides, and blocks of the same kind, can.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace

PRIORS: dict[tuple[int, int], float] = {
    (1, 1): 0.89,
    (1, 0): 0.0099,
    (0, 1): 0.0099,
    (2, 1): 0.089,
    (1, 2): 0.089,
    (2, 2): 0.011,
    (3, 1): 0.0015,
    (1, 3): 0.0015,
}
"""Bead shapes and their prior probabilities (Gale and Church's, and two rarer shapes)."""
VARIANCE = 6.8
"""Variance of the translation's length per character of the original (Gale and Church)."""
SPREAD = 0.2
"""Standard deviation of a long block's length, in proportion to it."""
ANCHOR_COST = 1.5
"""Cost of an anchor (number or name) found on one side of a bead only."""
KIND_COST = 3.0
"""Cost of a bead whose sides hold different kinds of block (a paragraph against a list)."""
RARE = 2
"""Most blocks of one side an anchor may appear in and still point at its translation."""
BAND = 30
"""Blocks a path may stray from the diagonal beyond the two sides' difference in count."""
HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})

# Numbers with their group and decimal separators (20,000 = 20.000 = 20 000), and capitalized
# words that do not start a sentence: names, which most languages keep or barely change.
_NUMBER = re.compile(r"\d+(?:[.,\u00a0\u202f ]\d+)*")
_NAME = re.compile(r"(?<=\s)(?<![.!?:;]\s)(\w)(\w{3,})")


@dataclass(frozen=True, slots=True)
class Block:
    """One block element of a body, as the aligner sees it."""

    length: int
    """Characters of text, whitespace collapsed."""
    kind: str = "p"
    """Its element name; headings align only with headings."""
    anchors: tuple[str, ...] = ()
    """What survives translation: numbers (digits only) and the first letters of names."""

    @property
    def heading(self) -> bool:
        """Whether the block is a heading."""
        return self.kind in HEADINGS


@dataclass(frozen=True, slots=True)
class Bead:
    """One aligned group: blocks of the original and the blocks that translate them."""

    left: tuple[int, ...]
    """Indexes of the original's blocks, possibly none."""
    right: tuple[int, ...]
    """Indexes of the translation's blocks, possibly none."""


def block(text: str, kind: str = "p") -> Block:
    """A block from its plain text and element name; text without a letter or digit is a rule."""
    text = " ".join(text.split())
    if not any(c.isalnum() for c in text) and kind not in HEADINGS:
        # Translators draw a thematic break as a paragraph of dashes where the original has <hr>.
        kind = "hr"
    numbers = [re.sub(r"\D", "", n) for n in _NUMBER.findall(text)]
    folded = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    names = [(a + b)[:5].casefold() for a, b in _NAME.findall(folded) if a.isupper()]
    return Block(len(text), kind, tuple(sorted(numbers + names)))


def align(left: Sequence[Block], right: Sequence[Block]) -> tuple[Bead, ...]:
    """The cheapest sequence of beads covering both sides in order."""
    left, right = _rare(left), _rare(right)
    n, m = len(left), len(right)
    total_left = sum(b.length for b in left)
    total_right = sum(b.length for b in right)
    # Languages differ in length (Spanish runs longer than English): compare against the pair's
    # own ratio, kept within reason so a truncated translation cannot skew every bead.
    ratio = min(max(total_right / total_left, 0.5), 2.0) if total_left and total_right else 1.0
    width = BAND + abs(n - m)
    cost = [[math.inf] * (m + 1) for _ in range(n + 1)]
    step = [[(0, 0)] * (m + 1) for _ in range(n + 1)]
    cost[0][0] = 0.0
    for i in range(n + 1):
        centre = i * m // n if n else 0
        for j in range(max(0, centre - width), min(m, centre + width) + 1):
            for (a, b), prior in PRIORS.items():
                if a > i or b > j or cost[i - a][j - b] == math.inf:
                    continue
                total = cost[i - a][j - b] + _cost(left[i - a : i], right[j - b : j], ratio, prior)
                if total < cost[i][j]:
                    cost[i][j], step[i][j] = total, (a, b)
    beads: list[Bead] = []
    i, j = n, m
    while i or j:
        a, b = step[i][j]
        beads.append(Bead(tuple(range(i - a, i)), tuple(range(j - b, j))))
        i, j = i - a, j - b
    return tuple(reversed(beads))


def _rare(blocks: Sequence[Block]) -> list[Block]:
    """The blocks with only their rare anchors: one found all over a document points nowhere."""
    spread = Counter(a for b in blocks for a in set(b.anchors))
    return [replace(b, anchors=tuple(a for a in b.anchors if spread[a] <= RARE)) for b in blocks]


def _cost(left: Sequence[Block], right: Sequence[Block], ratio: float, prior: float) -> float:
    """Minus the log probability of a bead, plus what its anchors and kinds say against it."""
    blocks = (*left, *right)
    headings = sum(b.heading for b in blocks)
    # A heading stands alone, or beside the heading that translates it.
    if headings and len(blocks) > 1 and not (headings == 2 and len(left) == 1 == len(right)):
        return math.inf
    l1 = sum(b.length for b in left)
    l2 = sum(b.length for b in right)
    mean = (l1 + l2 / ratio) / 2
    deviation = math.sqrt(mean * VARIANCE + (SPREAD * mean) ** 2)
    delta = (l1 * ratio - l2) / deviation if mean else 0.0
    unmatched = Counter(a for b in left for a in b.anchors)
    unmatched.subtract(a for b in right for a in b.anchors)
    penalty = ANCHOR_COST * sum(abs(v) for v in unmatched.values())
    if left and right and {b.kind for b in left} != {b.kind for b in right}:
        penalty += KIND_COST
    return -math.log(prior) - _log_erfc(abs(delta) / math.sqrt(2)) + penalty


def _log_erfc(z: float) -> float:
    """log(erfc(z)), with its asymptotic form where erfc underflows."""
    if z < 25:
        return math.log(math.erfc(z))
    return -z * z - math.log(z * math.sqrt(math.pi))
