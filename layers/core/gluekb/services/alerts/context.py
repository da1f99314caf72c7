"""An asset's context for whoever responds to it (an alert's ticket, the API, an assistant):
key facts from its record, what depends on it (the graph), runbook passages that mention it
(search, documents and docs repositories), similar past tickets and how they ended, the names of
its credentials, and an urgency from the alert's severity and the asset's impact.

Every item carries its source. Nothing here reveals a password value: credentials are the
password records' names, categories and usernames.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from gluekb.errors import DependencyUnavailable, NotFound
from gluekb.models.auth import Principal
from gluekb.models.catalog import CatalogRecord, Edge
from gluekb.models.incidents import (
    AssetContext,
    ContextFact,
    CredentialName,
    Dependent,
    PastTicket,
    RunbookPassage,
    SourceRef,
)
from gluekb.models.index import SearchHit
from gluekb.models.tickets import URGENCIES, Urgency
from gluekb.observability import build_logger
from gluekb.ports.catalog import GraphReader
from gluekb.ports.raw_records import RawReader
from gluekb.ports.state import OrganizationSource
from gluekb.ports.tickets import TicketRepository
from gluekb.services.query.search import SearchService
from gluekb.services.tickets.similar import similar_tickets

logger = build_logger(child=True)

KEY_FIELDS = (
    "Type", "Status", "Hostname", "Primary IP", "Location", "Warranty expires",
    "Operating system", "Manufacturer", "Model", "Serial number", "Contact",
)  # fmt: skip
RUNBOOK_TYPES = ["document", "git_file"]
MAX_RUNBOOKS = 3
MAX_SIMILAR = 3
MAX_DEPENDENTS = 25
PASSAGE_CHARS = 400
_SEVERITY: tuple[tuple[re.Pattern[str], Urgency], ...] = (
    (re.compile(r"crit|disaster|emerg|page|fatal|^p1$|^sev1$|^1$", re.I), "critical"),
    (re.compile(r"high|error|major|^p2$|^sev2$|^2$", re.I), "high"),
    (re.compile(r"info|low|minor|none|^p[45]$|^sev[45]$|^[45]$", re.I), "low"),
)


def severity_urgency(severity: str | None) -> Urgency:
    for pattern, urgency in _SEVERITY:
        if severity and pattern.search(severity.strip()):
            return urgency
    return "normal"


def urgency_of(severity: str | None, dependents: int) -> tuple[Urgency, str]:
    """The severity's urgency, one step higher when two or more records depend on the asset."""
    base = severity_urgency(severity)
    said = f"severity {severity}" if severity else "no severity given"
    depend = "1 record depends on it" if dependents == 1 else f"{dependents} records depend on it"
    if dependents >= 2 and base != "critical":
        raised = URGENCIES[URGENCIES.index(base) + 1]
        return raised, f"{said} is {base}, raised one step: {depend}"
    return base, f"{said}; {depend}"


def record_ref(record: CatalogRecord) -> SourceRef:
    return SourceRef(
        id=record.source_id,
        title=record.name,
        type=record.resource_type.removesuffix("s"),
        url=record.url,
    )


def _warranty_note(value: str, today: date) -> str:
    try:
        due = date.fromisoformat(value[:10])
    except ValueError:
        return value
    days = (due - today).days
    return f"{value} (expired {-days} days ago)" if days < 0 else f"{value} (in {days} days)"


def key_facts(record: CatalogRecord, today: date) -> list[ContextFact]:
    """The card's key fields in a fixed order, then every interface (IP, MAC)."""
    source = record_ref(record)
    fields = {f.name: f.value for f in record.fields}
    facts = []
    for name in KEY_FIELDS:
        value = fields.get(name)
        if value:
            shown = _warranty_note(value, today) if name == "Warranty expires" else value
            facts.append(ContextFact(label=name, value=shown, source=source))
    facts += [
        ContextFact(label=f.name, value=f.value, source=source)
        for f in record.fields
        if f.name.startswith("Interface ")
    ]
    return facts


def passage(text: str, needles: list[str]) -> str | None:
    """The part of `text` around its first mention of a needle, or None if none is there."""
    lowered = text.lower()
    positions = [lowered.find(n.lower()) for n in needles if n]
    found = [p for p in positions if p >= 0]
    if not found:
        return None
    start = max(0, min(found) - PASSAGE_CHARS // 3)
    cut = " ".join(text[start : start + PASSAGE_CHARS].split())
    return ("…" if start else "") + cut + ("…" if start + PASSAGE_CHARS < len(text) else "")


@dataclass
class AssetContextBuilder:
    catalog: GraphReader
    search: SearchService
    state: OrganizationSource
    tickets: TicketRepository
    raw: RawReader | None = None  # the record as IT Glue sent it: its notes say its role
    impact_depth: int = 2
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))

    def organization_name(self, organization_id: str) -> str | None:
        return next((o.name for o in self.state.organizations() if o.id == organization_id), None)

    def for_record(
        self,
        principal: Principal,
        record: CatalogRecord,
        *,
        about: str = "",
        severity: str | None = None,
        identifier: str | None = None,
        matched_by: str | None = None,
        exclude_ticket: str | None = None,
    ) -> AssetContext:
        """The record's context; `about` (the alert's name and summary) steers similar tickets."""
        notes: list[str] = []
        dependents = self.dependents(record)
        urgency, reason = urgency_of(severity, len(dependents))
        needles = self._needles(record)
        return AssetContext(
            organization_id=record.organization_id,
            organization_name=self.organization_name(record.organization_id),
            identifier=identifier,
            asset=record_ref(record),
            documented=True,
            matched_by=matched_by,
            facts=[
                *key_facts(record, self.clock().date()),
                *self._noted_role(record),
                *self._roles(record),
            ],
            dependents=dependents,
            runbooks=self.runbooks(record.organization_id, needles, notes),
            similar_tickets=self.similar(
                principal,
                record.organization_id,
                f"{about} {' '.join(needles)}",
                exclude_ticket,
                notes,
            ),
            credentials=self.credentials(record),
            urgency=urgency,
            urgency_reason=reason,
            notes=notes,
        )

    def undocumented(
        self,
        principal: Principal,
        organization_id: str,
        *,
        about: str,
        severity: str | None,
        identifier: str | None,
        exclude_ticket: str | None = None,
    ) -> AssetContext:
        """No configuration matches: what search and past tickets know about the identifier."""
        notes = ["asset not documented: no configuration of this client matches the alert"]
        needles = [identifier] if identifier else []
        urgency, reason = urgency_of(severity, 0)
        known = organization_id in {o.id for o in self.state.organizations()}
        return AssetContext(
            organization_id=organization_id,
            organization_name=self.organization_name(organization_id),
            identifier=identifier,
            documented=False,
            runbooks=self.runbooks(organization_id, needles, notes) if known else [],
            similar_tickets=self.similar(
                principal, organization_id, f"{about} {identifier or ''}", exclude_ticket, notes
            ),
            urgency=urgency,
            urgency_reason=reason,
            notes=notes,
        )

    # ------------------------------------------------------------ the parts
    @staticmethod
    def _needles(record: CatalogRecord) -> list[str]:
        fields = {f.name: f.value for f in record.fields}
        names = [record.name, fields.get("Hostname", ""), fields.get("Primary IP", "")]
        return [n for n in dict.fromkeys(names) if n]

    def _noted_role(self, record: CatalogRecord) -> list[ContextFact]:
        """The first line of the record's notes ("Domain controller (AD DS, DNS, DHCP)")."""
        if self.raw is None:
            return []
        try:
            attributes = self.raw.get(record.raw_key).get("attributes")
        except NotFound:
            return []
        notes = attributes.get("notes") if isinstance(attributes, dict) else None
        first = str(notes or "").strip().splitlines()[0:1]
        if not first or not first[0].strip():
            return []
        text = " ".join(first[0].split())[:200]
        return [ContextFact(label="Role (notes)", value=text, source=record_ref(record))]

    def _roles(self, record: CatalogRecord) -> list[ContextFact]:
        """What the asset is for, as the flexible assets that tag it say ("Database server in
        Line-of-Business App")."""
        facts = []
        for edge in self.catalog.edges(record.source_id, "depended_on_by"):
            if edge.kind != "depends_on":
                continue
            source = SourceRef(
                id=edge.source_id, title=edge.source_name or edge.source_id, type="flexible_asset"
            )
            facts.append(
                ContextFact(label="Role", value=f"{edge.relation}: {source.title}", source=source)
            )
        return facts

    def dependents(self, record: CatalogRecord) -> list[Dependent]:
        walked = self.catalog.walk(record.source_id, "depended_on_by", self.impact_depth)
        walked = [(d, e) for d, e in walked if e.organization_id == record.organization_id]
        records = self.catalog.get_many([e.source_id for _, e in walked[:MAX_DEPENDENTS]])
        return [self._dependent(d, e, records.get(e.source_id)) for d, e in walked[:MAX_DEPENDENTS]]

    @staticmethod
    def _dependent(distance: int, edge: Edge, record: CatalogRecord | None) -> Dependent:
        source = (
            record_ref(record)
            if record is not None
            else SourceRef(id=edge.source_id, title=edge.source_name, type="record")
        )
        return Dependent(
            id=edge.source_id,
            name=edge.source_name or source.title,
            type_label=record.type_label if record else None,
            relation=edge.relation + (f" (via {edge.target_name})" if distance > 1 else ""),
            distance=distance,
            source=source,
        )

    def runbooks(
        self, organization_id: str, needles: list[str], notes: list[str]
    ) -> list[RunbookPassage]:
        if not needles:
            return []
        try:
            hits, degraded = self.search.hits(
                " ".join(needles), [organization_id], RUNBOOK_TYPES, MAX_RUNBOOKS * 4
            )
        except DependencyUnavailable as exc:
            notes.append(f"runbooks not searched: {exc.message}")
            return []
        if degraded:
            notes.append("runbook search ran on keywords only (semantic search unavailable)")
        return _passages(hits, needles)

    def similar(
        self,
        principal: Principal,
        organization_id: str,
        text: str,
        exclude_ticket: str | None,
        notes: list[str],
    ) -> list[PastTicket]:
        if not principal.has("tickets"):
            notes.append("similar tickets need an API key with the tickets scope")
            return []
        try:
            found = similar_tickets(
                principal,
                self.search,
                self.state,
                text,
                organization=organization_id,
                limit=MAX_SIMILAR,
                exclude_ticket=exclude_ticket,
            )
        except DependencyUnavailable as exc:
            notes.append(f"similar tickets not searched: {exc.message}")
            return []
        return [self._past(t.ticket_id, t.subject, t.status) for t in found.tickets]

    def _past(self, ticket_id: str, subject: str, status: str | None) -> PastTicket:
        messages = self.tickets.messages(ticket_id)
        answers = [m for m in messages if m.direction == "outbound"]
        last = (
            answers[-1]
            if answers
            else (messages[-1] if messages and status in ("resolved", "closed") else None)
        )
        resolution = " ".join(last.text.split())[:300] if last and last.text else None
        return PastTicket(
            ticket_id=ticket_id,
            subject=subject,
            status=status,
            resolution=resolution,
            source=SourceRef(
                id=f"ticket:{ticket_id}", title=f"{ticket_id}: {subject}", type="ticket"
            ),
        )

    def credentials(self, record: CatalogRecord) -> list[CredentialName]:
        edges = [
            e
            for e in self.catalog.edges(record.source_id, "depended_on_by")
            if e.kind == "credential"
        ]
        passwords = self.catalog.get_many([e.source_id for e in edges])
        found = []
        for edge in edges:
            password = passwords.get(edge.source_id)
            fields = {f.name: f.value for f in password.fields} if password else {}
            found.append(
                CredentialName(
                    name=edge.source_name or (password.name if password else edge.source_id),
                    category=fields.get("Category"),
                    username=fields.get("Username"),
                    source=record_ref(password)
                    if password
                    else SourceRef(id=edge.source_id, title=edge.source_name, type="password"),
                )
            )
        return found


def _passages(hits: list[SearchHit], needles: list[str]) -> list[RunbookPassage]:
    """At most MAX_RUNBOOKS passages that mention the asset, one per source."""
    found: dict[str, RunbookPassage] = {}
    for hit in hits:
        chunk = hit.chunk
        text = passage(chunk.text, needles)
        if text is None and passage(chunk.title, needles) is not None:
            text = " ".join(chunk.text.split())[:PASSAGE_CHARS]
        if text is None or chunk.source_id in found:
            continue
        # A chunk's title is its breadcrumb ("<folders> > <document> > <heading>"): the passage
        # keeps it, the source the document's own.
        found[chunk.source_id] = RunbookPassage(
            title=chunk.title,
            text=text,
            source=SourceRef(
                id=chunk.source_id,
                title=chunk.document_title,
                type=chunk.source_type,
                url=chunk.url,
            ),
        )
        if len(found) == MAX_RUNBOOKS:
            break
    return list(found.values())
