"""The IT Glue sync: one organization at a time, every resource type, incremental or full.

Per organization and resource type a checkpoint in the state table holds the high-water mark
(`updated_at` of the last completed run) and, while a listing is under way, the next page: a sync
killed mid-pagination resumes there. Incremental runs ask IT Glue for records changed since the
high-water mark and check that the filter really narrowed the result (IT Glue silently ignores
filters it does not know); where it did not, that resource falls back to a newest-first walk.
Full runs list everything and then sweep: a record the catalog has and the complete listing did
not return was deleted in IT Glue (there are no tombstones). Nothing is deleted after an
incomplete listing.

Each record is stored raw in S3 and in the catalog (with its graph edges) only when its content
hash changed, and each new, changed or deleted record becomes an index job. Password values are
never fetched by the sync.

Long because `OrganizationSync` is one job (checkpointed listing, the incremental check and its
fallback walk, the full sweep) whose steps share one organization's stores, client and checkpoints.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import JsonValue

from gluekb.adapters.itglue import (
    ALL_DOCUMENTS,
    CONFIGURATIONS,
    CONTACTS,
    DOCUMENTS,
    DOMAINS,
    FLEXIBLE_ASSETS,
    LOCATIONS,
    PASSWORDS,
    FilterIgnored,
    FilterValue,
    ItGlueAuthError,
    ItGlueClient,
    MalformedPage,
    ResourceSpec,
)
from gluekb.adapters.payload_store import PayloadStore
from gluekb.errors import (
    DependencyUnavailable,
    GluekbError,
    InvalidInput,
    NotFound,
    UpstreamError,
)
from gluekb.models.catalog import (
    ASSET_TYPES_KEY,
    AssetFieldDefinition,
    AssetTypeDefinition,
    AssetTypeDefinitions,
    CatalogRecord,
)
from gluekb.models.documents import IndexJob
from gluekb.models.itglue import (
    Configuration,
    ConfigurationInterface,
    Document,
    FlexibleAsset,
    FlexibleAssetField,
    FlexibleAssetType,
    ItGlueRecord,
    Organization,
    Page,
)
from gluekb.models.sync import (
    Mode,
    PageProgress,
    ResourceSummary,
    SyncCheckpoint,
    SyncJob,
    SyncStatus,
)
from gluekb.observability import build_logger
from gluekb.ports.catalog import SyncCatalog
from gluekb.ports.queues import JobSender
from gluekb.ports.raw_records import ListingLog, RawRecord, RawRecords, content_hash
from gluekb.ports.state import DiscoveryRegistry, SyncState
from gluekb.services.indexing.jobs import delete_job, upsert_job
from gluekb.services.sync.discovery import Purger, discover
from gluekb.services.sync.document_folders import (
    DocumentsPlan,
    FolderTree,
    folder_tree,
    plan_documents,
    remember,
)
from gluekb.services.sync.record_cards import (
    RenderedRecord,
    render,
    render_configuration,
    render_document,
    render_organization,
)
from gluekb.services.sync.record_cards import source_id as record_source_id

logger = build_logger(child=True)

FULL_SWEEP_EVERY = timedelta(hours=24)
# Re-read a little before the high-water mark: clocks differ and updated_at has 1 s resolution.
OVERLAP = timedelta(minutes=2)
WALK_PAGE_SIZE = 100  # incremental walks read newest-first; most runs stop on page one
ORDER = (
    "configurations",
    "flexible_assets",
    "passwords",
    "document_folders",  # the tree, and how IT Glue lists every document here
    "documents",
    "contacts",
    "locations",
    "domains",
)
_SPECS: dict[str, ResourceSpec[Any]] = {
    "configurations": CONFIGURATIONS,
    "passwords": PASSWORDS,
    "documents": DOCUMENTS,
    "contacts": CONTACTS,
    "locations": LOCATIONS,
    "domains": DOMAINS,
}

Progress = Callable[[str, str, int, int], None]  # organization, resource, done, total
CrashHook = Callable[[str, int], None]  # resource, page: tests inject crashes here


class SyncIncomplete(DependencyUnavailable):
    """A run stopped on a transient failure; its checkpoints let the retry resume."""


class SyncCrashed(Exception):
    """Raised by a test's crash hook to simulate the process dying mid-pagination."""


@dataclass
class _Item:
    source_id: str
    raw: RawRecord
    rendered: RenderedRecord
    updated_at: datetime | None


@dataclass
class _Listing:
    """One listing of a resource type: what IT Glue is asked, and where its records go."""

    org: str
    resource: str
    spec: ResourceSpec[Any]
    key: str  # the listing group: checkpoints and known hashes are kept per group
    catalog_type: str
    filters: dict[str, Any]  # IT Glue filters (FilterValue): `pages()`'s keyword arguments
    known: dict[str, str]  # source id -> content hash, as the catalog holds them
    summary: ResourceSummary


@dataclass
class SyncStores:
    state: SyncState
    catalog: SyncCatalog
    raw: RawRecords
    runs: ListingLog
    documents: PayloadStore  # a port once `indexing.jobs.upsert_job` takes one
    index_queue: JobSender


@dataclass
class SyncOptions:
    full_sweep_every: timedelta = FULL_SWEEP_EVERY
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    progress: Progress | None = None
    crash_hook: CrashHook | None = None


def _include(spec: ResourceSpec[Any]) -> str | None:
    # Interfaces side-loaded: one request per page instead of one per configuration.
    return "configuration_interfaces" if spec is CONFIGURATIONS else None


def _raw(record: ItGlueRecord, **extra: JsonValue) -> RawRecord:
    body: RawRecord = {
        "id": record.id,
        "type": record.type,
        "attributes": record.attribute_dump(),
    }
    body.update(extra)
    return body


def _order_kept(record: ItGlueRecord) -> dict[str, JsonValue]:
    """Raw records are stored as canonical JSON (sorted keys); a flexible asset's card follows
    its traits' order, so the order is stored beside them (a rebuild renders the same card)."""
    if isinstance(record, FlexibleAsset):
        return {"trait_order": list(record.traits)}
    return {}


class OrganizationSync:
    def __init__(
        self, client: ItGlueClient, stores: SyncStores, options: SyncOptions | None = None
    ) -> None:
        self.client = client
        self.stores = stores
        self.options = options or SyncOptions()
        self._known: dict[str, dict[str, str]] = {}  # listing group -> source id -> hash
        self._documents_plan: DocumentsPlan | None = None  # the folder tree and the listing
        self._folders: FolderTree | None = None  # the tree the documents' paths come from
        self._warnings: list[str] = []
        self._type_definitions_hash: str | None = None

    # ------------------------------------------------------------ entry point
    async def run(self, job: SyncJob) -> SyncStatus:
        org = job.organization_id
        status = self._begin(job)
        self._known = await asyncio.to_thread(self.stores.catalog.hashes_by_group, org)
        await self._organization(org, status)
        try:
            for resource in ORDER:
                await self._one_type(org, resource, job, status)
        except ItGlueAuthError as exc:
            status.state, status.finished_at = "failed", self.options.clock()
            status.errors.append(exc.message)
            self.stores.state.save_sync_status(status)
            raise
        status.counts = await asyncio.to_thread(self._counts, org)
        status.finished_at = self.options.clock()
        status.state = "failed" if status.errors else "ok"
        if not status.errors:
            status.last_success_at = status.finished_at
        self.stores.state.save_sync_status(status)
        return status

    def _begin(self, job: SyncJob) -> SyncStatus:
        """The organization's status, reset and saved as `running`."""
        org = job.organization_id
        status = self.stores.state.sync_status(org)
        status.organization_name = status.organization_name or self._org_name(org)
        status.state, status.mode = "running", job.mode
        status.started_at, status.finished_at = self.options.clock(), None
        status.resources, status.errors, status.retry = {}, [], False
        status.warnings = self._warnings  # the same list: every save shows what is known so far
        self.stores.state.save_sync_status(status)
        return status

    async def _organization(self, org: str, status: SyncStatus) -> None:
        """The organization's own record, from the registry (no request)."""
        organization = self._organization_record(org)
        if organization is None:
            return
        summary = ResourceSummary(fetched=1)
        known = self._known.setdefault("organizations", {})
        await asyncio.to_thread(
            self._apply, org, "organizations", "organizations", [organization], known, summary
        )
        status.resources["organizations"] = summary

    async def _one_type(self, org: str, resource: str, job: SyncJob, status: SyncStatus) -> None:
        """Sync one resource type into `status` (saved). A transient failure marks the run for
        a retry; an invalid key (and a test's simulated crash) ends the run."""
        summary = ResourceSummary()
        before = self.client.stats.requests
        try:
            if resource == "flexible_assets":
                await self._flexible_assets(org, job, summary)
            elif resource in ("document_folders", "documents"):
                await self._documents_step(org, resource, job, summary)
            else:
                await self._resource(org, resource, _SPECS[resource], job, summary)
        except (ItGlueAuthError, SyncCrashed):
            raise
        except (UpstreamError, DependencyUnavailable) as exc:
            summary.errors.append(exc.message)
            status.retry = True
            logger.warning(
                "resource sync failed; it resumes on the next run",
                extra={"organization_id": org, "resource": resource, "error": exc.message},
            )
        except GluekbError as exc:
            summary.errors.append(exc.message)
            logger.warning(
                "resource sync failed",
                extra={"organization_id": org, "resource": resource, "error": exc.message},
            )
        summary.requests = self.client.stats.requests - before
        status.resources[resource] = summary
        status.errors += [f"{resource}: {e}" for e in summary.errors]
        self.stores.state.save_sync_status(status)

    # ------------------------------------------------------------ one record (a webhook)
    async def sync_record(self, job: SyncJob) -> ResourceSummary:
        """Re-sync the one record a job names, through the listing's own fetch, store and index
        path (an unchanged record costs one request and queues nothing). A record IT Glue no
        longer has, or that now belongs to another organization, leaves the catalog and the
        index as a sweep would remove it. Checkpoints are not touched."""
        if job.resource_type is None or job.record_id is None:
            raise InvalidInput("a record sync job names resource_type and record_id")
        org, resource = job.organization_id, job.resource_type
        summary = ResourceSummary()
        source = record_source_id(resource, job.record_id)
        stored = await asyncio.to_thread(self.stores.catalog.get, source)
        if stored is not None and stored.organization_id != org:
            stored = None  # another organization's record: never touched from here
        known = {source: stored.content_hash} if stored is not None else {}
        page = await self._record_page(org, resource, job.record_id)
        records = [r for r in page.records if str(r.organization_id) == org] if page else []
        if page is None or not records:
            await asyncio.to_thread(self._sweep, org, resource, set(), known, summary)
            return summary
        summary.fetched = len(records)
        shown = Page(
            resource_type=page.resource_type,
            number=1,
            total_pages=1,
            total_count=len(records),
            next_page=None,
            records=records,
            included=page.included,
        )
        items = await self._items(resource, shown)
        group = stored.group if stored is not None and stored.group else resource
        if resource == "flexible_assets" and (stored is None or not stored.group):
            group = f"flexible_assets:{records[0].flexible_asset_type_id}"
        await asyncio.to_thread(self._apply, org, resource, group, items, known, summary)
        return summary

    async def _record_page(self, org: str, resource: str, record_id: str) -> Page[Any] | None:
        if resource == "flexible_assets":  # listing them needs their type: show the record
            try:
                found = await self.client.record(FLEXIBLE_ASSETS, record_id, include_related=False)
            except NotFound:
                return None
            return Page(
                resource_type=resource,
                number=1,
                total_pages=1,
                total_count=1,
                next_page=None,
                records=[found.record],
            )
        if resource == "documents":  # wherever it is filed, with its folder path
            return await self._document_page(org, record_id)
        spec = _SPECS[resource]
        async for page in self.client.pages(
            spec, organization_id=org, id=record_id, include=_include(spec)
        ):
            return page
        return None

    def _org_name(self, organization_id: str) -> str | None:
        return self._org_name_cached(organization_id)

    def _organization_record(self, organization_id: str) -> _Item | None:
        """The organization's own record, from the registry discovery filled (no request)."""
        for entry in self.stores.state.organizations():
            if entry.id == organization_id and entry.record is not None:
                record = Organization.from_resource(entry.record)
                rendered = render_organization(record)
                return _Item(rendered.source_id, _raw(record), rendered, record.updated_at)
        return None

    # ------------------------------------------------------------ one resource type
    def _plan(self, checkpoint: SyncCheckpoint, job: SyncJob) -> tuple[Mode, datetime | None]:
        now = self.options.clock()
        if checkpoint.in_progress is not None:  # a listing was interrupted: resume it
            return "full", None
        due = (
            checkpoint.last_full_at is None
            or now - checkpoint.last_full_at >= self.options.full_sweep_every
        )
        if job.mode == "full" or checkpoint.high_water is None or due:
            return "full", None
        return "incremental", checkpoint.high_water - OVERLAP

    async def _resource(
        self,
        org: str,
        resource: str,
        spec: ResourceSpec[Any],
        job: SyncJob,
        summary: ResourceSummary,
        *,
        key: str | None = None,
        catalog_type: str | None = None,
        **filters: FilterValue,
    ) -> set[str] | None:
        """Sync one listing. Returns the ids a complete full listing saw (None otherwise)."""
        key = key or resource
        listing = _Listing(
            org=org,
            resource=resource,
            spec=spec,
            key=key,
            catalog_type=catalog_type or resource,
            filters=filters,
            known=self._known.setdefault(key, {}),
            summary=summary,
        )
        checkpoint = self.stores.state.checkpoint(org, key)
        mode, since = self._plan(checkpoint, job)
        if mode == "incremental" and since is not None:
            started = self.options.clock()
            total = await self._changed(listing, since)
            if total == len(listing.known):
                checkpoint.high_water = started
                await asyncio.to_thread(self.stores.state.save_checkpoint, checkpoint)
                return None
            # IT Glue holds a different number of records than the catalog: something was
            # deleted (no tombstones) or slipped past the walk. List everything and sweep.
            logger.info(
                "record count differs; listing in full",
                extra={
                    "organization_id": org,
                    "resource": key,
                    "itglue": total,
                    "catalog": len(listing.known),
                },
            )
        return await self._full(listing, checkpoint)

    async def _changed(self, listing: _Listing, since: datetime) -> int:
        """Records changed since `since`, newest first (no reliance on filter[updated_at], which
        IT Glue honours only for organizations); returns IT Glue's total count of the resource."""
        total = 0
        floor = since.replace(microsecond=0)
        summary = listing.summary
        async for page in self.client.pages(
            listing.spec,
            sort="-updated_at",
            page_size=WALK_PAGE_SIZE,
            organization_id=listing.org,
            include=_include(listing.spec),
            **listing.filters,
        ):
            total = page.total_count
            fresh = [r for r in page.records if r.updated_at is None or r.updated_at >= floor]
            if fresh:
                shown = Page(
                    resource_type=page.resource_type,
                    number=page.number,
                    total_pages=page.total_pages,
                    total_count=page.total_count,
                    next_page=page.next_page,
                    records=fresh,
                    included=page.included,
                )
                await self._store_page(listing, shown)
                summary.fetched += len(fresh)
            if self.options.progress:
                self.options.progress(listing.org, listing.key, summary.fetched, total)
            if len(fresh) < len(page.records):
                break  # reached records older than the high-water mark
        return total

    async def _store_page(self, listing: _Listing, page: Page[Any]) -> list[_Item]:
        """Store what changed in a page of the listing and queue its index jobs."""
        items = await self._items(listing.resource, page)
        await asyncio.to_thread(
            self._apply,
            listing.org,
            listing.catalog_type,
            listing.key,
            items,
            listing.known,
            listing.summary,
        )
        return items

    async def _full(self, listing: _Listing, checkpoint: SyncCheckpoint) -> set[str] | None:
        """List every page, resumable from the checkpoint, then sweep what was not seen."""
        org, key = listing.org, listing.key
        progress = checkpoint.in_progress or PageProgress(
            run_id=uuid.uuid4().hex[:12], mode="full", since=None, started_at=self.options.clock()
        )
        complete = await self._every_page(listing, checkpoint, progress)
        seen: set[str] | None = None
        if complete:
            seen = await asyncio.to_thread(self.stores.runs.seen, org, key, progress.run_id)
            checkpoint.last_full_at = progress.started_at
            checkpoint.full_total = len(seen)
        await asyncio.to_thread(self.stores.runs.clear, org, key, progress.run_id)
        checkpoint.high_water = progress.started_at
        checkpoint.in_progress = None
        await asyncio.to_thread(self.stores.state.save_checkpoint, checkpoint)
        if seen is not None:
            await asyncio.to_thread(
                self._sweep, org, listing.catalog_type, seen, listing.known, listing.summary
            )
        return seen

    async def _every_page(
        self, listing: _Listing, checkpoint: SyncCheckpoint, progress: PageProgress
    ) -> bool:
        """Every page from the checkpoint's on, each checkpointed; whether the listing was
        complete. A malformed page is logged and skipped: the listing is then incomplete."""
        complete = True
        start = progress.next_page
        while True:
            try:
                async for page in self.client.pages(
                    listing.spec,
                    start_page=start,
                    organization_id=listing.org,
                    include=_include(listing.spec),
                    **listing.filters,
                ):
                    await self._full_page(listing, checkpoint, progress, page)
                return complete
            except MalformedPage as exc:
                # Log it, count the listing as incomplete (no sweep), carry on after that page.
                listing.summary.errors.append(exc.message)
                complete = False
                logger.warning(
                    "malformed page; continuing after it",
                    extra={"resource": listing.key, "page": exc.page_number},
                )
                if exc.total_pages is not None and exc.page_number >= exc.total_pages:
                    return False
                start = exc.page_number + 1
            except (FilterIgnored, InvalidInput) as exc:
                listing.summary.errors.append(exc.message)
                return False

    async def _full_page(
        self,
        listing: _Listing,
        checkpoint: SyncCheckpoint,
        progress: PageProgress,
        page: Page[Any],
    ) -> None:
        """Store one page of a full listing, note its ids and checkpoint the next page."""
        items = await self._store_page(listing, page)
        listing.summary.fetched += len(page.records)
        await asyncio.to_thread(
            self.stores.runs.record_page,
            listing.org,
            listing.key,
            progress.run_id,
            page.number,
            [i.source_id for i in items],
        )
        progress.next_page = page.number + 1
        checkpoint.in_progress = progress
        await asyncio.to_thread(self.stores.state.save_checkpoint, checkpoint)
        if self.options.progress:
            self.options.progress(
                listing.org, listing.key, listing.summary.fetched, page.total_count
            )
        if self.options.crash_hook:
            self.options.crash_hook(listing.key, page.number)

    async def _flexible_assets(self, org: str, job: SyncJob, summary: ResourceSummary) -> None:
        """One listing per flexible asset type (IT Glue requires the type); assets of a type
        that no longer exists are swept too."""
        definitions = await self.client.flexible_asset_type_definitions()
        await asyncio.to_thread(self._store_type_definitions, definitions)
        types = [asset_type for asset_type, _ in definitions]
        listed = set()
        for asset_type in types:
            part = ResourceSummary()
            key = f"flexible_assets:{asset_type.id}"
            listed.add(key)
            await self._resource(
                org,
                "flexible_assets",
                FLEXIBLE_ASSETS,
                job,
                part,
                key=key,
                catalog_type="flexible_assets",
                flexible_asset_type_id=asset_type.id,
            )
            summary.add(part)
        for group, hashes in list(self._known.items()):
            if group.startswith("flexible_assets:") and group not in listed:
                self._sweep(org, "flexible_assets", set(), hashes, summary)  # the type is gone

    # ------------------------------------------------------------ documents in folders
    async def _documents_step(
        self, org: str, resource: str, job: SyncJob, summary: ResourceSummary
    ) -> None:
        if resource == "document_folders":
            await self._plan_documents(org, summary)
        else:
            await self._documents(org, job, summary)

    async def _plan_documents(self, org: str, summary: ResourceSummary) -> DocumentsPlan:
        """The folder tree (one request) and the listing that shows every document here
        (`document_folders`; finding it out the first time costs one more)."""
        checkpoint = await asyncio.to_thread(self.stores.state.checkpoint, org, "documents")
        plan = await plan_documents(
            self.client, checkpoint, self.options.clock(), self.options.full_sweep_every
        )
        summary.fetched = len(plan.tree.paths) if plan.tree is not None else 0
        self._documents_plan, self._folders = plan, plan.tree
        self._warnings += plan.warnings
        return plan

    async def _documents(self, org: str, job: SyncJob, summary: ResourceSummary) -> None:
        """Every document, foldered ones included, each with its folder path, through the
        planned listing. A changed folder tree lists every document again, so that each
        breadcrumb follows its folder."""
        state = self.stores.state
        plan = self._documents_plan or await self._plan_documents(org, ResourceSummary())
        errors, complete = len(summary.errors), False
        try:
            if plan.listing != "all":
                await self._documents_listed_apart(org, plan, summary)
            else:
                if plan.tree_changed:
                    job = job.model_copy(update={"mode": "full"})
                await self._resource(
                    org, "documents", DOCUMENTS, job, summary, document_folder_id=ALL_DOCUMENTS
                )
            complete = len(summary.errors) == errors
        finally:  # an `all` that failed is checked again next run (IT Glue may refuse it now)
            checkpoint = await asyncio.to_thread(state.checkpoint, org, "documents")
            remember(checkpoint, plan, complete)
            await asyncio.to_thread(state.save_checkpoint, checkpoint)

    async def _documents_listed_apart(
        self, org: str, plan: DocumentsPlan, summary: ResourceSummary
    ) -> None:
        """The root listing, then each folder's (`by_folder`), in full; the sweep after a
        complete pass only, and after `root_only` only over documents known to be at the root."""
        folders = plan.tree.folder_ids() if plan.tree and plan.listing == "by_folder" else []
        known = self._known.setdefault("documents", {})
        seen: set[str] = set()
        complete = True
        for folder in [None, *folders]:  # the root first (IT Glue's plain list), then each
            pages = (
                self.client.pages(DOCUMENTS, organization_id=org)
                if folder is None
                else self.client.pages(DOCUMENTS, organization_id=org, document_folder_id=folder)
            )
            try:
                async for page in pages:
                    items = await self._items("documents", page)
                    await asyncio.to_thread(
                        self._apply, org, "documents", "documents", items, known, summary
                    )
                    summary.fetched += len(page.records)
                    seen.update(item.source_id for item in items)
            except (MalformedPage, FilterIgnored, InvalidInput) as exc:
                summary.errors.append(exc.message)
                complete = False
        if complete:
            swept = known if plan.listing == "by_folder" else self._at_root(org, known)
            await asyncio.to_thread(self._sweep, org, "documents", seen, swept, summary)
            for source in set(swept) - seen:
                known.pop(source, None)

    def _at_root(self, org: str, known: dict[str, str]) -> dict[str, str]:
        """The known documents the catalog files at the root (a root listing can vouch for)."""
        records = self.stores.catalog.records_of(org, "documents")
        return {
            r.source_id: known[r.source_id]
            for r in records
            if r.folder_id is None and r.source_id in known
        }

    def _counts(self, org: str) -> dict[str, int]:
        """Records per resource type after the run (what the run knows the catalog holds), and
        how many documents live in folders (one query over the organization's documents)."""
        counts: dict[str, int] = {}
        for group, members in self._known.items():
            kind = group.split(":", 1)[0]  # flexible_assets:<type> counts as flexible_assets
            counts[kind] = counts.get(kind, 0) + len(members)
        counts["documents_in_folders"] = self.stores.catalog.documents_in_folders(org)
        return dict(sorted(counts.items()))

    async def _document_page(self, org: str, record_id: str) -> Page[Any] | None:
        """One document wherever it is filed (listed with the folder filter where IT Glue takes
        it, else shown by id), with the folder tree the last sync kept (fetched again when the
        document's folder is not in it)."""
        checkpoint = await asyncio.to_thread(self.stores.state.checkpoint, org, "documents")
        page: Page[Any] | None = None
        if checkpoint.document_listing in (None, "all"):
            pages = self.client.pages(
                DOCUMENTS, organization_id=org, id=record_id, document_folder_id=ALL_DOCUMENTS
            )
            page = await anext(pages, None)
        else:
            try:
                shown = await self.client.record(DOCUMENTS, record_id, include_related=False)
            except NotFound:
                return None
            page = Page("documents", 1, 1, 1, None, [shown.record])
        kept = checkpoint.folder_paths
        self._folders = FolderTree.from_paths(kept) if kept is not None else None
        filed = (
            {r.document_folder_id for r in page.records if r.document_folder_id} if page else set()
        )
        if filed and (self._folders is None or not all(self._folders.knows(f) for f in filed)):
            self._folders = await folder_tree(self.client, org)
        return page

    def _store_type_definitions(
        self, definitions: list[tuple[FlexibleAssetType, list[FlexibleAssetField]]]
    ) -> None:
        """Which fields each flexible asset type requires or tracks as an expiration (for the
        documentation health report), one small object per sync job."""
        document = AssetTypeDefinitions(
            types=[
                AssetTypeDefinition(
                    id=asset_type.id,
                    name=asset_type.name,
                    fields=[
                        AssetFieldDefinition(
                            name=f.name,
                            name_key=f.name_key,
                            kind=f.kind,
                            required=bool(f.required),
                            expiration=bool(f.expiration),
                            tag_type=f.tag_type,
                        )
                        for f in fields
                    ],
                )
                for asset_type, fields in definitions
            ]
        )
        body = document.model_dump(mode="json")
        digest = content_hash(body)
        if self._type_definitions_hash != digest:
            self.stores.raw.put(ASSET_TYPES_KEY, body, digest)
            self._type_definitions_hash = digest

    # ------------------------------------------------------------ records
    async def _items(self, resource: str, page: Page[Any]) -> list[_Item]:
        items: list[_Item] = []
        if resource == "configurations":
            interfaces = self._included_interfaces(page)
            for config in page.records:
                assert isinstance(config, Configuration)
                own = interfaces.get(config.id, [])
                raw = _raw(config, interfaces=[i.attribute_dump() | {"id": i.id} for i in own])
                items.append(
                    _Item(
                        f"itglue:configurations:{config.id}",
                        raw,
                        render_configuration(config, own),
                        config.updated_at,
                    )
                )
        elif resource == "documents":
            for document in page.records:
                assert isinstance(document, Document)
                items.append(await self._document_item(document))
        else:
            for record in page.records:
                rendered = render(record)
                raw = _raw(record, **_order_kept(record))
                items.append(_Item(rendered.source_id, raw, rendered, record.updated_at))
        return items

    @staticmethod
    def _included_interfaces(page: Page[Any]) -> dict[str, list[ConfigurationInterface]]:
        by_id = {
            str(item.id if item.id is not None else item.attributes.get("id")): item
            for item in getattr(page, "included", []) or []
            if item.type in ("configuration-interfaces", "configuration_interfaces")
        }
        out: dict[str, list[ConfigurationInterface]] = {}
        for config in page.records:
            refs = config.relationships.get("configuration-interfaces", {}).get("data", []) or []
            out[config.id] = [
                ConfigurationInterface.from_resource(by_id[str(ref["id"])])
                for ref in refs
                if str(ref["id"]) in by_id
            ]
        return out

    async def _document_item(self, document: Document) -> _Item:
        source = f"itglue:documents:{document.id}"
        known = await asyncio.to_thread(self.stores.catalog.get, source)
        path = list(self._folders.path_of(document.document_folder_id)) if self._folders else []
        if (
            known is not None
            and known.updated_at == document.updated_at
            and document.updated_at is not None
            and (known.folder_id, known.folder_path) == (document.document_folder_id, path)
        ):
            # Unchanged document: no sections request (documents are the sync's dominant cost).
            rendered = render_document(document, [])
            return _Item(
                source,
                {"unchanged": True, "hash": known.content_hash},
                rendered,
                document.updated_at,
            )
        sections = await self.client.document_sections(document.id)
        raw = _raw(document, sections=[s.attribute_dump() | {"id": s.id} for s in sections])
        if path:  # a renamed or moved folder changes the hash: the breadcrumb is re-indexed
            raw["folder_path"] = [*path]
        return _Item(source, raw, render_document(document, sections, path), document.updated_at)

    def _apply(
        self,
        org: str,
        catalog_type: str,
        group: str,
        items: list[_Item],
        known: dict[str, str],
        summary: ResourceSummary,
    ) -> None:
        """Store what changed in this page (raw, catalog, edges) and queue its index jobs."""
        now = self.options.clock()
        org_name = self._org_name_cached(org)
        records: list[CatalogRecord] = []
        jobs: list[IndexJob] = []
        for item in items:
            if item.raw.get("unchanged"):
                summary.unchanged += 1
                continue
            digest = content_hash(item.raw)
            previous = known.get(item.source_id)
            if previous == digest:
                summary.unchanged += 1
                continue
            rendered = item.rendered
            key = self.stores.raw.key_for(org, catalog_type, rendered.record_id)
            self.stores.raw.put(key, item.raw, digest)
            records.append(
                CatalogRecord(
                    source_id=item.source_id,
                    organization_id=org,
                    resource_type=catalog_type,
                    record_id=rendered.record_id,
                    name=rendered.name,
                    type_label=rendered.type_label,
                    content_hash=digest,
                    raw_key=key,
                    url=rendered.url,
                    updated_at=item.updated_at,
                    synced_at=now,
                    identifiers=rendered.identifiers,
                    fields=rendered.fields[:100],
                    group=group,
                    folder_id=rendered.folder_id,
                    folder_path=rendered.folder_path,
                )
            )
            if rendered.edges or previous is not None:
                self.stores.catalog.set_edges(item.source_id, rendered.edges)
            jobs.append(self._index_job(rendered, org_name))
            known[item.source_id] = digest
            if previous is None:
                summary.created += 1
            else:
                summary.updated += 1
        self.stores.catalog.put_many(records)
        self.stores.index_queue.send_all(jobs)

    def _index_job(self, rendered: RenderedRecord, org_name: str | None) -> IndexJob:
        return upsert_job(rendered.document(org_name), self.stores.documents, self.options.clock())

    def _sweep(
        self,
        org: str,
        catalog_type: str,
        seen: set[str],
        known: dict[str, str],
        summary: ResourceSummary,
    ) -> None:
        gone = sorted(set(known) - seen)
        if not gone:
            return
        jobs = []
        for source in gone:
            record = self.stores.catalog.get(source)
            if record is not None:
                self.stores.raw.delete(record.raw_key)  # deleting a missing object is a no-op
            self.stores.catalog.delete(source)
            known.pop(source, None)
            jobs.append(delete_job(source, org, self.options.clock()))
        self.stores.index_queue.send_all(jobs)
        summary.deleted += len(gone)
        logger.info(
            "deleted records gone from IT Glue",
            extra={"organization_id": org, "resource": catalog_type, "count": len(gone)},
        )

    _org_names: dict[str, str] | None = None

    def _org_name_cached(self, org: str) -> str | None:
        if self._org_names is None:
            self._org_names = {o.id: o.name for o in self.stores.state.organizations()}
        return self._org_names.get(org)


async def discover_organizations(
    client: ItGlueClient, state: DiscoveryRegistry, now: datetime, purge: Purger | None = None
) -> list[str]:
    """Register every IT Glue organization (with its raw record); with `purge`, the ones IT Glue
    no longer has are purged after a complete discovery (`services.sync.discovery`)."""
    return (await discover(client, state, now, purge)).organizations
