"""One client organization, built in a fixed order: the organization, its locations, email
domains and contacts, then its configurations, passwords, documents and flexible assets (each
step links to what the earlier ones made)."""

from __future__ import annotations

from datetime import timedelta

from gluekb_dev.demo import vocabulary
from gluekb_dev.demo.generator.builder import HISTORY_START, RecordBuilder
from gluekb_dev.demo.generator.configurations import build_configurations
from gluekb_dev.demo.generator.documents import build_documents
from gluekb_dev.demo.generator.flexible_assets import build_flexible_assets
from gluekb_dev.demo.generator.folders import build_document_folders
from gluekb_dev.demo.generator.org_assets import OrgAssets
from gluekb_dev.demo.generator.passwords import build_passwords
from gluekb_dev.demo.records import Resource
from gluekb_dev.demo.vocabulary import OrgProfile


def build_organization(builder: RecordBuilder, index: int, profile: OrgProfile) -> OrgAssets:
    """Organization number `index` (0-based) of the demo MSP, with everything it owns."""
    org = _add_organization(builder, index, profile)
    assets = OrgAssets(org=org, profile=profile, base=f"10.{10 * (index + 1)}")
    _add_locations(builder, assets)
    _add_domains(builder, assets)
    _add_contacts(builder, assets)
    build_configurations(builder, assets)
    build_passwords(builder, assets)
    build_documents(builder, assets)
    build_flexible_assets(builder, assets)
    build_document_folders(builder, assets)  # last: draws nothing, files what exists
    return assets


def _add_organization(builder: RecordBuilder, index: int, profile: OrgProfile) -> Resource:
    created = HISTORY_START + timedelta(days=7 * index)
    return builder.add(
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


def _add_locations(builder: RecordBuilder, assets: OrgAssets) -> None:
    rng = builder.rng
    profile = assets.profile
    org_id = int(assets.org["id"])
    for position, city in enumerate(profile.locations):
        location = builder.add(
            "locations",
            {
                "organization-id": org_id,
                "organization-name": profile.name,
                "name": f"{city} HQ" if position == 0 else f"{city} Office",
                "primary": position == 0,
                "address-1": f"{rng.randrange(100, 9999)} {rng.choice(vocabulary.STREETS)}",
                "address-2": None if position else f"Suite {rng.randrange(100, 600)}",
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
        location["attributes"]["resource-url"] = builder.url(org_id, "locations", location["id"])
        assets.locations.append(location)


def _add_domains(builder: RecordBuilder, assets: OrgAssets) -> None:
    rng = builder.rng
    profile = assets.profile
    org_id = int(assets.org["id"])
    domain_names = [profile.domain]
    if profile.configurations >= 150:
        domain_names.append(profile.domain.rsplit(".", 1)[0] + ".net")
    for name in domain_names:
        domain = builder.add(
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
        domain["attributes"]["resource-url"] = builder.url(org_id, "domains", domain["id"])
        assets.domains.append(domain)


def _add_contacts(builder: RecordBuilder, assets: OrgAssets) -> None:
    """The main contact, a support contact per line-of-business vendor, then employees."""
    rng = builder.rng
    profile = assets.profile
    org = assets.org
    first, last = builder.person()
    assets.main_contact = builder.contact(
        org,
        first,
        last,
        title=rng.choice(vocabulary.MAIN_CONTACT_TITLES),
        contact_type="Primary Contact",
        email=f"{first}.{last}@{profile.domain}".lower(),
        important=True,
        location=assets.headquarters,
        notes="Main contact: approves changes, purchases and new users.",
    )
    for app, vendor, _ in profile.lob_apps:
        slug = "".join(char for char in vendor.lower() if char.isalnum())
        assets.vendor_contacts.append(
            builder.contact(
                org,
                vendor,
                "Support",
                title=f"{app} support desk",
                contact_type="Vendor",
                email=f"support@{slug}.example",
            )
        )
    for _ in range(max(0, profile.contacts - 1 - len(profile.lob_apps))):
        first, last = builder.person()
        assets.employees.append(
            builder.contact(
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
