"""Backups of a local stack's state (`.gluekb/`), taken while it runs, and their restore.

A backup is one moment of the stack: the emulator's checkpoint, taken and copied with its blobs
under the emulator's own lock (POST /_gluekb/backup), then the search index copied with
SQLite's online backup API (pages copied while the worker may write; a reader's consistent
view). The emulator goes first: an index job finished in between is then still queued in the
backup and is simply indexed again after a restore (index writes are idempotent). Besides,
the backup holds what a stack needs to come back as it was: the demo tenant, the generated
secrets and the admin key. Logs and the stack file are not backed up.

The archive is a gzipped tar with `manifest.json` (format, when, what, and the SHA-256 of every
file); a restore checks every file against it and refuses a running stack's home.
"""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import tarfile
import tempfile
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from gluekb import __version__
from gluekb.errors import ConfigurationError, DependencyUnavailable, InvalidInput
from gluekb_dev.stack.home import STACK_FILE, stack_running
from gluekb_dev.stack.snapshot_file import read_snapshot

FORMAT = 1
MANIFEST = "manifest.json"
KEPT = ("demo", "secrets.json", "admin-key")  # besides aws/ and index/
INDEX_FILE = "chunks.sqlite3"
BACKUP_WITHIN_S = 300


@dataclass
class BackupReport:
    path: str
    taken_at: str
    aws: dict[str, int] = field(default_factory=dict)  # items, objects, messages
    index_bytes: int = 0
    files: int = 0
    archive_bytes: int = 0
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def take_backup(home: Path, target: Path, aws_endpoint: str | None) -> BackupReport:
    """Back up `home` into the archive `target`: live through the emulator at `aws_endpoint`
    when the stack runs, else from the files of the stopped stack."""
    if not aws_endpoint and not any((home / n).exists() for n in ("aws/state.json", *KEPT)):
        raise ConfigurationError(f"nothing to back up: {home} holds no gluekb state")
    started = time.monotonic()
    report = BackupReport(str(target), datetime.now(UTC).isoformat(timespec="seconds"))
    with tempfile.TemporaryDirectory(prefix=".backup-", dir=home) as staging_dir:
        staging = Path(staging_dir)
        if aws_endpoint:
            report.aws = _emulator_backup(aws_endpoint, staging / "aws")
        else:
            report.aws = _stopped_emulator(home / "aws", staging / "aws")
        report.index_bytes = _index_backup(home / "index", staging / "index")
        for name in KEPT:
            _copy(home / name, staging / name)
        report.files = _archive(staging, target, report)
    report.archive_bytes = target.stat().st_size
    report.seconds = round(time.monotonic() - started, 2)
    return report


def _emulator_backup(endpoint: str, folder: Path) -> dict[str, int]:
    folder.mkdir(parents=True)
    try:
        response = httpx.post(
            f"{endpoint}/_gluekb/backup", json={"dir": str(folder)}, timeout=BACKUP_WITHIN_S
        )
        response.raise_for_status()
        counts: dict[str, Any] = response.json()
    except (httpx.HTTPError, ValueError) as exc:
        raise DependencyUnavailable(
            f"the AWS emulator at {endpoint} did not take the backup ({exc}); is it this "
            "gluekb's `gluekb up`?"
        ) from exc
    if "error" in counts:
        raise ConfigurationError(f"the AWS emulator cannot back up yet: {counts['error']}")
    return {k: int(counts[k]) for k in ("items", "objects", "messages")}


def _stopped_emulator(state: Path, folder: Path) -> dict[str, int]:
    """A stopped stack's last checkpoint and the blobs it names (nothing changes them now)."""
    snapshot_file = state / "state.json"
    if not snapshot_file.exists():
        return {"items": 0, "objects": 0, "messages": 0}
    snapshot = read_snapshot(snapshot_file)
    (folder / "blobs").mkdir(parents=True)
    shutil.copy2(snapshot_file, folder / "state.json")
    for objects in snapshot.s3.values():
        for obj in objects.values():
            _copy(state / "blobs" / obj["sha"], folder / "blobs" / obj["sha"])
    counts = snapshot.counts()
    return {
        "items": sum(counts["dynamodb"].values()),
        "objects": sum(counts["s3"].values()),
        "messages": sum(counts["sqs"].values()),
    }


def _index_backup(index: Path, folder: Path) -> int:
    """The search index through SQLite's online backup API (consistent while written)."""
    import apsw

    source_file = index / INDEX_FILE
    if not source_file.exists():
        return 0
    folder.mkdir(parents=True)
    source = apsw.Connection(str(source_file), flags=apsw.SQLITE_OPEN_READONLY)
    copy = apsw.Connection(str(folder / INDEX_FILE))
    try:
        with copy.backup("main", source, "main") as backup:
            while not backup.done:
                backup.step(1024)
        copy.execute("PRAGMA journal_mode = DELETE")  # one self-contained file
    finally:
        copy.close()
        source.close()
    return (folder / INDEX_FILE).stat().st_size


def _copy(source: Path, target: Path) -> None:
    if source.is_dir():
        shutil.copytree(source, target)
    elif source.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)


def _archive(staging: Path, target: Path, report: BackupReport) -> int:
    files = sorted(p for p in staging.rglob("*") if p.is_file())
    digests = {str(p.relative_to(staging)): _sha256(p) for p in files}
    manifest = {
        "format": FORMAT,
        "gluekb": __version__,
        "taken_at": report.taken_at,
        "aws": report.aws,
        "files": digests,
    }
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    with tarfile.open(partial, "w:gz", compresslevel=6) as archive:
        body = json.dumps(manifest, indent=2).encode()
        info = tarfile.TarInfo(MANIFEST)
        info.size, info.mtime = len(body), int(time.time())
        archive.addfile(info, io.BytesIO(body))
        for path in files:
            archive.add(path, arcname=str(path.relative_to(staging)), recursive=False)
    partial.replace(target)  # a crash never leaves a half archive under the name asked for
    return len(files)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def restore_backup(archive_path: Path, home: Path, *, force: bool = False) -> dict[str, Any]:
    """Put a backup in `home`. A home that holds state is kept aside (with `force`) or refused;
    a running stack's home always is. Returns the backup's manifest and where the old home went."""
    if stack_running(home):
        raise ConfigurationError(f"gluekb up is running on {home}: stop it, then restore")
    with tarfile.open(archive_path, "r:gz") as archive:
        manifest = _manifest(archive)
        kept_aside = _clear(home, force)
        home.mkdir(parents=True, exist_ok=True)
        archive.extractall(home, members=_members(archive), filter="data")
    damaged = [name for name, sha in manifest["files"].items() if _sha256(home / name) != sha]
    if damaged:
        raise InvalidInput(f"the backup is damaged: {', '.join(damaged[:5])} do not match")
    return {**manifest, "home": str(home), "kept_aside": kept_aside}


def _manifest(archive: tarfile.TarFile) -> dict[str, Any]:
    member = archive.extractfile(MANIFEST)
    if member is None:
        raise InvalidInput("not a gluekb backup: no manifest.json")
    manifest: dict[str, Any] = json.loads(member.read())
    if manifest.get("format") != FORMAT:
        raise InvalidInput(f"backup format {manifest.get('format')!r}; this gluekb reads {FORMAT}")
    return manifest


def _members(archive: tarfile.TarFile) -> list[tarfile.TarInfo]:
    return [m for m in archive.getmembers() if m.name != MANIFEST]


def _clear(home: Path, force: bool) -> str | None:
    """Make room: None when `home` holds no state; else, with `force`, where it was moved."""
    held = [n for n in ("aws", "index", *KEPT) if (home / n).exists() and any(_entries(home / n))]
    if not held:
        return None
    if not force:
        raise ConfigurationError(
            f"{home} holds state ({', '.join(held)}): pass --force to replace it (it is kept "
            "aside, not deleted)"
        )
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    aside = home.with_name(f"{home.name}.before-restore-{stamp}")
    home.replace(aside)
    return str(aside)


def _entries(path: Path) -> list[Path]:
    if path.is_dir():
        return [p for p in path.iterdir() if p.name != STACK_FILE]
    return [path]
