"""Parallel, cached PDF layout: the same PDF as one pass; only changed parts laid out again."""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import shutil
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from pathlib import Path
from typing import Any

import pikepdf
import pypdf
import pytest
from click.testing import CliRunner
from test_pdf import outline

import publisher
from publisher.assembling.assemble import BookInfo, assemble
from publisher.build import load
from publisher.cli.commands import main
from publisher.model import Compilation
from publisher.pdf import flow as pdf_flow
from publisher.pdf import parallel as pdf_parallel
from publisher.pdf import plan as pdf_plan
from publisher.pdf import prepare as pdf_prepare
from publisher.pdf import runner as pdf_runner
from publisher.pdf import sections as pdf_sections
from publisher.pdf import writer as pdf
from publisher.projects import scaffold
from publisher.rendering import render
from publisher.rendering.options import Layout, OutputOptions
from publisher.runtime import executors, workers
from publisher.runtime.progress import Progress

EPOCH = 1_700_000_000
REFERENCE = "2021-03-01-u-s-mexico-joint-declaration.md"
NOTES = """---
title: A statement with notes
date: 2021-05-03
source_url: https://example.gov/notes
---

First claim.[^1] Second claim.[^2]

## Background

Closing paragraph.

[^1]: The first note.
[^2]: The second note.
"""
ADDED = (
    NOTES.replace("2021-05-03", "2022-12-30")
    .replace("/notes", "/added")
    .replace("Closing paragraph.", "A later word on other matters.")
)
"""Another statement, not a re-post of the notes (a re-post would leave the older copy out)."""


@dataclasses.dataclass(frozen=True)
class Pair:
    """The same publication laid out in one pass and in units."""

    single: Path
    parallel: Path
    cache: Path
    sources: Path
    group: str


@pytest.fixture(scope="session")
def parallel_sources(
    tmp_path_factory: pytest.TempPathFactory, whitehouse_sample: Path, sample_corpus: Path
) -> Path:
    """Nine documents: seven real ones, the reference example and one with footnotes."""
    folder = tmp_path_factory.mktemp("parallel-sources")
    for path in sorted(whitehouse_sample.glob("*.md"))[1::5][:7]:
        shutil.copy(path, folder / path.name)
    shutil.copy(sample_corpus / "whitehouse" / REFERENCE, folder / REFERENCE)
    (folder / "2021-05-03-notes.md").write_text(NOTES)
    return folder


def compile_folder(folder: Path, group: str = "none") -> tuple[Compilation, tuple[Path, ...]]:
    loaded = load([str(folder)])
    info = BookInfo(title="Parallel", modified=dt.datetime.fromtimestamp(EPOCH, dt.UTC))
    return assemble(loaded.documents, info, group=group)[0], loaded.roots  # type: ignore[arg-type]


def write(folder: Path, output: Path, layout: Layout, group: str, **options: Any) -> Path:
    compilation, roots = compile_folder(folder, group)
    problems = pdf.write(compilation, output, OutputOptions(roots=roots, layout=layout, **options))
    assert [d for d in problems if d.problem] == [], problems
    return output


@pytest.fixture(scope="session", params=["book", "brief"])
def pair(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, parallel_sources: Path
) -> Pair:
    """Each layout built once in one pass and once in units, with a cache."""
    layout = request.param
    folder = tmp_path_factory.mktemp(f"parallel-{layout}")
    group = "month" if layout == "book" else "none"
    single = write(parallel_sources, folder / "single.pdf", layout, group, jobs=0)
    cache = folder / "cache"
    parallel = write(parallel_sources, folder / "parallel.pdf", layout, group, jobs=2, cache=cache)
    return Pair(single, parallel, cache, parallel_sources, group)


def internal_links(reader: pypdf.PdfReader) -> list[list[str]]:
    """The destination names of each page's internal links, sorted."""
    return [
        sorted(str(a.get_object()["/Dest"]) for a in page.get("/Annots", []) if "/Dest" in a)
        for page in reader.pages
    ]


def test_units_give_the_same_pages_outline_and_destinations(pair: Pair) -> None:
    single, parallel = pypdf.PdfReader(pair.single), pypdf.PdfReader(pair.parallel)
    assert len(parallel.pages) == len(single.pages) > 10
    for number, (one, other) in enumerate(zip(single.pages, parallel.pages, strict=True), 1):
        assert other.extract_text() == one.extract_text(), f"page {number}"
    assert outline(parallel) == outline(single)
    destinations = {
        name: reader.get_destination_page_number(target)
        for reader in (single, parallel)
        for name, target in reader.named_destinations.items()
    }
    assert len(destinations) == len(single.named_destinations) == len(parallel.named_destinations)
    assert internal_links(parallel) == internal_links(single)
    assert parallel.metadata == single.metadata
    assert parallel.trailer["/Root"]["/PageMode"] == "/UseOutlines"
    assert parallel.trailer["/ID"][0] == single.trailer["/ID"][0]


def test_footnotes_are_numbered_per_document_in_both(pair: Pair) -> None:
    reader = pypdf.PdfReader(pair.parallel)
    page = next(p.extract_text() for p in reader.pages if "First claim" in p.extract_text())
    assert "1.\u2002The first note" in page
    assert "2.\u2002The second note" in page


def test_the_assembled_file_is_not_much_larger(pair: Pair) -> None:
    with pikepdf.open(pair.parallel) as merged:
        fonts = [font for page in merged.pages for font in page.Resources.Font.values()]
        programs = {f.DescendantFonts[0].FontDescriptor.FontFile2.objgen for f in fonts}
        assert len(programs) == len({str(font.BaseFont) for font in fonts})
    assert pair.parallel.stat().st_size <= 1.25 * pair.single.stat().st_size


def test_a_rebuild_lays_out_only_what_changed_and_gives_the_same_bytes(
    pair: Pair, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if pair.group != "month":
        pytest.skip("the book's units are the documents; the brief's are larger runs")
    sources, cache, layout = tmp_path / "sources", tmp_path / "cache", "book"
    shutil.copytree(pair.sources, sources)
    # Batches of at most three parts, so that these few documents make several.
    monkeypatch.setattr(pdf_plan, "BATCH_PARTS", 3)

    def build(name: str, **options: Any) -> tuple[bytes, list[tuple[str, ...]]]:
        path = write(sources, tmp_path / name, layout, pair.group, jobs=2, **options)
        assert pdf_parallel.last is not None
        return path.read_bytes(), list(pdf_parallel.last.laid_out)

    cold, everything = build("cold.pdf", cache=cache)
    assert pdf_parallel.last is not None
    assert len(set(everything)) == pdf_parallel.last.units > 8
    assert build("again.pdf", cache=cache) == (cold, [])
    notes = sources / "2021-05-03-notes.md"
    notes.write_text(NOTES.replace("Closing paragraph.", "Closing paragraph, revised."))
    changed, laid_out = build("changed.pdf", cache=cache)
    # Short documents are laid out in small batches: the changed one's batch, and no other.
    assert [unit for unit in laid_out if "doc-2021-05-03-notes" in unit] == laid_out
    assert len(laid_out) == 1
    assert changed == build("changed-fresh.pdf")[0]
    (sources / "2022-12-30-added.md").write_text(ADDED)
    added, laid_out = build("added.pdf", cache=cache)
    names = {name for unit in laid_out for name in unit}
    # The new document's batch, and what lists every document.
    assert {"doc-2022-12-30-added", "title", "toc", "sources", "colophon"} <= names
    assert len(laid_out) <= 6
    assert added == build("added-fresh.pdf")[0]


@pytest.mark.parametrize(
    ("layout", "group", "flows"),
    [
        # The contents and the sources; the documents each start a page, in batches.
        ("book", "month", {"toc", "sources"}),
        # The at-a-glance table, the documents' run (named by its first document), and the
        # sources with the colophon after them.
        ("brief", "none", {"glance", "doc-2021-01-15-fact-sheet-president-elect", "sources"}),
    ],
)  # fmt: skip
def test_flowing_units_are_laid_out_again_only_from_where_they_changed(
    layout: Layout,
    group: str,
    flows: set[str],
    whitehouse_sample: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sources, cache = tmp_path / "sources", tmp_path / "cache"
    shutil.copytree(whitehouse_sample, sources)
    # A chunk as short as a page: these documents make a few pages of contents and sources.
    monkeypatch.setattr(pdf_flow, "CHUNK", 1)

    def build(name: str, **options: Any) -> tuple[bytes, pdf_parallel.Stats]:
        path = write(sources, tmp_path / name, layout, group, jobs=2, **options)
        assert pdf_parallel.last is not None
        return path.read_bytes(), pdf_parallel.last

    _, stats = build("cold.pdf", cache=cache)
    assert stats.resumed == ()
    (sources / "2022-12-30-added.md").write_text(ADDED)
    added, stats = build("added.pdf", cache=cache)
    # Named by their first part (a long name cut short): the names' starts are enough.
    resumed = {name[:41]: block for name, block in stats.resumed}
    # Laid out again from a block near the end, not from the first.
    assert resumed.keys() == flows
    assert all(block > 10 for block in resumed.values()), resumed
    assert added == build("added-fresh.pdf")[0]
    # A title changed further up: laid out again from about there.
    path = sorted(sources.glob("*.md"))[30]
    path.write_text(path.read_text().replace("title: ", "title: Revised: ", 1))
    changed, stats = build("changed.pdf", cache=cache)
    middle = {name[:41]: block for name, block in stats.resumed}
    # (A unit whose pages all come after the change is laid out whole.)
    assert middle.keys() <= flows and len(middle) >= 2
    assert all(1 < block <= resumed[name] for name, block in middle.items()), (middle, resumed)
    assert any(block < resumed[name] for name, block in middle.items()), (middle, resumed)
    assert changed == build("changed-fresh.pdf")[0]


def test_progress_counts_every_part_once_up_to_all_of_them(
    parallel_sources: Path, tmp_path: Path
) -> None:
    heard: list[tuple[int, int]] = []

    def progress(event: Progress) -> None:
        if event.stage == "layout" and event.done:
            heard.append((event.done, event.total))

    write(parallel_sources, tmp_path / "p.pdf", "book", "month", jobs=2, progress=progress)
    assert pdf_parallel.last is not None
    total = pdf_parallel.last.units
    # A part laid out again (the contents, once its numbers are known) is not counted twice.
    assert [done for done, _ in heard] == sorted({done for done, _ in heard})
    assert heard[-1] == (total, total) and {t for _, t in heard} == {total}


def test_a_theme_that_hides_a_part_falls_back_to_one_pass(
    parallel_sources: Path, tmp_path: Path
) -> None:
    theme = tmp_path / "theme"
    theme.mkdir()
    book_css = render.BUILTIN_STYLES / "print-book.css"
    (theme / "print-book.css").write_text(book_css.read_text() + ".colophon { display: none; }\n")
    options = {"theme": render.Theme(style_dirs=(theme,)), "jobs": 2}
    output = write(parallel_sources, tmp_path / "hidden.pdf", "book", "none", **options)
    text = "".join(page.extract_text() for page in pypdf.PdfReader(output).pages)
    assert "Colophon" not in text
    assert "Sources" in text


def test_css_text_in_a_title_is_printed_as_written_in_units(
    parallel_sources: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pdf_parallel, "last", None)
    compilation, roots = compile_folder(parallel_sources)
    # The book title runs in every page's head, as a CSS string in the generated style sheet.
    title = "Counting with counter(pages) and target-text(x)"
    compilation = dataclasses.replace(compilation, title=title)
    texts = []
    for jobs in (0, 2):
        output = tmp_path / f"jobs-{jobs}.pdf"
        options = OutputOptions(roots=roots, layout="book", jobs=jobs)
        assert [d for d in pdf.write(compilation, output, options) if d.problem] == []
        texts.append([page.extract_text() for page in pypdf.PdfReader(output).pages])
    assert pdf_parallel.last is not None and pdf_parallel.last.units > 1
    assert texts[1] == texts[0]
    assert title in texts[1][2]


class Counting(Executor):
    """An executor that runs work in a process pool and counts it."""

    def __init__(self) -> None:
        self.pool = ProcessPoolExecutor(2)
        self.submitted = 0

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        self.submitted += 1
        return self.pool.submit(fn, *args, **kwargs)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self.pool.shutdown(wait, cancel_futures=cancel_futures)


@pytest.fixture
def counting() -> Iterator[Counting]:
    executor = Counting()
    yield executor
    executor.shutdown()


def test_any_executor_can_lay_the_units_out(pair: Pair, tmp_path: Path, counting: Counting) -> None:
    if pair.group != "month":
        pytest.skip("one layout is enough")
    layout: Layout = "book"
    output = write(pair.sources, tmp_path / "executor.pdf", layout, pair.group, executor=counting)
    assert counting.submitted >= 5
    assert output.read_bytes() == pair.parallel.read_bytes()


def test_a_dask_cluster_can_build_a_project(tmp_path: Path) -> None:
    distributed = pytest.importorskip("dask.distributed")
    project = tmp_path / "project"
    scaffold.init(project)
    (project / "publisher.toml").write_text(
        (project / "publisher.toml").read_text().replace('layout = "brief"', 'layout = "book"')
    )
    with (
        distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True) as cluster,
        distributed.Client(cluster) as client,
    ):
        built = publisher.build(project / "publisher.toml", executor=client.get_executor())
    written = [b.path for b in built]
    assert sorted(path.suffix for path in written) == [".epub", ".pdf"]
    reader = pypdf.PdfReader(next(path for path in written if path.suffix == ".pdf"))
    total = len(reader.pages)
    assert f"Page {total} of {total}" in reader.pages[-1].extract_text()


def test_the_command_line_sends_the_units_to_a_dask_scheduler(pair: Pair, tmp_path: Path) -> None:
    """``--executor dask://HOST:PORT``: two worker processes lay the units out, nothing is lost."""
    distributed = pytest.importorskip("dask.distributed")
    if pair.group != "month":
        pytest.skip("one layout is enough")
    args = ["build", str(pair.sources), "-f", "pdf", "--layout", "book", "--group", "month",
            "--title", "Parallel", "--no-cache", "-o"]  # fmt: skip
    out, local = tmp_path / "dask.pdf", tmp_path / "local.pdf"
    env = {"SOURCE_DATE_EPOCH": str(EPOCH)}
    with (
        distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True) as cluster,
        distributed.Client(cluster) as client,
    ):
        url = cluster.scheduler_address.replace("tcp://", "dask://")
        result = CliRunner(env=env).invoke(main, [*args, str(out), "--executor", url])
        assert result.exit_code == 0, result.output
        done = client.run(lambda dask_worker: dask_worker.state.executed_count)
    assert len(done) == 2 and all(count > 0 for count in done.values()), done
    result = CliRunner(env=env).invoke(main, [*args, str(local)])
    assert result.exit_code == 0, result.output
    assert out.read_bytes() == local.read_bytes()


def test_a_scheduler_that_cannot_be_reached_ends_the_build(
    pair: Pair, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("dask.distributed")
    if pair.group != "month":
        pytest.skip("one layout is enough")
    monkeypatch.setattr(executors, "TIMEOUT", 2)
    args = ["build", str(pair.sources), "-f", "pdf", "-o", str(tmp_path / "x.pdf"), "--no-cache"]
    result = CliRunner().invoke(main, [*args, "--executor", "dask://127.0.0.1:9"])
    assert result.exit_code == 2
    assert "could not reach the scheduler" in result.output
    assert not (tmp_path / "x.pdf").exists()


def test_recycled_workers_give_the_same_pdf(
    pair: Pair, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A 3,000-document book grew each worker past 600 MB: they are replaced every few units."""
    if pair.group != "month":
        pytest.skip("one layout is enough")
    monkeypatch.setattr(pdf_runner, "RECYCLE", 1)
    pools: list[int] = []
    original = workers.pool

    def pool(count: int) -> ProcessPoolExecutor:
        pools.append(count)
        return original(count)

    monkeypatch.setattr(pdf_runner.workers, "pool", pool)
    layout: Layout = "book"
    output = write(pair.sources, tmp_path / "recycled.pdf", layout, pair.group, jobs=2)
    assert output.read_bytes() == pair.parallel.read_bytes()
    assert pdf_parallel.last is not None
    # A new pool of two every two units laid out.
    assert len(pools) == (len(pdf_parallel.last.laid_out) + 1) // 2 >= 3
    assert set(pools) == {2}


def test_a_brief_laid_out_in_windows_has_the_pages_of_one_pass(
    whitehouse_sample: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The brief's run was laid out in one pass: 1.9 MB a document, 6.6 GB for 3,000 of them."""
    whole = write(whitehouse_sample, tmp_path / "whole.pdf", "brief", "none", jobs=2)
    assert pdf_parallel.last is not None and pdf_parallel.last.windows == ()
    single = write(whitehouse_sample, tmp_path / "single.pdf", "brief", "none", jobs=0)
    monkeypatch.setattr(pdf_runner, "WINDOW", 6)
    windowed = write(whitehouse_sample, tmp_path / "windowed.pdf", "brief", "none", jobs=2)
    assert pdf_parallel.last is not None
    windows = [(start, stop) for _, start, stop in pdf_parallel.last.windows]
    # Each window starts where the one before it holds (or again, longer, where none does).
    assert len(windows) >= 5 and windows[0][0] == 0
    assert all(a[0] <= b[0] < a[1] < b[1] for a, b in itertools.pairwise(windows)), windows
    assert windowed.read_bytes() == whole.read_bytes()
    one, other = pypdf.PdfReader(single), pypdf.PdfReader(windowed)
    assert len(other.pages) == len(one.pages)
    assert [p.extract_text() for p in other.pages] == [p.extract_text() for p in one.pages]
    assert outline(other) == outline(one)
    assert internal_links(other) == internal_links(one)


def test_a_long_brief_lays_out_its_sections_apart_with_the_pages_of_one_pass(
    parallel_sources: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The brief's run was laid out one window after another, on one worker, at any size."""
    monkeypatch.setattr(pdf_sections, "SHORTEST", 2)
    monkeypatch.setattr(pdf_sections, "LONGEST", 3)
    compilation, roots = compile_folder(parallel_sources, "month")
    book = pdf_prepare.prepare(compilation, OutputOptions(roots=roots, layout="brief"))
    assert len(book.breaks) >= 2
    single = write(parallel_sources, tmp_path / "single.pdf", "brief", "month", jobs=0)
    parallel = write(parallel_sources, tmp_path / "parallel.pdf", "brief", "month", jobs=2)
    assert pdf_parallel.last is not None
    starts = [unit[0] for unit in pdf_parallel.last.laid_out]
    assert set(book.breaks) <= set(starts)
    one, other = pypdf.PdfReader(single), pypdf.PdfReader(parallel)
    assert [p.extract_text() for p in other.pages] == [p.extract_text() for p in one.pages]
    assert outline(other) == outline(one)
    assert internal_links(other) == internal_links(one)
    # Each section opens a page, at the top of its text, as the run's first document does.
    first = next(p.name for p in book.parts if p.kind in ("document", "section"))
    destinations = other.named_destinations
    top = destinations[first].top
    for name in book.breaks:
        assert destinations[name].top == top, name
        page = other.get_destination_page_number(destinations[name])
        assert page > other.get_destination_page_number(destinations[first])


def test_long_parts_laid_out_in_windows_have_the_pages_of_one_layout(
    pair: Pair, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The contents, the at-a-glance table and the sources were laid out whole: 1.4 GB of the
    workers' memory for 3,000 documents, before a window of the brief's run was laid out."""
    monkeypatch.setattr(pdf_runner, "ROWS", 2)
    layout = "book" if pair.group == "month" else "brief"
    windowed = write(pair.sources, tmp_path / "windowed.pdf", layout, pair.group, jobs=2)
    assert pdf_parallel.last is not None
    names = [name for name, _, _ in pdf_parallel.last.windows]
    assert set(names) == {"toc" if layout == "book" else "glance", "sources"}
    assert len(names) > 4
    assert windowed.read_bytes() == pair.parallel.read_bytes()
