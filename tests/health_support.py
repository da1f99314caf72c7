"""What the documentation health report must find in the demo tenant, worked out from IT Glue's
records themselves (the tenant's JSON), not from gluekb's catalog or checks: the tests compare
the report with this, finding for finding.

The rules, as README's "Documentation health" section states them: expiries within 90 days or
past (domains, SSL certificate dates, warranties); documents and flexible assets not updated and
passwords not changed for more than 365 days; infrastructure configurations without a linked or
naming document, without a linked password, without a location; Tags pointing at records that do
not exist; flexible assets with a required field empty.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from gluekb_dev.demo.records import Tenant
from gluekb_dev.demo.server import TAG_TYPES

AS_OF = date(2026, 7, 1)  # the demo tenant's day (GENERATED_AT)
INFRASTRUCTURE = (
    "server", "firewall", "router", "switch", "nas", "san", "ups", "storage",
    "access point", "hypervisor", "virtual machine", "network device",
)  # fmt: skip
# The seeds' findings per organization (gluekb_dev/demo/generator/health_seeds.py), exactly.
SEEDED = {
    "Acme Corp": {"certificate_expiry": 2},
    "Contoso": {"certificate_expiry": 1, "broken_relationship": 1},
    "Fabrikam": {"certificate_expiry": 1, "configuration_without_location": 1},
    "Northwind Traders": {"broken_relationship": 1},
    "Globex": {"missing_required_fields": 1},
    "Initech": {"configuration_without_location": 1},
    "Bluebird Bakery": {},
}

Expected = set[tuple[str, str]]  # (finding kind, record source id)


def _day(value: Any) -> date | None:
    return date.fromisoformat(value[:10]) if isinstance(value, str) and len(value) >= 10 else None


def _sid(kind: str, record: dict[str, Any]) -> str:
    return f"itglue:{kind}:{record['id']}"


def _tags(asset: dict[str, Any]) -> list[tuple[str, str]]:
    """(resource type, id) of everything an asset's Tag fields point at."""
    return [
        (TAG_TYPES[value["type"]], str(item["id"]))
        for value in asset["attributes"]["traits"].values()
        if isinstance(value, dict) and isinstance(value.get("values"), list)
        for item in value["values"]
    ]


def _expiries(tenant: Tenant, org: str) -> Expected:
    found: Expected = set()
    for domain in tenant.of_organization("domains", org):
        due = _day(domain["attributes"].get("expires-on"))
        if due and (due - AS_OF).days <= 90:
            found.add(("domain_expiry", _sid("domains", domain)))
    for config in tenant.of_organization("configurations", org):
        due = _day(config["attributes"].get("warranty-expires-at"))
        if due and (due - AS_OF).days <= 90 and not config["attributes"].get("archived"):
            found.add(("warranty_expiry", _sid("configurations", config)))
    expiring = _expiring_fields(tenant)
    for asset in tenant.of_organization("flexible_assets", org):
        for key in expiring.get(asset["attributes"]["flexible-asset-type-id"], []):
            due = _day(asset["attributes"]["traits"].get(key))
            if due and (due - AS_OF).days <= 90:
                found.add(("certificate_expiry", _sid("flexible_assets", asset)))
    return found


def _expiring_fields(tenant: Tenant) -> dict[int, list[str]]:
    """Certificate types' expiration fields, by type id."""
    certificate_types = {
        int(t["id"])
        for t in tenant.all("flexible_asset_types")
        if re.search(r"ssl|tls|certificate", t["attributes"]["name"], re.I)
    }
    found: dict[int, list[str]] = {}
    for field in tenant.all("flexible_asset_fields"):
        attrs = field["attributes"]
        if attrs["flexible-asset-type-id"] in certificate_types and attrs.get("expiration"):
            found.setdefault(attrs["flexible-asset-type-id"], []).append(attrs["name-key"])
    return found


def _stale(tenant: Tenant, org: str) -> Expected:
    found: Expected = set()
    for kind, finding, attribute in (
        ("documents", "stale_document", "updated-at"),
        ("flexible_assets", "stale_flexible_asset", "updated-at"),
        ("passwords", "stale_password", "password-updated-at"),
    ):
        for record in tenant.of_organization(kind, org):
            when = _day(record["attributes"].get(attribute) or record["attributes"]["updated-at"])
            if when and (AS_OF - when).days > 365:
                found.add((finding, _sid(kind, record)))
    return found


def _infrastructure(config: dict[str, Any]) -> bool:
    words = config["attributes"]["configuration-type-name"].lower()
    return any(re.search(rf"\b{re.escape(t)}\b", words) for t in INFRASTRUCTURE)


def _linked(tenant: Tenant, org: str) -> dict[str, set[str]]:
    """configuration id -> the kinds of records linked to it (Tags, embedded passwords)."""
    linked: dict[str, set[str]] = {}
    for asset in tenant.of_organization("flexible_assets", org):
        tags = _tags(asset)
        kinds = {kind for kind, _ in tags}
        for kind, record_id in tags:
            if kind == "configurations":
                linked.setdefault(record_id, set()).update(kinds)
    for password in tenant.of_organization("passwords", org):
        attrs = password["attributes"]
        if attrs.get("resource-type") == "Configuration" and attrs.get("resource-id"):
            linked.setdefault(str(attrs["resource-id"]), set()).add("passwords")
    return linked


def _documents_text(tenant: Tenant, org: str) -> tuple[list[str], str]:
    documents = tenant.of_organization("documents", org)
    ids = {int(d["id"]) for d in documents}
    text = " ".join(
        s["attributes"]["content"]
        for s in tenant.all("document_sections")
        if int(s["attributes"]["document-id"]) in ids
    )
    return [d["attributes"]["name"].lower() for d in documents], text


def _configuration_gaps(tenant: Tenant, org: str) -> Expected:
    found: Expected = set()
    linked = _linked(tenant, org)
    titles, text = _documents_text(tenant, org)
    for config in tenant.of_organization("configurations", org):
        attrs = config["attributes"]
        if attrs.get("archived") or not _infrastructure(config):
            continue
        sid = _sid("configurations", config)
        kinds = linked.get(config["id"], set())
        ip = re.escape(attrs["primary-ip"])
        named = any(attrs["name"].lower() in t for t in titles) or re.search(
            rf"(?<![\d.]){ip}(?![\d.])", text
        )
        if "documents" not in kinds and not named:
            found.add(("configuration_without_document", sid))
        if "passwords" not in kinds:
            found.add(("configuration_without_password", sid))
        if not attrs.get("location-name"):
            found.add(("configuration_without_location", sid))
    return found


def _integrity(tenant: Tenant, org: str) -> Expected:
    found: Expected = set()
    required: dict[int, list[str]] = {}
    for field in tenant.all("flexible_asset_fields"):
        if field["attributes"]["required"]:
            attrs = field["attributes"]
            required.setdefault(attrs["flexible-asset-type-id"], []).append(attrs["name-key"])
    for asset in tenant.of_organization("flexible_assets", org):
        sid = _sid("flexible_assets", asset)
        if any(tenant.get(kind, record_id) is None for kind, record_id in _tags(asset)):
            found.add(("broken_relationship", sid))
        traits = asset["attributes"]["traits"]
        keys = required.get(asset["attributes"]["flexible-asset-type-id"], [])
        if any(traits.get(k) in (None, "", []) for k in keys):
            found.add(("missing_required_fields", sid))
    return found


def expected_findings(tenant: Tenant, organization: str) -> Expected:
    """(kind, record) of every finding the report must list for the organization (by name)."""
    org = tenant.organization_named(organization)["id"]
    return (
        _expiries(tenant, org)
        | _stale(tenant, org)
        | _configuration_gaps(tenant, org)
        | _integrity(tenant, org)
    )


def reported(report: dict[str, Any]) -> Expected:
    return {(f["kind"], f["record"]["id"]) for f in report["findings"]}
