"""Editions of a configured project: build what changed, and cut checksummed releases."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import hashlib
import json
import os
from collections.abc import Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, replace
from pathlib import Path

import pikepdf

from publisher import __version__
from publisher.assembling.identity import Baseline
from publisher.build import Built, Loaded, build, load
from publisher.cache.store import DEFAULT as DEFAULT_CACHE
from publisher.cache.store import trim
from publisher.model import Diagnostic
from publisher.pdf import fontset as pdf_fontset
from publisher.projects import history, results
from publisher.projects.config import Config, Edition
from publisher.projects.results import Output
from publisher.reading import files, reader, sources
from publisher.rendering.options import OutputOptions
from publisher.runtime import crash, executors
from publisher.runtime.output import atomic_path
from publisher.runtime.progress import Listener

CACHE = DEFAULT_CACHE
_NEVER = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_PACKAGE = Path(__file__).resolve().parents[1]
"""The whole package: an output is up to date only with the code of every stage that made it."""


@dataclass(frozen=True, slots=True)
class Result:
    """Every output of a project build and every problem found."""

    outputs: tuple[Output, ...]
    """Outputs, in edition order."""
    diagnostics: tuple[Diagnostic, ...]
    """Problems, documents' first."""
    files: int
    """Source files read (0 when everything was up to date)."""
    included: int
    """Documents that normalized without error."""
    crashes: tuple[crash.Crash, ...] = ()
    """Unexpected exceptions (bugs); the editions they hit were not written."""
    failed: tuple[Output, ...] = ()
    """Editions built but not written (their diagnostics say why): not in ``outputs``."""
    editions: tuple[tuple[str, tuple[Diagnostic, ...]], ...] = ()
    """Each edition built or kept, with the diagnostics about it (its documents', its own)."""


def select_editions(config: Config, names: Sequence[str]) -> tuple[Edition, ...]:
    """The named editions (all when none is named); unknown names raise KeyError."""
    by_name = {e.name: e for e in config.editions}
    missing = [n for n in names if n not in by_name]
    if missing:
        raise KeyError(", ".join(missing))
    return tuple(by_name[n] for n in names) if names else config.editions


def build_editions(
    config: Config,
    editions: Sequence[Edition],
    version: str | None = None,
    *,
    jobs: int | None = None,
    executor: Executor | None = None,
    use_cache: bool = True,
    strict: bool = False,
    progress: Listener | None = None,
) -> Result:
    """Build editions from one normalization pass, skipping those whose inputs did not change.

    ``jobs`` and ``executor`` say where PDF parts are laid out (see ``OutputOptions``);
    ``use_cache`` keeps normalized documents and PDF parts in the project's cache folder.
    ``progress`` hears how far each stage has come, the editions' stages named by edition.
    ``strict`` writes nothing if any edition met a problem: every edition is written aside and
    moved into place only once all are written cleanly; the first problem stops the build.
    Each edition reports the problems of the documents it holds, of the project and of the files
    that did not become a document; codes in ``config.ignore`` are not reported.
    """
    inputs = [str(config.root / s) for s in config.sources]
    found, _ = sources.find(inputs, config.excludes)
    fingerprint = _fingerprint(config, [path for path, _ in found])
    outputs: list[Output] = []
    # An up-to-date edition's warnings, as its last build found them: shown again, not hidden.
    kept: list[Diagnostic] = []
    about: list[tuple[str, tuple[Diagnostic, ...]]] = []
    stale: list[tuple[Edition, Path, str, Baseline | None]] = []
    for edition in editions:
        target = _target(config, edition, version)
        baseline = _baseline(config, edition, version, kept)
        # The build time is in the fingerprint as SOURCE_DATE_EPOCH; "now" must not make it stale.
        timeless = replace(edition, book=replace(edition.book, modified=_NEVER))
        # What a build reports is kept with it: other codes ignored must build it again.
        ignored = sorted(config.ignore)
        state = f"{fingerprint}\n{timeless!r}\n{target}\n{ignored}\n{baseline!r}"
        key = hashlib.sha256(state.encode()).hexdigest()
        cached = _cached(config, edition, target, key)
        if cached is None:
            stale.append((edition, target, key, baseline))
        else:
            outputs.append(cached[0])
            kept.extend(cached[1])
            about.append((edition.name, tuple(cached[1])))
    if not stale:
        found_all = (*config.warnings, *kept)
        return Result(tuple(outputs), tuple(dict.fromkeys(found_all)), 0, 0, editions=tuple(about))
    cache = config.root / CACHE if use_cache else None
    loaded = load(
        inputs,
        config.excludes,
        default_lang=config.book.lang,
        cache=cache,
        snippets=config.snippets(),
        progress=progress,
    )
    read: set[Diagnostic] = set()
    problems: list[Diagnostic] = [*config.warnings, *kept]
    crashes: list[crash.Crash] = []
    done: list[tuple[Edition, Path, str, Built]] = []
    with contextlib.ExitStack() as staging:
        if executor is None:
            executor = staging.enter_context(executors.connected(config.executor))
        for edition, target, key, baseline in stale:
            told = _of_edition(progress, edition.name)
            rendering = OutputOptions(jobs=jobs, executor=executor, cache=cache, progress=told)
            try:
                built = _build_one(
                    config, edition, loaded, target, rendering, strict, staging, baseline
                )
            # A bug in one edition must not cost the others their output.
            except Exception as error:
                crashes.append(crash.caught(f"building edition {edition.name}", error))
                if strict:
                    break
                continue
            read.update(built.read)
            # A note about the machine is said once per build, not once per edition.
            problems.extend(d for d in built.diagnostics if d.problem or d not in problems)
            about.append((edition.name, (*built.read, *built.diagnostics)))
            crashes.extend(built.crashes)
            if strict and (crashes or any(d.problem for d in (*read, *problems))):
                break
            done.append((edition, target, key, built))
        if strict and (crashes or any(d.problem for d in (*read, *problems))):
            done.clear()
        for _, _, _, built in done:
            for path, destination in built.staged:
                path.replace(destination)
    skipped = results.skipped(loaded.diagnostics)
    failed: list[Output] = []
    for edition, target, key, built in done:
        documents = built.compilation.documents
        written = target in built.written or any(t == target for _, t in built.staged)
        output = Output(
            edition.name,
            target,
            len(documents),
            _pages(target) if written else None,
            written,
            edition.format,
            results.included(documents),
            skipped,
            results.own(loaded.diagnostics, built.diagnostics, {d.path for d in documents}),
            failed=not written,
        )
        if not written:
            failed.append(output)
        else:
            outputs.append(output)
            # An edition built with errors must be built (and its errors shown) again next time:
            # its record keeps no key, only what a release of it lists.
            clean = not _errors(loaded.diagnostics) and not _errors(built.diagnostics)
            _remember(config, edition, output, key if clean else "", built)
    if cache is not None:
        trim(cache, config.cache_mb * 1_000_000)
    order = {e.name: i for i, e in enumerate(editions)}
    outputs.sort(key=lambda o: order[o.edition])
    about.sort(key=lambda pair: order[pair[0]])
    reported = [d for d in loaded.diagnostics if d in read]
    return Result(
        tuple(outputs),
        tuple(dict.fromkeys((*reported, *problems))),
        loaded.files,
        len(loaded.documents),
        tuple(crashes),
        tuple(failed),
        tuple(about),
    )


def _of_edition(progress: Listener | None, edition: str) -> Listener | None:
    """A listener that hears an edition's events with the edition's name."""
    if progress is None:
        return None
    told = progress
    return lambda event: told(replace(event, edition=edition))


def _baseline(
    config: Config, edition: Edition, version: str | None, problems: list[Diagnostic]
) -> Baseline | None:
    """The earlier release an edition's "what is new" compares with, when it asks for one."""
    if not (edition.whats_new or edition.since_release):
        return None
    folder = config.root / history.RELEASES
    path = history.since_manifest(folder, config.root, edition.since_release, version)
    where = str(config.path.name if config.path else "")
    if path is None:
        # The first release has nothing to compare with: no fault, and --strict lets it pass.
        message = f"editions.{edition.name}: no earlier release in {folder} yet"
        problems.append(Diagnostic(where, None, "note", "no-earlier-release", message))
        return None
    try:
        manifest = history.read(path)
    except history.HistoryError as error:
        message = f"editions.{edition.name}.since_release: {error}"
        problems.append(Diagnostic(where, None, "warning", "no-earlier-release", message))
        return None
    return history.baseline(manifest, edition.name)


def _errors(diagnostics: Sequence[Diagnostic]) -> bool:
    return any(d.severity == "error" for d in diagnostics)


def _build_one(
    config: Config,
    edition: Edition,
    loaded: Loaded,
    target: Path,
    rendering: OutputOptions,
    strict: bool,
    staging: contextlib.ExitStack,
    baseline: Baseline | None = None,
) -> Built:
    options = replace(
        rendering,
        theme=config.theme,
        roots=loaded.roots,
        layout=edition.layout,
        paper=edition.paper,
        qr=edition.qr,
        pdf_variant=edition.pdf_variant,
        bilingual=edition.bilingual,
        secondary=edition.secondary,
    )
    return build(
        loaded,
        edition.book,
        [edition.format],
        target,
        edition.selection,
        edition.order,
        edition.group,
        options,
        strict=strict,
        staging=staging if strict else None,
        allow_empty=edition.allow_empty,
        ignore=config.ignore,
        baseline=baseline,
    )


def _target(config: Config, edition: Edition, version: str | None) -> Path:
    path = Path(os.path.normpath(config.root / edition.output))
    return path.with_name(f"{edition.name}-{version}{path.suffix}") if version else path


def _fingerprint(config: Config, files: Sequence[Path]) -> str:
    """A hash of all an output depends on: sources, config, theme, tool version, build time."""
    digest = hashlib.sha256(f"{__version__}\n{config.source_date_epoch}\n".encode())
    # A PDF shows system fonts where the theme's lack a glyph: installing one must rebuild it.
    digest.update(pdf_fontset.digest().encode())
    if config.path is not None:
        digest.update(_file_digest(config.path))
    theme_files = sorted(
        p
        for folder in (
            *config.theme.all_template_dirs,
            *config.theme.all_style_dirs,
            *config.theme.labels.all_folders,
        )
        for p in folder.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    )
    code = sorted(_PACKAGE.rglob("*.py"))
    for path in files:
        # The reader reads no further than this either: the rest cannot change the output.
        digest.update(_named(path) + _file_digest(path, reader.MAX_BYTES))
    theme = config.theme
    theme_files += [p for p in (*theme.css, theme.logo, theme.cover) if p is not None]
    for path in (*theme_files, *code):
        digest.update(_named(path) + _file_digest(path))
    return digest.hexdigest()


def _named(path: Path) -> bytes:
    """A path as the file system has it: a name that is not UTF-8 cannot be encoded as text."""
    return b"\0" + os.fsencode(path) + b"\0"


def _file_digest(path: Path, limit: int | None = None) -> bytes:
    """A file's digest, or what stopped its reading: that is reported by the build, not here."""
    try:
        return files.digest(path, limit)
    except OSError as error:
        return f"\0unreadable {type(error).__name__} {error.errno}".encode()


def _stamp(config: Config, edition: Edition) -> Path:
    return config.root / CACHE / "editions" / f"{edition.name}.json"


def _cached(
    config: Config, edition: Edition, target: Path, key: str
) -> tuple[Output, list[Diagnostic]] | None:
    """The output as it was built last time, and its warnings, if the key and file are the same."""
    stamp = _stamp(config, edition)
    try:
        record = json.loads(stamp.read_text())
        if record["key"] != key or sha256(target) != record["sha256"]:
            return None
        output = Output(
            edition.name,
            target,
            record["documents"],
            record["pages"],
            False,
            edition.format,
            tuple(results.Included(**fields) for fields in record["included"]),
            (),
            tuple(Diagnostic(**fields) for fields in record["diagnostics"]),
        )
        return output, [Diagnostic(**fields) for fields in record["warnings"]]
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _remember(
    config: Config,
    edition: Edition,
    output: Output,
    key: str,
    built: Built,
) -> None:
    stamp = _stamp(config, edition)
    target = output.path
    record = {
        "key": key,
        "sha256": sha256(target),
        "documents": output.documents,
        "pages": output.pages,
        "manifest": _manifest_entry(target, built),
        "warnings": [dataclasses.asdict(d) for d in (*built.read, *built.diagnostics)],
        "included": [dataclasses.asdict(i) for i in output.included],
        "diagnostics": [dataclasses.asdict(d) for d in output.diagnostics],
    }
    with atomic_path(stamp) as temp:
        temp.write_text(json.dumps(record, indent=2, ensure_ascii=False))


def sha256(path: Path) -> str:
    return files.digest(path).hex()


def _pages(path: Path) -> int | None:
    if path.suffix.lower() != ".pdf":
        return None
    with pikepdf.open(path) as pdf:
        return len(pdf.pages)


def _manifest_entry(target: Path, built: Built) -> dict[str, object]:
    return {
        "file": target.name,
        "sha256": sha256(target),
        "documents": history.documents(built.compilation.documents),
    }


def manifest_entry(config: Config, edition: str) -> dict[str, object]:
    """What a release's manifest lists of an edition written by this build: its file, documents."""
    record = json.loads(_stamp(config, _edition(config, edition)).read_text())
    return {"edition": edition, **record["manifest"]}


def _edition(config: Config, name: str) -> Edition:
    return next(e for e in config.editions if e.name == name)
