"""The documentation health checks, each a pure function of one client's inventory: what it
found and how many records it examined (the score weighs findings against examined records).

- expiries: domains, SSL/TLS certificates (the Date fields a certificate flexible asset type
  marks as expirations) and warranties, already expired or within 30/60/90 days;
- staleness: documents and flexible assets not updated, passwords not changed, for N days;
- infrastructure configurations (servers, network gear, storage, power: by type name) with no
  related document, no password record, or no location. Related means linked in IT Glue
  (directly, or through a flexible asset that links both) or, for a document, naming it (its
  title the configuration's name, or its text the configuration's IP or host name);
- relationships pointing at records that no longer exist; flexible assets missing fields their
  type requires.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date

from gluekb.models.catalog import AssetTypeDefinition, CatalogRecord, Edge
from gluekb.models.doc_health import Finding, FindingKind, FindingRecord, Severity, Window

CERTIFICATE_TYPE = re.compile(r"ssl|tls|certificate", re.I)
Check = Callable[["Inventory", "Rules"], tuple[list[Finding], int]]


@dataclass(frozen=True)
class Rules:
    as_of: date
    stale_after_days: int = 365
    password_max_age_days: int = 365
    infrastructure_types: tuple[str, ...] = ("server", "firewall", "router", "switch")

    def is_infrastructure(self, type_label: str | None) -> bool:
        words = (type_label or "").lower()
        return any(
            re.search(rf"\b{re.escape(t.lower())}\b", words) for t in self.infrastructure_types
        )


@dataclass
class Inventory:
    """One client's documentation as the catalog (and the raw records) hold it."""

    organization_id: str
    records: dict[str, list[CatalogRecord]]  # resource type -> records
    edges: dict[str, list[Edge]]  # source id -> outgoing edges (flexible assets, passwords)
    known_ids: set[str]  # every record gluekb holds (any organization it was asked about)
    traits: dict[str, dict[str, object]] = field(default_factory=dict)  # flexible asset -> traits
    definitions: dict[str, AssetTypeDefinition] = field(default_factory=dict)  # by type id

    def of(self, resource_type: str) -> list[CatalogRecord]:
        return self.records.get(resource_type, [])

    def definition(self, record: CatalogRecord) -> AssetTypeDefinition | None:
        type_id = (record.group or "").removeprefix("flexible_assets:")
        return self.definitions.get(type_id)


def _ref(record: CatalogRecord) -> FindingRecord:
    return FindingRecord(
        id=record.source_id,
        name=record.name,
        type=record.type_label or record.resource_type,
        url=record.url,
    )


def _field(record: CatalogRecord, name: str) -> str | None:
    return next((f.value for f in record.fields if f.name == name and f.value), None)


def _date(value: object) -> date | None:
    if not isinstance(value, str) or len(value) < 10:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def _archived(record: CatalogRecord) -> bool:
    return (_field(record, "Archived") or "").lower() == "yes"


# ---------------------------------------------------------------- expiries
_EXPIRY_SEVERITY: dict[Window, tuple[Severity, Severity]] = {
    # (domains and certificates, warranties)
    "expired": ("critical", "high"),
    "30d": ("high", "medium"),
    "60d": ("medium", "low"),
    "90d": ("low", "low"),
}


def window_of(days_left: int) -> Window | None:
    if days_left < 0:
        return "expired"
    for limit, window in ((30, "30d"), (60, "60d"), (90, "90d")):
        if days_left <= limit:
            return window  # type: ignore[return-value]
    return None


def _expiry(
    kind: FindingKind, record: CatalogRecord, due: date, what: str, rules: Rules
) -> Finding | None:
    days = (due - rules.as_of).days
    window = window_of(days)
    if window is None:
        return None
    critical, other = _EXPIRY_SEVERITY[window]
    when = f"expired {-days} days ago" if days < 0 else f"expires in {days} days"
    return Finding(
        kind=kind,
        severity=other if kind == "warranty_expiry" else critical,
        record=_ref(record),
        detail=f"{what} {when} ({due.isoformat()})",
        window=window,
        due=due,
        days=days,
    )


def domain_expiries(inventory: Inventory, rules: Rules) -> tuple[list[Finding], int]:
    found, checked = [], 0
    for record in inventory.of("domains"):
        due = _date(_field(record, "Expires"))
        if due is None:
            continue
        checked += 1
        if finding := _expiry("domain_expiry", record, due, "domain registration", rules):
            found.append(finding)
    return found, checked


def warranty_expiries(inventory: Inventory, rules: Rules) -> tuple[list[Finding], int]:
    found, checked = [], 0
    for record in inventory.of("configurations"):
        due = _date(_field(record, "Warranty expires"))
        if due is None or _archived(record):
            continue
        checked += 1
        if finding := _expiry("warranty_expiry", record, due, "warranty", rules):
            found.append(finding)
    return found, checked


def certificate_expiries(inventory: Inventory, rules: Rules) -> tuple[list[Finding], int]:
    found, checked = [], 0
    for record in inventory.of("flexible_assets"):
        definition = inventory.definition(record)
        if definition is None or not CERTIFICATE_TYPE.search(definition.name):
            continue
        traits = inventory.traits.get(record.source_id, {})
        for spec in (f for f in definition.fields if f.expiration):
            due = _date(traits.get(spec.name_key))
            if due is None:
                continue  # a missing date is a missing required field, not an expiry
            checked += 1
            what = f"{definition.name} ({spec.name})"
            if finding := _expiry("certificate_expiry", record, due, what, rules):
                found.append(finding)
    return found, checked


# ---------------------------------------------------------------- staleness
def _stale(
    kind: FindingKind,
    records: Iterable[tuple[CatalogRecord, date | None]],
    limit_days: int,
    rules: Rules,
    what: str,
) -> tuple[list[Finding], int]:
    found, checked = [], 0
    for record, when in records:
        if when is None:
            continue
        checked += 1
        age = (rules.as_of - when).days
        if age > limit_days:
            found.append(
                Finding(
                    kind=kind,
                    severity="medium" if kind == "stale_password" else "low",
                    record=_ref(record),
                    detail=f"{what} {age} days ago ({when.isoformat()})",
                    days=age,
                )
            )
    return found, checked


def _updated(record: CatalogRecord) -> date | None:
    return record.updated_at.date() if record.updated_at else None


def stale_documents(inventory: Inventory, rules: Rules) -> tuple[list[Finding], int]:
    records = ((r, _updated(r)) for r in inventory.of("documents"))
    return _stale("stale_document", records, rules.stale_after_days, rules, "last updated")


def stale_flexible_assets(inventory: Inventory, rules: Rules) -> tuple[list[Finding], int]:
    records = ((r, _updated(r)) for r in inventory.of("flexible_assets"))
    return _stale("stale_flexible_asset", records, rules.stale_after_days, rules, "last updated")


def stale_passwords(inventory: Inventory, rules: Rules) -> tuple[list[Finding], int]:
    records = (
        (r, _date(_field(r, "Password changed")) or _updated(r)) for r in inventory.of("passwords")
    )
    return _stale(
        "stale_password", records, rules.password_max_age_days, rules, "password last changed"
    )


# ---------------------------------------------------------------- configurations
@dataclass
class _Links:
    """For each configuration, the types of the records linked to it."""

    linked: dict[str, set[str]] = field(default_factory=dict)

    def add(self, config_id: str, other_type: str) -> None:
        self.linked.setdefault(config_id, set()).add(other_type)


def _resource_type(source_id: str) -> str:
    return source_id.split(":")[1] if source_id.count(":") >= 2 else ""


def _links(inventory: Inventory) -> _Links:
    links = _Links()
    for source, edges in inventory.edges.items():
        targets = [e.target_id for e in edges]
        configs = [t for t in targets if _resource_type(t) == "configurations"]
        linked_types = {_resource_type(t) for t in targets} | {_resource_type(source)}
        for config in configs:
            for other in linked_types:
                links.add(config, other)
    return links


def _named_by_documents(inventory: Inventory) -> set[str]:
    """Configurations a document names: by name in its title, by IP or host name in its text."""
    documents = inventory.of("documents")
    titles = [d.name.lower() for d in documents]
    ips = {ip for d in documents for ip in d.identifiers.get("ip", [])}
    hosts = {h for d in documents for h in d.identifiers.get("hostname", [])}
    named = set()
    for config in inventory.of("configurations"):
        name = config.name.lower()
        hostname = (_field(config, "Hostname") or "").lower()
        if (
            any(name in title for title in titles)
            or _field(config, "Primary IP") in ips
            or (hostname and hostname in hosts)
        ):
            named.add(config.source_id)
    return named


def configuration_gaps(inventory: Inventory, rules: Rules) -> tuple[list[Finding], int]:
    """Infrastructure configurations without a related document, a password or a location."""
    links = _links(inventory)
    named = _named_by_documents(inventory)
    found: list[Finding] = []
    checked = 0
    for config in inventory.of("configurations"):
        if _archived(config) or not rules.is_infrastructure(config.type_label):
            continue
        checked += 1
        linked = links.linked.get(config.source_id, set())
        gaps: list[tuple[FindingKind, Severity, str]] = []
        if "documents" not in linked and config.source_id not in named:
            gaps.append(("configuration_without_document", "medium", "no related document"))
        if "passwords" not in linked:
            gaps.append(("configuration_without_password", "medium", "no password record"))
        if not _field(config, "Location"):
            gaps.append(("configuration_without_location", "low", "no location"))
        found += [
            Finding(kind=kind, severity=severity, record=_ref(config), detail=detail)
            for kind, severity, detail in gaps
        ]
    return found, checked


# ---------------------------------------------------------------- integrity
def broken_relationships(inventory: Inventory, rules: Rules) -> tuple[list[Finding], int]:
    by_id = {r.source_id: r for records in inventory.records.values() for r in records}
    found, checked = [], 0
    for source, edges in sorted(inventory.edges.items()):
        record = by_id.get(source)
        if record is None:
            continue
        for edge in edges:
            checked += 1
            if edge.target_id in inventory.known_ids:
                continue
            target = edge.target_name or edge.target_id
            found.append(
                Finding(
                    kind="broken_relationship",
                    severity="medium",
                    record=_ref(record),
                    detail=f"{edge.relation} points at {target} ({edge.target_id}), "
                    "which no longer exists",
                )
            )
    return found, checked


def _empty(value: object) -> bool:
    if value is None or value == "" or value == []:
        return True
    if isinstance(value, dict) and isinstance(value.get("values"), list):
        return not value["values"]
    return False


def missing_required_fields(inventory: Inventory, rules: Rules) -> tuple[list[Finding], int]:
    found, checked = [], 0
    for record in inventory.of("flexible_assets"):
        definition = inventory.definition(record)
        required = [f for f in definition.fields if f.required] if definition else []
        if not required or record.source_id not in inventory.traits:
            continue
        checked += 1
        traits = inventory.traits[record.source_id]
        missing = [f.name for f in required if _empty(traits.get(f.name_key))]
        if missing:
            found.append(
                Finding(
                    kind="missing_required_fields",
                    severity="medium",
                    record=_ref(record),
                    detail="required field(s) empty: " + ", ".join(missing),
                )
            )
    return found, checked


CHECKS: dict[str, Check] = {
    "domain_expiry": domain_expiries,
    "certificate_expiry": certificate_expiries,
    "warranty_expiry": warranty_expiries,
    "stale_document": stale_documents,
    "stale_flexible_asset": stale_flexible_assets,
    "stale_password": stale_passwords,
    "configurations": configuration_gaps,
    "broken_relationship": broken_relationships,
    "missing_required_fields": missing_required_fields,
}
