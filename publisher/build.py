"""The one place that wires the stages in order."""

from __future__ import annotations

import contextlib
import re
import shutil
import unicodedata
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from publisher import diagnostics as codes
from publisher import epub, pdf
from publisher.assembling.assemble import BookInfo, Group, Order, Selection, assemble
from publisher.assembling.identity import Baseline
from publisher.model import Compilation, Diagnostic, Document
from publisher.normalizing.documents import read_documents
from publisher.reading import sources
from publisher.rendering.options import OUTPUT_FAILED, Format, OutputOptions
from publisher.runtime import crash
from publisher.runtime.output import temporary_folder
from publisher.runtime.progress import Listener


@dataclass(frozen=True, slots=True)
class Loaded:
    """Every document read from the sources, and what went wrong on the way."""

    documents: tuple[Document, ...]
    """Documents that normalized without error, in source order."""
    diagnostics: tuple[Diagnostic, ...]
    """Every problem found, in source order."""
    files: int
    """How many files were read."""
    roots: tuple[Path, ...] = ()
    """Source roots the files were found under."""

    @property
    def skipped(self) -> int:
        """Files that did not become a document."""
        return self.files - len(self.documents)


def load(
    inputs: Sequence[str],
    excludes: Sequence[str] = (),
    default_lang: str = "en",
    cache: Path | None = None,
    snippets: Mapping[str, str] | None = None,
    progress: Listener | None = None,
) -> Loaded:
    """Find, read and normalize the documents of some inputs.

    With a ``cache`` folder, a file whose bytes were normalized before is not parsed again.
    ``snippets`` maps a shortcode name to the project's Jinja snippet for it; ``progress``
    hears how far reading and normalizing have come.
    """
    found, problems = sources.find(inputs, excludes)
    documents, diagnostics = read_documents(found, default_lang, cache, snippets, progress)
    problems.extend(diagnostics)
    roots = tuple(sorted({root for _, root in found}))
    return Loaded(tuple(documents), tuple(problems), len(found), roots)


Writer = Callable[[Compilation, Path, OutputOptions], list[Diagnostic]]

# Windows opens these devices whatever the extension; a book may well be titled "Con".
_DEVICE = re.compile(r"con|prn|aux|nul|com[0-9]|lpt[0-9]")


WRITERS: dict[Format, Writer] = {"epub": epub.write, "pdf": pdf.write}


@dataclass(frozen=True, slots=True)
class Built:
    """The result of a build: files written and every problem found."""

    written: tuple[Path, ...]
    """Output files, in the order of the formats asked for."""
    loaded: Loaded
    """The documents read, with their diagnostics."""
    compilation: Compilation
    """What was assembled and written."""
    diagnostics: tuple[Diagnostic, ...]
    """Problems found after loading (assembling, rendering, writing)."""
    staged: tuple[tuple[Path, Path], ...] = ()
    """Outputs written aside and not yet moved into place: (written, target)."""
    crashes: tuple[crash.Crash, ...] = ()
    """Unexpected exceptions (bugs) in a writer; that format was not written, the others were."""
    read: tuple[Diagnostic, ...] = ()
    """The loaded documents' problems that concern this build (see ``diagnostics.about``)."""


def output_path(output: Path | None, title: str, fmt: Format, several: bool) -> Path:
    """Where one format goes: a named file, or ``<slug of title>.<ext>`` in a folder."""
    if output is None:
        return Path("dist") / f"{slug(title)}.{fmt}"
    if output.suffix.lower() in (".epub", ".pdf"):
        return output.with_suffix(f".{fmt}") if several else output
    return output / f"{slug(title)}.{fmt}"


def slug(text: str) -> str:
    """A file-name-safe slug of a title: never a path, never a name Windows keeps for a device."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slugged = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:80] or "publication"
    return f"{slugged}-book" if _DEVICE.fullmatch(slugged) else slugged


def build(
    loaded: Loaded,
    info: BookInfo,
    formats: Sequence[Format],
    output: Path | None = None,
    selection: Selection = Selection(),
    order: Order = "date",
    group: Group = "none",
    options: OutputOptions = OutputOptions(),
    strict: bool = False,
    staging: contextlib.ExitStack | None = None,
    allow_empty: bool = False,
    ignore: Collection[str] = (),
    baseline: Baseline | None = None,
) -> Built:
    """Assemble the loaded documents once and write every format asked for.

    A selection that holds no document writes nothing (an ``empty-publication`` error), unless
    ``allow_empty``: an empty book in place of a good one is never what a typo meant.

    ``strict`` writes nothing when any problem is found, the loaded documents' included: each
    output is written aside and moved into place only once every format is written cleanly.
    With ``staging`` too, the outputs stay aside (in folders that ``staging`` removes when it
    closes) and come back in ``Built.staged``, for the caller to move with others' outputs.
    With a ``baseline`` (an earlier release), the book opens with what is new since.

    Diagnostics whose code is in ``ignore`` are dropped, and so are the loaded documents' about
    documents the selection leaves out: neither is reported nor counts for ``strict``.
    """
    compilation, assembled = assemble(
        loaded.documents, info, selection, order, group, options.theme.labels, baseline
    )
    problems = codes.without(assembled, ignore)
    read = tuple(
        codes.about(
            codes.without(loaded.diagnostics, ignore), loaded.documents, compilation.documents
        )
    )
    targets = [output_path(output, info.title, fmt, len(formats) > 1) for fmt in formats]
    if not compilation.documents and not allow_empty:
        problems.append(_empty(targets, loaded))
    if not (compilation.documents or allow_empty) or (
        strict and any(d.problem for d in (*read, *problems))
    ):
        return Built((), loaded, compilation, tuple(problems), read=read)
    written: list[Path] = []
    crashes: list[crash.Crash] = []
    with contextlib.ExitStack() as own:
        stack = own if staging is None else staging
        for fmt, target in zip(formats, targets, strict=True):
            path = _aside(target, stack, problems) if strict else target
            if path is None:
                break
            try:
                said = WRITERS[fmt](compilation, path, options)
            # A bug in one format must not cost the others their output.
            except Exception as error:
                crashes.append(crash.caught(f"writing {target}", error))
                if strict:
                    break
                continue
            found = codes.without(said, ignore)
            problems.extend(found)
            if strict and any(d.problem for d in found):
                break
            if not any(d.code == OUTPUT_FAILED for d in said):
                written.append(path)
        if strict:
            if crashes or any(d.problem for d in problems):
                return Built((), loaded, compilation, tuple(problems), (), tuple(crashes), read)
            if staging is not None:
                staged = tuple(zip(written, targets, strict=True))
                return Built((), loaded, compilation, tuple(problems), staged, read=read)
            for path, target in zip(written, targets, strict=True):
                path.replace(target)
            written = targets
    return Built(tuple(written), loaded, compilation, tuple(problems), (), tuple(crashes), read)


def _empty(targets: Sequence[Path], loaded: Loaded) -> Diagnostic:
    """The error for a selection that holds no document."""
    names = ", ".join(str(t) for t in targets)
    message = (
        f"no document selected ({len(loaded.documents)} of {loaded.files} files read are usable); "
        "nothing written (allow_empty or --allow-empty writes an empty publication)"
    )
    return Diagnostic(names, None, "error", "empty-publication", message)


def _aside(target: Path, stack: contextlib.ExitStack, problems: list[Diagnostic]) -> Path | None:
    """A path in a new hidden folder beside target, removed with what is in it when stack ends."""
    try:
        folder = temporary_folder(target)
    except OSError as error:
        message = f"could not write: {error.strerror or error}"
        problems.append(Diagnostic(str(target), None, "error", OUTPUT_FAILED, message))
        return None
    stack.callback(shutil.rmtree, folder, ignore_errors=True)
    return folder / target.name
