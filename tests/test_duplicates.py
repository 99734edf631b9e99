"""Duplicates: one copy of a re-posted document, never a translation, never another memorandum."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from publisher.assembling import duplicates, identity
from publisher.build import load
from publisher.cli.commands import main
from publisher.model import Document
from publisher.projects import history

SAMPLE = Path(__file__).resolve().parent / "corpus"
DECLARATION = "2021-03-01-u-s-mexico-joint-declaration.md"
BRIEFING = (
    "2021-02-08-press-briefing-by-white-house-covid-19-response-team-and-public-health-officials.md"
)


def _docs(folder: Path) -> list[Document]:
    return list(load([str(folder)]).documents)


def _copy(source: Path, target: Path, *edits: tuple[str, str]) -> None:
    text = source.read_text(encoding="utf-8")
    for old, new in edits:
        assert old in text, old
        text = text.replace(old, new, 1)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")


def test_translations_are_never_duplicates_of_their_originals(tmp_path: Path) -> None:
    bilingual = SAMPLE / "bilingual" / "whitehouse"
    shutil.copytree(bilingual, tmp_path / "set")
    english = next((bilingual / "en").glob("*los-angeles-declaration-on-migration-and-protection*"))
    # The same words tagged as another language, and a copy that the translation key links.
    _copy(english, tmp_path / "set" / "de.md", ("lang: en", "lang: de"))
    _copy(english, tmp_path / "set" / "keyed.md")
    assert duplicates.find(_docs(tmp_path / "set")) == []
    # Without the key, the copy is a re-post.
    _copy(english, tmp_path / "set" / "keyed.md", ("translation_key:", "key:"))
    copies = duplicates.find(_docs(tmp_path / "set"))
    assert [(c.copy.path, c.kept.path) for c in copies] == [("keyed.md", "en/" + english.name)]


def test_the_newest_copy_is_kept_and_keep_keeps_both(tmp_path: Path) -> None:
    source = SAMPLE / "whitehouse" / DECLARATION
    _copy(source, tmp_path / "a-first.md")
    _copy(
        source,
        tmp_path / "b-corrected.md",
        ("title:", "modified_time: 2021-03-09 09:00:00-05:00\ntitle:"),
    )
    docs = _docs(tmp_path)
    kept, problems = duplicates.deduplicate(docs)
    assert [d.path for d in kept] == ["b-corrected.md"]
    assert [(p.path, p.code) for p in problems] == [("a-first.md", "duplicate-document")]
    assert "a-first.md has the same identity as b-corrected.md" in problems[0].message
    everything, warned = duplicates.deduplicate(docs, "keep")
    assert len(everything) == 2 and len(warned) == 1


def test_a_few_words_changed_is_a_copy_but_another_number_is_another_document(
    tmp_path: Path,
) -> None:
    source = SAMPLE / "whitehouse" / BRIEFING
    _copy(source, tmp_path / "a.md")
    few = [(" we ", " they ")] * 3
    _copy(source, tmp_path / "b.md", ("public-health-officials/", "b/"), *few)
    _copy(source, tmp_path / "c.md", ("public-health-officials/", "c/"), (" 699 ", " 698 "))
    docs = {d.path: d for d in _docs(tmp_path)}
    assert identity.digest(docs["a.md"]) != identity.digest(docs["b.md"])
    copies = duplicates.find(list(docs.values()))
    assert [(c.copy.path, c.kept.path, c.reason) for c in copies] == [("b.md", "a.md", "near")]


@pytest.mark.full_corpus
def test_the_whole_white_house_set_has_one_re_post(corpus: Path) -> None:
    copies = duplicates.find(_docs(corpus / "whitehouse"))
    # The same gaggle scraped twice; the two 506(a)(1) memoranda of December 2022 differ in
    # their amounts only, and are two documents.
    assert [(c.copy.path, c.kept.path, c.reason) for c in copies] == [
        (
            "2022-05-06-press-gaggle-by-press-secretary-jen-psaki%ef%bf%bc.md",
            "2022-05-06-press-gaggle-by-press-secretary-jen-psaki-5.md",
            "near",
        )
    ]


def test_updated_only_when_the_change_is_on_another_day(tmp_path: Path) -> None:
    source = SAMPLE / "whitehouse" / DECLARATION
    _copy(
        source,
        tmp_path / "same-day.md",
        ("title:", "modified_time: 2021-03-01 20:00:00-05:00\ntitle:"),
    )
    _copy(source, tmp_path / "later.md", ("title:", "lastmod: 2021-03-04\ntitle:"))
    docs = {d.path: d for d in _docs(tmp_path)}
    assert identity.updated(docs["same-day.md"]) is None
    assert str(identity.updated(docs["later.md"])) == "2021-03-04"


def test_the_previous_release_is_the_latest_version_else_the_latest_built(tmp_path: Path) -> None:
    def release(folder: Path, version: str, built: str) -> Path:
        (folder / version).mkdir(parents=True)
        manifest = {"release": version, "built": built, "outputs": []}
        path = folder / version / history.MANIFEST
        path.write_text(json.dumps(manifest))
        return path

    # 1.10 comes after 1.9 even though it was built (say, backported) before both others.
    release(tmp_path / "a", "1.9", "2026-02-01T00:00:00+00:00")
    latest = release(tmp_path / "a", "1.10", "2026-01-01T00:00:00+00:00")
    release(tmp_path / "a", "1.2", "2026-03-01T00:00:00+00:00")
    assert history.previous(tmp_path / "a") == latest
    assert (
        history.previous(tmp_path / "a", before="1.10") == tmp_path / "a" / "1.9" / "manifest.json"
    )
    # Names that are no versions go by build time.
    release(tmp_path / "b", "spring", "2026-03-01T00:00:00+00:00")
    autumn = release(tmp_path / "b", "autumn", "2026-09-01T00:00:00+00:00")
    assert history.previous(tmp_path / "b") == autumn


def test_the_command_line_keeps_every_copy_when_asked(tmp_path: Path) -> None:
    source = SAMPLE / "whitehouse" / DECLARATION
    _copy(source, tmp_path / "docs" / "a-first.md")
    _copy(source, tmp_path / "docs" / "b-again.md", ("title:", "modified_time: 2021-03-09\ntitle:"))
    base = ["build", str(tmp_path / "docs"), "-f", "epub", "--no-cache"]
    newest = CliRunner().invoke(main, [*base, "-o", str(tmp_path / "newest.epub")])
    both = CliRunner().invoke(
        main, [*base, "-o", str(tmp_path / "both.epub"), "--duplicates", "keep"]
    )
    assert ", 1 documents)" in newest.output and ", 2 documents)" in both.output, both.output
    assert "2 documents read, 1 included, 1 skipped, 1 warnings" in newest.output
    assert "[duplicate-document]" in newest.output and "[duplicate-document]" in both.output
