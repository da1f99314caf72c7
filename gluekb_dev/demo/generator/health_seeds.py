"""Records that give the documentation health report a few of each finding the generated
tenant lacks (it already has expired domains, lapsed warranties, stale documents and passwords,
and servers without a password record): SSL certificates expired and expiring within 30/60/90
days, virtual machines with no location (nor document, nor password), Tags pointing at records
that no longer exist, and a certificate missing a required field.

They are new records only, added after everything else from their own random stream
(`random.Random(f"{seed}/health-seeds")`) and with ids from their own blocks (`SEED_ID_BASES`),
so every record the generator made before, every id it allocates next and every draw of a
mutation step stay exactly as they were (mutation steps never pick a seed: `is_health_seed`).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from gluekb_dev.demo import vocabulary
from gluekb_dev.demo.generator.builder import PORTAL, RecordBuilder, tag
from gluekb_dev.demo.generator.lookups import name_key
from gluekb_dev.demo.records import JSONAPI_TYPES, Resource, Tenant, iso

SEED_ID_BASES: dict[str, int] = {
    "configuration_types": 190,
    "flexible_asset_types": 90,
    "flexible_asset_fields": 9001,
    "configurations": 290001,
    "configuration_interfaces": 590001,
    "flexible_assets": 790001,
}
SEED_BLOCK = 1000  # ids from a base up to base + SEED_BLOCK are seeds
_RESOURCE_TYPES = {jsonapi: resource for resource, jsonapi in JSONAPI_TYPES.items()}
SEEDED_AT = datetime(2026, 6, 10, 9, 0, tzinfo=UTC)  # before the tenant's clock: it stays

CERTIFICATE_TYPE = "SSL Certificate"
# (name, kind, tag type, required, use for title, expiration)
CERTIFICATE_FIELDS: tuple[tuple[str, str, str | None, bool, bool, bool], ...] = (
    ("Common Name", "Text", None, True, True, False),
    ("Issuer", "Text", None, False, False, False),
    ("Expires", "Date", None, True, False, True),
    ("Hosts", "Tag", "Configurations", False, False, False),
    ("Domains", "Tag", "Domains", False, False, False),
    ("Notes", "Textbox", None, False, False, False),
)
VIRTUAL_MACHINE = "Virtual Machine"


@dataclass(frozen=True)
class Certificate:
    organization: str
    common_name: str
    issuer: str
    expires: str | None  # None: the required date was never filled in
    hosts: tuple[str, ...] = ()  # configuration names
    domains: tuple[str, ...] = ()
    gone_host: tuple[int, str] | None = None  # (id, name) of a configuration deleted since
    gone_domain: tuple[int, str] | None = None


# Judged on the tenant's day (2026-07-01): expired, within 30, 60 and 90 days, fine, no date.
CERTIFICATES: tuple[Certificate, ...] = (
    Certificate("Acme Corp", "*.acmecorp.com", "Sectigo RSA DV", "2026-05-20",
                hosts=("ACME-FW01",), domains=("acmecorp.com",)),
    Certificate("Acme Corp", "mail.acmecorp.com", "DigiCert TLS RSA", "2026-07-20",
                hosts=("ACME-EXCH01",), domains=("acmecorp.com",)),
    Certificate("Contoso", "vpn.contoso.com", "Let's Encrypt R11", "2026-08-21",
                hosts=("CTSO-FW01",), domains=("contoso.com",),
                gone_domain=(50999, "contoso-legacy.com")),
    Certificate("Fabrikam", "portal.fabrikam.com", "GoDaddy Secure CA G2", "2026-09-20",
                domains=("fabrikam.com",)),
    Certificate("Northwind Traders", "shop.northwindtraders.com", "Sectigo RSA DV",
                "2027-03-01", gone_host=(289999, "NWT-WEB01")),
    Certificate("Globex", "intranet.globex.com", "Globex Internal CA", None,
                hosts=("GLBX-FS01",)),
)  # fmt: skip
# Virtual machines someone added without a location (nor a document or a password).
VIRTUAL_MACHINES: tuple[tuple[str, str, str], ...] = (
    ("Fabrikam", "FABR-VM01", "10.30.10.90"),
    ("Initech", "INIT-VM01", "10.60.10.90"),
)


def is_health_seed(record: Resource) -> bool:
    """A record this module added (mutation steps leave them alone)."""
    base = SEED_ID_BASES.get(_RESOURCE_TYPES.get(str(record.get("type")), ""))
    return base is not None and base <= int(record["id"]) < base + SEED_BLOCK


class _Seeder:
    def __init__(self, tenant: Tenant, seed: int) -> None:
        self.tenant = tenant
        self.builder = RecordBuilder(tenant, random.Random(f"{seed}/health-seeds"), SEEDED_AT)
        self.next_ids = dict(SEED_ID_BASES)

    def add(self, resource_type: str, attributes: dict[str, Any]) -> Resource:
        record_id = str(self.next_ids[resource_type])
        self.next_ids[resource_type] += 1
        attrs = {**attributes, "created-at": iso(SEEDED_AT), "updated-at": iso(SEEDED_AT)}
        resource: Resource = {
            "id": record_id,
            "type": JSONAPI_TYPES[resource_type],
            "attributes": attrs,
        }
        return self.tenant.put(resource_type, resource)

    def org(self, name: str) -> Resource:
        return self.tenant.organization_named(name)

    def named(self, resource_type: str, organization: Resource, name: str) -> Resource:
        return next(
            r
            for r in self.tenant.of_organization(resource_type, organization["id"])
            if r["attributes"]["name"] == name
        )


def add_health_seeds(tenant: Tenant, seed: int) -> None:
    """Add the seeds to a freshly generated tenant (see the module's docstring)."""
    seeder = _Seeder(tenant, seed)
    certificate_type = _add_certificate_type(seeder)
    for certificate in CERTIFICATES:
        _add_certificate(seeder, certificate_type, certificate)
    vm_type = seeder.add("configuration_types", {"name": VIRTUAL_MACHINE, "kind": "virtual"})
    for organization, hostname, ip in VIRTUAL_MACHINES:
        _add_virtual_machine(seeder, vm_type, seeder.org(organization), hostname, ip)


def _add_certificate_type(seeder: _Seeder) -> Resource:
    asset_type = seeder.add(
        "flexible_asset_types",
        {
            "name": CERTIFICATE_TYPE,
            "description": "TLS certificates: where they are installed and when they expire",
            "icon": "lock",
            "enabled": True,
            "show-in-menu": True,
        },
    )
    for order, (name, kind, tag_type, required, title, expiration) in enumerate(
        CERTIFICATE_FIELDS, start=1
    ):
        seeder.add(
            "flexible_asset_fields",
            {
                "flexible-asset-type-id": int(asset_type["id"]),
                "order": order,
                "name": name,
                "kind": kind,
                "hint": None,
                "decimals": 0,
                "default-value": None,
                "tag-type": tag_type,
                "required": required,
                "use-for-title": title,
                "expiration": expiration,
                "show-in-list": True,
                "name-key": name_key(name),
            },
        )
    return asset_type


def _add_certificate(seeder: _Seeder, asset_type: Resource, certificate: Certificate) -> None:
    org = seeder.org(certificate.organization)
    hosts = tag(
        "Configurations", [seeder.named("configurations", org, h) for h in certificate.hosts]
    )
    domains = tag("Domains", [seeder.named("domains", org, d) for d in certificate.domains])
    if certificate.gone_host:
        record_id, name = certificate.gone_host
        hosts["values"].append({"id": record_id, "name": name})
    if certificate.gone_domain:
        record_id, name = certificate.gone_domain
        domains["values"].append({"id": record_id, "name": name})
    traits: dict[str, Any] = {
        "common-name": certificate.common_name,
        "issuer": certificate.issuer,
        "expires": certificate.expires,
        "hosts": hosts,
        "domains": domains,
        "notes": f"Serial {seeder.builder.pattern('XXXXXXXXXXXXXXXX')}; renew 30 days ahead.",
    }
    asset = seeder.add(
        "flexible_assets",
        {
            "organization-id": int(org["id"]),
            "organization-name": certificate.organization,
            "restricted": False,
            "my-glue": False,
            "flexible-asset-type-id": int(asset_type["id"]),
            "flexible-asset-type-name": CERTIFICATE_TYPE,
            "name": certificate.common_name,
            "traits": {
                k: v
                for k, v in traits.items()
                if v not in (None, [], "") and not (isinstance(v, dict) and not v["values"])
            },
            "archived": False,
        },
    )
    asset["attributes"]["resource-url"] = (
        f"{PORTAL}/{org['id']}/assets/{asset_type['id']}-{name_key(CERTIFICATE_TYPE)}"
        f"/records/{asset['id']}"
    )


def _add_virtual_machine(
    seeder: _Seeder, vm_type: Resource, org: Resource, hostname: str, ip: str
) -> None:
    builder = seeder.builder
    device = vocabulary.SERVERS[0]
    mac = builder.mac("00:15:5D")  # Hyper-V's OUI
    attrs = org["attributes"]
    config = seeder.add(
        "configurations",
        {
            "organization-id": int(org["id"]),
            "organization-name": attrs["name"],
            "organization-short-name": attrs["short-name"],
            "name": hostname,
            "hostname": hostname,
            "primary-ip": ip,
            "mac-address": mac,
            "default-gateway": ip.rsplit(".", 1)[0] + ".1",
            "serial-number": builder.pattern("VMXXXX-XXXX-XXXX"),
            "asset-tag": None,
            "position": None,
            "installed-by": "Demo MSP",
            "purchased-by": None,
            "notes": "Virtual machine added during a migration; documentation to follow.",
            "operating-system-notes": device.os,
            "configuration-type-id": int(vm_type["id"]),
            "configuration-type-name": VIRTUAL_MACHINE,
            "configuration-type-kind": "virtual",
            "configuration-status-id": builder.lookup_id("configuration_statuses", "Active"),
            "configuration-status-name": "Active",
            "manufacturer-id": None,
            "manufacturer-name": None,
            "model-id": None,
            "model-name": None,
            "operating-system-id": builder.lookup_id("operating_systems", device.os)
            if device.os
            else None,
            "operating-system-name": device.os,
            "location-id": None,
            "location-name": None,
            "contact-id": None,
            "contact-name": None,
            "warranty-expires-at": None,
            "installed-at": None,
            "purchased-at": None,
            "restricted": False,
            "archived": False,
        },
    )
    config["attributes"]["resource-url"] = builder.url(org["id"], "configurations", config["id"])
    _add_interface(seeder, config, ip, mac)


def _add_interface(seeder: _Seeder, config: Resource, ip: str, mac: str) -> None:
    seeder.add(
        "configuration_interfaces",
        {
            "configuration-id": int(config["id"]),
            "name": "Ethernet",
            "ip-address": ip,
            "mac-address": mac,
            "primary": True,
            "notes": None,
        },
    )
