"""Release folders: one per version, written aside and swapped into place whole."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

from publisher import __version__
from publisher.projects import history, project
from publisher.projects.config import Config, load
from publisher.runtime.output import atomic_path, temporary_folder

BUILD_TIME = "dated from the build time: no SOURCE_DATE_EPOCH and no git commit"


class ReleaseExists(Exception):
    """The release folder is there already and replacing it was not asked for."""


class NotARelease(Exception):
    """The folder named for a release holds something else: replacing it would lose that."""


def folder(config: Config, version: str, output: Path | None) -> Path:
    """The folder a release is written to: the one named, or dist/releases/VERSION."""
    return Path.cwd() / output if output is not None else config.root / history.RELEASES / version


def staging(target: Path, force: bool) -> Path:
    """A new empty folder beside target to write the release into.

    An existing target is refused unless it is empty, or ``force`` is given and it is a release.
    """
    if target.exists() and not (target.is_dir() and not any(target.iterdir())):
        if not force:
            raise ReleaseExists(target)
        if not _is_release(target):
            raise NotARelease(target)
    return temporary_folder(target)


def _is_release(folder: Path) -> bool:
    """Whether a folder is one a release wrote: a manifest.json of Publisher's in it."""
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(manifest, dict) and manifest.get("tool") == "publisher"


def into(config: Config, folder: Path) -> Config:
    """The config with every edition written into folder, as <edition>.<format>."""
    editions = tuple(replace(e, output=folder / f"{e.name}.{e.format}") for e in config.editions)
    return replace(config, editions=editions)


def write(config: Config, result: project.Result, version: str, earlier: Path) -> tuple[Path, Path]:
    """Write SHA256SUMS, manifest.json and CHANGES.md beside the outputs of a versioned build.

    CHANGES.md and the manifest's ``changes`` compare with the latest release in ``earlier``.
    """
    if not result.outputs:
        raise ValueError("nothing was built")
    folder = result.outputs[0].path.parent
    sums = "".join(
        f"{project.sha256(o.path)}  {o.path.relative_to(folder)}\n" for o in result.outputs
    )
    manifest: dict[str, object] = {
        "tool": "publisher",
        "version": __version__,
        "release": version,
        "built": config.book.modified.isoformat(),
        "outputs": [project.manifest_entry(config, o.edition) for o in result.outputs],
    }
    changes = history.since(manifest, earlier, version)
    manifest["changes"] = changes.data()
    with atomic_path(folder / history.CHANGES) as temp:
        temp.write_text(history.markdown(changes, version), encoding="utf-8")
    sums_path, manifest_path = folder / "SHA256SUMS", folder / history.MANIFEST
    with atomic_path(sums_path) as temp:
        temp.write_text(sums)
    with atomic_path(manifest_path) as temp:
        temp.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
    return sums_path, manifest_path


def swap(written: Path, target: Path) -> None:
    """Put the written folder in target's place; a folder already there is replaced whole."""
    written.chmod(0o777 & ~_umask())
    if not target.exists():
        written.rename(target)
        return
    old = temporary_folder(target)
    # Two renames: for the moment between them there is no release folder, never a mixed one.
    target.rename(old / target.name)
    written.rename(target)
    shutil.rmtree(old)


def dated(config: Config) -> Config | None:
    """The config dated from the project's last git commit when SOURCE_DATE_EPOCH is unset.

    None when it is set (nothing to do) or there is no commit to date from.
    """
    if config.source_date_epoch is not None or config.path is None:
        return None
    epoch = _commit_time(config.root)
    if epoch is None:
        return None
    return load(config.path, {**os.environ, "SOURCE_DATE_EPOCH": str(epoch)})


def _commit_time(root: Path) -> int | None:
    """The time of the last commit of the repository holding root, if there is one."""
    try:
        found = subprocess.run(
            ["git", "log", "-1", "--format=%ct"],
            cwd=root,
            capture_output=True,
            text=True,
            check=False,
            timeout=30,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    text = found.stdout.strip()
    return int(text) if found.returncode == 0 and text.isdigit() else None


def _umask() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return umask
