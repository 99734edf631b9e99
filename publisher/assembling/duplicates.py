"""Documents → the same documents, re-posts left out: one copy of each statement.

Two documents are copies when they have the same identity, the same normalized text, or nearly
the same text: a Jaccard similarity of at least ``THRESHOLD`` between their sets of word
5-shingles. Candidates come from MinHash signatures banded by locality-sensitive hashing
(datasketch), so the work grows with the number of documents, not with its square; each
candidate pair is then measured exactly, so the signatures' error never decides alone.

Nearly the same is not enough when the numbers differ: a memorandum that delegates a drawdown
of $1 billion on the template of one for $275 million is another memorandum, not a re-post.
A translation is never a copy of its original: only documents in the same language are
compared, and never two that a translation key or ``translation_of`` links.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from publisher import i18n
from publisher.assembling import identity
from publisher.model import Diagnostic, Document

Policy = Literal["newest", "keep"]
POLICIES: tuple[Policy, ...] = ("newest", "keep")
CODE = "duplicate-document"

THRESHOLD = 0.9
"""Least Jaccard similarity of word 5-shingles for two texts to be one document. A changed word
changes up to five shingles of each text, and k changed of n give (n - k) / (n + k): three words
changed in a statement of 300 words or more stay above it."""
SHINGLE = 5
"""Words per shingle."""
PERMUTATIONS = 32
"""Hash functions per MinHash signature: few, as the exact measure has the last word."""
CANDIDATE = 0.7
"""The similarity LSH is tuned to find: below THRESHOLD, so that a pair at the threshold is
almost never missed (the exact measure then turns the near misses away)."""

_BASE = np.uint64(1_099_511_628_211)
_INVERSE = np.uint64(pow(1_099_511_628_211, -1, 1 << 64))
_SPACE = ord(" ")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_SCHEME = "affine32"
"""How datasketch stores the signatures: 32-bit values."""
_SEED = 1


@dataclass(frozen=True, slots=True)
class Copy:
    """One document found to be a copy of another."""

    copy: Document
    """The copy: left out under the ``newest`` policy."""
    kept: Document
    """The copy of the group that stays: the newest, the first of equals."""
    reason: str
    """Why they are one document: ``identity``, ``text`` or ``near``."""


def deduplicate(
    docs: Sequence[Document], policy: Policy = "newest"
) -> tuple[list[Document], list[Diagnostic]]:
    """The documents without their copies (all of them under ``keep``), and a warning per copy."""
    copies = find(docs)
    problems = [_warning(c, policy) for c in copies]
    if policy == "keep":
        return list(docs), problems
    gone = {id(c.copy) for c in copies}
    return [d for d in docs if id(d) not in gone], problems


def find(docs: Sequence[Document]) -> list[Copy]:
    """Every document that is a copy of another, in the order of ``docs``."""
    texts = [identity.text(doc) for doc in docs]
    parent = list(range(len(docs)))
    why: dict[int, str] = {}

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def join(i: int, j: int, reason: str) -> None:
        if _linked(docs[i], docs[j]):
            return
        a, b = root(i), root(j)
        if a != b:
            parent[max(a, b)] = min(a, b)
            why.setdefault(max(i, j), reason)

    keyed: dict[tuple[str, str, str], int] = {}
    for i, doc in enumerate(docs):
        lang = i18n.base(doc.lang)
        keys = (("identity", identity.identity(doc)), ("text", identity.text_digest(texts[i])))
        for kind, value in keys:
            first = keyed.setdefault((lang, kind, value), i)
            if first != i:
                join(first, i, kind)
    langs = [i18n.base(doc.lang) for doc in docs]
    for i, j in _near(texts):
        if langs[i] == langs[j]:
            join(i, j, "near")
    groups: dict[int, list[int]] = {}
    for i in range(len(docs)):
        groups.setdefault(root(i), []).append(i)
    copies: list[tuple[int, Copy]] = []
    for members in groups.values():
        if len(members) < 2:
            continue
        # The newest copy stays; of equally new ones, the first in source order.
        kept = min(members, key=lambda i: (-identity.newest(docs[i]).timestamp(), i))
        for i in members:
            if i != kept:
                reason = why.get(i) or why.get(kept) or "near"
                copies.append((i, Copy(docs[i], docs[kept], reason)))
    return [c for _, c in sorted(copies, key=lambda pair: pair[0])]


def _near(texts: Sequence[str]) -> list[tuple[int, int]]:
    """Pairs of texts whose word 5-shingles are at least THRESHOLD alike, the earlier first."""
    # Imported here: datasketch loads SciPy, a quarter of a second that a build without two
    # texts to compare, or a command that builds nothing, need not wait for.
    from datasketch import MinHash, MinHashLSH

    hashes = _Hashes(max(map(len, texts), default=0))
    index = MinHashLSH(threshold=CANDIDATE, num_perm=PERMUTATIONS)
    # A MinHash draws permutations it is given no others: these are never used, drawn once.
    unused = MinHash(num_perm=PERMUTATIONS, scheme=_SCHEME).permutations
    pairs: list[tuple[int, int]] = []
    for i, text in enumerate(texts):
        if not text:
            continue
        values = hashes.signature(text)
        signature = MinHash(hashvalues=values, permutations=unused, scheme=_SCHEME)
        # Made once for all of the text's candidates: a document re-posted four times has four.
        own: set[str] | None = None
        for key in sorted(map(int, index.query(signature))):
            if _numbers(texts[key]) != _numbers(text):
                continue
            own = _shingles(text) if own is None else own
            if _similarity(_shingles(texts[key]), own) >= THRESHOLD:
                pairs.append((key, i))
        index.insert(str(i), signature)
    return pairs


class _Hashes:
    """MinHash signatures of texts' word shingles, computed for a whole text at once with NumPy.

    A shingle's hash is a polynomial hash of its bytes, from prefix sums: the hash of any span is
    a difference of two sums scaled back by an inverse power of the base (odd, so invertible
    modulo 2**64). Each of the PERMUTATIONS hash functions is then a multiply-shift of it, and
    the signature keeps each one's least value. datasketch's own ``update_batch`` hashes value by
    value in Python, which cost more than the rest of the search together; the signatures only
    choose candidates, so a crafted collision costs a comparison, never a document.
    """

    def __init__(self, longest: int) -> None:
        size = 4 * longest + 1  # UTF-8 takes at most four bytes a character
        powers = np.full(size, _BASE, dtype=np.uint64)
        inverses = np.full(size, _INVERSE, dtype=np.uint64)
        powers[0] = inverses[0] = 1
        # Overflow is the point: the products wrap modulo 2**64.
        self.powers = np.cumprod(powers)
        self.inverses = np.cumprod(inverses)
        seeds = np.random.default_rng(_SEED).integers(0, 1 << 64, (2, PERMUTATIONS, 1), np.uint64)
        self.multipliers = seeds[0] | np.uint64(1)
        self.offsets = seeds[1]

    def shingles(self, text: str) -> npt.NDArray[np.uint64]:
        """The 64-bit hashes of the text's runs of SHINGLE words (the whole text when shorter)."""
        data = np.frombuffer(text.encode(), dtype=np.uint8).astype(np.uint64)
        prefix = np.zeros(len(data) + 1, dtype=np.uint64)
        np.cumsum(data * self.powers[: len(data)], out=prefix[1:])
        spaces = np.flatnonzero(data == _SPACE)
        starts = np.concatenate(([0], spaces + 1))
        ends = np.concatenate((spaces, [len(data)]))
        if len(starts) > SHINGLE:
            starts, ends = starts[: 1 - SHINGLE], ends[SHINGLE - 1 :]
        else:
            starts, ends = starts[:1], ends[-1:]
        spans: npt.NDArray[np.uint64] = (prefix[ends] - prefix[starts]) * self.inverses[starts]
        return spans

    def signature(self, text: str) -> npt.NDArray[np.uint64]:
        """The least 32-bit value of each of the hash functions over the text's shingles."""
        mixed = self.multipliers * self.shingles(text)
        mixed += self.offsets
        # The high half of the least value is the least high half: shift the minima only.
        least: npt.NDArray[np.uint64] = mixed.min(axis=1) >> np.uint64(32)
        return least


def _numbers(text: str) -> set[str]:
    """The numbers a text gives: two texts that differ in them are two documents."""
    return set(_NUMBER.findall(text))


def _similarity(first: set[str], second: set[str]) -> float:
    """The Jaccard similarity of two texts' sets of word shingles, measured exactly."""
    return len(first & second) / len(first | second)


def _shingles(text: str) -> set[str]:
    """The text's runs of SHINGLE words (the whole text when it is shorter)."""
    words = text.split()
    if len(words) <= SHINGLE:
        return {" ".join(words)}
    return {" ".join(words[i : i + SHINGLE]) for i in range(len(words) - SHINGLE + 1)}


def _linked(a: Document, b: Document) -> bool:
    """True when one document is declared a translation of the other, or both of one item."""
    if a.translation_key and a.translation_key == b.translation_key:
        return True
    return any(
        x.translation_of is not None and x.translation_of in (y.id, y.path)
        for x, y in ((a, b), (b, a))
    )


def _warning(found: Copy, policy: Policy) -> Diagnostic:
    what = {
        "identity": "has the same identity as",
        "text": "has the same text as",
        "near": "has nearly the same text as",
    }[found.reason]
    outcome = "kept too (duplicates = 'keep')" if policy == "keep" else "left out for it"
    message = f"{found.copy.path} {what} {found.kept.path}; {outcome}"
    return Diagnostic(found.copy.path, None, "warning", CODE, message)
