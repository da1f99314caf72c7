"""An organization's flexible assets: networks, email, backup, line-of-business applications,
wireless networks and internet circuits. Their Tag traits link them to the configurations,
contacts, passwords, documents, domains and locations built before them."""

from __future__ import annotations

from typing import Any

from gluekb_dev.demo.generator.builder import PORTAL, RecordBuilder, tag
from gluekb_dev.demo.generator.lookups import name_key
from gluekb_dev.demo.generator.org_assets import OrgAssets
from gluekb_dev.demo.records import Resource


def build_flexible_assets(builder: RecordBuilder, assets: OrgAssets) -> None:
    _add_networks(builder, assets)
    _add_email(builder, assets)
    _add_backup(builder, assets)
    _add_applications(builder, assets)
    _add_wireless(builder, assets)
    _add_internet_circuits(builder, assets)


def add_flexible_asset(
    builder: RecordBuilder, assets: OrgAssets, type_name: str, traits: dict[str, Any]
) -> Resource:
    """A flexible asset of `type_name`, named from its title fields; empty traits are left out."""
    asset_type = builder.tenant.named("flexible_asset_types", type_name)
    fields = [
        field
        for field in builder.tenant.all("flexible_asset_fields")
        if field["attributes"]["flexible-asset-type-id"] == int(asset_type["id"])
    ]
    title = " - ".join(
        str(traits[field["attributes"]["name-key"]])
        for field in fields
        if field["attributes"]["use-for-title"] and field["attributes"]["name-key"] in traits
    )
    asset = builder.add(
        "flexible_assets",
        {
            "organization-id": int(assets.org["id"]),
            "organization-name": assets.profile.name,
            "restricted": False,
            "my-glue": False,
            "flexible-asset-type-id": int(asset_type["id"]),
            "flexible-asset-type-name": type_name,
            "name": title,
            "traits": {key: value for key, value in traits.items() if value not in (None, [], "")},
            "archived": False,
        },
    )
    asset["attributes"]["resource-url"] = (
        f"{PORTAL}/{assets.org['id']}/assets/{asset_type['id']}-{name_key(type_name)}"
        f"/records/{asset['id']}"
    )
    return asset


def _add_networks(builder: RecordBuilder, assets: OrgAssets) -> None:
    """One flat LAN for an organization without servers, else the four VLANs."""
    firewall = assets.firewall
    dhcp = assets.servers.get("DC01", firewall)
    networks = [("LAN", f"{assets.base}.0.0/16", 1)]
    if assets.servers:
        networks = [
            ("Management", f"{assets.base}.0.0/24", 1),
            ("Servers", f"{assets.base}.10.0/24", 10),
            ("Users", f"{assets.base}.20.0/22", 20),
            ("Printers", f"{assets.base}.30.0/24", 30),
        ]
    gateway = firewall["attributes"]
    for name, subnet, vlan in networks:
        add_flexible_asset(
            builder,
            assets,
            "Network",
            {
                "name": f"{assets.profile.short} {name}",
                "subnet": subnet,
                "vlan": vlan,
                "gateway": tag("Configurations", [firewall]),
                "dhcp-server": tag("Configurations", [dhcp]),
                "site": tag("Locations", assets.locations[:1]),
                "notes": f"Gateway {gateway['primary-ip']} on {gateway['name']}.",
            },
        )


def _add_email(builder: RecordBuilder, assets: OrgAssets) -> None:
    profile = assets.profile
    email_servers = [assets.servers["EXCH01"]] if "EXCH01" in assets.servers else []
    admin = [assets.passwords["email_admin"]] + (
        [assets.passwords["exchange_admin"]] if "exchange_admin" in assets.passwords else []
    )
    webmail = {
        "Google Workspace": "https://mail.google.com",
        "Microsoft 365": "https://outlook.office.com",
    }.get(profile.email_platform, f"https://mail.{profile.domain}/owa")
    add_flexible_asset(
        builder,
        assets,
        "Email",
        {
            "name": f"{profile.name} email",
            "type": profile.email_platform,
            "domains": tag("Domains", assets.domains[:1]),
            "email-servers": tag("Configurations", email_servers),
            "admin-credentials": tag("Passwords", admin),
            "webmail-url": webmail,
            "inbound-delivery": "Mimecast"
            if profile.configurations >= 200
            else profile.email_platform,
        },
    )


def _add_backup(builder: RecordBuilder, assets: OrgAssets) -> None:
    """Only where there is a backup server (BKP01): it protects up to eight other servers."""
    if "BKP01" not in assets.servers:
        return
    protected = [server for suffix, server in assets.servers.items() if suffix != "BKP01"][:8]
    runbook = assets.documents.get("Backup and Restore Procedure")
    add_flexible_asset(
        builder,
        assets,
        "Backup",
        {
            "name": f"{assets.profile.short} nightly backups",
            "backup-software": "Veeam Backup & Replication 12",
            "backup-server": tag("Configurations", [assets.servers["BKP01"]]),
            "protected-servers": tag("Configurations", protected),
            "retention": "30 daily, 12 monthly; offsite copy to Wasabi",
            "runbook": tag("Documents", [runbook] if runbook else []),
            "service-account": tag("Passwords", [assets.passwords["backup"]]),
        },
    )


def _add_applications(builder: RecordBuilder, assets: OrgAssets) -> None:
    """Each line-of-business app, with its servers, database, vendor, users and documents."""
    app_servers = [
        server for suffix, server in assets.servers.items() if suffix.startswith("APP")
    ] or list(assets.servers.values())[:1]
    sql_servers = assets.sql_servers
    for index, (app, vendor, needs_sql) in enumerate(assets.profile.lob_apps):
        database = [sql_servers[index % len(sql_servers)]] if needs_sql and sql_servers else []
        docs = [doc for title, doc in assets.documents.items() if title.startswith(app)]
        main_contact = [assets.main_contact] if assets.main_contact else []
        key_users = main_contact + assets.employees[index : index + 2]
        add_flexible_asset(
            builder,
            assets,
            "Line-of-Business App",
            {
                "application-name": app,
                "vendor": vendor,
                "version": f"{builder.rng.randrange(10, 24)}.{builder.rng.randrange(0, 4)}",
                "application-servers": tag(
                    "Configurations", app_servers if needs_sql or app_servers else []
                ),
                "database-server": tag("Configurations", database),
                "vendor-support": tag("Contacts", assets.vendor_contacts[index : index + 1]),
                "key-users": tag("Contacts", key_users),
                "admin-credentials": tag("Passwords", [assets.passwords[f"lob:{app}"]]),
                "documentation": tag("Documents", docs),
            },
        )


def _add_wireless(builder: RecordBuilder, assets: OrgAssets) -> None:
    """The corporate SSID, and a guest SSID from 30 configurations up."""
    short = assets.profile.short
    ssids = [(f"{short}-Corp", "WPA2/WPA3-Personal", 20)]
    if assets.profile.configurations >= 30:
        ssids.append((f"{short}-Guest", "WPA2-Personal (captive portal)", 40))
    for ssid, security, vlan in ssids:
        add_flexible_asset(
            builder,
            assets,
            "Wireless",
            {
                "ssid": ssid,
                "security": security,
                "vlan": vlan,
                "access-points": tag("Configurations", assets.access_points),
                "pre-shared-key": tag(
                    "Passwords", [assets.passwords["wifi"]] if ssid.endswith("Corp") else []
                ),
            },
        )


def _add_internet_circuits(builder: RecordBuilder, assets: OrgAssets) -> None:
    """A circuit at each of the first two locations; the first ends on the firewall's wan1."""
    profile = assets.profile
    firewall = assets.firewall
    wan = next(
        (
            interface
            for interface in builder.tenant.all("configuration_interfaces")
            if interface["attributes"]["configuration-id"] == int(firewall["id"])
            and interface["attributes"]["name"] == "wan1"
        ),
        None,
    )
    for index, location in enumerate(assets.locations[:2]):
        first = index == 0
        add_flexible_asset(
            builder,
            assets,
            "Internet / WAN",
            {
                "provider": f"{profile.isp} ({location['attributes']['city']})",
                "circuit-id": builder.pattern("AA/XXXX/999999"),
                "bandwidth": "1 Gbps / 1 Gbps"
                if profile.configurations >= 100
                else "500 Mbps / 50 Mbps",
                "public-ip": wan["attributes"]["ip-address"] if (wan and first) else None,
                "firewall": tag("Configurations", [firewall] if first else []),
                "site": tag("Locations", [location]),
            },
        )
