"""Editions of a configured project: build what changed, and cut checksummed releases."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import hashlib
import json
import os
from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, replace
from pathlib import Path

import pikepdf

from publisher import __version__
from publisher.build import Built, Loaded, build, load
from publisher.cache.store import DEFAULT as DEFAULT_CACHE
from publisher.cache.store import trim
from publisher.model import Diagnostic
from publisher.pdf import fontset as pdf_fontset
from publisher.projects.config import Config, Edition
from publisher.reading import files, reader, sources
from publisher.rendering.options import OutputOptions
from publisher.runtime import crash, executors
from publisher.runtime.output import atomic_path

CACHE = DEFAULT_CACHE
_NEVER = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_PACKAGE = Path(__file__).resolve().parents[1]
"""The whole package: an output is up to date only with the code of every stage that made it."""


@dataclass(frozen=True, slots=True)
class Output:
    """One edition's file after a build."""

    edition: str
    """Edition name."""
    path: Path
    """The file."""
    documents: int
    """Documents it holds."""
    pages: int | None
    """Pages, for a PDF."""
    fresh: bool
    """False when the file was already up to date and nothing was rendered."""


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
    on_edition: Callable[[Edition], None] | None = None,
    *,
    jobs: int | None = None,
    executor: Executor | None = None,
    use_cache: bool = True,
    strict: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> Result:
    """Build editions from one normalization pass, skipping those whose inputs did not change.

    ``jobs`` and ``executor`` say where PDF parts are laid out (see ``OutputOptions``);
    ``use_cache`` keeps normalized documents and PDF parts in the project's cache folder.
    ``progress`` hears how many PDF parts of an edition are laid out (see ``OutputOptions``).
    ``strict`` writes nothing if any edition met a problem: every edition is written aside and
    moved into place only once all are written cleanly; the first problem stops the build.
    """
    inputs = [str(config.root / s) for s in config.sources]
    found, _ = sources.find(inputs, config.excludes)
    fingerprint = _fingerprint(config, [path for path, _ in found])
    outputs: list[Output] = []
    # An up-to-date edition's warnings, as its last build found them: shown again, not hidden.
    kept: list[Diagnostic] = []
    stale: list[tuple[Edition, Path, str]] = []
    for edition in editions:
        target = _target(config, edition, version)
        # The build time is in the fingerprint as SOURCE_DATE_EPOCH; "now" must not make it stale.
        timeless = replace(edition, book=replace(edition.book, modified=_NEVER))
        key = hashlib.sha256(f"{fingerprint}\n{timeless!r}\n{target}".encode()).hexdigest()
        cached = _cached(config, edition, target, key)
        if cached is None:
            stale.append((edition, target, key))
        else:
            outputs.append(cached[0])
            kept.extend(cached[1])
    if not stale:
        return Result(tuple(outputs), tuple(dict.fromkeys(kept)), 0, 0)
    cache = config.root / CACHE if use_cache else None
    loaded = load(
        inputs,
        config.excludes,
        default_lang=config.book.lang,
        cache=cache,
        snippets=config.snippets(),
    )
    problems: list[Diagnostic] = [*loaded.diagnostics, *kept]
    crashes: list[crash.Crash] = []
    done: list[tuple[Edition, Path, str, Built]] = []
    with contextlib.ExitStack() as staging:
        if executor is None:
            executor = staging.enter_context(executors.connected(config.executor))
        for edition, target, key in stale:
            if on_edition:
                on_edition(edition)
            rendering = OutputOptions(jobs=jobs, executor=executor, cache=cache, progress=progress)
            try:
                built = _build_one(config, edition, loaded, target, rendering, strict, staging)
            # A bug in one edition must not cost the others their output.
            except Exception as error:
                crashes.append(crash.caught(f"building edition {edition.name}", error))
                if strict:
                    break
                continue
            # A note about the machine is said once per build, not once per edition.
            problems.extend(d for d in built.diagnostics if d.problem or d not in problems)
            crashes.extend(built.crashes)
            if strict and (crashes or any(d.problem for d in problems)):
                break
            done.append((edition, target, key, built))
        if strict and (crashes or any(d.problem for d in problems)):
            done.clear()
        for _, _, _, built in done:
            for path, destination in built.staged:
                path.replace(destination)
    for edition, target, key, built in done:
        if target in built.written or any(t == target for _, t in built.staged):
            output = Output(
                edition.name, target, len(built.compilation.documents), _pages(target), True
            )
            outputs.append(output)
            # An edition built with errors must be built (and its errors shown) again next time.
            if not _errors(loaded.diagnostics) and not _errors(built.diagnostics):
                _remember(config, edition, target, key, built, loaded.diagnostics)
            else:
                _stamp(config, edition).unlink(missing_ok=True)
    if cache is not None:
        trim(cache, config.cache_mb * 1_000_000)
    order = {e.name: i for i, e in enumerate(editions)}
    outputs.sort(key=lambda o: order[o.edition])
    return Result(
        tuple(outputs),
        tuple(dict.fromkeys(problems)),
        loaded.files,
        len(loaded.documents),
        tuple(crashes),
    )


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
        if record["key"] != key or _sha256(target) != record["sha256"]:
            return None
        output = Output(edition.name, target, record["documents"], record["pages"], False)
        return output, [Diagnostic(**fields) for fields in record["warnings"]]
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _remember(
    config: Config,
    edition: Edition,
    target: Path,
    key: str,
    built: Built,
    loaded: Sequence[Diagnostic],
) -> None:
    stamp = _stamp(config, edition)
    record = {
        "key": key,
        "sha256": _sha256(target),
        "documents": len(built.compilation.documents),
        "pages": _pages(target),
        "manifest": _manifest_entry(target, built),
        "warnings": [dataclasses.asdict(d) for d in (*loaded, *built.diagnostics)],
    }
    with atomic_path(stamp) as temp:
        temp.write_text(json.dumps(record, indent=2, ensure_ascii=False))


def _sha256(path: Path) -> str:
    return files.digest(path).hex()


def _pages(path: Path) -> int | None:
    if path.suffix.lower() != ".pdf":
        return None
    with pikepdf.open(path) as pdf:
        return len(pdf.pages)


def _manifest_entry(target: Path, built: Built) -> dict[str, object]:
    return {
        "file": target.name,
        "sha256": _sha256(target),
        "documents": [
            {
                "id": d.id,
                "title": d.title,
                "date": d.date.isoformat() if d.date else None,
                "lang": d.lang,
                "source_url": d.source_url,
                "digest": d.digest,
            }
            for d in built.compilation.documents
        ],
    }


def release(config: Config, result: Result, version: str) -> tuple[Path, Path]:
    """Write SHA256SUMS and manifest.json beside the outputs of a versioned build."""
    if not result.outputs:
        raise ValueError("nothing was built")
    folder = result.outputs[0].path.parent
    sums = "".join(f"{_sha256(o.path)}  {o.path.relative_to(folder)}\n" for o in result.outputs)
    entries = []
    for output in result.outputs:
        record = json.loads(_stamp(config, _edition(config, output.edition)).read_text())
        entries.append({"edition": output.edition, **record["manifest"]})
    build_time = config.book.modified.isoformat()
    manifest = {
        "tool": "publisher",
        "version": __version__,
        "release": version,
        "built": build_time,
        "outputs": entries,
    }
    sums_path, manifest_path = folder / "SHA256SUMS", folder / "manifest.json"
    with atomic_path(sums_path) as temp:
        temp.write_text(sums)
    with atomic_path(manifest_path) as temp:
        temp.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
    return sums_path, manifest_path


def _edition(config: Config, name: str) -> Edition:
    return next(e for e in config.editions if e.name == name)
