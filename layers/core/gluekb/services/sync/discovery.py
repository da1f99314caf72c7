"""Organization discovery: register every IT Glue organization, and purge the ones IT Glue no
longer has - after a complete discovery only, never after a partial or failed one.

A discovery is complete when every page of `GET /organizations` arrived and the organizations
counted match IT Glue's `total-count` (an organization deleted mid-listing shifts the pages, and
one skipped that way must not be purged). A discovery that found no organization at all purges
nothing either: an empty answer is likelier a key or account problem than an empty account.

A purge removes what gluekb keeps of the organization: the index's entries (a delete job per
record on the index queue, first, so a purge cut short never leaves orphans in the index), its
records in the catalog with their graph edges, its raw records, its checkpoints and sync status,
and last its registry entry, so that a purge cut short is finished by the next discovery. API
keys that named the organization keep working for the others: tenancy is checked per
organization against the registry.

Who purges is the caller's choice (`Purger`): `gluekb sync` purges at once (`OrganizationPurge`);
the scheduled discovery, a one-minute Lambda, queues a `PurgeJob` for the sync worker, which asks
IT Glue once more before deleting. The discovery status says what was purged or queued, or why
nothing was; every purge is recorded (`recent_purges` of the state table).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Protocol

from gluekb.adapters.itglue import ORGANIZATIONS, ItGlueClient
from gluekb.errors import GluekbError
from gluekb.models.itglue import Organization, ResourceObject
from gluekb.models.organizations import RegisteredOrganization
from gluekb.models.sync import DiscoveryStatus, PurgedOrganization
from gluekb.observability import build_logger
from gluekb.ports.catalog import SyncCatalog
from gluekb.ports.queues import JobSender
from gluekb.ports.raw_records import RawRecords
from gluekb.ports.state import DiscoveryRegistry, PurgeState
from gluekb.services.indexing.jobs import delete_job

logger = build_logger(child=True)


class PurgeStores(Protocol):
    """What a purge deletes from (the sync's stores have all of it)."""

    @property
    def state(self) -> PurgeState: ...
    @property
    def catalog(self) -> SyncCatalog: ...
    @property
    def raw(self) -> RawRecords: ...
    @property
    def index_queue(self) -> JobSender: ...


class Purger(Protocol):
    """Purges an organization now (what it removed), or has it purged later (None)."""

    def __call__(self, organization_id: str, name: str | None) -> PurgedOrganization | None: ...


class OrganizationPurge:
    """Removes everything gluekb keeps of one organization (see the module docstring)."""

    def __init__(
        self, stores: PurgeStores, clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    ) -> None:
        self.stores = stores
        self.clock = clock

    def __call__(self, organization_id: str, name: str | None) -> PurgedOrganization:
        catalog, raw = self.stores.catalog, self.stores.raw
        records = list(catalog.records_of(organization_id))
        now = self.clock()
        self.stores.index_queue.send_all(
            [delete_job(r.source_id, organization_id, now) for r in records]
        )
        for record in records:
            raw.delete(record.raw_key)
            catalog.delete(record.source_id)
        leftovers = raw.keys(organization_id)  # raw records the catalog had lost track of
        for key in leftovers:
            raw.delete(key)
        self.stores.state.delete_organization_state(organization_id)
        self.stores.state.delete_organization(organization_id)  # last: a retry finds it again
        logger.info(
            "purged an organization IT Glue no longer has",
            extra={"organization_id": organization_id, "records": len(records)},
        )
        purged = PurgedOrganization(
            organization_id=organization_id,
            name=name,
            records=len(records),
            raw_objects=len(records) + len(leftovers),
            purged_at=now,
        )
        self.stores.state.record_purge(purged)
        return purged


async def list_organizations(client: ItGlueClient) -> tuple[list[Organization], bool]:
    """Every organization IT Glue lists, and whether the listing is whole (as many as its
    `total-count`). A failed page raises: the caller registers and purges nothing more."""
    found: dict[str, Organization] = {}
    total = 0
    async for page in client.pages(ORGANIZATIONS):
        total = page.total_count
        found.update((organization.id, organization) for organization in page.records)
    return list(found.values()), len(found) >= total


def register(state: DiscoveryRegistry, organization: Organization, now: datetime) -> None:
    """The registry entry of an organization, with its raw record (the sync renders it)."""
    state.put_organization(
        RegisteredOrganization(
            id=organization.id,
            name=organization.name,
            short_name=organization.short_name,
            status=organization.organization_status_name,
            discovered_at=now,
            record=ResourceObject(
                id=organization.id,
                type=organization.type,
                attributes=organization.attribute_dump(),
            ),
        )
    )


async def discover(
    client: ItGlueClient, state: DiscoveryRegistry, now: datetime, purge: Purger | None
) -> DiscoveryStatus:
    """Register IT Glue's organizations; after a complete discovery (and with `purge`), purge
    the vanished ones or have them purged; record what happened in the discovery status."""
    try:
        organizations, complete = await list_organizations(client)
    except GluekbError as exc:  # nothing is purged; the status says why
        failed = DiscoveryStatus(at=now, error=exc.message)
        await asyncio.to_thread(state.save_discovery_status, failed)
        raise
    for organization in organizations:
        await asyncio.to_thread(register, state, organization, now)
    found = [organization.id for organization in organizations]
    listed = set(found)
    registered = await asyncio.to_thread(state.organizations)
    vanished = [entry for entry in registered if entry.id not in listed]
    status = DiscoveryStatus(at=now, complete=complete, organizations=found)
    reason = _why_not_purge(complete, listed, purge)
    if vanished and reason is not None:
        status.vanished, status.purge_skipped = [entry.id for entry in vanished], reason
        logger.warning("organizations gone from IT Glue kept", extra={"reason": reason})
    elif purge is not None:
        for entry in vanished:
            purged = await asyncio.to_thread(purge, entry.id, entry.name)
            if purged is None:
                status.purge_queued.append(entry.id)
            else:
                status.purged.append(purged)
    await asyncio.to_thread(state.save_discovery_status, status)
    return status


def _why_not_purge(complete: bool, found: set[str], purge: Purger | None) -> str | None:
    if purge is None:
        return "this discovery does not purge (no stores to purge from)"
    if not complete:
        return "the discovery was incomplete (fewer organizations than IT Glue's total-count)"
    if not found:
        return "IT Glue listed no organization at all"
    return None
