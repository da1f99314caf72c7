"""The search index is derived data: `IndexRebuild` re-creates it from what gluekb keeps.

Per organization: every record in the catalog, read back from the raw store and rendered by
the sync's own record cards (`stored_records.render_stored`), every ticket with its messages
(`ticket_document`, as the desk indexes it), and every registered docs repository (a full
`RepoIndexJob` on the sync queue: the sync worker reads the files again). Everything goes
through the index queue to the embedding worker, as a sync's changes do: there is no second
indexer. A source the index already holds unchanged costs the worker nothing (its chunks'
hash matches), so a rebuild over a healthy index is cheap and over an empty one re-creates it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol

from gluekb.adapters.payload_store import PayloadStore
from gluekb.errors import GluekbError
from gluekb.models.documents import IndexJob
from gluekb.models.repos import RepoIndexJob, RepoRegistration
from gluekb.models.tickets import UNASSIGNED
from gluekb.observability import build_logger
from gluekb.ports.catalog import CatalogReader
from gluekb.ports.queues import JobSender
from gluekb.ports.raw_records import RawRecordReader
from gluekb.ports.state import OrganizationSource
from gluekb.ports.tickets import TicketRepository
from gluekb.services.indexing.jobs import upsert_job
from gluekb.services.sync.organization_sync import ORDER
from gluekb.services.sync.stored_records import render_stored
from gluekb.services.tickets.desk import ticket_document

logger = build_logger(child=True)

# The catalog's record types, in the sync's order (`document_folders` is a step, not a type).
RECORD_TYPES = ("organizations", *(step for step in ORDER if step != "document_folders"))
SEND_BATCH = 100
TICKET_PAGE = 100

Progress = Callable[[str, str, int], None]  # organization id, what ("records", ...), how many


class RepositoryList(Protocol):
    def all(self) -> list[RepoRegistration]: ...


@dataclass
class RebuildReport:
    organization_id: str
    organization_name: str
    records: int = 0
    tickets: int = 0
    repositories: int = 0
    unreadable: list[str] = field(default_factory=list)  # stored records that did not render

    @property
    def queued(self) -> int:
        return self.records + self.tickets


@dataclass
class IndexRebuild:
    organizations: OrganizationSource
    catalog: CatalogReader
    raw: RawRecordReader
    tickets: TicketRepository
    repositories: RepositoryList
    documents: PayloadStore
    index_queue: JobSender
    sync_queue: JobSender
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))

    def rebuild(
        self, organization_ids: Iterable[str] | None = None, progress: Progress | None = None
    ) -> list[RebuildReport]:
        """Queue every source of these organizations (all of them, and unassigned tickets,
        when None) for indexing; one report per organization."""
        names = {o.id: o.name for o in self.organizations.organizations()}
        chosen = list(organization_ids) if organization_ids is not None else [*names, UNASSIGNED]
        reports = []
        for organization in chosen:
            report = RebuildReport(organization, names.get(organization, organization))
            self._records(report, progress)
            self._tickets(report, progress)
            self._repositories(report, progress)
            logger.info(
                "index rebuild queued",
                extra={
                    "organization_id": organization,
                    "records": report.records,
                    "tickets": report.tickets,
                    "repositories": report.repositories,
                    "unreadable": len(report.unreadable),
                },
            )
            reports.append(report)
        return reports

    def _records(self, report: RebuildReport, progress: Progress | None) -> None:
        org = report.organization_id
        if org == UNASSIGNED:
            return
        name = report.organization_name
        for batch in _batches(self._record_jobs(org, name, report), SEND_BATCH):
            self.index_queue.send_all(batch)
            report.records += len(batch)
            if progress:
                progress(org, "records", report.records)

    def _record_jobs(self, org: str, name: str, report: RebuildReport) -> Iterator[IndexJob]:
        for resource_type in RECORD_TYPES:
            for record in self.catalog.records_of(org, resource_type):
                try:
                    rendered = render_stored(resource_type, self.raw.get(record.raw_key))
                except GluekbError as exc:  # a missing or damaged raw record: name it, go on
                    report.unreadable.append(f"{record.source_id}: {exc.message}")
                    continue
                yield upsert_job(rendered.document(name), self.documents, self.clock())

    def _tickets(self, report: RebuildReport, progress: Progress | None) -> None:
        cursor: str | None = None
        while True:
            page, cursor = self.tickets.list_tickets(
                [report.organization_id], limit=TICKET_PAGE, cursor=cursor
            )
            jobs = [
                upsert_job(
                    ticket_document(ticket, self.tickets.messages(ticket.id)),
                    self.documents,
                    self.clock(),
                )
                for ticket in page
            ]
            self.index_queue.send_all(jobs)
            report.tickets += len(jobs)
            if progress and jobs:
                progress(report.organization_id, "tickets", report.tickets)
            if cursor is None:
                return

    def _repositories(self, report: RebuildReport, progress: Progress | None) -> None:
        owned = [r for r in self.repositories.all() if r.organization_id == report.organization_id]
        self.sync_queue.send_all(
            [
                RepoIndexJob(
                    repo_id=registration.repo_id,
                    organization_id=registration.organization_id,
                    branch=registration.branch,
                    received_at=self.clock(),
                    reason="rebuild",
                )
                for registration in owned
            ]
        )
        report.repositories = len(owned)
        if progress and owned:
            progress(report.organization_id, "repositories", len(owned))


def _batches(jobs: Iterable[IndexJob], size: int) -> Iterator[list[IndexJob]]:
    batch: list[IndexJob] = []
    for job in jobs:
        batch.append(job)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch
