"""Releases over time: what a release holds, which came before, and what changed since."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from packaging.version import InvalidVersion, Version

from publisher.assembling import identity
from publisher.assembling.identity import Baseline
from publisher.model import Document

MANIFEST = "manifest.json"
CHANGES = "CHANGES.md"
RELEASES = Path("dist") / "releases"
"""Where a project's releases go, from its folder, one per version, unless another is named."""


@dataclass(frozen=True, slots=True)
class Record:
    """One document as a release's manifest records it."""

    identity: str
    """Who the document is across builds (``identity.identity``)."""
    digest: str
    """SHA-256 of its normalized text."""
    title: str
    """Its title."""
    published: str | None
    """When it was published (ISO 8601), if known."""
    modified: str | None
    """When its source says it was last changed (ISO 8601), if it says so."""
    source_url: str | None
    """Where it was published."""
    path: str
    """Its source path."""
    lang: str
    """Its language."""


@dataclass(frozen=True, slots=True)
class Changes:
    """What one release added, updated and removed since another."""

    since: str
    """The earlier release's version."""
    added: tuple[Record, ...]
    """Documents whose identity the earlier release did not have."""
    updated: tuple[Record, ...]
    """Documents with the same identity and another text."""
    removed: tuple[Record, ...]
    """Documents of the earlier release that are gone, as it recorded them."""

    def data(self) -> dict[str, Any]:
        """As JSON: a manifest's ``changes``, and what ``publisher diff --json`` prints."""
        return {
            "since": self.since,
            "added": [asdict(r) for r in self.added],
            "updated": [asdict(r) for r in self.updated],
            "removed": [asdict(r) for r in self.removed],
        }


class HistoryError(Exception):
    """A manifest that cannot be read; the message says which and why."""


def record(doc: Document) -> Record:
    """A document as a manifest records it."""
    published = doc.published or doc.date
    modified = identity.modified(doc)
    return Record(
        identity=identity.identity(doc),
        digest=identity.digest(doc),
        title=doc.title,
        published=published.isoformat() if published else None,
        modified=modified.isoformat() if modified else None,
        source_url=doc.source_url,
        path=doc.path,
        lang=doc.lang,
    )


def documents(docs: Iterable[Document]) -> list[dict[str, Any]]:
    """The ``documents`` list of one output in a manifest."""
    return [asdict(record(doc)) for doc in docs]


def read(path: Path) -> dict[str, Any]:
    """A release's manifest."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise HistoryError(f"{path}: cannot read the manifest: {error.strerror or error}") from None
    except ValueError as error:
        raise HistoryError(f"{path}: not a manifest ({error})") from None
    if not isinstance(data, dict) or not isinstance(data.get("outputs"), list):
        raise HistoryError(f"{path}: not a Publisher release manifest (no outputs list)")
    return data


def manifest_of(where: Path) -> Path:
    """The manifest a user names: the file itself, or the one in a release folder."""
    return where / MANIFEST if where.is_dir() else where


def records(manifest: Mapping[str, Any], edition: str | None = None) -> list[Record]:
    """Every document a release recorded, once each: of one edition when it has that edition."""
    outputs = [o for o in manifest["outputs"] if isinstance(o, dict)]
    if edition is not None and any(o.get("edition") == edition for o in outputs):
        outputs = [o for o in outputs if o.get("edition") == edition]
    seen: dict[str, Record] = {}
    for output in outputs:
        for item in output.get("documents", ()):
            try:
                found = Record(**{k: item.get(k) for k in Record.__dataclass_fields__})
            except (TypeError, AttributeError):
                continue
            if isinstance(found.identity, str) and isinstance(found.digest, str):
                seen.setdefault(found.identity, found)
    return list(seen.values())


def compare(old: Sequence[Record], new: Sequence[Record], since: str) -> Changes:
    """What changed from ``old`` to ``new``, matched by identity."""
    before = {r.identity: r for r in old}
    after = {r.identity for r in new}
    added = tuple(r for r in new if r.identity not in before)
    updated = tuple(
        r for r in new if r.identity in before and before[r.identity].digest != r.digest
    )
    removed = tuple(r for r in old if r.identity not in after)
    return Changes(since, added, updated, removed)


def baseline(manifest: Mapping[str, Any], edition: str | None = None) -> Baseline:
    """What an edition is compared with for its "New since" and "Updated since" pages."""
    digests = {r.identity: r.digest for r in records(manifest, edition)}
    return Baseline(version(manifest), digests)


def version(manifest: Mapping[str, Any]) -> str:
    """The version a manifest was released as."""
    return str(manifest.get("release") or manifest.get("version") or "?")


def previous(releases: Path, before: str | None = None) -> Path | None:
    """The latest release's manifest in a releases folder (leaving out version ``before``).

    Latest in version order when every version parses as one (``1.10`` after ``1.9``), else
    by the build time the manifests record.
    """
    found: list[tuple[Mapping[str, Any], Path]] = []
    for path in sorted(releases.glob(f"*/{MANIFEST}")):
        try:
            manifest = read(path)
        except HistoryError:
            continue
        if before is None or version(manifest) != before:
            found.append((manifest, path))
    if not found:
        return None
    try:
        return max(found, key=lambda item: Version(version(item[0])))[1]
    except InvalidVersion:
        return max(found, key=lambda item: _built(item[0]))[1]


def _built(manifest: Mapping[str, Any]) -> dt.datetime:
    try:
        when = dt.datetime.fromisoformat(str(manifest.get("built")))
    except ValueError:
        return dt.datetime.min.replace(tzinfo=dt.UTC)
    return when if when.tzinfo else when.replace(tzinfo=dt.UTC)


def since_manifest(
    releases: Path, root: Path, since_release: str | None, current: str | None
) -> Path | None:
    """The manifest an edition's ``since_release`` (or ``whats_new``) names.

    A version is looked up as ``<releases>/<version>/manifest.json``; a value that names a
    JSON file or a folder is a path from the project folder. None means the latest release.
    """
    if since_release is None:
        return previous(releases, current)
    if since_release.endswith(".json") or "/" in since_release:
        return manifest_of(root / since_release)
    return releases / since_release / MANIFEST


def since(manifest: Mapping[str, Any], releases: Path, release: str) -> Changes:
    """What a new release's manifest changes since the latest release in the releases folder.

    The first release adds every document, since nothing (an empty ``since``).
    """
    path = previous(releases, release)
    earlier = read(path) if path is not None else {"outputs": []}
    label = version(earlier) if path is not None else ""
    return compare(records(earlier), records(manifest), label)


def markdown(changes: Changes, release: str) -> str:
    """CHANGES.md: added, updated and removed documents, by title with dates and sources."""
    heading = (
        f"# Changes in {release} since {changes.since}"
        if changes.since
        else (f"# {release}: the first release")
    )
    lines = [heading, ""]
    for heading, items in (
        ("Added", changes.added),
        ("Updated", changes.updated),
        ("Removed", changes.removed),
    ):
        lines += [f"## {heading} ({len(items)})", ""]
        lines += [_line(r) for r in items] or ["None."]
        lines.append("")
    return "\n".join(lines)


def _line(r: Record) -> str:
    title = r.title.replace("[", "\\[").replace("]", "\\]")
    dates = [f"published {r.published[:10]}"] if r.published else []
    if r.modified and (not r.published or r.modified[:10] != r.published[:10]):
        dates.append(f"updated {r.modified[:10]}")
    where = f"<{r.source_url}>" if r.source_url else f"`{r.path}`"
    return f"- **{title}** — {', '.join(dates) or 'undated'} — {where}"
