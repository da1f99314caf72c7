"""An organization's configurations, sized by its profile: firewalls, router, switches, access
points, servers (some running SQL Server), NAS, UPS, printers, then laptops and workstations
until the profile's count is reached. Addresses follow the plan `10.<10*n>.<segment>.<host>`:
segment 0 network gear, 10 servers, 1 server management cards, 20+ endpoints, 30 printers."""

from __future__ import annotations

from gluekb_dev.demo import vocabulary
from gluekb_dev.demo.generator.builder import RecordBuilder
from gluekb_dev.demo.generator.org_assets import OrgAssets


class _Budget:
    """How many of the organization's configurations are still to be made."""

    def __init__(self, total: int) -> None:
        self.remaining = total

    def take(self, count: int) -> int:
        """Up to `count` of what remains (never below zero), now spent."""
        count = max(0, min(count, self.remaining))
        self.remaining -= count
        return count


def build_configurations(builder: RecordBuilder, assets: OrgAssets) -> None:
    budget = _Budget(assets.profile.configurations)
    _add_firewalls(builder, assets, budget)
    _add_router(builder, assets, budget)
    _add_switches(builder, assets, budget)
    _add_access_points(builder, assets, budget)
    _add_servers(builder, assets, budget)
    _add_nas_and_ups(builder, assets, budget)
    _add_printers(builder, assets, budget)
    _add_endpoints(builder, assets, budget)


def _add_firewalls(builder: RecordBuilder, assets: OrgAssets, budget: _Budget) -> None:
    """A FortiGate at `<base>.0.1` (an HA pair for a large organization)."""
    profile = assets.profile
    total = profile.configurations
    hq = assets.headquarters
    size = "large" if total >= 200 else "medium" if total >= 60 else "small"
    firewall_model = vocabulary.FIREWALLS[size]
    org_number = int(assets.org["id"]) - 1000
    wan = f"203.0.113.{10 + 10 * org_number}"
    for number in range(1, 1 + budget.take(2 if total >= 200 else 1)):
        assets.firewalls.append(
            builder.configuration(
                assets.org,
                firewall_model,
                f"{profile.short}-FW{number:02d}",
                f"{assets.base}.0.{number}",
                type_name="Firewall",
                notes=(
                    f"Edge firewall for {hq['attributes']['name']}. LAN gateway "
                    f"{assets.base}.0.1, WAN {wan} ({profile.isp}). SSL VPN on port 10443."
                    + (" HA pair (active-passive) with FW02." if total >= 200 else "")
                ),
                os_notes=f"{firewall_model.os}, FortiGuard UTP bundle",
                location=hq,
                extra_interfaces=(
                    ("wan1", wan if number == 1 else None, None),
                    ("dmz", f"172.16.{10 * org_number}.{number}", None),
                ),
            )
        )


def _add_router(builder: RecordBuilder, assets: OrgAssets, budget: _Budget) -> None:
    profile = assets.profile
    if profile.configurations >= 100 and budget.take(1):
        assets.router = builder.configuration(
            assets.org,
            vocabulary.ROUTER,
            f"{profile.short}-RTR01",
            f"{assets.base}.0.254",
            type_name="Router",
            notes=f"{profile.isp} handoff router (managed by the ISP, read-only access).",
            location=assets.headquarters,
        )


def _add_switches(builder: RecordBuilder, assets: OrgAssets, budget: _Budget) -> None:
    """One switch per 30 configurations (none below 30); the first is the core switch."""
    total = assets.profile.configurations
    switch_model = vocabulary.SWITCHES[0 if total >= 200 else 2 if total >= 100 else 3]
    count = max(1, total // 30) if total >= 30 else 0
    for number in range(1, 1 + budget.take(count)):
        model = vocabulary.SWITCHES[1] if (total >= 200 and number == 1) else switch_model
        assets.switches.append(
            builder.configuration(
                assets.org,
                model,
                f"{assets.profile.short}-SW{number:02d}",
                f"{assets.base}.0.{10 + number}",
                type_name="Switch",
                notes="Core switch; VLANs 1 (mgmt), 10 (servers), 20 (users), 30 (printers)"
                if number == 1
                else None,
                location=assets.locations[(number - 1) % len(assets.locations)],
            )
        )


def _add_access_points(builder: RecordBuilder, assets: OrgAssets, budget: _Budget) -> None:
    total = assets.profile.configurations
    ap_model = vocabulary.ACCESS_POINTS[0 if total < 60 else 1 if total >= 200 else 2]
    for number in range(1, 1 + budget.take(max(1, total // 25))):
        assets.access_points.append(
            builder.configuration(
                assets.org,
                ap_model,
                f"{assets.profile.short}-AP{number:02d}",
                f"{assets.base}.0.{50 + number}",
                type_name="Wireless Access Point",
                location=assets.locations[(number - 1) % len(assets.locations)],
            )
        )


def _server_roles(assets: OrgAssets) -> list[tuple[str, str]]:
    """(hostname suffix, role) of the servers, in priority order: DC01, FS01, the SQL servers,
    then the rest. None below 30 configurations."""
    profile = assets.profile
    total = profile.configurations
    if total < 30:
        return []
    server_count = min(max(2, total // 20), len(vocabulary.SERVER_ROLES) + profile.sql_servers + 1)
    base_roles = list(vocabulary.SERVER_ROLES)
    if profile.email_platform.startswith("Exchange"):
        base_roles.insert(2, ("EXCH01", f"Microsoft {profile.email_platform} mailbox server"))
    sql_roles = [
        (
            f"SQL{number:02d}",
            f"Microsoft SQL Server host for line-of-business databases (#{number})",
        )
        for number in range(1, profile.sql_servers + 1)
    ]
    roles = base_roles[:2] + sql_roles + base_roles[2:]
    return roles[: max(server_count, 2 + profile.sql_servers)]


def _add_servers(builder: RecordBuilder, assets: OrgAssets, budget: _Budget) -> None:
    roles = _server_roles(assets)
    for number, (suffix, role) in enumerate(roles[: budget.take(len(roles))], start=1):
        device = vocabulary.SERVERS[number % len(vocabulary.SERVERS)]
        os_notes = device.os
        if suffix.startswith("SQL"):
            edition = "2022 Standard" if number % 2 else "2019 Standard"
            os_notes = f"{device.os}; Microsoft SQL Server {edition} (MSSQLSERVER, port 1433)"
        management_card = "iDRAC" if device.manufacturer == "Dell" else "iLO"
        server = builder.configuration(
            assets.org,
            device,
            f"{assets.profile.short}-{suffix}",
            f"{assets.base}.10.{10 + number}",
            type_name="Managed Server",
            notes=role,
            os_notes=os_notes,
            location=assets.headquarters,
            extra_interfaces=((management_card, f"{assets.base}.1.{10 + number}", None),),
        )
        assets.servers[suffix] = server
        if suffix.startswith("SQL"):
            assets.sql_servers.append(server)


def _add_nas_and_ups(builder: RecordBuilder, assets: OrgAssets, budget: _Budget) -> None:
    total = assets.profile.configurations
    short = assets.profile.short
    if total >= 60 and budget.take(1):
        assets.nas = builder.configuration(
            assets.org,
            vocabulary.NAS,
            f"{short}-NAS01",
            f"{assets.base}.10.200",
            type_name="NAS",
            notes="Backup repository (Veeam) and scanned documents share.",
            location=assets.headquarters,
        )
    if total >= 30 and budget.take(1):
        assets.ups = builder.configuration(
            assets.org,
            vocabulary.UPS,
            f"{short}-UPS01",
            f"{assets.base}.10.250",
            type_name="UPS",
            notes="Server rack UPS; network management card, shutdown via PowerChute.",
            location=assets.headquarters,
        )


def _add_printers(builder: RecordBuilder, assets: OrgAssets, budget: _Budget) -> None:
    total = assets.profile.configurations
    for number in range(1, 1 + budget.take(max(1, total // 22))):
        assets.printers.append(
            builder.configuration(
                assets.org,
                vocabulary.PRINTERS[number % len(vocabulary.PRINTERS)],
                f"{assets.profile.short}-PRN{number:02d}",
                f"{assets.base}.30.{10 + number}",
                type_name="Printer",
                location=assets.locations[(number - 1) % len(assets.locations)],
            )
        )


def _add_endpoints(builder: RecordBuilder, assets: OrgAssets, budget: _Budget) -> None:
    """Everything left of the budget: two laptops for each workstation, each with a user."""
    rng = builder.rng
    total = assets.profile.configurations
    people = assets.employees or ([assets.main_contact] if assets.main_contact else [])
    for number in range(1, 1 + budget.take(budget.remaining)):
        laptop = number % 3 != 0 or total < 10
        device = rng.choice(vocabulary.LAPTOPS if laptop else vocabulary.WORKSTATIONS)
        prefix = "LT" if laptop else "WS"
        ip = f"{assets.base}.{20 + (number - 1) // 240}.{10 + (number - 1) % 240}"
        extra: tuple[tuple[str, str | None, str | None], ...] = (
            (("Wi-Fi", None, None),) if laptop else ()
        )
        assets.endpoints.append(
            builder.configuration(
                assets.org,
                device,
                f"{assets.profile.short}-{prefix}{number:04d}",
                ip,
                type_name="Laptop" if laptop else "Workstation",
                location=rng.choice(assets.locations),
                contact=rng.choice(people) if people else None,
                extra_interfaces=extra,
                status="In Repair" if rng.random() < 0.02 else "Active",
            )
        )
