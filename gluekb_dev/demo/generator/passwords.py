"""An organization's password records (metadata; `RecordBuilder.password` keeps each value
apart in `Tenant.secrets`), remembered in `OrgAssets.passwords` under a key later steps use
(`"firewall"`, `"email_admin"`, `"sql:<id>"`, `"lob:<app>"`, ...)."""

from __future__ import annotations

from gluekb_dev.demo.generator.builder import RecordBuilder
from gluekb_dev.demo.generator.org_assets import OrgAssets


def build_passwords(builder: RecordBuilder, assets: OrgAssets) -> None:
    _add_admin_passwords(builder, assets)
    _add_service_passwords(builder, assets)


def _add_admin_passwords(builder: RecordBuilder, assets: OrgAssets) -> None:
    """Firewall, domain, email platform, Exchange and SQL `sa` administrators."""
    profile = assets.profile
    org = assets.org
    short = profile.short
    firewall = assets.firewall
    assets.passwords["firewall"] = builder.password(
        org,
        f"FortiGate admin - {firewall['attributes']['name']}",
        category="Network",
        username="admin",
        url=f"https://{firewall['attributes']['primary-ip']}:8443",
        resource=("Configuration", firewall),
        notes="Local super_admin; MFA via FortiToken.",
    )
    if "DC01" in assets.servers:
        assets.passwords["domain_admin"] = builder.password(
            org,
            "Domain Administrator",
            category="Active Directory",
            username=f"{short}\\Administrator",
            notes="Break-glass only; use named admin accounts.",
        )
    if profile.email_platform == "Google Workspace":
        assets.passwords["email_admin"] = builder.password(
            org,
            "Google Workspace Super Admin",
            category="Cloud",
            username=f"admin@{profile.domain}",
            url="https://admin.google.com",
        )
    else:
        assets.passwords["email_admin"] = builder.password(
            org,
            "Microsoft 365 Global Admin",
            category="Cloud",
            username=f"admin@{profile.domain.split('.')[0]}.onmicrosoft.com",
            url="https://admin.microsoft.com",
        )
    if "EXCH01" in assets.servers:
        assets.passwords["exchange_admin"] = builder.password(
            org,
            "Exchange Organization Admin",
            category="Application",
            username=f"{short}\\exadmin",
            url=f"https://mail.{profile.domain}/ecp",
            resource=("Configuration", assets.servers["EXCH01"]),
        )
    for server in assets.sql_servers:
        assets.passwords[f"sql:{server['id']}"] = builder.password(
            org,
            f"SQL sa - {server['attributes']['name']}",
            category="Database",
            username="sa",
            resource=("Configuration", server),
            notes="SQL authentication enabled for the LOB app.",
        )


def _add_service_passwords(builder: RecordBuilder, assets: OrgAssets) -> None:
    """Service accounts, Wi-Fi, line-of-business apps, network gear, registrar and vendors."""
    profile = assets.profile
    org = assets.org
    short = profile.short
    if "BKP01" in assets.servers:
        assets.passwords["backup"] = builder.password(
            org,
            "Veeam Service Account",
            category="Application",
            username=f"{short}\\svc_veeam",
        )
    assets.passwords["wifi"] = builder.password(
        org,
        f"Wi-Fi PSK - {short}-Corp",
        category="Wireless",
        notes="WPA2/WPA3-Personal transition mode; rotate yearly.",
    )
    for app, vendor, _ in profile.lob_apps:
        assets.passwords[f"lob:{app}"] = builder.password(
            org,
            f"{app} admin",
            category="Application",
            username="admin",
            notes=f"Application administrator; {vendor} support may ask for it.",
        )
    if assets.switches:
        assets.passwords["switch"] = builder.password(
            org,
            "Switch admin (local)",
            category="Network",
            username="admin",
            resource=("Configuration", assets.switches[0]),
        )
    assets.passwords["registrar"] = builder.password(
        org,
        f"Domain registrar - {assets.domains[0]['attributes']['registrar-name']}",
        category="Vendor",
        username=f"it@{profile.domain}",
    )
    if assets.nas is not None:
        assets.passwords["nas"] = builder.password(
            org,
            f"NAS admin - {assets.nas['attributes']['name']}",
            category="Network",
            username="nasadmin",
            url=f"https://{assets.nas['attributes']['primary-ip']}:5001",
            resource=("Configuration", assets.nas),
        )
    if profile.configurations >= 100:
        for name, url in (
            ("Dell TechDirect", "https://tdm.dell.com"),
            ("RMM site installer", None),
            ("Printer EWS admin", None),
        ):
            assets.passwords[name] = builder.password(
                org, name, category="Vendor", username="admin", url=url
            )
