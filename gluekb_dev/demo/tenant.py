"""The demo tenant on disk: one JSON file that several processes share, generated once and
changed step by step. (The records themselves are `records.Tenant`; this module re-exports it
and its companions, so `from gluekb_dev.demo.tenant import Tenant, TenantStore` keeps working.)

    store = TenantStore(Path(".gluekb/itglue"))
    tenant = store.ensure(seed=42)            # generate once, then load
    report = store.mutate()                   # the next step: updates, creates, deletes

Writes are atomic (a temp file renamed over `tenant.json`) and serialised by a lock file, so a
server in another process sees either the old tenant or the new one, never half of one; it
notices a change from the file's stat signature and reloads (see `TenantStore.signature`).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import tempfile
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

from gluekb_dev.demo.generator import MutationPlan, apply_mutation, generate_tenant
from gluekb_dev.demo.records import (
    JSONAPI_TYPES,
    MutationReport,
    OrgFacts,
    Resource,
    Tenant,
    iso,
    parse_iso,
)

TENANT_FILE = "tenant.json"
MUTATIONS_FILE = "mutations.jsonl"

__all__ = [
    "JSONAPI_TYPES",
    "MUTATIONS_FILE",
    "TENANT_FILE",
    "MutationReport",
    "OrgFacts",
    "Resource",
    "Tenant",
    "TenantStore",
    "iso",
    "parse_iso",
]


class TenantStore:
    """The tenant on disk: `<directory>/tenant.json`, plus `mutations.jsonl` (one report per
    step). Safe to share between processes."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)
        self.path = self.directory / TENANT_FILE

    def exists(self) -> bool:
        return self.path.is_file()

    def signature(self) -> tuple[int, int, int] | None:
        """Changes whenever the tenant file is replaced (inode, size, mtime)."""
        try:
            st = self.path.stat()
        except FileNotFoundError:
            return None
        return (st.st_ino, st.st_size, st.st_mtime_ns)

    def load(self) -> Tenant:
        return Tenant.from_json(json.loads(self.path.read_text(encoding="utf-8")))

    def save(self, tenant: Tenant) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(
            "w",
            dir=self.directory,
            prefix=".tenant-",
            suffix=".tmp",
            delete=False,
            encoding="utf-8",
        ) as tmp:
            tmp.write(tenant.dumps())
            tmp.flush()
            os.fsync(tmp.fileno())
        os.replace(tmp.name, self.path)

    def ensure(self, seed: int = 42) -> Tenant:
        """Load the tenant, generating it (with `seed`) the first time."""
        with self.lock():
            if self.exists():
                return self.load()
            tenant = generate_tenant(seed)
            self.save(tenant)
            return tenant

    def mutate(
        self,
        step: int | None = None,
        *,
        at: datetime | None = None,
        plan: MutationPlan | None = None,
    ) -> MutationReport:
        """Apply mutation `step` (default: the next one) and persist. The same seed and step
        change the same records the same way; `at` (default: now, never before the tenant's
        clock) is the updated-at every change gets. See `generator.MutationPlan` for sizes."""
        with self.lock():
            tenant = self.load()
            report = apply_mutation(
                tenant, step=step, at=at, plan=plan if plan is not None else MutationPlan()
            )
            self.save(tenant)
            with (self.directory / MUTATIONS_FILE).open("a", encoding="utf-8") as log:
                log.write(json.dumps(report.to_json()) + "\n")
        return report

    def reports(self) -> list[MutationReport]:
        path = self.directory / MUTATIONS_FILE
        if not path.exists():
            return []
        return [
            MutationReport.from_json(json.loads(line))
            for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip()
        ]

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        """An exclusive lock across processes for read-modify-write of the tenant."""
        self.directory.mkdir(parents=True, exist_ok=True)
        with (self.directory / ".lock").open("a") as handle:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
