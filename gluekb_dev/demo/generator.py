"""Builds the demo MSP tenant, and changes it step by step. Deterministic: one seeded
`random.Random` drives every choice, and records are visited in id order, so the same seed gives
the same tenant byte for byte, and the same step the same changes.

Shape (seed independent): 7 client organizations from 5 to 452 configurations (1,093 in all),
each with a FortiGate at `10.<10*n>.0.1`, interfaces with private IPs and vendor MACs, servers of
which some run SQL Server, six flexible asset types whose Tag fields link assets to
configurations, contacts, passwords, documents, domains and locations, password metadata with the
values kept apart, 203 documents with HTML sections (headings, lists, steps, code blocks), a main
contact per organization, locations and email domains.
"""

from __future__ import annotations

import random
import string
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from html import escape
from typing import Any

from gluekb_dev.demo import vocabulary
from gluekb_dev.demo.tenant import JSONAPI_TYPES, MutationReport, Resource, Tenant, iso, parse_iso
from gluekb_dev.demo.vocabulary import DeviceModel, OrgProfile

DEFAULT_SEED = 42
HISTORY_START = datetime(2023, 1, 2, tzinfo=UTC)
GENERATED_AT = datetime(2026, 7, 1, tzinfo=UTC)
PORTAL = "https://demo-msp.itglue.com"

ID_BASES: dict[str, int] = {
    "organizations": 1001,
    "configuration_types": 101,
    "configuration_statuses": 201,
    "manufacturers": 301,
    "models": 401,
    "operating_systems": 601,
    "configurations": 200001,
    "configuration_interfaces": 500001,
    "flexible_asset_types": 31,
    "flexible_asset_fields": 3101,
    "flexible_assets": 700001,
    "passwords": 800001,
    "documents": 900001,
    "document_sections": 1000001,
    "contacts": 300001,
    "locations": 40001,
    "domains": 50001,
    "related_items": 2000001,
}

# Flexible asset types: (name, icon, description, fields). A field is
# (name, kind, tag_type or None, use_for_title).
FLEXIBLE_ASSET_TYPES: tuple[
    tuple[str, str, str, tuple[tuple[str, str, str | None, bool], ...]], ...
] = (
    (
        "Network",
        "sitemap",
        "LAN segments: subnet, VLAN, gateway and DHCP",
        (
            ("Name", "Text", None, True),
            ("Subnet", "Text", None, False),
            ("VLAN", "Number", None, False),
            ("Gateway", "Tag", "Configurations", False),
            ("DHCP Server", "Tag", "Configurations", False),
            ("Site", "Tag", "Locations", False),
            ("Notes", "Textbox", None, False),
        ),
    ),
    (
        "Email",
        "envelope",
        "Email platform information",
        (
            ("Name", "Text", None, True),
            ("Type", "Select", None, False),
            ("Domains", "Tag", "Domains", False),
            ("Email Servers", "Tag", "Configurations", False),
            ("Admin Credentials", "Tag", "Passwords", False),
            ("Webmail URL", "Text", None, False),
            ("Inbound Delivery", "Select", None, False),
        ),
    ),
    (
        "Backup",
        "hdd-o",
        "Backup jobs, servers and runbooks",
        (
            ("Name", "Text", None, True),
            ("Backup Software", "Select", None, False),
            ("Backup Server", "Tag", "Configurations", False),
            ("Protected Servers", "Tag", "Configurations", False),
            ("Retention", "Text", None, False),
            ("Runbook", "Tag", "Documents", False),
            ("Service Account", "Tag", "Passwords", False),
        ),
    ),
    (
        "Line-of-Business App",
        "cubes",
        "Business applications, where they run and who supports them",
        (
            ("Application Name", "Text", None, True),
            ("Vendor", "Text", None, False),
            ("Version", "Text", None, False),
            ("Application Servers", "Tag", "Configurations", False),
            ("Database Server", "Tag", "Configurations", False),
            ("Vendor Support", "Tag", "Contacts", False),
            ("Key Users", "Tag", "Contacts", False),
            ("Admin Credentials", "Tag", "Passwords", False),
            ("Documentation", "Tag", "Documents", False),
        ),
    ),
    (
        "Wireless",
        "wifi",
        "Wireless networks",
        (
            ("SSID", "Text", None, True),
            ("Security", "Select", None, False),
            ("VLAN", "Number", None, False),
            ("Access Points", "Tag", "Configurations", False),
            ("Pre-Shared Key", "Tag", "Passwords", False),
        ),
    ),
    (
        "Internet / WAN",
        "globe",
        "Internet circuits",
        (
            ("Provider", "Text", None, True),
            ("Circuit ID", "Text", None, False),
            ("Bandwidth", "Text", None, False),
            ("Public IP", "Text", None, False),
            ("Firewall", "Tag", "Configurations", False),
            ("Site", "Tag", "Locations", False),
        ),
    ),
)


def name_key(name: str) -> str:
    """IT Glue's `name-key` of a field: lower case, words joined by hyphens."""
    out = "".join(ch.lower() if ch.isalnum() else "-" for ch in name)
    return "-".join(part for part in out.split("-") if part)


# --------------------------------------------------------------------------- building blocks
class _Builder:
    """Id allocation, timestamps and record construction over one `Tenant`."""

    def __init__(self, tenant: Tenant, rng: random.Random, now: datetime) -> None:
        self.tenant = tenant
        self.rng = rng
        self.now = now

    # ---------------------------------------------------------------- primitives
    def add(
        self,
        resource_type: str,
        attributes: dict[str, Any],
        *,
        created: datetime | None = None,
        updated: datetime | None = None,
    ) -> Resource:
        record_id = self.tenant.new_id(resource_type)
        if created is None:
            created, updated = self.history()
        attrs = dict(attributes)
        attrs["created-at"] = iso(created)
        attrs["updated-at"] = iso(updated or created)
        resource: Resource = {
            "id": record_id,
            "type": JSONAPI_TYPES[resource_type],
            "attributes": attrs,
        }
        return self.tenant.put(resource_type, resource)

    def history(self) -> tuple[datetime, datetime]:
        """A created-at in the tenant's past, and an updated-at after it (before `now`)."""
        span = (self.now - HISTORY_START).total_seconds()
        created = HISTORY_START + timedelta(seconds=int(self.rng.random() * span * 0.9))
        rest = (self.now - created).total_seconds()
        updated = created + timedelta(seconds=int(self.rng.random() * rest))
        return created, updated

    def lookup_id(self, resource_type: str, name: str) -> int:
        return int(self.tenant.named(resource_type, name)["id"])

    def pattern(self, template: str) -> str:
        out = []
        for ch in template:
            if ch == "A":
                out.append(self.rng.choice(string.ascii_uppercase))
            elif ch == "9":
                out.append(self.rng.choice(string.digits))
            elif ch == "X":
                out.append(self.rng.choice(string.ascii_uppercase + string.digits))
            else:
                out.append(ch)
        return "".join(out)

    def mac(self, oui: str) -> str:
        return oui + "".join(f":{self.rng.randrange(256):02X}" for _ in range(3))

    def secret(self) -> str:
        alphabet = string.ascii_letters + string.digits + "!#$%&*+-=?@^_"
        while True:
            value = "".join(self.rng.choice(alphabet) for _ in range(18))
            if any(c.isdigit() for c in value) and any(not c.isalnum() for c in value):
                return value

    def person(self) -> tuple[str, str]:
        return self.rng.choice(vocabulary.FIRST_NAMES), self.rng.choice(vocabulary.LAST_NAMES)

    def url(self, org_id: int | str, kind: str, record_id: str) -> str:
        return f"{PORTAL}/{org_id}/{kind}/{record_id}"

    # ---------------------------------------------------------------- records
    def configuration(
        self,
        org: Resource,
        device: DeviceModel,
        hostname: str,
        ip: str,
        *,
        type_name: str,
        notes: str | None = None,
        os_notes: str | None = None,
        location: Resource | None = None,
        contact: Resource | None = None,
        extra_interfaces: Sequence[tuple[str, str | None, str | None]] = (),
        created: datetime | None = None,
        status: str = "Active",
    ) -> Resource:
        org_attrs = org["attributes"]
        mac = self.mac(device.oui)
        attrs: dict[str, Any] = {
            "organization-id": int(org["id"]),
            "organization-name": org_attrs["name"],
            "organization-short-name": org_attrs["short-name"],
            "name": hostname,
            "hostname": hostname,
            "primary-ip": ip,
            "mac-address": mac,
            "default-gateway": ip.rsplit(".", 1)[0] + ".1" if not ip.endswith(".1") else None,
            "serial-number": self.pattern(device.serial),
            "asset-tag": f"{org_attrs['short-name'].upper()}-{self.rng.randrange(10000, 99999)}",
            "position": None,
            "installed-by": "Demo MSP",
            "purchased-by": None,
            "notes": notes,
            "operating-system-notes": os_notes,
            "configuration-type-id": self.lookup_id("configuration_types", type_name),
            "configuration-type-name": type_name,
            "configuration-type-kind": device.kind,
            "configuration-status-id": self.lookup_id("configuration_statuses", status),
            "configuration-status-name": status,
            "manufacturer-id": self.lookup_id("manufacturers", device.manufacturer),
            "manufacturer-name": device.manufacturer,
            "model-id": self.lookup_id("models", device.model),
            "model-name": device.model,
            "operating-system-id": self.lookup_id("operating_systems", device.os)
            if device.os
            else None,
            "operating-system-name": device.os,
            "location-id": int(location["id"]) if location else None,
            "location-name": location["attributes"]["name"] if location else None,
            "contact-id": int(contact["id"]) if contact else None,
            "contact-name": contact["attributes"]["name"] if contact else None,
            "warranty-expires-at": (
                f"{self.rng.randrange(2026, 2030)}-{self.rng.randrange(1, 13):02d}-28"
            ),
            "installed-at": None,
            "purchased-at": None,
            "restricted": False,
            "archived": False,
        }
        if created is None:
            created, updated = self.history()
        else:
            updated = created
        config = self.add("configurations", attrs, created=created, updated=updated)
        config["attributes"]["resource-url"] = self.url(org["id"], "configurations", config["id"])
        nic = "internal" if device.kind == "firewall" else "Ethernet"
        self.interface(config, nic, ip, mac, primary=True)
        for name, extra_ip, extra_mac in extra_interfaces:
            self.interface(config, name, extra_ip, extra_mac or self.mac(device.oui), primary=False)
        return config

    def interface(
        self, config: Resource, name: str, ip: str | None, mac: str | None, *, primary: bool
    ) -> Resource:
        created = parse_iso(config["attributes"]["created-at"])
        updated = parse_iso(config["attributes"]["updated-at"])
        return self.add(
            "configuration_interfaces",
            {
                "configuration-id": int(config["id"]),
                "name": name,
                "ip-address": ip,
                "mac-address": mac,
                "primary": primary,
                "notes": None,
            },
            created=created,
            updated=updated,
        )

    def password(
        self,
        org: Resource,
        name: str,
        *,
        category: str,
        username: str | None = None,
        url: str | None = None,
        notes: str | None = None,
        resource: tuple[str, Resource] | None = None,
        created: datetime | None = None,
    ) -> Resource:
        attrs: dict[str, Any] = {
            "organization-id": int(org["id"]),
            "organization-name": org["attributes"]["name"],
            "restricted": False,
            "my-glue": False,
            "name": name,
            "autofill-selectors": None,
            "username": username,
            "url": url,
            "notes": notes,
            "updated-by": None,
            "resource-id": int(resource[1]["id"]) if resource else None,
            "resource-type": resource[0] if resource else None,
            "cached-resource-type-name": resource[0] if resource else None,
            "cached-resource-name": resource[1]["attributes"]["name"] if resource else None,
            "password-category-id": vocabulary.PASSWORD_CATEGORIES.index(category) + 1,
            "password-category-name": category,
            "archived": False,
        }
        if created is None:
            created, updated = self.history()
        else:
            updated = created
        attrs["password-updated-at"] = iso(updated)
        record = self.add("passwords", attrs, created=created, updated=updated)
        record["attributes"]["resource-url"] = self.url(org["id"], "passwords", record["id"])
        self.tenant.secrets[record["id"]] = self.secret()
        return record

    def contact(
        self,
        org: Resource,
        first: str,
        last: str,
        *,
        title: str,
        contact_type: str,
        email: str,
        important: bool = False,
        location: Resource | None = None,
        notes: str | None = None,
        created: datetime | None = None,
    ) -> Resource:
        phone = f"{self.rng.randrange(201, 989)}555{self.rng.randrange(1000, 9999)}"
        attrs = {
            "organization-id": int(org["id"]),
            "organization-name": org["attributes"]["name"],
            "name": f"{first} {last}",
            "first-name": first,
            "last-name": last,
            "title": title,
            "contact-type-id": vocabulary.CONTACT_TYPES.index(contact_type) + 1,
            "contact-type-name": contact_type,
            "location-id": int(location["id"]) if location else None,
            "location-name": location["attributes"]["name"] if location else None,
            "important": important,
            "notes": notes,
            "restricted": False,
            "contact-emails": [{"value": email, "primary": True, "label-name": "Work"}],
            "contact-phones": [
                {
                    "value": phone,
                    "extension": None,
                    "primary": True,
                    "label-name": "Work",
                    "label-type": "phone",
                    "formatted-value": f"({phone[:3]}) {phone[3:6]}-{phone[6:]}",
                }
            ],
        }
        if created is None:
            record = self.add("contacts", attrs)
        else:
            record = self.add("contacts", attrs, created=created, updated=created)
        record["attributes"]["resource-url"] = self.url(org["id"], "contacts", record["id"])
        return record

    def document(
        self,
        org: Resource,
        title: str,
        sections: Sequence[tuple[str, str, int | None]],
        *,
        created: datetime | None = None,
    ) -> Resource:
        attrs = {
            "organization-id": int(org["id"]),
            "organization-name": org["attributes"]["name"],
            "name": title,
            "restricted": False,
            "public": False,
            "archived": False,
            "published": True,
            "document-folder-id": None,
        }
        if created is None:
            created, updated = self.history()
        else:
            updated = created
        doc = self.add("documents", attrs, created=created, updated=updated)
        doc["attributes"]["resource-url"] = self.url(org["id"], "documents", doc["id"])
        for position, (section_type, content, level) in enumerate(sections, start=1):
            self.section(doc, section_type, content, level, position, created, updated)
        return doc

    def section(
        self,
        doc: Resource,
        section_type: str,
        content: str,
        level: int | None,
        sort: int,
        created: datetime,
        updated: datetime,
    ) -> Resource:
        record_id = self.tenant.new_id("document_sections")
        attrs = {
            "document-id": int(doc["id"]),
            "resource-type": section_type,
            "resource-id": int(record_id) + 7_000_000,
            "content": content,
            "rendered-content": content,
            "level": level,
            "duration": 10 if section_type == "Document::Step" else None,
            "sort": sort,
            "created-at": iso(created),
            "updated-at": iso(updated),
        }
        resource: Resource = {"id": record_id, "type": "document-sections", "attributes": attrs}
        return self.tenant.put("document_sections", resource)

    def relate(
        self, source: tuple[str, Resource], target: tuple[str, Resource], notes: str
    ) -> None:
        created = parse_iso(source[1]["attributes"]["created-at"])
        self.add(
            "related_items",
            {
                "resource-id": int(source[1]["id"]),
                "resource-type": source[0],
                "resource-name": source[1]["attributes"].get("name"),
                "destination-id": int(target[1]["id"]),
                "destination-type": target[0],
                "destination-name": target[1]["attributes"].get("name"),
                "notes": notes,
            },
            created=created,
            updated=created,
        )


def tag(tag_type: str, records: Iterable[Resource]) -> dict[str, Any]:
    """A Tag trait value as IT Glue returns it."""
    values: list[dict[str, Any]] = []
    for record in records:
        attrs = record["attributes"]
        item: dict[str, Any] = {"id": int(record["id"]), "name": attrs.get("name")}
        if "organization-name" in attrs:
            item["organization-name"] = attrs["organization-name"]
        if tag_type == "Configurations":
            item["hostname"] = attrs.get("hostname")
            item["configuration-type-name"] = attrs.get("configuration-type-name")
            item["primary-ip"] = attrs.get("primary-ip")
        if tag_type == "Contacts":
            item["title"] = attrs.get("title")
        if tag_type == "Passwords":
            item["username"] = attrs.get("username")  # never the value
        values.append(item)
    return {"type": tag_type, "values": values}


# --------------------------------------------------------------------------- the organization
@dataclass
class _OrgAssets:
    org: Resource
    profile: OrgProfile
    base: str  # "10.10"
    locations: list[Resource] = field(default_factory=list)
    domains: list[Resource] = field(default_factory=list)
    main_contact: Resource | None = None
    vendor_contacts: list[Resource] = field(default_factory=list)
    employees: list[Resource] = field(default_factory=list)
    firewalls: list[Resource] = field(default_factory=list)
    router: Resource | None = None
    switches: list[Resource] = field(default_factory=list)
    access_points: list[Resource] = field(default_factory=list)
    servers: dict[str, Resource] = field(default_factory=dict)  # role suffix -> config
    sql_servers: list[Resource] = field(default_factory=list)
    nas: Resource | None = None
    ups: Resource | None = None
    printers: list[Resource] = field(default_factory=list)
    endpoints: list[Resource] = field(default_factory=list)
    passwords: dict[str, Resource] = field(default_factory=dict)
    documents: dict[str, Resource] = field(default_factory=dict)


def _build_lookups(b: _Builder) -> None:
    at = HISTORY_START
    for name, kind in vocabulary.CONFIGURATION_TYPES:
        b.add("configuration_types", {"name": name, "kind": kind}, created=at)
    for name in vocabulary.CONFIGURATION_STATUSES:
        b.add("configuration_statuses", {"name": name}, created=at)
    devices = [
        *vocabulary.FIREWALLS.values(),
        vocabulary.ROUTER,
        *vocabulary.SWITCHES,
        *vocabulary.ACCESS_POINTS,
        *vocabulary.SERVERS,
        vocabulary.NAS,
        vocabulary.UPS,
        *vocabulary.PRINTERS,
        *vocabulary.WORKSTATIONS,
        *vocabulary.LAPTOPS,
    ]
    manufacturers: dict[str, Resource] = {}
    for device in devices:
        if device.manufacturer not in manufacturers:
            manufacturers[device.manufacturer] = b.add(
                "manufacturers", {"name": device.manufacturer}, created=at
            )
    seen_models: set[str] = set()
    operating_systems: set[str] = set()
    for device in devices:
        if device.model not in seen_models:
            seen_models.add(device.model)
            b.add(
                "models",
                {
                    "name": device.model,
                    "manufacturer-id": int(manufacturers[device.manufacturer]["id"]),
                },
                created=at,
            )
        if device.os:
            operating_systems.add(device.os)
    for os_name in sorted(operating_systems):
        b.add("operating_systems", {"name": os_name}, created=at)
    for type_name, icon, description, fields in FLEXIBLE_ASSET_TYPES:
        fat = b.add(
            "flexible_asset_types",
            {
                "name": type_name,
                "description": description,
                "icon": icon,
                "enabled": True,
                "show-in-menu": True,
            },
            created=at,
        )
        for order, (field_name, kind, tag_type, title) in enumerate(fields, start=1):
            b.add(
                "flexible_asset_fields",
                {
                    "flexible-asset-type-id": int(fat["id"]),
                    "order": order,
                    "name": field_name,
                    "kind": kind,
                    "hint": None,
                    "decimals": 0,
                    "default-value": None,
                    "tag-type": tag_type,
                    "required": title,
                    "use-for-title": title,
                    "expiration": False,
                    "show-in-list": True,
                    "name-key": name_key(field_name),
                },
                created=at,
            )


def _build_organization(b: _Builder, index: int, profile: OrgProfile) -> _OrgAssets:
    rng = b.rng
    created = HISTORY_START + timedelta(days=7 * index)
    org = b.add(
        "organizations",
        {
            "name": profile.name,
            "short-name": profile.short.lower(),
            "description": profile.description,
            "alert": None,
            "quick-notes": f"Email: {profile.email_platform}. ISP: {profile.isp}.",
            "organization-type-id": 1,
            "organization-type-name": "Customer",
            "organization-status-id": 1,
            "organization-status-name": "Active",
            "primary": False,
            "logo": "",
            "parent-id": None,
        },
        created=created,
        updated=created + timedelta(days=30),
    )
    assets = _OrgAssets(org=org, profile=profile, base=f"10.{10 * (index + 1)}")
    org_id = int(org["id"])

    for n, city in enumerate(profile.locations):
        location = b.add(
            "locations",
            {
                "organization-id": org_id,
                "organization-name": profile.name,
                "name": f"{city} HQ" if n == 0 else f"{city} Office",
                "primary": n == 0,
                "address-1": f"{rng.randrange(100, 9999)} {rng.choice(vocabulary.STREETS)}",
                "address-2": None if n else f"Suite {rng.randrange(100, 600)}",
                "city": city,
                "postal-code": f"{rng.randrange(10000, 99999)}",
                "region-name": None,
                "country-name": "United States",
                "phone": f"{rng.randrange(201, 989)}555{rng.randrange(1000, 9999)}",
                "fax": None,
                "notes": None,
                "restricted": False,
            },
        )
        location["attributes"]["resource-url"] = b.url(org_id, "locations", location["id"])
        assets.locations.append(location)
    hq = assets.locations[0]

    domain_names = [profile.domain]
    if profile.configurations >= 150:
        domain_names.append(profile.domain.rsplit(".", 1)[0] + ".net")
    for name in domain_names:
        domain = b.add(
            "domains",
            {
                "organization-id": org_id,
                "organization-name": profile.name,
                "name": name,
                "registrar-name": rng.choice(vocabulary.REGISTRARS),
                "expires-on": f"{rng.randrange(2026, 2030)}-{rng.randrange(1, 13):02d}-15",
                "notes": "Email domain (MX, SPF, DKIM, DMARC)" if name == profile.domain else None,
            },
        )
        domain["attributes"]["resource-url"] = b.url(org_id, "domains", domain["id"])
        assets.domains.append(domain)

    first, last = b.person()
    assets.main_contact = b.contact(
        org,
        first,
        last,
        title=rng.choice(vocabulary.MAIN_CONTACT_TITLES),
        contact_type="Primary Contact",
        email=f"{first}.{last}@{profile.domain}".lower(),
        important=True,
        location=hq,
        notes="Main contact: approves changes, purchases and new users.",
    )
    for app, vendor, _ in profile.lob_apps:
        slug = "".join(ch for ch in vendor.lower() if ch.isalnum())
        assets.vendor_contacts.append(
            b.contact(
                org,
                vendor,
                "Support",
                title=f"{app} support desk",
                contact_type="Vendor",
                email=f"support@{slug}.example",
            )
        )
    for _ in range(max(0, profile.contacts - 1 - len(profile.lob_apps))):
        first, last = b.person()
        assets.employees.append(
            b.contact(
                org,
                first,
                last,
                title=rng.choice(vocabulary.TITLES),
                contact_type=rng.choice(
                    ("Employee", "Employee", "Employee", "Approver", "Billing")
                ),
                email=f"{first[0]}{last}@{profile.domain}".lower(),
                location=rng.choice(assets.locations),
            )
        )

    _build_configurations(b, assets)
    _build_passwords(b, assets)
    _build_documents(b, assets)
    _build_flexible_assets(b, assets)
    return assets


def _build_configurations(b: _Builder, a: _OrgAssets) -> None:
    rng = b.rng
    p = a.profile
    n = p.configurations
    hq = a.locations[0]
    short = p.short
    size = "large" if n >= 200 else "medium" if n >= 60 else "small"
    firewall_model = vocabulary.FIREWALLS[size]
    remaining = n

    def take(count: int) -> int:
        nonlocal remaining
        count = max(0, min(count, remaining))
        remaining -= count
        return count

    wan = f"203.0.113.{10 + 10 * (int(a.org['id']) - 1000)}"
    for k in range(1, 1 + take(2 if n >= 200 else 1)):
        ip = f"{a.base}.0.{k}"
        a.firewalls.append(
            b.configuration(
                a.org,
                firewall_model,
                f"{short}-FW{k:02d}",
                ip,
                type_name="Firewall",
                notes=(
                    f"Edge firewall for {hq['attributes']['name']}. LAN gateway {a.base}.0.1, "
                    f"WAN {wan} ({p.isp}). SSL VPN on port 10443."
                    + (" HA pair (active-passive) with FW02." if n >= 200 else "")
                ),
                os_notes=f"{firewall_model.os}, FortiGuard UTP bundle",
                location=hq,
                extra_interfaces=(
                    ("wan1", wan if k == 1 else None, None),
                    ("dmz", f"172.16.{10 * (int(a.org['id']) - 1000)}.{k}", None),
                ),
            )
        )
    if n >= 100 and take(1):
        a.router = b.configuration(
            a.org,
            vocabulary.ROUTER,
            f"{short}-RTR01",
            f"{a.base}.0.254",
            type_name="Router",
            notes=f"{p.isp} handoff router (managed by the ISP, read-only access).",
            location=hq,
        )
    switch_model = vocabulary.SWITCHES[0 if n >= 200 else 2 if n >= 100 else 3]
    for k in range(1, 1 + take(max(1, n // 30) if n >= 30 else 0)):
        model = vocabulary.SWITCHES[1] if (n >= 200 and k == 1) else switch_model
        a.switches.append(
            b.configuration(
                a.org,
                model,
                f"{short}-SW{k:02d}",
                f"{a.base}.0.{10 + k}",
                type_name="Switch",
                notes="Core switch; VLANs 1 (mgmt), 10 (servers), 20 (users), 30 (printers)"
                if k == 1
                else None,
                location=a.locations[(k - 1) % len(a.locations)],
            )
        )
    ap_model = vocabulary.ACCESS_POINTS[0 if n < 60 else 1 if n >= 200 else 2]
    for k in range(1, 1 + take(max(1, n // 25))):
        a.access_points.append(
            b.configuration(
                a.org,
                ap_model,
                f"{short}-AP{k:02d}",
                f"{a.base}.0.{50 + k}",
                type_name="Wireless Access Point",
                location=a.locations[(k - 1) % len(a.locations)],
            )
        )

    roles: list[tuple[str, str]] = []
    if n >= 30:
        server_count = min(max(2, n // 20), len(vocabulary.SERVER_ROLES) + p.sql_servers + 1)
        base_roles = list(vocabulary.SERVER_ROLES)
        if p.email_platform.startswith("Exchange"):
            base_roles.insert(2, ("EXCH01", f"Microsoft {p.email_platform} mailbox server"))
        sql_roles = [
            (f"SQL{k:02d}", f"Microsoft SQL Server host for line-of-business databases (#{k})")
            for k in range(1, p.sql_servers + 1)
        ]
        # Roles in priority order: DC01, FS01, then SQL servers, then the rest.
        roles = base_roles[:2] + sql_roles + base_roles[2:]
        roles = roles[: max(server_count, 2 + p.sql_servers)]
    for k, (suffix, role) in enumerate(roles[: take(len(roles))], start=1):
        device = vocabulary.SERVERS[k % len(vocabulary.SERVERS)]
        os_notes = device.os
        if suffix.startswith("SQL"):
            edition = "2022 Standard" if k % 2 else "2019 Standard"
            os_notes = f"{device.os}; Microsoft SQL Server {edition} (MSSQLSERVER, port 1433)"
        server = b.configuration(
            a.org,
            device,
            f"{short}-{suffix}",
            f"{a.base}.10.{10 + k}",
            type_name="Managed Server",
            notes=role,
            os_notes=os_notes,
            location=hq,
            extra_interfaces=(
                ("iDRAC" if device.manufacturer == "Dell" else "iLO", f"{a.base}.1.{10 + k}", None),
            ),
        )
        a.servers[suffix] = server
        if suffix.startswith("SQL"):
            a.sql_servers.append(server)
    if n >= 60 and take(1):
        a.nas = b.configuration(
            a.org,
            vocabulary.NAS,
            f"{short}-NAS01",
            f"{a.base}.10.200",
            type_name="NAS",
            notes="Backup repository (Veeam) and scanned documents share.",
            location=hq,
        )
    if n >= 30 and take(1):
        a.ups = b.configuration(
            a.org,
            vocabulary.UPS,
            f"{short}-UPS01",
            f"{a.base}.10.250",
            type_name="UPS",
            notes="Server rack UPS; network management card, shutdown via PowerChute.",
            location=hq,
        )
    for k in range(1, 1 + take(max(1, n // 22))):
        a.printers.append(
            b.configuration(
                a.org,
                vocabulary.PRINTERS[k % len(vocabulary.PRINTERS)],
                f"{short}-PRN{k:02d}",
                f"{a.base}.30.{10 + k}",
                type_name="Printer",
                location=a.locations[(k - 1) % len(a.locations)],
            )
        )
    people = a.employees or ([a.main_contact] if a.main_contact else [])
    for k in range(1, 1 + take(remaining)):
        laptop = k % 3 != 0 or n < 10
        device = rng.choice(vocabulary.LAPTOPS if laptop else vocabulary.WORKSTATIONS)
        prefix = "LT" if laptop else "WS"
        ip = f"{a.base}.{20 + (k - 1) // 240}.{10 + (k - 1) % 240}"
        extra: tuple[tuple[str, str | None, str | None], ...] = (
            (("Wi-Fi", None, None),) if laptop else ()
        )
        a.endpoints.append(
            b.configuration(
                a.org,
                device,
                f"{short}-{prefix}{k:04d}",
                ip,
                type_name="Laptop" if laptop else "Workstation",
                location=rng.choice(a.locations),
                contact=rng.choice(people) if people else None,
                extra_interfaces=extra,
                status="In Repair" if rng.random() < 0.02 else "Active",
            )
        )


def _build_passwords(b: _Builder, a: _OrgAssets) -> None:
    p = a.profile
    org = a.org
    short = p.short
    fw = a.firewalls[0]
    a.passwords["firewall"] = b.password(
        org,
        f"FortiGate admin - {fw['attributes']['name']}",
        category="Network",
        username="admin",
        url=f"https://{fw['attributes']['primary-ip']}:8443",
        resource=("Configuration", fw),
        notes="Local super_admin; MFA via FortiToken.",
    )
    if "DC01" in a.servers:
        a.passwords["domain_admin"] = b.password(
            org,
            "Domain Administrator",
            category="Active Directory",
            username=f"{short}\\Administrator",
            notes="Break-glass only; use named admin accounts.",
        )
    if p.email_platform == "Google Workspace":
        a.passwords["email_admin"] = b.password(
            org,
            "Google Workspace Super Admin",
            category="Cloud",
            username=f"admin@{p.domain}",
            url="https://admin.google.com",
        )
    else:
        a.passwords["email_admin"] = b.password(
            org,
            "Microsoft 365 Global Admin",
            category="Cloud",
            username=f"admin@{p.domain.split('.')[0]}.onmicrosoft.com",
            url="https://admin.microsoft.com",
        )
    if "EXCH01" in a.servers:
        a.passwords["exchange_admin"] = b.password(
            org,
            "Exchange Organization Admin",
            category="Application",
            username=f"{short}\\exadmin",
            url=f"https://mail.{p.domain}/ecp",
            resource=("Configuration", a.servers["EXCH01"]),
        )
    for server in a.sql_servers:
        a.passwords[f"sql:{server['id']}"] = b.password(
            org,
            f"SQL sa - {server['attributes']['name']}",
            category="Database",
            username="sa",
            resource=("Configuration", server),
            notes="SQL authentication enabled for the LOB app.",
        )
    if "BKP01" in a.servers:
        a.passwords["backup"] = b.password(
            org,
            "Veeam Service Account",
            category="Application",
            username=f"{short}\\svc_veeam",
        )
    a.passwords["wifi"] = b.password(
        org,
        f"Wi-Fi PSK - {short}-Corp",
        category="Wireless",
        notes="WPA2/WPA3-Personal transition mode; rotate yearly.",
    )
    for app, vendor, _ in p.lob_apps:
        a.passwords[f"lob:{app}"] = b.password(
            org,
            f"{app} admin",
            category="Application",
            username="admin",
            notes=f"Application administrator; {vendor} support may ask for it.",
        )
    if a.switches:
        a.passwords["switch"] = b.password(
            org,
            "Switch admin (local)",
            category="Network",
            username="admin",
            resource=("Configuration", a.switches[0]),
        )
    a.passwords["registrar"] = b.password(
        org,
        f"Domain registrar - {a.domains[0]['attributes']['registrar-name']}",
        category="Vendor",
        username=f"it@{p.domain}",
    )
    if a.nas is not None:
        a.passwords["nas"] = b.password(
            org,
            f"NAS admin - {a.nas['attributes']['name']}",
            category="Network",
            username="nasadmin",
            url=f"https://{a.nas['attributes']['primary-ip']}:5001",
            resource=("Configuration", a.nas),
        )
    if p.configurations >= 100:
        for name, url in (
            ("Dell TechDirect", "https://tdm.dell.com"),
            ("RMM site installer", None),
            ("Printer EWS admin", None),
        ):
            a.passwords[name] = b.password(org, name, category="Vendor", username="admin", url=url)


# --------------------------------------------------------------------------- documents
def _html_list(items: Iterable[str], ordered: bool = False) -> str:
    tag_name = "ol" if ordered else "ul"
    return (
        f"<{tag_name}>"
        + "".join(f"<li>{escape(i, quote=False)}</li>" for i in items)
        + f"</{tag_name}>"
    )


def _code(text: str, language: str) -> str:
    return f'<pre><code class="language-{language}">{escape(text, quote=False)}</code></pre>'


def _document_plan(a: _OrgAssets) -> list[tuple[str, Sequence[tuple[str, Resource]]]]:
    """Titles in priority order, each with the configurations the document is about."""
    p = a.profile
    plan: list[tuple[str, Sequence[tuple[str, Resource]]]] = []
    fw = a.firewalls[0]
    plan.append(
        (
            "Network Overview",
            [("Configuration", fw), *[("Configuration", s) for s in a.switches[:2]]],
        )
    )
    for app, _, _ in p.lob_apps:
        plan.append(
            (f"{app} - Support and Escalation", [("Configuration", s) for s in a.sql_servers[:1]])
        )
    for server in a.sql_servers:
        plan.append(
            (f"Server Runbook: {server['attributes']['name']}", [("Configuration", server)])
        )
    for title in vocabulary.GENERIC_DOCUMENTS[1:]:
        about: list[tuple[str, Resource]] = []
        if "Firewall" in title or "VPN" in title:
            about = [("Configuration", fw)]
        if "Backup" in title and "BKP01" in a.servers:
            about = [("Configuration", a.servers["BKP01"])]
        plan.append((title, about))
    for app, _, needs_sql in p.lob_apps:
        plan.append((f"{app} - Upgrade Procedure", []))
        if needs_sql and a.sql_servers:
            plan.append((f"{app} - Database Maintenance", [("Configuration", a.sql_servers[0])]))
    for suffix, server in a.servers.items():
        if not suffix.startswith("SQL"):
            plan.append(
                (f"Server Runbook: {server['attributes']['name']}", [("Configuration", server)])
            )
    for location in a.locations:
        plan.append((f"Site Guide: {location['attributes']['name']}", []))
    for printer in a.printers:
        plan.append(
            (f"Printer Guide: {printer['attributes']['name']}", [("Configuration", printer)])
        )
    for switch in a.switches:
        plan.append(
            (f"Switch Configuration: {switch['attributes']['name']}", [("Configuration", switch)])
        )
    for k in range(1, 200):
        plan.append((f"Change Record CR-{k:04d}", []))
    return plan[: p.documents]


def _sections(
    b: _Builder, a: _OrgAssets, title: str, about: Sequence[tuple[str, Resource]]
) -> list[tuple[str, str, int | None]]:
    p = a.profile
    fw = a.firewalls[0]["attributes"]
    org = p.name
    target = about[0][1]["attributes"] if about else None
    sections: list[tuple[str, str, int | None]] = [("Document::Heading", "Overview", 2)]
    intro = f"<p>This document covers <strong>{escape(title)}</strong> for {escape(org)}."
    if target is not None:
        intro += (
            f" It applies to <code>{escape(target['name'])}</code> "
            f"({escape(target.get('model-name') or '')}, "
            f"IP {escape(target.get('primary-ip') or '')})."
        )
    intro += " Escalate to the main contact before any change during business hours.</p>"
    sections.append(("Document::Text", intro, None))

    if title == "Network Overview":
        rows = "".join(
            f"<tr><td>{escape(name)}</td><td>{escape(subnet)}</td><td>{vlan}</td></tr>"
            for name, subnet, vlan in (
                ("Management", f"{a.base}.0.0/24", 1),
                ("Servers", f"{a.base}.10.0/24", 10),
                ("Users", f"{a.base}.20.0/22", 20),
                ("Printers", f"{a.base}.30.0/24", 30),
            )
        )
        sections.append(("Document::Heading", "IP Addressing", 2))
        sections.append(
            (
                "Document::Text",
                f"<table><tr><th>Network</th><th>Subnet</th><th>VLAN</th></tr>{rows}</table>",
                None,
            )
        )
        sections.append(("Document::Heading", "Core Devices", 2))
        devices = [a.firewalls[0], *a.switches[:3], *a.access_points[:2]]
        sections.append(
            (
                "Document::Text",
                _html_list(
                    f"{d['attributes']['name']}: {d['attributes']['model-name']} "
                    f"at {d['attributes']['primary-ip']}"
                    for d in devices
                ),
                None,
            )
        )
        sections.append(
            (
                "Document::Text",
                _code(
                    'config system interface\n    edit "internal"\n'
                    f"        set ip {fw['primary-ip']} 255.255.255.0\n"
                    f"        set allowaccess ping https ssh\n    next\nend",
                    "fortios",
                ),
                None,
            )
        )
        return sections

    if title.startswith("Server Runbook:") and target is not None:
        name = target["name"]
        sections.append(("Document::Heading", "Role", 2))
        sections.append(
            (
                "Document::Text",
                f"<p>{escape(target.get('notes') or '')}. "
                f"OS: {escape(target.get('operating-system-notes') or '')}.</p>",
                None,
            )
        )
        sections.append(("Document::Heading", "Safe Reboot", 2))
        sections.append(
            (
                "Document::Step",
                _html_list(
                    [
                        "Announce the maintenance window to the main contact.",
                        f"Confirm last night's backup of {name} succeeded.",
                        "Reboot and watch the console until services are running.",
                    ],
                    ordered=True,
                ),
                None,
            )
        )
        script = (
            f"Restart-Computer -ComputerName {name} -Wait -For PowerShell -Timeout 900\n"
            f"Get-Service -ComputerName {name} | Where-Object Status -ne 'Running'"
        )
        sections.append(("Document::Text", _code(script, "powershell"), None))
        if "SQL Server" in (target.get("operating-system-notes") or ""):
            sections.append(("Document::Heading", "SQL Health Checks", 3))
            sections.append(
                (
                    "Document::Text",
                    _code(
                        "SELECT name, state_desc, recovery_model_desc FROM sys.databases;\n"
                        "EXEC msdb.dbo.sp_help_jobactivity @job_name = N'Nightly Full Backup';",
                        "sql",
                    ),
                    None,
                )
            )
        return sections

    if "Database Maintenance" in title and target is not None:
        sections.append(("Document::Heading", "Weekly Maintenance", 2))
        sections.append(
            (
                "Document::Step",
                _html_list(
                    [
                        f"Connect to {target['name']} with SQL Server Management Studio.",
                        "Run integrity checks, then index maintenance.",
                        "Record the run in the change log.",
                    ],
                    ordered=True,
                ),
                None,
            )
        )
        sections.append(
            (
                "Document::Text",
                _code(
                    "DBCC CHECKDB WITH NO_INFOMSGS;\nALTER INDEX ALL ON dbo.Orders REORGANIZE;",
                    "sql",
                ),
                None,
            )
        )
        return sections

    if "Firewall" in title or "VPN" in title:
        sections.append(("Document::Heading", "Procedure", 2))
        sections.append(
            (
                "Document::Step",
                _html_list(
                    [
                        f"Sign in to {fw['name']} at https://{fw['primary-ip']}:8443 "
                        "with the FortiGate admin password.",
                        "Take a configuration backup before any change.",
                        "Apply the change and test from a client on the LAN.",
                    ],
                    ordered=True,
                ),
                None,
            )
        )
        if "VPN" in title:
            config = (
                'config vpn ssl settings\n    set servercert "Fortinet_Factory"\n'
                '    set tunnel-ip-pools "SSLVPN_TUNNEL_ADDR1"\n    set port 10443\n'
                '    set source-interface "wan1"\nend'
            )
        else:
            config = f"execute backup config ftp {p.short.lower()}-fw01.conf {a.base}.10.200 backup"
        sections.append(("Document::Text", _code(config, "fortios"), None))
        return sections

    sections.append(("Document::Heading", "Checklist", 2))
    items = [
        f"Open a ticket for {org} and note the requester.",
        "Check the related configurations and passwords in IT Glue.",
        "Document anything that changed in this article.",
    ]
    if "Onboarding" in title:
        items.insert(1, f"Create the account in {p.email_platform} with the {p.domain} address.")
    if "Offboarding" in title:
        items.insert(1, "Disable sign-in, revoke sessions, convert the mailbox to shared.")
    sections.append(("Document::Text", _html_list(items), None))
    sections.append(("Document::Heading", "Steps", 2))
    for step_no in range(1, 2 + b.rng.randrange(3)):
        sections.append(
            (
                "Document::Step",
                f"<p>Step {step_no}: follow the {escape(title.lower())} standard "
                f"for {escape(org)}; record the outcome in the ticket.</p>",
                None,
            )
        )
    if b.rng.random() < 0.4:
        script = (
            f"Get-ADUser -Filter * -SearchBase 'OU=Users,DC={p.short.lower()},DC=local' "
            "-Properties LastLogonDate | Sort-Object LastLogonDate"
        )
        sections.append(("Document::Text", _code(script, "powershell"), None))
    return sections


def _build_documents(b: _Builder, a: _OrgAssets) -> None:
    for title, about in _document_plan(a):
        doc = b.document(a.org, title, _sections(b, a, title, about))
        a.documents[title] = doc
        for kind, target in about:
            b.relate(
                ("Document", doc), (kind, target), f"Document about {target['attributes']['name']}"
            )


# --------------------------------------------------------------------------- flexible assets
def _flexible_asset(b: _Builder, a: _OrgAssets, type_name: str, traits: dict[str, Any]) -> Resource:
    fat = b.tenant.named("flexible_asset_types", type_name)
    fields = [
        f
        for f in b.tenant.all("flexible_asset_fields")
        if f["attributes"]["flexible-asset-type-id"] == int(fat["id"])
    ]
    title = " - ".join(
        str(traits[f["attributes"]["name-key"]])
        for f in fields
        if f["attributes"]["use-for-title"] and f["attributes"]["name-key"] in traits
    )
    asset = b.add(
        "flexible_assets",
        {
            "organization-id": int(a.org["id"]),
            "organization-name": a.profile.name,
            "restricted": False,
            "my-glue": False,
            "flexible-asset-type-id": int(fat["id"]),
            "flexible-asset-type-name": type_name,
            "name": title,
            "traits": {k: v for k, v in traits.items() if v not in (None, [], "")},
            "archived": False,
        },
    )
    asset["attributes"]["resource-url"] = (
        f"{PORTAL}/{a.org['id']}/assets/{fat['id']}-{name_key(type_name)}/records/{asset['id']}"
    )
    return asset


def _build_flexible_assets(b: _Builder, a: _OrgAssets) -> None:
    p = a.profile
    fw = a.firewalls[0]
    dhcp = a.servers.get("DC01", fw)
    networks = [("LAN", f"{a.base}.0.0/16", 1)]
    if a.servers:
        networks = [
            ("Management", f"{a.base}.0.0/24", 1),
            ("Servers", f"{a.base}.10.0/24", 10),
            ("Users", f"{a.base}.20.0/22", 20),
            ("Printers", f"{a.base}.30.0/24", 30),
        ]
    for name, subnet, vlan in networks:
        _flexible_asset(
            b,
            a,
            "Network",
            {
                "name": f"{p.short} {name}",
                "subnet": subnet,
                "vlan": vlan,
                "gateway": tag("Configurations", [fw]),
                "dhcp-server": tag("Configurations", [dhcp]),
                "site": tag("Locations", a.locations[:1]),
                "notes": f"Gateway {fw['attributes']['primary-ip']} on {fw['attributes']['name']}.",
            },
        )

    email_servers = [a.servers["EXCH01"]] if "EXCH01" in a.servers else []
    admin = [a.passwords["email_admin"]] + (
        [a.passwords["exchange_admin"]] if "exchange_admin" in a.passwords else []
    )
    webmail = {
        "Google Workspace": "https://mail.google.com",
        "Microsoft 365": "https://outlook.office.com",
    }.get(p.email_platform, f"https://mail.{p.domain}/owa")
    _flexible_asset(
        b,
        a,
        "Email",
        {
            "name": f"{p.name} email",
            "type": p.email_platform,
            "domains": tag("Domains", a.domains[:1]),
            "email-servers": tag("Configurations", email_servers),
            "admin-credentials": tag("Passwords", admin),
            "webmail-url": webmail,
            "inbound-delivery": "Mimecast" if p.configurations >= 200 else p.email_platform,
        },
    )

    if "BKP01" in a.servers:
        protected = [s for k, s in a.servers.items() if k != "BKP01"][:8]
        runbook = a.documents.get("Backup and Restore Procedure")
        _flexible_asset(
            b,
            a,
            "Backup",
            {
                "name": f"{p.short} nightly backups",
                "backup-software": "Veeam Backup & Replication 12",
                "backup-server": tag("Configurations", [a.servers["BKP01"]]),
                "protected-servers": tag("Configurations", protected),
                "retention": "30 daily, 12 monthly; offsite copy to Wasabi",
                "runbook": tag("Documents", [runbook] if runbook else []),
                "service-account": tag("Passwords", [a.passwords["backup"]]),
            },
        )

    app_servers = [s for k, s in a.servers.items() if k.startswith("APP")] or list(
        a.servers.values()
    )[:1]
    for n, (app, vendor, needs_sql) in enumerate(p.lob_apps):
        database = [a.sql_servers[n % len(a.sql_servers)]] if needs_sql and a.sql_servers else []
        docs = [d for t, d in a.documents.items() if t.startswith(app)]
        key_users = ([a.main_contact] if a.main_contact else []) + a.employees[n : n + 2]
        _flexible_asset(
            b,
            a,
            "Line-of-Business App",
            {
                "application-name": app,
                "vendor": vendor,
                "version": f"{b.rng.randrange(10, 24)}.{b.rng.randrange(0, 4)}",
                "application-servers": tag(
                    "Configurations", app_servers if needs_sql or app_servers else []
                ),
                "database-server": tag("Configurations", database),
                "vendor-support": tag("Contacts", a.vendor_contacts[n : n + 1]),
                "key-users": tag("Contacts", key_users),
                "admin-credentials": tag("Passwords", [a.passwords[f"lob:{app}"]]),
                "documentation": tag("Documents", docs),
            },
        )

    ssids = [(f"{p.short}-Corp", "WPA2/WPA3-Personal", 20)]
    if p.configurations >= 30:
        ssids.append((f"{p.short}-Guest", "WPA2-Personal (captive portal)", 40))
    for ssid, security, vlan in ssids:
        _flexible_asset(
            b,
            a,
            "Wireless",
            {
                "ssid": ssid,
                "security": security,
                "vlan": vlan,
                "access-points": tag("Configurations", a.access_points),
                "pre-shared-key": tag(
                    "Passwords", [a.passwords["wifi"]] if ssid.endswith("Corp") else []
                ),
            },
        )

    wan = next(
        (
            i
            for i in b.tenant.all("configuration_interfaces")
            if i["attributes"]["configuration-id"] == int(fw["id"])
            and i["attributes"]["name"] == "wan1"
        ),
        None,
    )
    for n, location in enumerate(a.locations[:2]):
        _flexible_asset(
            b,
            a,
            "Internet / WAN",
            {
                "provider": f"{p.isp} ({location['attributes']['city']})",
                "circuit-id": b.pattern("AA/XXXX/999999"),
                "bandwidth": "1 Gbps / 1 Gbps" if p.configurations >= 100 else "500 Mbps / 50 Mbps",
                "public-ip": wan["attributes"]["ip-address"] if (wan and n == 0) else None,
                "firewall": tag("Configurations", [fw] if n == 0 else []),
                "site": tag("Locations", [location]),
            },
        )


# --------------------------------------------------------------------------- entry points
def generate_tenant(seed: int = DEFAULT_SEED) -> Tenant:
    """The demo tenant for `seed`. Same seed, same tenant (compare `Tenant.dumps()`)."""
    tenant = Tenant(
        seed=seed,
        step=0,
        clock=GENERATED_AT,
        records={t: {} for t in JSONAPI_TYPES},
        secrets={},
        next_ids=dict(ID_BASES),
    )
    b = _Builder(tenant, random.Random(seed), GENERATED_AT)
    _build_lookups(b)
    for index, profile in enumerate(vocabulary.ORGANIZATIONS):
        _build_organization(b, index, profile)
    tenant.clock = max(
        parse_iso(r["attributes"]["updated-at"])
        for records in tenant.records.values()
        for r in records.values()
    )
    return tenant


@dataclass(frozen=True)
class MutationPlan:
    """How many records one `mutate` step changes, per kind of change."""

    update_configurations: int = 8
    update_documents: int = 3
    update_flexible_assets: int = 2
    update_passwords: int = 2
    update_contacts: int = 2
    create_configurations: int = 4
    create_documents: int = 1
    create_contacts: int = 1
    create_passwords: int = 1
    delete_configurations: int = 2
    delete_documents: int = 1
    delete_contacts: int = 1


class _Changes:
    def __init__(self) -> None:
        self.created: dict[str, set[str]] = {}
        self.updated: dict[str, set[str]] = {}
        self.deleted: dict[str, set[str]] = {}

    def note(self, kind: str, resource_type: str, record_id: str) -> None:
        getattr(self, kind).setdefault(resource_type, set()).add(str(record_id))

    def report(self, step: int, at: datetime) -> MutationReport:
        # Something created or deleted in this step is not also "updated".
        for resource_type, ids in self.updated.items():
            ids -= self.created.get(resource_type, set()) | self.deleted.get(resource_type, set())

        def clean(kind: dict[str, set[str]]) -> dict[str, list[str]]:
            return {t: sorted(ids, key=int) for t, ids in sorted(kind.items()) if ids}

        return MutationReport(
            step, at, clean(self.created), clean(self.updated), clean(self.deleted)
        )


def _referenced_ids(tenant: Tenant) -> set[tuple[str, str]]:
    """(tag type, id) of every record a Tag trait or a related item points at."""
    found: set[tuple[str, str]] = set()
    for asset in tenant.all("flexible_assets"):
        for value in asset["attributes"]["traits"].values():
            if isinstance(value, dict) and isinstance(value.get("values"), list):
                found.update((value["type"], str(item["id"])) for item in value["values"])
    for item in tenant.all("related_items"):
        attrs = item["attributes"]
        found.add((attrs["resource-type"] + "s", str(attrs["resource-id"])))
        found.add((attrs["destination-type"] + "s", str(attrs["destination-id"])))
    for config in tenant.all("configurations"):
        if config["attributes"].get("contact-id"):
            found.add(("Contacts", str(config["attributes"]["contact-id"])))
    for password in tenant.all("passwords"):
        if password["attributes"].get("resource-id"):
            kind = password["attributes"]["resource-type"]
            found.add((kind + "s", str(password["attributes"]["resource-id"])))
    return found


def apply_mutation(
    tenant: Tenant, *, step: int | None = None, at: datetime | None = None, plan: MutationPlan
) -> MutationReport:
    """Change the tenant as step `step` does (default: the next step) and say what changed."""
    step = tenant.step + 1 if step is None else step
    if step <= tenant.step:
        raise ValueError(f"step {step} is already applied (tenant is at step {tenant.step})")
    if at is None:
        at = datetime.now(UTC).replace(microsecond=0)
    if at.tzinfo is None:
        raise ValueError("at must be timezone-aware")
    at = max(at.astimezone(UTC), tenant.clock + timedelta(seconds=1)).replace(microsecond=0)
    rng = random.Random(f"{tenant.seed}/mutation/{step}")
    b = _Builder(tenant, rng, at)
    changes = _Changes()
    stamp = iso(at)
    referenced = _referenced_ids(tenant)
    orgs = {str(o["id"]): o for o in tenant.all("organizations")}

    def touch(resource_type: str, record: Resource) -> None:
        record["attributes"]["updated-at"] = stamp
        changes.note("updated", resource_type, record["id"])

    def pick(candidates: Sequence[Resource], k: int) -> list[Resource]:
        return rng.sample(list(candidates), min(k, len(candidates)))

    # ---- deletes first, so nothing created in this step is deleted by it
    endpoints = [
        c
        for c in tenant.all("configurations")
        if c["attributes"]["configuration-type-kind"] in ("laptop", "workstation")
        and ("Configurations", str(c["id"])) not in referenced
    ]
    doomed_configs = pick(endpoints, plan.delete_configurations)
    for config in doomed_configs:
        for interface in tenant.all("configuration_interfaces"):
            if interface["attributes"]["configuration-id"] == int(config["id"]):
                tenant.delete("configuration_interfaces", interface["id"])
                changes.note("deleted", "configuration_interfaces", interface["id"])
        tenant.delete("configurations", config["id"])
        changes.note("deleted", "configurations", config["id"])
    docs = [d for d in tenant.all("documents") if ("Documents", str(d["id"])) not in referenced]
    for doc in pick(docs, plan.delete_documents):
        for section in tenant.all("document_sections"):
            if section["attributes"]["document-id"] == int(doc["id"]):
                tenant.delete("document_sections", section["id"])
                changes.note("deleted", "document_sections", section["id"])
        tenant.delete("documents", doc["id"])
        changes.note("deleted", "documents", doc["id"])
    contacts = [
        c
        for c in tenant.all("contacts")
        if c["attributes"]["contact-type-name"] not in ("Primary Contact", "Vendor")
        and ("Contacts", str(c["id"])) not in referenced
    ]
    for contact in pick(contacts, plan.delete_contacts):
        tenant.delete("contacts", contact["id"])
        changes.note("deleted", "contacts", contact["id"])
    deleted_configs = {str(c["id"]) for c in doomed_configs}

    # ---- updates
    configs = [c for c in tenant.all("configurations") if str(c["id"]) not in deleted_configs]
    for config in pick(configs, plan.update_configurations):
        attrs = config["attributes"]
        change = rng.randrange(4)
        if change == 0 and attrs["configuration-type-kind"] in ("laptop", "workstation"):
            old_ip = attrs["primary-ip"]
            head, last = old_ip.rsplit(".", 1)
            attrs["primary-ip"] = f"{head}.{(int(last) + 100) % 250 + 2}"
            for interface in tenant.all("configuration_interfaces"):
                ia = interface["attributes"]
                if ia["configuration-id"] == int(config["id"]) and ia["ip-address"] == old_ip:
                    ia["ip-address"] = attrs["primary-ip"]
                    touch("configuration_interfaces", interface)
        elif change == 1:
            status = "In Repair" if attrs["configuration-status-name"] == "Active" else "Active"
            attrs["configuration-status-name"] = status
            attrs["configuration-status-id"] = b.lookup_id("configuration_statuses", status)
        else:
            attrs["notes"] = (
                f"{attrs.get('notes') or ''} Checked on {at.date().isoformat()} "
                f"(step {step}): firmware and warranty verified."
            ).strip()
        touch("configurations", config)
    for doc in pick(tenant.all("documents"), plan.update_documents):
        texts = [
            s
            for s in tenant.all("document_sections")
            if s["attributes"]["document-id"] == int(doc["id"])
            and s["attributes"]["resource-type"] == "Document::Text"
        ]
        if texts:
            section = texts[0]
            addition = (
                f"<p>Revised {at.date().isoformat()} (step {step}): confirm the procedure "
                f"with the on-call engineer first.</p>"
            )
            section["attributes"]["content"] += addition
            section["attributes"]["rendered-content"] = section["attributes"]["content"]
            touch("document_sections", section)
        touch("documents", doc)
    for asset in pick(tenant.all("flexible_assets"), plan.update_flexible_assets):
        traits = asset["attributes"]["traits"]
        text_keys = sorted(k for k, v in traits.items() if isinstance(v, str))
        key = text_keys[-1] if text_keys else "notes"
        traits[key] = f"{traits.get(key, '')} (reviewed step {step})".strip()
        touch("flexible_assets", asset)
    for password in pick(tenant.all("passwords"), plan.update_passwords):
        tenant.secrets[password["id"]] = b.secret()
        password["attributes"]["password-updated-at"] = stamp
        touch("passwords", password)
    for contact in pick(tenant.all("contacts"), plan.update_contacts):
        contact["attributes"]["title"] = rng.choice(vocabulary.TITLES)
        touch("contacts", contact)

    # ---- creates
    org_ids = sorted(orgs, key=int)
    for _ in range(plan.create_configurations):
        org = orgs[rng.choice(org_ids)]
        short = org["attributes"]["short-name"].upper()
        base = next(
            c["attributes"]["primary-ip"].rsplit(".", 3)[0]
            for c in tenant.of_organization("configurations", org["id"])
            if c["attributes"]["configuration-type-kind"] == "firewall"
        )
        number = 5000 + int(tenant.next_ids["configurations"]) % 5000
        ip = f"{base}.{20 + number % 4}.{10 + number % 240}"
        locations = tenant.of_organization("locations", org["id"])
        config = b.configuration(
            org,
            rng.choice(vocabulary.LAPTOPS),
            f"{short}-LT{number:04d}",
            ip,
            type_name="Laptop",
            location=locations[0] if locations else None,
            created=at,
            extra_interfaces=(("Wi-Fi", None, None),),
        )
        changes.note("created", "configurations", config["id"])
        for interface in tenant.all("configuration_interfaces"):
            if interface["attributes"]["configuration-id"] == int(config["id"]):
                changes.note("created", "configuration_interfaces", interface["id"])
    for n in range(plan.create_documents):
        org = orgs[rng.choice(org_ids)]
        title = f"Change Record S{step:03d}-{n + 1}: firewall policy review"
        sections: list[tuple[str, str, int | None]] = [
            ("Document::Heading", "Summary", 2),
            (
                "Document::Text",
                f"<p>Quarterly firewall policy review for {escape(org['attributes']['name'])}.</p>",
                None,
            ),
            (
                "Document::Step",
                _html_list(
                    ["Export the policy list.", "Remove unused rules.", "Get sign-off."],
                    ordered=True,
                ),
                None,
            ),
        ]
        doc = b.document(org, title, sections, created=at)
        changes.note("created", "documents", doc["id"])
        for section in tenant.all("document_sections"):
            if section["attributes"]["document-id"] == int(doc["id"]):
                changes.note("created", "document_sections", section["id"])
    for _ in range(plan.create_contacts):
        org = orgs[rng.choice(org_ids)]
        domain = tenant.of_organization("domains", org["id"])[0]["attributes"]["name"]
        first, last = b.person()
        contact = b.contact(
            org,
            first,
            last,
            title=rng.choice(vocabulary.TITLES),
            contact_type="Employee",
            email=f"{first[0]}{last}.{step}@{domain}".lower(),
            created=at,
        )
        changes.note("created", "contacts", contact["id"])
    for n in range(plan.create_passwords):
        org = orgs[rng.choice(org_ids)]
        password = b.password(
            org,
            f"Vendor portal {step}-{n + 1}",
            category="Vendor",
            username="it-admin",
            url="https://portal.example",
            created=at,
        )
        changes.note("created", "passwords", password["id"])

    tenant.step = step
    tenant.clock = at
    return changes.report(step, at)
