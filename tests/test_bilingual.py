"""Translation pairs: pairing from front matter, views per layout, and the verbs that show them."""

from __future__ import annotations

import datetime as dt
import json
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from publisher import i18n
from publisher.assembling import bilingual
from publisher.assembling.assemble import BookInfo, Selection, assemble, pair
from publisher.build import Loaded, load
from publisher.cli.commands import main
from publisher.model import Diagnostic, Document, Entry
from publisher.projects import config

INFO = BookInfo(title="Test", modified=dt.datetime(2024, 1, 1, tzinfo=dt.UTC))
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "bilingual"


def write(folder: Path, files: dict[str, str]) -> Loaded:
    """Documents from ``path: front matter lines`` (each with a one-line body)."""
    for path, front in files.items():
        (folder / path).parent.mkdir(parents=True, exist_ok=True)
        (folder / path).write_text(f"---\n{front}\n---\nText of {path}.\n")
    return load([str(folder)])


def codes(problems: list[Diagnostic]) -> list[tuple[str, str]]:
    return [(p.path, p.code) for p in problems]


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(scope="module")
def whitehouse(sample_corpus: Path) -> Loaded:
    return load([str(sample_corpus / "bilingual" / "whitehouse")])


def test_every_corpus_pair_becomes_one_entry(each_corpus: Path) -> None:
    root = each_corpus / "bilingual"
    rows = [json.loads(line) for line in (root / "pairs.jsonl").open()]
    # The bundled sample holds some of the pairs the shared list names.
    pairs = [r for r in rows if (root / r["source"]).is_file() and (root / r["target"]).is_file()]
    assert pairs
    loaded = load([str(root)])
    entries, problems = pair(loaded.documents, "en")
    assert problems == []
    by_path = {d.path: e for e in entries for d in e.documents}
    for row in pairs:
        entry = by_path[row["source"]]
        assert by_path[row["target"]] is entry
        assert entry.primary.lang == "en"
        assert entry.variants[row["target_lang"]].path == row["target"]
    # Translations the list does not name (Japanese, Chinese, Korean) join their original too.
    assert all(e.primary.lang == "en" for e in entries)
    assert len(entries) == sum(d.lang == "en" for d in loaded.documents)


def test_translation_of_follows_chains_to_a_key(tmp_path: Path) -> None:
    loaded = write(
        tmp_path,
        {
            "en/a.md": "title: A\nlang: en\ntranslation_key: k",
            "es/a.md": "title: A\nlang: es\ntranslation_of: ../fr/a.md",
            "fr/a.md": "title: A\nlang: fr\ntranslation_of: ../en/a.md",
        },
    )
    entries, problems = pair(loaded.documents, "en")
    assert problems == []
    assert [(e.key, list(e.variants)) for e in entries] == [("k", ["en", "es", "fr"])]


def test_a_cycle_is_reported_and_still_paired(tmp_path: Path) -> None:
    loaded = write(
        tmp_path,
        {
            "en/a.md": "title: A\nlang: en\ntranslation_of: ../es/a.md",
            "es/a.md": "title: A\nlang: es\ntranslation_of: ../en/a.md",
            "de/self.md": "title: S\nlang: de\ntranslation_of: self.md",
        },
    )
    entries, problems = pair(loaded.documents, "en")
    assert sorted(codes(problems)) == [
        ("de/self.md", "translation-cycle"),
        ("en/a.md", "translation-cycle"),
        ("es/a.md", "translation-cycle"),
    ]
    assert "en/a.md → es/a.md → en/a.md" in problems[0].message + problems[1].message
    assert sorted(list(e.variants) for e in entries) == [["de"], ["en", "es"]]


def test_duplicates_missing_targets_and_conflicting_keys_are_warnings(tmp_path: Path) -> None:
    loaded = write(
        tmp_path,
        {
            "en/a.md": "title: A\nlang: en\ntranslation_key: k",
            "es/a.md": "title: A\nlang: es\ntranslation_key: k",
            "es/b.md": "title: B\nlang: es\ntranslation_key: k",
            "es/c.md": "title: C\nlang: es\ntranslation_of: ../en/gone.md",
            "fr/a.md": "title: A\nlang: fr\ntranslation_key: other\ntranslation_of: ../en/a.md",
        },
    )
    entries, problems = pair(loaded.documents, "en")
    assert sorted(codes(problems)) == [
        ("es/b.md", "translation-duplicate"),
        ("es/c.md", "translation-missing"),
        ("fr/a.md", "translation-conflict"),
    ]
    assert sorted(tuple(d.path for d in e.documents) for e in entries) == [
        ("en/a.md", "es/a.md"),
        ("es/b.md",),
        ("es/c.md",),
        ("fr/a.md",),
    ]


def test_a_translation_keeps_its_key_when_the_selection_leaves_its_original_out(
    tmp_path: Path,
) -> None:
    loaded = write(
        tmp_path,
        {
            "en/a.md": "title: A\nlang: en",
            "es/a.md": "title: A\nlang: es\ntranslation_of: ../en/a.md",
        },
    )
    compilation, problems = assemble(loaded.documents, INFO, Selection(languages=("es",)))
    assert problems == []
    (only,) = compilation.entries
    assert only.key == next(d.id for d in loaded.documents if d.path == "en/a.md")
    assert [d.path for d in only.documents] == ["es/a.md"]


def entry(*langs: str) -> Entry:
    docs = {
        lang: Document(
            id=f"d-{lang}",
            path=f"{lang}/d.md",
            title=f"Title {lang}",
            lang=lang,
            date=None,
            published=None,
            tags=(),
            source_url=None,
            authors=(),
            summary="",
            body=f"<p>Text in {lang}.</p>",
            headings=(),
            translation_key="d",
            translation_of=None,
            meta={},
            digest="",
            words=3,
        )
        for lang in langs
    }
    return Entry("d", docs)


def test_views_per_layout() -> None:
    four = entry("en", "es", "fr", "pt")
    assert [d.lang for d in bilingual.ordered(four, ("pt", "fr"))] == ["en", "pt", "fr", "es"]
    sequential = bilingual.view(four, "sequential", ("fr",))
    assert [d.lang for d in sequential.shown] == ["en", "fr", "es", "pt"]
    assert not sequential.paired and sequential.rows == ()
    interleaved = bilingual.view(four, "interleaved", ("es",))
    assert interleaved.paired and (interleaved.lead.lang, interleaved.partner.lang) == ("en", "es")
    assert interleaved.rows == (bilingual.Row("<p>Text in en.</p>", "<p>Text in es.</p>"),)
    primary = bilingual.view(four, "primary")
    assert [d.lang for d in primary.shown] == ["en"]
    single = bilingual.view(entry("es"), "parallel")
    assert not single.paired and [d.lang for d in single.shown] == ["es"]


def test_unpaired_entries_name_what_is_missing() -> None:
    entries = [entry("en", "es"), entry("en", "fr"), entry("es"), entry("en")]
    found = bilingual.unpaired(entries, "en", ("es",))
    assert [p.message.split(";")[0] for p in found] == [
        "no Spanish translation",
        "no English version",
        "no Spanish translation",
    ]
    assert [p.message.split(";")[0] for p in bilingual.unpaired(entries, "en")] == [
        "no English version",
        "no translation",
    ]


def test_only_in_is_said_in_the_readers_language() -> None:
    assert i18n.only_in("es", "en") == "Only in Spanish"
    assert i18n.only_in("en", "es") == "Solo en inglés"
    assert i18n.only_in("en", "fr") == "Uniquement en anglais"
    assert i18n.only_in("en", "de") == "Nur auf Englisch"
    assert i18n.only_in("en", "pt") == "Somente em inglês"
    assert i18n.only_in("en", "he") == "באנגלית בלבד"
    assert i18n.only_in("en", "ar") == "باللغة الإنجليزية فقط"


def test_list_shows_each_translation_under_its_original(sample_corpus: Path) -> None:
    code, out, _ = run("list", str(sample_corpus / "bilingual" / "whitehouse"))
    assert code == 0
    lines = out.splitlines()
    chita = next(n for n, line in enumerate(lines) if "Chita Rivera" in line)
    assert "  en   " in lines[chita] and lines[chita].endswith("[wh-2024-01-31-chita-rivera]")
    assert "  ↳ es " in lines[chita + 1] and "Fallecimiento de Chita" in lines[chita + 1]
    assert sum("↳" in line for line in lines) == 8
    code, out, _ = run("list", "--json", str(sample_corpus / "bilingual" / "whitehouse"))
    rows = {row["path"]: row for row in json.loads(out)}
    english = rows[
        "en/2024-01-31-statement-from-president-joe-biden-on-the-passing-of-chita-rivera.md"
    ]
    spanish = rows[
        "es/2024-01-31-declaracion-del-presidente-joe-biden-ante-el-fallecimiento-de-chita-rivera.md"
    ]
    assert english["translations"] == [spanish["id"]]
    assert spanish["translations"] == [english["id"]]


def test_check_reports_unpaired_documents_for_a_bilingual_layout() -> None:
    code, _, err = run("check", str(FIXTURES))
    assert code == 0 and "translation-unpaired" not in err
    code, out, err = run("check", str(FIXTURES), "--bilingual", "parallel", "--secondary", "he")
    assert code == 0
    assert err.splitlines() == [
        "en/note-to-editors.md: warning: no Hebrew translation; a bilingual layout shows it in "
        "'en' only [translation-unpaired]"
    ]
    assert out.strip().endswith("1 warnings")


def test_check_takes_the_layout_from_the_project(tmp_path: Path) -> None:
    (tmp_path / "publisher.toml").write_text(
        f'[sources]\npaths = ["{FIXTURES}"]\n\n[defaults]\nbilingual = "interleaved"\n'
        'secondary = ["es"]\n\n[editions.book]\nformat = "epub"\n'
    )
    code, _, err = run("check", "--config", str(tmp_path / "publisher.toml"), "-v")
    assert code == 0
    assert err.count("no Spanish translation") == 2


def test_the_layout_is_an_edition_key(tmp_path: Path) -> None:
    path = tmp_path / "publisher.toml"
    path.write_text(
        '[defaults]\nbilingual = "sequential"\n\n[editions.side]\nformat = "pdf"\n'
        'bilingual = "parallel"\nsecondary = ["es", "fr-CA"]\n\n[editions.plain]\nformat = "epub"\n'
    )
    side, plain = config.load(path, {}).editions
    assert (side.bilingual, side.secondary) == ("parallel", ("es", "fr-CA"))
    assert (plain.bilingual, plain.secondary) == ("sequential", ())
    path.write_text('[editions.x]\nformat = "pdf"\nbilingual = "paralel"\nsecondary = ["e s"]\n')
    with pytest.raises(config.ConfigError) as caught:
        config.load(path, {})
    assert [d.format() for d in caught.value.diagnostics] == [
        "publisher.toml:3: error: editions.x.bilingual: 'paralel' is not one of sequential, "
        "interleaved, parallel, primary; did you mean 'parallel'? [config-value]",
        "publisher.toml:4: error: editions.x.secondary: 'e s' is not a BCP 47 language tag "
        "[config-value]",
    ]


def test_an_edition_lays_translations_out_and_the_command_line_overrides_it(
    tmp_path: Path,
) -> None:
    (tmp_path / "publisher.toml").write_text(
        f'[sources]\npaths = ["{FIXTURES}"]\n\n[editions.book]\nformat = "epub"\n'
        'output = "book.epub"\nbilingual = "interleaved"\n'
    )
    config_path = str(tmp_path / "publisher.toml")
    beads = []
    for override in ((), ("--bilingual", "primary")):
        code, out, err = run("build", "--config", config_path, "--no-cache", *override)
        assert code == 0, out + err
        with zipfile.ZipFile(tmp_path / "book.epub") as package:
            names = [n for n in package.namelist() if n.startswith("EPUB/doc-")]
            beads.append(sum(package.read(n).count(b'class="bead"') for n in names))
            hebrew = [n for n in names if "משרדי המדע".encode() in package.read(n)]
        assert bool(hebrew) == (not override)
    assert beads == [6, 0]
