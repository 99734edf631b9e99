"""The check and list verbs, run as a user runs them."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from publisher.cli.commands import main


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_check_reads_the_whole_whitehouse_set_without_error(each_corpus: Path) -> None:
    count = len(list((each_corpus / "whitehouse").glob("*.md")))
    code, out, err = run("check", str(each_corpus / "whitehouse"))
    assert code == 0, err
    assert ": error:" not in err
    assert out.startswith(f"{count} documents read, {count} included, 0 skipped")


def test_list_json_gives_the_front_matter_of_every_document(each_corpus: Path) -> None:
    paths = sorted((each_corpus / "whitehouse").glob("*.md"))
    code, out, _ = run("list", "--json", str(each_corpus / "whitehouse"))
    assert code == 0
    rows = {row["path"]: row for row in json.loads(out)}
    assert len(rows) == len(paths)
    for path in paths:
        front = yaml.safe_load(path.read_text(encoding="utf-8").split("\n---\n", 1)[0][4:])
        row = rows[path.name]
        title = " ".join(front["title"].replace("\u00a0", " ").replace("\u2060", "").split())
        assert row["title"] == title, path.name
        assert row["date"] == front["date"]
        assert row["source_url"] == front["source_url"]
        assert row["tags"] == [front["tags"]]
        published = dt.datetime.fromisoformat(row["published"])
        assert published == front["published_time"]
        assert set(row) >= {"id", "lang", "translation_key", "words", "published"}


def test_a_bad_document_is_reported_and_the_rest_go_on(tmp_path: Path, sample_corpus: Path) -> None:
    good = sample_corpus / "whitehouse" / "2021-03-01-u-s-mexico-joint-declaration.md"
    shutil.copy(good, tmp_path / good.name)
    (tmp_path / "broken.md").write_text("---\ntitle: [unclosed\n---\nText.\n")
    code, out, err = run("list", "--json", str(tmp_path))
    assert code == 1
    assert [row["path"] for row in json.loads(out)] == [good.name]
    assert err.startswith("broken.md:3: error: invalid front matter: ")
    assert "started on line 2" in err
    code, out, err = run("check", str(tmp_path))
    assert code == 1
    assert out.strip() == "2 documents read, 1 included, 1 skipped, 0 warnings"


def test_list_selects_and_prints_rows(sample_corpus: Path) -> None:
    code, out, _ = run(
        "list",
        str(sample_corpus / "whitehouse"),
        "--tag",
        "statements-releases",
        "--match",
        "Mexico",
        "--since",
        "2021-01-01",
        "--until",
        "2021-06-30",
    )
    assert code == 0
    lines = out.splitlines()
    assert any("U.S.-Mexico Joint Declaration" in line for line in lines)
    assert all(line[:7] in {f"2021-0{m}" for m in range(1, 7)} for line in lines)


@pytest.mark.parametrize("args", [("check",), ("list", "x", "--since", "March"), ("frobnicate",)])
def test_usage_errors_exit_2(args: tuple[str, ...]) -> None:
    assert run(*args)[0] == 2


def test_missing_source_is_reported(tmp_path: Path) -> None:
    code, _, err = run("check", str(tmp_path / "nowhere"))
    assert code == 1
    assert "nowhere" in err and "error" in err
