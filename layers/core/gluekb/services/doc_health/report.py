"""One client's documentation health report: its inventory read from the catalog (records,
their links) and the raw records (flexible assets' fields), the checks run against a day, a
score, and the trend since the last stored report.

The score is 100 * (1 - weighted findings / examined records): each finding weighs by its
severity (critical 1, high 0.75, medium 0.5, low 0.25), each record counts once per check that
examined it, so a large client is not punished for being large.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from gluekb.errors import NotFound
from gluekb.models.auth import Principal
from gluekb.models.catalog import (
    ASSET_TYPES_KEY,
    AssetTypeDefinition,
    AssetTypeDefinitions,
    CatalogRecord,
    Edge,
)
from gluekb.models.doc_health import (
    FINDING_KINDS,
    SEVERITY_WEIGHT,
    Finding,
    HealthReport,
    HealthSnapshot,
    HealthTrend,
)
from gluekb.models.organizations import RegisteredOrganization
from gluekb.ports.doc_health import HealthCatalog, HealthSnapshots, RawReader
from gluekb.ports.state import OrganizationSource
from gluekb.services.access.auth import require_scope
from gluekb.services.access.organizations import resolve_organization
from gluekb.services.doc_health.checks import CHECKS, Inventory, Rules

INVENTORY_TYPES = ("configurations", "domains", "documents", "flexible_assets", "passwords")
EDGE_SOURCES = ("flexible_assets", "passwords")  # the records whose links gluekb syncs
_SEVERITY_ORDER = ("critical", "high", "medium", "low")
_CONFIGURATION_KINDS = (
    "configuration_without_document",
    "configuration_without_password",
    "configuration_without_location",
)


@dataclass(frozen=True)
class HealthThresholds:
    stale_after_days: int = 365
    password_max_age_days: int = 365
    infrastructure_types: tuple[str, ...] = ("server", "firewall", "router", "switch")

    def rules(self, as_of: date) -> Rules:
        return Rules(
            as_of=as_of,
            stale_after_days=self.stale_after_days,
            password_max_age_days=self.password_max_age_days,
            infrastructure_types=self.infrastructure_types,
        )


def score_of(findings: list[Finding], checked: dict[str, int]) -> int:
    examined = sum(checked.values())
    if examined == 0:
        return 100
    penalty = sum(SEVERITY_WEIGHT[f.severity] for f in findings)
    return max(0, min(100, round(100 * (1 - penalty / examined))))


def trend_of(current: set[str], score: int, previous: HealthSnapshot | None) -> HealthTrend:
    if previous is None:
        return HealthTrend(previous_at=None)
    before = set(previous.finding_keys)
    return HealthTrend(
        previous_at=previous.generated_at,
        previous_score=previous.score,
        score_change=score - previous.score,
        new_findings=len(current - before),
        resolved_findings=len(before - current),
    )


@dataclass
class HealthReporter:
    catalog: HealthCatalog
    raw: RawReader
    state: OrganizationSource
    snapshots: HealthSnapshots
    thresholds: HealthThresholds = field(default_factory=HealthThresholds)
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))

    def report(
        self, principal: Principal, organization: str, as_of: date | None = None
    ) -> HealthReport:
        """The report of an organization the caller may see (scope `search`); one it may not
        see answers exactly like one that does not exist."""
        require_scope(principal, "search")
        return self.build(resolve_organization(principal, self.state, organization), as_of)

    def build(
        self, organization: RegisteredOrganization, as_of: date | None = None
    ) -> HealthReport:
        now = self.clock()
        rules = self.thresholds.rules(as_of or now.date())
        inventory, notes = self.inventory(organization.id)
        findings: list[Finding] = []
        checked: dict[str, int] = {}
        for name, check in CHECKS.items():
            found, examined = check(inventory, rules)
            findings += found
            for kind in _CONFIGURATION_KINDS if name == "configurations" else (name,):
                checked[kind] = examined
        findings.sort(key=lambda f: (_SEVERITY_ORDER.index(f.severity), f.kind, f.record.name))
        score = score_of(findings, checked)
        return HealthReport(
            organization_id=organization.id,
            organization_name=organization.name,
            generated_at=now,
            as_of=rules.as_of,
            score=score,
            counts={kind: sum(1 for f in findings if f.kind == kind) for kind in FINDING_KINDS},
            checked=checked,
            findings=findings,
            trend=trend_of(
                {f.key for f in findings}, score, self.snapshots.latest(organization.id)
            ),
            settings={
                "stale_after_days": rules.stale_after_days,
                "password_max_age_days": rules.password_max_age_days,
                "infrastructure_types": list(rules.infrastructure_types),
            },
            notes=notes,
        )

    def keep(self, report: HealthReport) -> None:
        """Store the report as the one the next report's trend compares with."""
        self.snapshots.save(
            HealthSnapshot(
                organization_id=report.organization_id,
                generated_at=report.generated_at,
                as_of=report.as_of,
                score=report.score,
                counts=report.counts,
                finding_keys=sorted({f.key for f in report.findings}),
            )
        )

    # ------------------------------------------------------------ the inventory
    def inventory(self, organization_id: str) -> tuple[Inventory, list[str]]:
        notes: list[str] = []
        records = {t: list(self.catalog.records_of(organization_id, t)) for t in INVENTORY_TYPES}
        known = {
            source
            for members in self.catalog.hashes_by_group(organization_id).values()
            for source in members
        }
        sources = [r for t in EDGE_SOURCES for r in records[t]]
        with ThreadPoolExecutor(max_workers=8) as pool:
            edges = dict(
                zip([r.source_id for r in sources], pool.map(self._edges, sources), strict=True)
            )
        targets = {e.target_id for out in edges.values() for e in out} - known
        known |= set(self.catalog.get_many(sorted(targets))) if targets else set()
        definitions = self._definitions(notes)
        inventory = Inventory(organization_id, records, edges, known, definitions=definitions)
        inventory.traits = self._traits(inventory)
        return inventory, notes

    def _edges(self, record: CatalogRecord) -> list[Edge]:
        return self.catalog.edges(record.source_id, "depends_on")

    def _definitions(self, notes: list[str]) -> dict[str, AssetTypeDefinition]:
        try:
            document = AssetTypeDefinitions.model_validate(self.raw.get(ASSET_TYPES_KEY))
        except NotFound:
            notes.append(
                "flexible asset types not synced yet: required fields and certificate "
                "expiry dates were not checked"
            )
            return {}
        return {t.id: t for t in document.types}

    def _traits(self, inventory: Inventory) -> dict[str, dict[str, object]]:
        """The fields of every flexible asset whose type requires or tracks one."""
        wanted = [
            r
            for r in inventory.of("flexible_assets")
            if (d := inventory.definition(r)) and any(f.required or f.expiration for f in d.fields)
        ]

        def traits(record: CatalogRecord) -> dict[str, object]:
            try:
                raw = self.raw.get(record.raw_key)
            except NotFound:
                return {}
            attributes = raw.get("attributes")
            found = attributes.get("traits") if isinstance(attributes, dict) else None
            return dict(found) if isinstance(found, dict) else {}

        with ThreadPoolExecutor(max_workers=8) as pool:
            return dict(zip([r.source_id for r in wanted], pool.map(traits, wanted), strict=True))
