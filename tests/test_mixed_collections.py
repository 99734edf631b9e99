"""Seeded random collections of ../shared/corpus, built to EPUB and PDF in every layout and mode.

Each seed draws about twenty documents from several roots: White House statements, their
translations, glossary terms (sometimes one root per language, so that roots share file
names), and blog posts in Hugo page bundles. ``PUBLISHER_SEEDS=N`` runs seeds 0 to N-1
(``make soak``); CI runs three, enough for each PDF layout and each bilingual mode.
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import pypdf
import pytest
from test_epub import Package, build, run_epubcheck
from test_pdf import outline

from publisher.api import load
from publisher.model import Document

SEEDS = range(int(os.environ.get("PUBLISHER_SEEDS", "3")))
EPUB_MODES = ("none", "sequential", "interleaved", "primary")
PDF_MODES = ("none", "sequential", "interleaved", "parallel", "primary")
LAYOUTS = ("brief", "book")
GROUPS = ("none", "month", "tag", "language")
# Parts laid out in parallel and merged, as users build; ``PUBLISHER_SEED_JOBS=0`` for one pass.
JOBS = os.environ.get("PUBLISHER_SEED_JOBS", "2")
_WROTE = re.compile(r"wrote .* ([\d,]+) documents?\)")


@dataclass(frozen=True)
class Collection:
    """One seed's draw: its source roots, documents and build options."""

    seed: int
    roots: tuple[Path, ...]
    documents: tuple[Document, ...]
    group: str
    out: Path

    def build(self, fmt: str, mode: str, *extra: str) -> tuple[Path, str]:
        """Build one output; a crash fails the test with its traceback."""
        path = self.out / f"{fmt}-{mode}-{'-'.join(extra) or 'default'}.{fmt}"
        bilingual = () if mode == "none" else ("--bilingual", mode)
        args = (*map(str, self.roots), "-f", fmt, "-o", str(path), "--group", self.group)
        result = build(*args, *bilingual, *extra, "--title", f"Mixed {self.seed}")
        assert result.exit_code == 0, result.output
        written = _WROTE.search(result.output)
        assert written is not None, result.output
        assert int(written.group(1).replace(",", "")) == len(self.documents), result.output
        return path, result.output


def _draw(seed: int, corpus: Path, folder: Path) -> tuple[Path, ...]:
    """Copy a seeded random subset of the corpus into roots under folder."""
    rng = random.Random(seed)
    statements = folder / "statements"
    statements.mkdir(parents=True)
    for path in rng.sample(sorted((corpus / "whitehouse").glob("*.md")), 5):
        shutil.copy(path, statements / path.name)
    pairs = [json.loads(line) for line in (corpus / "bilingual" / "pairs.jsonl").open()]
    bilingual = folder / "bilingual"
    by_set = {
        name: [p for p in pairs if p["set"] == name] for name in ("whitehouse", "cncf-glossary")
    }
    for pair in rng.sample(by_set["whitehouse"], 2) + rng.sample(by_set["cncf-glossary"], 3):
        for key in ("source", "target"):
            (bilingual / pair[key]).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(corpus / "bilingual" / pair[key], bilingual / pair[key])
    glossary = corpus / "bilingual" / "cncf-glossary"
    for term in rng.sample(sorted(p.name for p in (glossary / "ja").glob("*.md")), 2):
        for lang in ("en", "ja", "zh-cn", "ko"):
            if (source := glossary / lang / term).is_file():
                target = bilingual / "cncf-glossary" / lang / term
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy(source, target)
    blog = folder / "blog"
    posts = sorted(p for p in (corpus / "blog" / "fluxcd").iterdir() if p.name != "_index.md")
    for post in rng.sample(posts, 3):
        if post.is_dir():
            shutil.copytree(post, blog / post.name)
        else:
            blog.mkdir(exist_ok=True)
            shutil.copy(post, blog / post.name)
    roots = [statements, bilingual / "whitehouse", blog]
    if rng.random() < 0.5:
        roots.append(bilingual / "cncf-glossary")
    else:
        # One root per language: the same file name under several roots.
        roots.extend(sorted(p for p in (bilingual / "cncf-glossary").iterdir()))
    return tuple(root for root in roots if root.is_dir())


@pytest.fixture(scope="module", params=SEEDS, ids=lambda seed: f"seed{seed}")
def collection(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, corpus: Path
) -> Collection:
    seed = int(request.param)
    folder = tmp_path_factory.mktemp(f"mixed-{seed}")
    roots = _draw(seed, corpus, folder / "sources")
    (out := folder / "out").mkdir()
    documents = tuple(load(roots))
    group = random.Random(seed).choice(GROUPS)
    return Collection(seed, roots, documents, group, out)


def test_every_epub_mode_passes_epubcheck_and_keeps_every_document(
    collection: Collection,
) -> None:
    epubs = {mode: collection.build("epub", mode)[0] for mode in EPUB_MODES}
    for mode, path in epubs.items():
        spine = Package(path).spine
        assert len(spine) == len(set(spine)), mode
        if mode in ("none", "sequential"):
            pages = {name for name in spine if re.fullmatch(r"EPUB/doc-[^_]+\.xhtml", name)}
            assert len(pages) == len(collection.documents), mode
    reports = run_epubcheck(epubs)
    assert reports == {mode: [] for mode in EPUB_MODES}


@pytest.mark.parametrize("layout", LAYOUTS)
def test_pdf_outline_resolves_and_text_holds_the_titles(
    collection: Collection, layout: str
) -> None:
    # Across the CI seeds, each layout meets every mode at least once.
    mode = PDF_MODES[(2 * collection.seed + LAYOUTS.index(layout)) % len(PDF_MODES)]
    path, _ = collection.build("pdf", mode, "--layout", layout, "--jobs", JOBS)
    reader = pypdf.PdfReader(path)
    assert len(reader.pages) > 0
    marks = outline(reader)
    assert marks
    assert all(0 <= page < len(reader.pages) for _, _, page in marks)
    text = _letters("".join(page.extract_text() for page in reader.pages))
    # Every mode shows the English variant; CJK titles need fonts a machine may lack.
    latin = [d for d in collection.documents if d.lang in ("en", "es", "fr", "pt")]
    shown = [d for d in latin if d.lang == "en" or mode in ("none", "sequential")]
    missing = [d.title for d in shown if _letters(d.title) not in text]
    assert missing == []


def _letters(text: str) -> str:
    """Only the ASCII letters and digits, case-folded: what text extraction reliably keeps.

    pypdf 7 reads some of these runs' ToUnicode values as two bytes ("\\x00a" for "a", "\\x07å"
    for U+2019), and hyphenation and line breaks split words; the letters survive all of it.
    """
    return re.sub(r"[^a-z0-9]+", "", text.casefold())
