"""Normalizer: front matter → typed Document fields, checked against expected files on disk.

Set PUBLISHER_REGEN=1 to rewrite the expected ``.json`` files, then review the diff.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import pytest

from publisher.model import Document
from publisher.normalizing import normalize
from publisher.reading import reader

CASES = Path(__file__).parent / "fixtures" / "normalize"


def _summary(path: Path) -> dict[str, object]:
    raw, problems = reader.read(path, CASES)
    docs: list[Document] = []
    if raw is not None:
        docs, found = normalize.normalize([raw])
        problems = [*problems, *found]
    result: dict[str, object] = {"diagnostics": [d.format() for d in problems]}
    if docs:
        doc = docs[0]
        result.update(
            id=doc.id,
            title=doc.title,
            lang=doc.lang,
            dir=doc.dir,
            date=doc.date.isoformat() if doc.date else None,
            published=doc.published.isoformat() if doc.published else None,
            tags=list(doc.tags),
            source_url=doc.source_url,
            authors=[{"name": a.name, "url": a.url} for a in doc.authors],
            translation_key=doc.translation_key,
            translation_of=doc.translation_of,
            meta=sorted(doc.meta),
            summary=doc.summary[:80],
            headings=[h.text for h in doc.headings],
        )
    return result


@pytest.mark.parametrize("case", sorted(CASES.glob("*.md")), ids=lambda p: p.stem)
def test_normalize_case(case: Path) -> None:
    expected_file = case.with_suffix(".json")
    actual = _summary(case)
    if os.environ.get("PUBLISHER_REGEN"):
        expected_file.write_text(json.dumps(actual, indent=2, ensure_ascii=False) + "\n")
    assert actual == json.loads(expected_file.read_text())


def test_published_time_keeps_its_offset() -> None:
    raw, _ = reader.read(CASES / "mexico-joint-declaration.md", CASES)
    assert raw is not None
    (doc,), _ = normalize.normalize([raw])
    assert doc.published is not None
    assert doc.published.astimezone(dt.UTC) == dt.datetime(2021, 3, 1, 23, 59, 26, tzinfo=dt.UTC)


def test_ids_are_unique_and_do_not_depend_on_input_order(tmp_path: Path) -> None:
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "same-name.md").write_text(f"---\ntitle: {folder}\n---\nText.\n")
    raws = [reader.read(p, tmp_path)[0] for p in sorted(tmp_path.rglob("*.md"))]
    forward, _ = normalize.normalize([r for r in raws if r])
    backward, _ = normalize.normalize([r for r in reversed(raws) if r])
    assert {d.path: d.id for d in forward} == {d.path: d.id for d in backward}
    assert sorted(d.id for d in forward) == ["same-name", "same-name-2"]


def test_digest_changes_with_content_only(tmp_path: Path) -> None:
    path = tmp_path / "doc.md"
    path.write_text("---\ntitle: T\n---\nOne.\n")
    first = normalize.normalize([reader.read(path, tmp_path)[0]])[0][0]  # type: ignore[list-item]
    again = normalize.normalize([reader.read(path, tmp_path)[0]])[0][0]  # type: ignore[list-item]
    path.write_text("---\ntitle: T\n---\nTwo.\n")
    changed = normalize.normalize([reader.read(path, tmp_path)[0]])[0][0]  # type: ignore[list-item]
    assert first.digest == again.digest != changed.digest


def test_a_page_bundle_is_named_by_its_folder(sample_corpus: Path) -> None:
    blog = sample_corpus / "blog" / "fluxcd"
    bundle = blog / "2021-03-01-march-update" / "index.md"
    raw, _ = reader.read(bundle, blog)
    assert raw is not None
    (doc,), _ = normalize.normalize([raw])
    assert doc.id == "2021-03-01-march-update"


def test_the_same_path_under_two_roots_gets_two_ids(sample_corpus: Path) -> None:
    glossary = sample_corpus / "bilingual" / "cncf-glossary"
    roots = [glossary / lang for lang in ("en", "es", "ja")]
    raws = [reader.read(root / "cluster.md", root)[0] for root in roots]
    forward, _ = normalize.normalize([r for r in raws if r])
    backward, _ = normalize.normalize([r for r in reversed(raws) if r])
    assert {d.lang: d.id for d in forward} == {d.lang: d.id for d in backward}
    assert len({d.id for d in forward}) == 3
    anchors = [h.anchor for d in forward for h in d.headings]
    assert len(anchors) == len(set(anchors))


def test_a_translated_bundle_is_named_by_its_folder_and_language(tmp_path: Path) -> None:
    bundle = tmp_path / "2021-03-01-march-update"
    bundle.mkdir()
    for name, lang in (("index.md", "en"), ("index.es.md", "es")):
        (bundle / name).write_text(f"---\ntitle: March\nlang: {lang}\n---\nText.\n")
    raws = [reader.read(p, tmp_path)[0] for p in sorted(bundle.iterdir())]
    docs, _ = normalize.normalize([r for r in raws if r])
    assert {d.lang: d.id for d in docs} == {
        "en": "2021-03-01-march-update",
        "es": "2021-03-01-march-update-es",
    }


def test_front_matter_keys_of_several_types_are_no_crash(tmp_path: Path) -> None:
    # YAML lets one mapping mix text and number keys; JSON cannot sort them as they are.
    digests = set()
    for third in ("[x]", "[y]"):
        path = tmp_path / f"mixed-{third[1]}.md"
        path.write_text(f"---\ntitle: Mixed\nextra:\n  b: 2\n  3: {third}\n---\nBody.\n")
        raw, problems = reader.read(path, tmp_path)
        assert raw is not None, problems
        (doc,), problems = normalize.normalize([raw])
        assert not [p for p in problems if p.severity == "error"]
        digests.add(doc.digest)
    assert len(digests) == 2
