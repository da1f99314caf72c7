"""The account-wide records every organization refers to: configuration types and statuses,
manufacturers, models and operating systems (from the device catalog in `vocabulary`), and the
six flexible asset types with their fields.
"""

from __future__ import annotations

from gluekb_dev.demo import vocabulary
from gluekb_dev.demo.generator.builder import HISTORY_START, RecordBuilder
from gluekb_dev.demo.records import Resource
from gluekb_dev.demo.vocabulary import DeviceModel

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
    out = "".join(char.lower() if char.isalnum() else "-" for char in name)
    return "-".join(part for part in out.split("-") if part)


def build_lookups(builder: RecordBuilder) -> None:
    """Every lookup record, dated at the start of the tenant's history (no random draws)."""
    for name, kind in vocabulary.CONFIGURATION_TYPES:
        builder.add("configuration_types", {"name": name, "kind": kind}, created=HISTORY_START)
    for name in vocabulary.CONFIGURATION_STATUSES:
        builder.add("configuration_statuses", {"name": name}, created=HISTORY_START)
    devices = _catalog()
    manufacturers = _add_manufacturers(builder, devices)
    _add_models(builder, devices, manufacturers)
    operating_systems = {device.os for device in devices if device.os}
    for os_name in sorted(operating_systems):
        builder.add("operating_systems", {"name": os_name}, created=HISTORY_START)
    for type_name, icon, description, fields in FLEXIBLE_ASSET_TYPES:
        _add_flexible_asset_type(builder, type_name, icon, description, fields)


def _catalog() -> list[DeviceModel]:
    return [
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


def _add_manufacturers(builder: RecordBuilder, devices: list[DeviceModel]) -> dict[str, Resource]:
    manufacturers: dict[str, Resource] = {}
    for device in devices:
        if device.manufacturer not in manufacturers:
            manufacturers[device.manufacturer] = builder.add(
                "manufacturers", {"name": device.manufacturer}, created=HISTORY_START
            )
    return manufacturers


def _add_models(
    builder: RecordBuilder, devices: list[DeviceModel], manufacturers: dict[str, Resource]
) -> None:
    seen_models: set[str] = set()
    for device in devices:
        if device.model not in seen_models:
            seen_models.add(device.model)
            builder.add(
                "models",
                {
                    "name": device.model,
                    "manufacturer-id": int(manufacturers[device.manufacturer]["id"]),
                },
                created=HISTORY_START,
            )


def _add_flexible_asset_type(
    builder: RecordBuilder,
    type_name: str,
    icon: str,
    description: str,
    fields: tuple[tuple[str, str, str | None, bool], ...],
) -> None:
    asset_type = builder.add(
        "flexible_asset_types",
        {
            "name": type_name,
            "description": description,
            "icon": icon,
            "enabled": True,
            "show-in-menu": True,
        },
        created=HISTORY_START,
    )
    for order, (field_name, kind, tag_type, title) in enumerate(fields, start=1):
        builder.add(
            "flexible_asset_fields",
            {
                "flexible-asset-type-id": int(asset_type["id"]),
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
            created=HISTORY_START,
        )
