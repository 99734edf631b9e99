"""The Python API: what the command line does, for programs."""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import Executor
from pathlib import Path

from publisher.build import load as _load
from publisher.model import Document
from publisher.projects import config, project
from publisher.projects.results import Included, Output, Skipped
from publisher.runtime.progress import Listener

__all__ = ["Included", "Output", "Skipped", "build", "load"]


def build(
    project_config: Path | str | config.Config,
    editions: Sequence[str] = (),
    *,
    jobs: int | None = None,
    executor: Executor | None = None,
    progress: Listener | None = None,
) -> list[Output]:
    """Build a project's editions (all, or those named) and return one record per edition.

    Each ``Output`` names its file (``path``), whether it was written or already up to date
    (``fresh``), its pages (PDF), the documents it holds, the source files left out with the
    errors that left them out (``skipped``) and its own diagnostics; an edition that could not
    be written is there too, with ``failed`` set and the diagnostics that say why.

    Problems in documents do not raise: the build goes on without the bad documents, as on the
    command line. A configuration that cannot be used raises ``config.ConfigError``; a bug in an
    edition raises RuntimeError with its traceback, once the other editions are written. PDF parts
    are laid out by ``jobs`` processes (default: one per CPU), or by any ``executor`` given,
    such as a Dask cluster's ``Client.get_executor()``. ``progress`` is called with a
    ``publisher.runtime.progress.Progress`` event as each stage (reading, normalizing, layout,
    merging, writing) comes further.
    """
    if not isinstance(project_config, config.Config):
        project_config = config.load(Path(project_config))
    chosen = project.select_editions(project_config, editions)
    result = project.build_editions(
        project_config, chosen, jobs=jobs, executor=executor, progress=progress
    )
    if result.crashes:
        details = "".join(f"while {c.stage}:\n{c.traceback}" for c in result.crashes)
        raise RuntimeError(f"internal error (a bug), other editions written:\n{details}")
    order = {e.name: i for i, e in enumerate(chosen)}
    return sorted((*result.outputs, *result.failed), key=lambda o: order[o.edition])


def load(sources: Sequence[str | Path], excludes: Sequence[str] = ()) -> list[Document]:
    """Read and normalize documents from files, folders and globs; bad ones are left out."""
    return list(_load([str(s) for s in sources], excludes).documents)
