"""What the console's pages read, with fakes that honour the ports: every read stays inside the
key's organizations, and the filters the stores lack (urgency) still find what they should."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from gluekb.errors import Forbidden, NotFound
from gluekb.models.audit import AuditEntry
from gluekb.models.auth import Principal
from gluekb.models.catalog import CatalogRecord
from gluekb.models.documents import RecordField
from gluekb.models.organizations import RegisteredOrganization
from gluekb.models.sync import SyncStatus
from gluekb.models.tickets import Ticket, TicketPage
from gluekb.services.console.audit import audit_trail
from gluekb.services.console.organizations import organization_statuses
from gluekb.services.console.passwords import password_list
from gluekb.services.console.tickets import QueueFilters, ticket_queue

NOW = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)
ORGANIZATIONS = [
    RegisteredOrganization(id="1001", name="Acme Corp"),
    RegisteredOrganization(id="1002", name="Contoso"),
]


def principal(*organizations: str, scopes: Iterable[str] = ("search",)) -> Principal:
    return Principal(
        key_id="k1", name="tech", organizations=frozenset(organizations), scopes=frozenset(scopes)
    )


class Directory:
    def organizations(self) -> list[RegisteredOrganization]:
        return ORGANIZATIONS


class Audit:
    def __init__(self) -> None:
        self.read: list[str] = []

    def entries(self, organization_id: str, record_id: str | None = None) -> list[AuditEntry]:
        self.read.append(organization_id)
        return [
            AuditEntry(
                audit_id=f"{organization_id}-{n}",
                action="password.reveal",
                at=NOW + timedelta(minutes=n * 10 + int(organization_id) % 10),
                key_id="k",
                key_name="tech",
                organization_id=organization_id,
                record_id=f"itglue:passwords:{organization_id}{n}",
                record_name="admin",
                reason="ticket",
                via="api",
            )
            for n in range(2)
        ]


def test_the_audit_log_needs_admin_and_reads_only_the_keys_organizations() -> None:
    audit = Audit()
    with pytest.raises(Forbidden):
        audit_trail(principal("1001"), Directory(), audit)
    assert audit.read == []
    entries = audit_trail(principal("1001", scopes=["admin"]), Directory(), audit)
    assert audit.read == ["1001"]
    assert [e.audit_id for e in entries] == ["1001-1", "1001-0"]  # newest first
    with pytest.raises(NotFound):
        audit_trail(principal("1001", scopes=["admin"]), Directory(), audit, organization="1002")
    assert audit.read == ["1001"]


def test_an_all_organizations_admin_reads_every_trail_merged_newest_first() -> None:
    admin = Principal(
        key_id="a", name="admin", organizations=frozenset(), all_organizations=True,
        scopes=frozenset({"admin"}),
    )  # fmt: skip
    entries = audit_trail(admin, Directory(), Audit())
    assert [e.audit_id for e in entries] == ["1002-1", "1001-1", "1002-0", "1001-0"]


class Catalog:
    def records_of(self, organization_id: str, resource_type: str) -> list[CatalogRecord]:
        assert resource_type == "passwords"
        return [
            CatalogRecord(
                source_id=f"itglue:passwords:{organization_id}", organization_id=organization_id,
                resource_type="passwords", record_id=organization_id,
                name=f"admin {organization_id}",
                content_hash="h", raw_key="k", synced_at=NOW,
                fields=[RecordField(name="Username", value="admin"),
                        RecordField(name="Belongs to", value="FW01")],
            )
        ]  # fmt: skip


def test_the_passwords_list_holds_metadata_of_visible_organizations_only() -> None:
    found = password_list(principal("1001"), Directory(), Catalog())
    assert [(p.id, p.organization_name, p.username, p.belongs_to) for p in found] == [
        ("itglue:passwords:1001", "Acme Corp", "admin", "FW01")
    ]
    with pytest.raises(NotFound):
        password_list(principal("1001"), Directory(), Catalog(), organization="Contoso")


class States:
    def __init__(self) -> None:
        self.read: list[str] = []

    def sync_status(self, organization_id: str) -> SyncStatus:
        self.read.append(organization_id)
        return SyncStatus(organization_id=organization_id, state="ok", last_success_at=NOW)


def test_organization_statuses_are_read_for_visible_organizations_only() -> None:
    states = States()
    statuses = organization_statuses(principal("1002"), Directory(), states)
    assert states.read == ["1002"]
    assert [(s.organization_id, s.organization_name, s.state) for s in statuses] == [
        ("1002", "Contoso", "ok")
    ]
    assert organization_statuses(principal("9999"), Directory(), States()) == []


def _ticket(n: int, priority: str) -> Ticket:
    at = NOW - timedelta(minutes=n)
    return Ticket.model_validate(
        {"id": f"T-{n + 1}", "organization_id": "1001", "subject": f"ticket {n}",
         "priority": priority, "created_at": at, "updated_at": at, "last_message_at": at}
    )  # fmt: skip


class Desk:
    """Pages of three tickets, newest first; only every fourth one is critical."""

    def __init__(self) -> None:
        self.tickets = [_ticket(n, "critical" if n % 4 == 3 else "normal") for n in range(12)]
        self.calls: list[dict[str, Any]] = []

    def list_tickets(
        self,
        principal: Principal,
        state: Any,
        *,
        status: str | None,
        org: str | None,
        intent: str | None,
        limit: int,
        cursor: str | None,
    ) -> TicketPage:
        query = {"status": status, "org": org, "intent": intent, "limit": limit, "cursor": cursor}
        self.calls.append(query)
        start = int(query["cursor"] or 0)
        chosen = self.tickets[start : start + 3]
        more = start + 3 < len(self.tickets)
        return TicketPage(tickets=chosen, next_cursor=str(start + 3) if more else None)


def test_the_urgency_filter_reads_on_until_it_has_a_page_of_matches() -> None:
    desk = Desk()
    page = ticket_queue(
        desk,
        principal("1001", scopes=["tickets"]),
        Directory(),
        QueueFilters(urgency="critical", status="open"),
        limit=2,
    )
    assert [t.id for t in page.tickets] == ["T-4", "T-8"]
    assert all(c["status"] == "open" and c["org"] is None for c in desk.calls)
    assert len(desk.calls) == 3 and page.next_cursor == "9"


def test_without_an_urgency_filter_one_store_page_is_one_console_page() -> None:
    desk = Desk()
    page = ticket_queue(
        desk,
        principal("1001", scopes=["tickets"]),
        Directory(),
        QueueFilters(organization="Acme Corp"),
        limit=3,
    )
    assert len(desk.calls) == 1 and desk.calls[0]["org"] == "Acme Corp"
    assert [t.id for t in page.tickets] == ["T-1", "T-2", "T-3"] and page.next_cursor == "3"
