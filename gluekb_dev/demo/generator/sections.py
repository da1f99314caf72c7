"""The HTML sections of a demo document: an overview that names the device it is about, then a
body chosen by the kind of document (network overview, server runbook, database maintenance,
firewall or VPN procedure, or a checklist with steps). A section is
`(resource type, HTML content, heading level or None)`, as IT Glue's document sections."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from html import escape
from typing import Any

from gluekb_dev.demo.generator.builder import RecordBuilder
from gluekb_dev.demo.generator.org_assets import OrgAssets
from gluekb_dev.demo.records import Resource

Section = tuple[str, str, int | None]


def html_list(items: Iterable[str], ordered: bool = False) -> str:
    tag_name = "ol" if ordered else "ul"
    return (
        f"<{tag_name}>"
        + "".join(f"<li>{escape(item, quote=False)}</li>" for item in items)
        + f"</{tag_name}>"
    )


def code_block(text: str, language: str) -> str:
    return f'<pre><code class="language-{language}">{escape(text, quote=False)}</code></pre>'


def document_sections(
    builder: RecordBuilder, assets: OrgAssets, title: str, about: Sequence[tuple[str, Resource]]
) -> list[Section]:
    """The sections of document `title`, about the first of `about` if any. Only checklists
    draw random numbers (how many steps, whether a script)."""
    target = about[0][1]["attributes"] if about else None
    return [*_overview(assets, title, target), *_body(builder, assets, title, target)]


def _overview(assets: OrgAssets, title: str, target: dict[str, Any] | None) -> list[Section]:
    intro = (
        f"<p>This document covers <strong>{escape(title)}</strong> "
        f"for {escape(assets.profile.name)}."
    )
    if target is not None:
        intro += (
            f" It applies to <code>{escape(target['name'])}</code> "
            f"({escape(target.get('model-name') or '')}, "
            f"IP {escape(target.get('primary-ip') or '')})."
        )
    intro += " Escalate to the main contact before any change during business hours.</p>"
    return [("Document::Heading", "Overview", 2), ("Document::Text", intro, None)]


def _body(
    builder: RecordBuilder, assets: OrgAssets, title: str, target: dict[str, Any] | None
) -> list[Section]:
    if title == "Network Overview":
        return _network_overview(assets)
    if title.startswith("Server Runbook:") and target is not None:
        return _server_runbook(target)
    if "Database Maintenance" in title and target is not None:
        return _database_maintenance(target)
    if "Firewall" in title or "VPN" in title:
        return _firewall_procedure(assets, title)
    return _checklist(builder, assets, title)


def _network_overview(assets: OrgAssets) -> list[Section]:
    rows = "".join(
        f"<tr><td>{escape(name)}</td><td>{escape(subnet)}</td><td>{vlan}</td></tr>"
        for name, subnet, vlan in (
            ("Management", f"{assets.base}.0.0/24", 1),
            ("Servers", f"{assets.base}.10.0/24", 10),
            ("Users", f"{assets.base}.20.0/22", 20),
            ("Printers", f"{assets.base}.30.0/24", 30),
        )
    )
    devices = [assets.firewall, *assets.switches[:3], *assets.access_points[:2]]
    device_list = html_list(
        f"{device['attributes']['name']}: {device['attributes']['model-name']} "
        f"at {device['attributes']['primary-ip']}"
        for device in devices
    )
    interface_config = code_block(
        'config system interface\n    edit "internal"\n'
        f"        set ip {assets.firewall['attributes']['primary-ip']} 255.255.255.0\n"
        f"        set allowaccess ping https ssh\n    next\nend",
        "fortios",
    )
    return [
        ("Document::Heading", "IP Addressing", 2),
        (
            "Document::Text",
            f"<table><tr><th>Network</th><th>Subnet</th><th>VLAN</th></tr>{rows}</table>",
            None,
        ),
        ("Document::Heading", "Core Devices", 2),
        ("Document::Text", device_list, None),
        ("Document::Text", interface_config, None),
    ]


def _server_runbook(target: dict[str, Any]) -> list[Section]:
    name = target["name"]
    reboot_steps = [
        "Announce the maintenance window to the main contact.",
        f"Confirm last night's backup of {name} succeeded.",
        "Reboot and watch the console until services are running.",
    ]
    script = (
        f"Restart-Computer -ComputerName {name} -Wait -For PowerShell -Timeout 900\n"
        f"Get-Service -ComputerName {name} | Where-Object Status -ne 'Running'"
    )
    sections: list[Section] = [
        ("Document::Heading", "Role", 2),
        (
            "Document::Text",
            f"<p>{escape(target.get('notes') or '')}. "
            f"OS: {escape(target.get('operating-system-notes') or '')}.</p>",
            None,
        ),
        ("Document::Heading", "Safe Reboot", 2),
        ("Document::Step", html_list(reboot_steps, ordered=True), None),
        ("Document::Text", code_block(script, "powershell"), None),
    ]
    if "SQL Server" in (target.get("operating-system-notes") or ""):
        health_checks = (
            "SELECT name, state_desc, recovery_model_desc FROM sys.databases;\n"
            "EXEC msdb.dbo.sp_help_jobactivity @job_name = N'Nightly Full Backup';"
        )
        sections.append(("Document::Heading", "SQL Health Checks", 3))
        sections.append(("Document::Text", code_block(health_checks, "sql"), None))
    return sections


def _database_maintenance(target: dict[str, Any]) -> list[Section]:
    steps = [
        f"Connect to {target['name']} with SQL Server Management Studio.",
        "Run integrity checks, then index maintenance.",
        "Record the run in the change log.",
    ]
    script = "DBCC CHECKDB WITH NO_INFOMSGS;\nALTER INDEX ALL ON dbo.Orders REORGANIZE;"
    return [
        ("Document::Heading", "Weekly Maintenance", 2),
        ("Document::Step", html_list(steps, ordered=True), None),
        ("Document::Text", code_block(script, "sql"), None),
    ]


def _firewall_procedure(assets: OrgAssets, title: str) -> list[Section]:
    firewall = assets.firewall["attributes"]
    steps = [
        f"Sign in to {firewall['name']} at https://{firewall['primary-ip']}:8443 "
        "with the FortiGate admin password.",
        "Take a configuration backup before any change.",
        "Apply the change and test from a client on the LAN.",
    ]
    if "VPN" in title:
        config = (
            'config vpn ssl settings\n    set servercert "Fortinet_Factory"\n'
            '    set tunnel-ip-pools "SSLVPN_TUNNEL_ADDR1"\n    set port 10443\n'
            '    set source-interface "wan1"\nend'
        )
    else:
        config = (
            f"execute backup config ftp {assets.profile.short.lower()}-fw01.conf "
            f"{assets.base}.10.200 backup"
        )
    return [
        ("Document::Heading", "Procedure", 2),
        ("Document::Step", html_list(steps, ordered=True), None),
        ("Document::Text", code_block(config, "fortios"), None),
    ]


def _checklist(builder: RecordBuilder, assets: OrgAssets, title: str) -> list[Section]:
    """A checklist, one to three steps (a random draw) and, 40% of the time, a script."""
    profile = assets.profile
    org = profile.name
    items = [
        f"Open a ticket for {org} and note the requester.",
        "Check the related configurations and passwords in IT Glue.",
        "Document anything that changed in this article.",
    ]
    if "Onboarding" in title:
        items.insert(
            1, f"Create the account in {profile.email_platform} with the {profile.domain} address."
        )
    if "Offboarding" in title:
        items.insert(1, "Disable sign-in, revoke sessions, convert the mailbox to shared.")
    sections: list[Section] = [
        ("Document::Heading", "Checklist", 2),
        ("Document::Text", html_list(items), None),
        ("Document::Heading", "Steps", 2),
    ]
    for step_number in range(1, 2 + builder.rng.randrange(3)):
        sections.append(
            (
                "Document::Step",
                f"<p>Step {step_number}: follow the {escape(title.lower())} standard "
                f"for {escape(org)}; record the outcome in the ticket.</p>",
                None,
            )
        )
    if builder.rng.random() < 0.4:
        script = (
            f"Get-ADUser -Filter * -SearchBase 'OU=Users,DC={profile.short.lower()},DC=local' "
            "-Properties LastLogonDate | Sort-Object LastLogonDate"
        )
        sections.append(("Document::Text", code_block(script, "powershell"), None))
    return sections
