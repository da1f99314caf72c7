"""`apply_mutation`: one step of change to the demo tenant, as an MSP's week of work would make
it: deletes first (so nothing this step creates is deleted by it), then updates, then creates,
each drawn from `random.Random(f"{seed}/mutation/{step}")` in that order, and a report of exactly
what changed. Records that a Tag or a related item points at are never deleted."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from html import escape

from gluekb_dev.demo import vocabulary
from gluekb_dev.demo.generator.builder import RecordBuilder
from gluekb_dev.demo.generator.health_seeds import is_health_seed
from gluekb_dev.demo.generator.sections import Section, html_list
from gluekb_dev.demo.records import MutationReport, Resource, Tenant, iso

_ENDPOINT_KINDS = ("laptop", "workstation")


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


def apply_mutation(
    tenant: Tenant, *, step: int | None = None, at: datetime | None = None, plan: MutationPlan
) -> MutationReport:
    """Change the tenant as step `step` does (default: the next step) and say what changed."""
    step = tenant.step + 1 if step is None else step
    if step <= tenant.step:
        raise ValueError(f"step {step} is already applied (tenant is at step {tenant.step})")
    at = _mutation_time(tenant, at)
    mutation = _Mutation(tenant, step, at)
    deleted_configurations = mutation.delete(plan)
    mutation.update(plan, deleted_configurations)
    mutation.create(plan)
    tenant.step = step
    tenant.clock = at
    return mutation.changes.report(step, at)


def _mutation_time(tenant: Tenant, at: datetime | None) -> datetime:
    """`at` (default: now) in whole UTC seconds, never before a second after the tenant's clock."""
    if at is None:
        at = datetime.now(UTC).replace(microsecond=0)
    if at.tzinfo is None:
        raise ValueError("at must be timezone-aware")
    return max(at.astimezone(UTC), tenant.clock + timedelta(seconds=1)).replace(microsecond=0)


class _Changes:
    """Ids created, updated and deleted in one step, per resource type."""

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
            return {
                resource_type: sorted(ids, key=int)
                for resource_type, ids in sorted(kind.items())
                if ids
            }

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


class _Mutation:
    """One step in progress: its random draws, its timestamp and what it has changed so far."""

    def __init__(self, tenant: Tenant, step: int, at: datetime) -> None:
        self.tenant = tenant
        self.step = step
        self.at = at
        self.rng = random.Random(f"{tenant.seed}/mutation/{step}")
        self.builder = RecordBuilder(tenant, self.rng, at)
        self.changes = _Changes()
        self.stamp = iso(at)
        self.referenced = _referenced_ids(tenant)
        self.orgs = {str(org["id"]): org for org in tenant.all("organizations")}

    def touch(self, resource_type: str, record: Resource) -> None:
        record["attributes"]["updated-at"] = self.stamp
        self.changes.note("updated", resource_type, record["id"])

    def pick(self, candidates: Sequence[Resource], count: int) -> list[Resource]:
        # The health report's seeds are never picked: the draws stay what they were without them.
        pool = [c for c in candidates if not is_health_seed(c)]
        return self.rng.sample(pool, min(count, len(pool)))

    def unreferenced(self, tag_type: str, records: Sequence[Resource]) -> list[Resource]:
        return [
            record for record in records if (tag_type, str(record["id"])) not in self.referenced
        ]

    def remove(self, resource_type: str, record_id: str) -> None:
        self.tenant.delete(resource_type, record_id)
        self.changes.note("deleted", resource_type, record_id)

    def children(self, resource_type: str, attribute: str, parent: Resource) -> list[Resource]:
        """The records of `resource_type` whose `attribute` is `parent`'s id, in id order."""
        return [
            record
            for record in self.tenant.all(resource_type)
            if record["attributes"][attribute] == int(parent["id"])
        ]

    # ---------------------------------------------------------------- deletes
    def delete(self, plan: MutationPlan) -> set[str]:
        """Unreferenced endpoints, documents and employees; the ids of the configurations."""
        endpoints = [
            config
            for config in self.unreferenced("Configurations", self.tenant.all("configurations"))
            if config["attributes"]["configuration-type-kind"] in _ENDPOINT_KINDS
        ]
        doomed_configurations = self.pick(endpoints, plan.delete_configurations)
        for config in doomed_configurations:
            for interface in self.children("configuration_interfaces", "configuration-id", config):
                self.remove("configuration_interfaces", interface["id"])
            self.remove("configurations", config["id"])
        documents = self.unreferenced("Documents", self.tenant.all("documents"))
        for doc in self.pick(documents, plan.delete_documents):
            for section in self.children("document_sections", "document-id", doc):
                self.remove("document_sections", section["id"])
            self.remove("documents", doc["id"])
        contacts = [
            contact
            for contact in self.unreferenced("Contacts", self.tenant.all("contacts"))
            if contact["attributes"]["contact-type-name"] not in ("Primary Contact", "Vendor")
        ]
        for contact in self.pick(contacts, plan.delete_contacts):
            self.remove("contacts", contact["id"])
        return {str(config["id"]) for config in doomed_configurations}

    # ---------------------------------------------------------------- updates
    def update(self, plan: MutationPlan, deleted_configurations: set[str]) -> None:
        configs = [
            config
            for config in self.tenant.all("configurations")
            if str(config["id"]) not in deleted_configurations
        ]
        for config in self.pick(configs, plan.update_configurations):
            self.update_configuration(config)
        for doc in self.pick(self.tenant.all("documents"), plan.update_documents):
            self.revise_document(doc)
        for asset in self.pick(self.tenant.all("flexible_assets"), plan.update_flexible_assets):
            traits = asset["attributes"]["traits"]
            text_keys = sorted(key for key, value in traits.items() if isinstance(value, str))
            key = text_keys[-1] if text_keys else "notes"
            traits[key] = f"{traits.get(key, '')} (reviewed step {self.step})".strip()
            self.touch("flexible_assets", asset)
        for password in self.pick(self.tenant.all("passwords"), plan.update_passwords):
            self.tenant.secrets[password["id"]] = self.builder.secret()
            password["attributes"]["password-updated-at"] = self.stamp
            self.touch("passwords", password)
        for contact in self.pick(self.tenant.all("contacts"), plan.update_contacts):
            contact["attributes"]["title"] = self.rng.choice(vocabulary.TITLES)
            self.touch("contacts", contact)

    def update_configuration(self, config: Resource) -> None:
        """One of: an endpoint moves to another address, a device goes in or out of repair, or
        a note says it was checked."""
        attrs = config["attributes"]
        change = self.rng.randrange(4)
        if change == 0 and attrs["configuration-type-kind"] in _ENDPOINT_KINDS:
            self.move_endpoint(config)
        elif change == 1:
            status = "In Repair" if attrs["configuration-status-name"] == "Active" else "Active"
            attrs["configuration-status-name"] = status
            attrs["configuration-status-id"] = self.builder.lookup_id(
                "configuration_statuses", status
            )
        else:
            attrs["notes"] = (
                f"{attrs.get('notes') or ''} Checked on {self.at.date().isoformat()} "
                f"(step {self.step}): firmware and warranty verified."
            ).strip()
        self.touch("configurations", config)

    def move_endpoint(self, config: Resource) -> None:
        """A new primary IP, on the configuration and on the interface that had the old one."""
        attrs = config["attributes"]
        old_ip = attrs["primary-ip"]
        head, last = old_ip.rsplit(".", 1)
        attrs["primary-ip"] = f"{head}.{(int(last) + 100) % 250 + 2}"
        for interface in self.children("configuration_interfaces", "configuration-id", config):
            if interface["attributes"]["ip-address"] == old_ip:
                interface["attributes"]["ip-address"] = attrs["primary-ip"]
                self.touch("configuration_interfaces", interface)

    def revise_document(self, doc: Resource) -> None:
        """A revision note appended to the document's first text section."""
        texts = [
            section
            for section in self.children("document_sections", "document-id", doc)
            if section["attributes"]["resource-type"] == "Document::Text"
        ]
        if texts:
            section = texts[0]
            addition = (
                f"<p>Revised {self.at.date().isoformat()} (step {self.step}): confirm the "
                f"procedure with the on-call engineer first.</p>"
            )
            section["attributes"]["content"] += addition
            section["attributes"]["rendered-content"] = section["attributes"]["content"]
            self.touch("document_sections", section)
        self.touch("documents", doc)

    # ---------------------------------------------------------------- creates
    def create(self, plan: MutationPlan) -> None:
        """New laptops, change records, employees and vendor passwords, each in an organization
        drawn at random."""
        org_ids = sorted(self.orgs, key=int)
        for _ in range(plan.create_configurations):
            self.create_laptop(self.orgs[self.rng.choice(org_ids)])
        for number in range(1, plan.create_documents + 1):
            self.create_change_record(self.orgs[self.rng.choice(org_ids)], number)
        for _ in range(plan.create_contacts):
            self.create_employee(self.orgs[self.rng.choice(org_ids)])
        for number in range(1, plan.create_passwords + 1):
            password = self.builder.password(
                self.orgs[self.rng.choice(org_ids)],
                f"Vendor portal {self.step}-{number}",
                category="Vendor",
                username="it-admin",
                url="https://portal.example",
                created=self.at,
            )
            self.changes.note("created", "passwords", password["id"])

    def create_laptop(self, org: Resource) -> None:
        # Known flaw, kept: `base` is only the first octet ("10"), so the address has three parts
        # ("10.22.104"). The demo data is pinned (evaluations are written against it).
        short = org["attributes"]["short-name"].upper()
        base = next(
            config["attributes"]["primary-ip"].rsplit(".", 3)[0]
            for config in self.tenant.of_organization("configurations", org["id"])
            if config["attributes"]["configuration-type-kind"] == "firewall"
        )
        number = 5000 + int(self.tenant.next_ids["configurations"]) % 5000
        ip = f"{base}.{20 + number % 4}.{10 + number % 240}"
        locations = self.tenant.of_organization("locations", org["id"])
        config = self.builder.configuration(
            org,
            self.rng.choice(vocabulary.LAPTOPS),
            f"{short}-LT{number:04d}",
            ip,
            type_name="Laptop",
            location=locations[0] if locations else None,
            created=self.at,
            extra_interfaces=(("Wi-Fi", None, None),),
        )
        self.changes.note("created", "configurations", config["id"])
        for interface in self.children("configuration_interfaces", "configuration-id", config):
            self.changes.note("created", "configuration_interfaces", interface["id"])

    def create_change_record(self, org: Resource, number: int) -> None:
        title = f"Change Record S{self.step:03d}-{number}: firewall policy review"
        org_name = escape(org["attributes"]["name"])
        steps = ["Export the policy list.", "Remove unused rules.", "Get sign-off."]
        sections: list[Section] = [
            ("Document::Heading", "Summary", 2),
            ("Document::Text", f"<p>Quarterly firewall policy review for {org_name}.</p>", None),
            ("Document::Step", html_list(steps, ordered=True), None),
        ]
        doc = self.builder.document(org, title, sections, created=self.at)
        self.changes.note("created", "documents", doc["id"])
        for section in self.children("document_sections", "document-id", doc):
            self.changes.note("created", "document_sections", section["id"])

    def create_employee(self, org: Resource) -> None:
        domains = self.tenant.of_organization("domains", org["id"])
        domain = domains[0]["attributes"]["name"]
        first, last = self.builder.person()
        contact = self.builder.contact(
            org,
            first,
            last,
            title=self.rng.choice(vocabulary.TITLES),
            contact_type="Employee",
            email=f"{first[0]}{last}.{self.step}@{domain}".lower(),
            created=self.at,
        )
        self.changes.note("created", "contacts", contact["id"])
