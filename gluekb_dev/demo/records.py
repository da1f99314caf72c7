"""The demo tenant in memory: every record as IT Glue's JSON:API resource object, password values
kept apart, and what a mutation step changed. `tenant` persists it; `generator` builds and
changes it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

FORMAT_VERSION = 1

# Resource type (IT Glue URL segment) -> JSON:API `type`.
JSONAPI_TYPES: dict[str, str] = {
    "organizations": "organizations",
    "configuration_types": "configuration-types",
    "configuration_statuses": "configuration-statuses",
    "manufacturers": "manufacturers",
    "models": "models",
    "operating_systems": "operating-systems",
    "configurations": "configurations",
    "configuration_interfaces": "configuration-interfaces",
    "flexible_asset_types": "flexible-asset-types",
    "flexible_asset_fields": "flexible-asset-fields",
    "flexible_assets": "flexible-assets",
    "passwords": "passwords",
    "documents": "documents",
    "document_sections": "document-sections",
    "document_folders": "document-folders",
    "contacts": "contacts",
    "locations": "locations",
    "domains": "domains",
    "related_items": "related-items",
}

Resource = dict[str, Any]


def iso(moment: datetime) -> str:
    """IT Glue's timestamp spelling: `2026-07-01T09:30:00.000Z`."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def parse_iso(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


@dataclass
class Tenant:
    """Every record of the demo account. `records[type][id]` is a JSON:API resource object."""

    seed: int
    step: int
    clock: datetime  # the latest updated-at in the tenant
    records: dict[str, dict[str, Resource]]
    secrets: dict[str, str]  # password id -> value; served only with show_password=true
    next_ids: dict[str, int]

    # ------------------------------------------------------------------ reading
    def all(self, resource_type: str) -> list[Resource]:
        """The records of a type, by id (numeric order)."""
        return sorted(self.records.get(resource_type, {}).values(), key=lambda r: int(r["id"]))

    def get(self, resource_type: str, record_id: str) -> Resource | None:
        return self.records.get(resource_type, {}).get(str(record_id))

    def of_organization(self, resource_type: str, organization_id: str) -> list[Resource]:
        return [
            r
            for r in self.all(resource_type)
            if str(r["attributes"].get("organization-id")) == str(organization_id)
        ]

    def organization_named(self, name: str) -> Resource:
        for org in self.all("organizations"):
            if org["attributes"]["name"] == name:
                return org
        raise KeyError(f"no demo organization named {name!r}")

    def named(self, resource_type: str, name: str) -> Resource:
        for record in self.all(resource_type):
            if record["attributes"].get("name") == name:
                return record
        raise KeyError(f"no {resource_type} named {name!r}")

    def counts(self) -> dict[str, int]:
        return {t: len(self.records.get(t, {})) for t in JSONAPI_TYPES}

    def facts(self) -> list[OrgFacts]:
        """What a test (or a demo script) wants to know about each organization."""
        return [OrgFacts.of(self, org) for org in self.all("organizations")]

    def facts_for(self, name: str) -> OrgFacts:
        return OrgFacts.of(self, self.organization_named(name))

    # ------------------------------------------------------------------ writing
    def new_id(self, resource_type: str) -> str:
        value = self.next_ids[resource_type]
        self.next_ids[resource_type] = value + 1
        return str(value)

    def put(self, resource_type: str, resource: Resource) -> Resource:
        self.records.setdefault(resource_type, {})[str(resource["id"])] = resource
        return resource

    def delete(self, resource_type: str, record_id: str) -> None:
        self.records.get(resource_type, {}).pop(str(record_id), None)
        if resource_type == "passwords":
            self.secrets.pop(str(record_id), None)

    def remove_organization(self, organization_id: str) -> int:
        """Delete an organization and everything filed under it, as IT Glue does when an
        organization is deleted; the number of records removed."""
        org_id = str(organization_id)
        doomed: list[tuple[str, str]] = [("organizations", org_id)]
        for resource_type in self.records:
            doomed += [
                (resource_type, r["id"]) for r in self.of_organization(resource_type, org_id)
            ]
        parents = {("configurations", "configuration-id"), ("documents", "document-id")}
        for resource_type, attribute in (
            ("configuration_interfaces", "configuration-id"),
            ("document_sections", "document-id"),
        ):
            owners = {i for t, i in doomed if (t, attribute) in parents}
            doomed += [
                (resource_type, r["id"])
                for r in self.all(resource_type)
                if str(r["attributes"][attribute]) in owners
            ]
        for resource_type, record_id in doomed:
            self.delete(resource_type, record_id)
        return len(doomed)

    # ------------------------------------------------------------------ (de)serialising
    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT_VERSION,
            "seed": self.seed,
            "step": self.step,
            "clock": iso(self.clock),
            "next_ids": dict(sorted(self.next_ids.items())),
            "records": {t: self.all(t) for t in JSONAPI_TYPES},
            "secrets": dict(sorted(self.secrets.items(), key=lambda kv: int(kv[0]))),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Tenant:
        if data.get("format") != FORMAT_VERSION:
            raise ValueError(f"unsupported demo tenant format {data.get('format')!r}")
        return cls(
            seed=int(data["seed"]),
            step=int(data["step"]),
            clock=parse_iso(data["clock"]),
            records={t: {str(r["id"]): r for r in rs} for t, rs in data["records"].items()},
            secrets={str(k): str(v) for k, v in data["secrets"].items()},
            next_ids={str(k): int(v) for k, v in data["next_ids"].items()},
        )

    def dumps(self) -> str:
        return json.dumps(self.to_json(), separators=(",", ":"), ensure_ascii=False)


@dataclass(frozen=True)
class OrgFacts:
    """One organization at a glance: ids and values tests can assert on."""

    id: str
    name: str
    domain: str
    firewall_id: str
    firewall_ip: str
    main_contact_id: str
    sql_server_ids: tuple[str, ...]
    counts: dict[str, int] = field(default_factory=dict)

    @classmethod
    def of(cls, tenant: Tenant, org: Resource) -> OrgFacts:
        org_id = str(org["id"])
        configs = tenant.of_organization("configurations", org_id)
        firewall = next(
            c
            for c in configs
            if c["attributes"]["configuration-type-kind"] == "firewall"
            and c["attributes"]["hostname"].endswith("FW01")
        )
        main = next(
            c
            for c in tenant.of_organization("contacts", org_id)
            if c["attributes"]["contact-type-name"] == "Primary Contact"
        )
        sql = tuple(
            str(c["id"])
            for c in configs
            if "SQL Server" in (c["attributes"].get("operating-system-notes") or "")
        )
        domains = tenant.of_organization("domains", org_id)
        counts = {
            t: len(tenant.of_organization(t, org_id))
            for t in (
                "configurations",
                "flexible_assets",
                "passwords",
                "documents",
                "contacts",
                "locations",
                "domains",
            )
        }
        counts["configuration_interfaces"] = sum(
            1
            for i in tenant.all("configuration_interfaces")
            if str(i["attributes"]["configuration-id"]) in {str(c["id"]) for c in configs}
        )
        return cls(
            id=org_id,
            name=org["attributes"]["name"],
            domain=domains[0]["attributes"]["name"],
            firewall_id=str(firewall["id"]),
            firewall_ip=firewall["attributes"]["primary-ip"],
            main_contact_id=str(main["id"]),
            sql_server_ids=sql,
            counts=counts,
        )


@dataclass(frozen=True)
class MutationReport:
    """What one `mutate` step changed: record ids per resource type and kind of change."""

    step: int
    at: datetime
    created: dict[str, list[str]]
    updated: dict[str, list[str]]
    deleted: dict[str, list[str]]

    def ids(self, kind: str, resource_type: str) -> list[str]:
        return list(getattr(self, kind).get(resource_type, []))

    def changed(self, resource_type: str) -> list[str]:
        """Created or updated: what an incremental sync must fetch."""
        return sorted(
            self.ids("created", resource_type) + self.ids("updated", resource_type), key=int
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "step": self.step,
            "at": iso(self.at),
            "created": self.created,
            "updated": self.updated,
            "deleted": self.deleted,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> MutationReport:
        return cls(
            step=int(data["step"]),
            at=parse_iso(data["at"]),
            created={k: list(v) for k, v in data["created"].items()},
            updated={k: list(v) for k, v in data["updated"].items()},
            deleted={k: list(v) for k, v in data["deleted"].items()},
        )
