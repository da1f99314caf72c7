"""`RecordBuilder`: ids, timestamps and IT Glue-shaped records (configurations with their
interfaces, passwords, contacts, documents with sections, related items) added to a `Tenant`,
plus `tag`, a Tag trait value as IT Glue returns it.
"""

from __future__ import annotations

import random
import string
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from gluekb_dev.demo import vocabulary
from gluekb_dev.demo.records import JSONAPI_TYPES, Resource, Tenant, iso, parse_iso
from gluekb_dev.demo.vocabulary import DeviceModel

HISTORY_START = datetime(2023, 1, 2, tzinfo=UTC)
GENERATED_AT = datetime(2026, 7, 1, tzinfo=UTC)
PORTAL = "https://demo-msp.itglue.com"


class RecordBuilder:
    """Id allocation, timestamps and record construction over one `Tenant`. Every random choice
    comes from `rng`, in the order the calls are made: reordering calls changes the tenant."""

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
        """`template` with each A a random letter, 9 a digit, X either (serials, circuit ids)."""
        out = []
        for char in template:
            if char == "A":
                out.append(self.rng.choice(string.ascii_uppercase))
            elif char == "9":
                out.append(self.rng.choice(string.digits))
            elif char == "X":
                out.append(self.rng.choice(string.ascii_uppercase + string.digits))
            else:
                out.append(char)
        return "".join(out)

    def mac(self, oui: str) -> str:
        return oui + "".join(f":{self.rng.randrange(256):02X}" for _ in range(3))

    def secret(self) -> str:
        alphabet = string.ascii_letters + string.digits + "!#$%&*+-=?@^_"
        while True:
            value = "".join(self.rng.choice(alphabet) for _ in range(18))
            if any(char.isdigit() for char in value) and any(not char.isalnum() for char in value):
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
