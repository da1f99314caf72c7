"""Grounded answers: facts quoted verbatim from records, with their sources and a confidence,
or `found: false` with "No data available". No language model: the assistant calling gluekb is
the language model; gluekb's job is to hand it facts it can trust.

A question goes through four steps:
1. the organization: the `organization` parameter, or a visible organization named in the
   question, or (when neither) every organization the caller may see;
2. the kind of question: an attribute ("what is the firewall IP at Acme"), a list ("which servers
   at Contoso run SQL"), a contact ("who is the main contact at Fabrikam") or an impact ("what
   breaks if the mail server goes down");
3. candidate records from hybrid search (exact identifiers first), narrowed by the kind of thing
   the question names (firewall, server, contact, ...);
4. facts: record fields whose names fit the question, copied as they are. Nothing is composed:
   every value in an answer is a field value or a line of a record's own text.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, Field, field_validator

from gluekb.adapters.catalog_store import CatalogStore
from gluekb.models.auth import Principal
from gluekb.models.catalog import CatalogRecord
from gluekb.models.index import SearchHit
from gluekb.services.access.auth import require_scope
from gluekb.services.query.cache import QueryCache
from gluekb.services.query.search import SOURCE_TYPES, SearchService

NO_DATA = "No data available"
Kind = Literal["attribute", "list", "contact", "impact"]

# What a question asks for -> the field names that hold it (case-insensitive prefixes).
ATTRIBUTES: dict[str, tuple[str, ...]] = {
    "ip": ("primary ip", "interface", "ip", "gateway", "subnet", "wan ip", "lan ip"),
    "mac": ("mac address", "interface"),
    "serial": ("serial number", "serial"),
    "model": ("model", "manufacturer"),
    "manufacturer": ("manufacturer",),
    "vendor": ("manufacturer", "vendor"),
    "os": ("operating system",),
    "operating system": ("operating system",),
    "hostname": ("hostname",),
    "gateway": ("default gateway", "gateway"),
    "subnet": ("subnet", "network"),
    "vlan": ("vlan",),
    "location": ("location", "address"),
    "address": ("address",),
    "warranty": ("warranty expires",),
    "phone": ("phone",),
    "fax": ("fax",),
    "email": ("email",),
    "title": ("title",),
    "registrar": ("registrar",),
    "expire": ("expires", "warranty expires"),
    "username": ("username",),
    "url": ("url", "portal", "console"),
    "provider": ("provider", "isp", "carrier"),
    "isp": ("provider", "isp"),
    "circuit": ("circuit",),
    "ssid": ("ssid",),
    "version": ("version",),
    "status": ("status",),
    "asset tag": ("asset tag",),
    "contact": ("contact",),
}
_ATTRIBUTE_WORDS = {
    "ip address": "ip", "ip": "ip", "ips": "ip", "address": "ip", "mac": "mac", "serial": "serial",
    "serial number": "serial", "model": "model", "make": "manufacturer",
    "manufacturer": "manufacturer",
    "vendor": "vendor", "os": "os", "operating system": "os", "hostname": "hostname",
    "host name": "hostname", "gateway": "gateway", "subnet": "subnet", "vlan": "vlan",
    "location": "location", "where": "location", "warranty": "warranty", "phone": "phone",
    "number": "phone", "fax": "fax", "email": "email", "e-mail": "email", "title": "title",
    "registrar": "registrar",
    "expire": "expire", "expires": "expire", "expiry": "expire", "expiration": "expire",
    "username": "username", "user name": "username", "login": "username", "url": "url",
    "link": "url", "provider": "provider", "isp": "isp", "circuit": "circuit", "ssid": "ssid",
    "version": "version", "status": "status", "asset tag": "asset tag",
}  # fmt: skip


# What a question names -> which records qualify (resource type and type label patterns).
@dataclass(frozen=True)
class Entity:
    resource_types: tuple[str, ...]
    labels: tuple[str, ...] = ()  # type label (configuration type, asset type) substrings
    names: tuple[str, ...] = ()  # record name substrings (ACME-FW01, ...-SQL02)
    words: tuple[str, ...] = ()  # words a qualifying record's text must contain


ENTITIES: dict[str, Entity] = {
    "firewall": Entity(("configurations",), ("firewall",), ("fw",)),
    "router": Entity(("configurations",), ("router",), ("rtr",)),
    "switch": Entity(("configurations",), ("switch",), ("sw",)),
    "access point": Entity(("configurations",), ("access point", "wireless"), ("ap",)),
    "wireless": Entity(("flexible_assets", "configurations"), ("wireless", "access point")),
    "wifi": Entity(("flexible_assets", "configurations"), ("wireless", "access point")),
    "server": Entity(("configurations",), ("server",)),
    "domain controller": Entity(("configurations",), ("server",), ("dc",)),
    "file server": Entity(("configurations",), ("server",), ("fs",)),
    "sql": Entity(("configurations",), ("server",), ("sql",), ("sql",)),
    "mail server": Entity(
        ("configurations", "flexible_assets"), ("server", "email"), ("exch", "mail"),
        ("mail", "exchange"),
    ),
    "email": Entity(("flexible_assets",), ("email",)),
    "backup": Entity(("flexible_assets", "configurations"), ("backup",), ("bkp", "backup")),
    "nas": Entity(("configurations",), ("nas", "storage"), ("nas",)),
    "ups": Entity(("configurations",), ("ups",), ("ups",)),
    "printer": Entity(("configurations",), ("printer",), ("prn", "print")),
    "laptop": Entity(("configurations",), ("laptop",)),
    "workstation": Entity(("configurations",), ("workstation", "desktop")),
    "desktop": Entity(("configurations",), ("workstation", "desktop")),
    "computer": Entity(("configurations",), ("workstation", "laptop", "desktop")),
    "network": Entity(("flexible_assets",), ("network",)),
    "vlan": Entity(("flexible_assets",), ("network",)),
    "internet": Entity(("flexible_assets",), ("internet", "wan")),
    "isp": Entity(("flexible_assets",), ("internet", "wan")),
    "wan": Entity(("flexible_assets",), ("internet", "wan")),
    "application": Entity(("flexible_assets",), ("line-of-business", "application")),
    "app": Entity(("flexible_assets",), ("line-of-business", "application")),
    "contact": Entity(("contacts",)),
    "location": Entity(("locations",)),
    "office": Entity(("locations",)),
    "site": Entity(("locations",)),
    "domain": Entity(("domains",)),
    "password": Entity(("passwords",)),
    "credential": Entity(("passwords",)),
    "document": Entity(("documents",)),
    "runbook": Entity(("documents",)),
}  # fmt: skip
_ENTITY_PATTERNS = sorted(ENTITIES, key=len, reverse=True)
_STOP = {
    "what", "which", "who", "whos", "is", "are", "the", "a", "an", "of", "at", "for", "in", "on",
    "to", "do", "does", "our", "their", "there", "any", "all", "list", "show", "me", "tell",
    "about", "and", "or", "with", "has", "have", "run", "runs", "running", "that", "if", "goes",
    "down", "breaks", "break", "depends", "depend", "main", "primary", "please", "s",
}  # fmt: skip
_IMPACT = re.compile(
    r"\b(what|which)\b.*\b(break|breaks|fail|fails|affected|impact|impacted|depends?)\b"
    r"|\bif\b.*\b(goes|is|went|were|was)\s+(down|offline|unavailable)\b"
    r"|\bimpact of\b|\bdepend(s|encies)? on\b",
    re.I,
)
_LIST = re.compile(r"^\s*(which|list|show|what are|what .* are|how many|find all|all)\b", re.I)
_CONTACT = re.compile(r"\b(who|whom|whose)\b|\bcontact\b", re.I)


class AskRequest(BaseModel):
    question: str = Field(min_length=1, max_length=1000)
    organization: str | None = Field(default=None, max_length=200, description="id or name")

    @field_validator("question")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("question must contain something other than spaces")
        return value


class SourceRef(BaseModel):
    id: str
    title: str
    type: str
    organization_id: str
    url: str | None = None
    folder: str | None = Field(default=None, description="an IT Glue document's folder path")


class Fact(BaseModel):
    record: SourceRef
    field: str
    value: str = Field(description="copied verbatim from the record")


class Answer(BaseModel):
    question: str
    found: bool
    message: str | None = None
    kind: Kind | None = None
    organization: dict[str, str] | None = None
    facts: list[Fact] = Field(default_factory=list)
    sources: list[SourceRef] = Field(default_factory=list)
    confidence: float = 0.0
    degraded: bool = False
    cached: bool = False
    took_ms: float = 0.0


@dataclass
class Understanding:
    kind: Kind
    attribute: str | None
    entity: str | None
    terms: list[str] = field(default_factory=list)  # content words left once the rest is known


def _normalise(text: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"[^\w\s./:@-]", " ", text.lower())).strip()


def understand(question: str, organization_words: set[str]) -> Understanding:
    text = _normalise(question)
    entity = next((e for e in _ENTITY_PATTERNS if re.search(rf"\b{re.escape(e)}s?\b", text)), None)
    attribute = None
    said = ""  # the words that named the attribute ("where", "serial number", ...)
    for words in sorted(_ATTRIBUTE_WORDS, key=len, reverse=True):
        if re.search(rf"\b{re.escape(words)}\b", text):
            attribute, said = _ATTRIBUTE_WORDS[words], words
            break
    if _IMPACT.search(question):
        kind: Kind = "impact"
    elif _CONTACT.search(question) and (entity in (None, "contact") or re.search(r"\bwho\b", text)):
        kind = "contact"
    elif _LIST.search(question) or (
        entity and re.search(rf"\b{re.escape(entity)}s\b", text) and not attribute
    ):
        kind = "list"
    else:
        kind = "attribute"
    skip = _STOP | organization_words | set((entity or "").split()) | set(said.split())
    skip |= {f"{word}s" for word in (entity or "").split()}
    terms = [w for w in re.findall(r"[\w./:@-]+", text) if w not in skip and len(w) > 1]
    return Understanding(kind, attribute, entity, terms)


def _matches_entity(record: CatalogRecord, entity: Entity | None) -> bool:
    if entity is None:
        return True
    if record.resource_type not in entity.resource_types:
        return False
    label = (record.type_label or "").lower()
    name = record.name.lower()
    if not entity.labels and not entity.names:
        return True
    by_label = any(part in label for part in entity.labels)
    by_name = any(
        re.search(rf"(^|[^a-z]){re.escape(part)}(\d|[^a-z]|$)", name) for part in entity.names
    )
    return by_label or by_name


def _fields_for(record: CatalogRecord, attribute: str | None) -> list[tuple[str, str]]:
    if attribute is None:
        return [(f.name, f.value) for f in record.fields[:8]]
    prefixes = ATTRIBUTES.get(attribute, (attribute,))
    return [(f.name, f.value) for f in record.fields if f.name.lower().startswith(prefixes)]


def _ref(record: CatalogRecord) -> SourceRef:
    return SourceRef(
        id=record.source_id,
        title=record.name,
        type=record.resource_type.removesuffix("s"),
        organization_id=record.organization_id,
        url=record.url,
        folder=" > ".join(record.folder_path) or None,  # the breadcrumb its chunks carry
    )


class AnswerService:
    def __init__(
        self, search: SearchService, catalog: CatalogStore, cache: QueryCache[Any] | None = None
    ) -> None:
        self.search = search
        self.catalog = catalog
        self.cache = cache

    def ask(self, principal: Principal, request: AskRequest) -> Answer:
        require_scope(principal, "search")
        started = time.perf_counter()
        organizations, names, named = self._organizations(principal, request)
        key = None
        if self.cache is not None and organizations:
            key = QueryCache.key(
                "ask",
                {"q": _normalise(request.question), "orgs": organizations},
                self.search.index.generation(organizations),
            )
            cached = self.cache.get(key)
            if cached is not None:
                took = round((time.perf_counter() - started) * 1000, 2)
                return cached.model_copy(update={"cached": True, "took_ms": took})  # type: ignore[no-any-return]
        answer = self._answer(request.question, organizations, names, named)
        answer.took_ms = round((time.perf_counter() - started) * 1000, 2)
        if key is not None and not answer.degraded:
            self.cache.put(key, answer)  # type: ignore[union-attr]
        return answer

    # ------------------------------------------------------------ organization
    def _organizations(
        self, principal: Principal, request: AskRequest
    ) -> tuple[list[str], dict[str, str], str | None]:
        organizations, names = self.search.scope(principal, request.organization)
        if request.organization is not None:
            return organizations, names, organizations[0]
        text = f" {_normalise(request.question)} "
        found = []
        for org_id, name in names.items():
            full = _normalise(name)
            first = full.split(" ")[0]
            if f" {full} " in text or (
                len(first) > 2 and re.search(rf"\b{re.escape(first)}\b", text)
            ):
                found.append((len(full), org_id))
        if found:
            chosen = max(found)[1]
            return [chosen], names, chosen
        return organizations, names, organizations[0] if len(organizations) == 1 else None

    # ------------------------------------------------------------ answering
    def _answer(
        self, question: str, organizations: list[str], names: dict[str, str], named: str | None
    ) -> Answer:
        org_words = set()
        for org_id in organizations if named else []:
            org_words |= set(_normalise(names.get(org_id, "")).split())
        meaning = understand(question, org_words)
        base = Answer(
            question=question,
            found=False,
            message=NO_DATA,
            kind=meaning.kind,
            organization={"id": named, "name": names.get(named, named)} if named else None,
        )
        if not organizations:
            return base
        query = (
            " ".join(
                [
                    *(meaning.entity or "").split(),
                    *(meaning.attribute or "").split(),
                    *meaning.terms,
                ]
            )
            or question
        )
        entity = ENTITIES.get(meaning.entity) if meaning.entity else None
        # Facts come from records: tickets (which often name the same hosts) never crowd them out.
        types = (
            sorted({t.removesuffix("s") for t in entity.resource_types})
            if entity
            else [t for t in SOURCE_TYPES if t != "ticket"]
        )
        hits, degraded = self.search.hits(
            question if meaning.kind == "impact" else query, organizations, types, 30
        )
        base.degraded = degraded
        ranked = self._records(hits)
        if meaning.kind == "contact" and any("exact" in h.matched_by for h in hits):
            # "who is 10.10.0.1?" asks what an identifier belongs to, not for a contact.
            meaning.kind, base.kind = "attribute", "attribute"
        if meaning.kind == "impact":
            return self._impact(base, ranked, entity, meaning, organizations)
        if meaning.kind == "contact":
            entity = ENTITIES["contact"]
            if not any(r.resource_type == "contacts" for r, _ in ranked):
                extra, degraded = self.search.hits(question, organizations, ["contact"], 30)
                ranked += self._records(extra)
        candidates = [(r, rank) for r, rank in ranked if _matches_entity(r, entity)]
        if meaning.kind == "list":
            return self._list(base, candidates, meaning, hits)
        return self._attribute(base, candidates, meaning, hits)

    def _records(self, hits: list[SearchHit]) -> list[tuple[CatalogRecord, int]]:
        order: dict[str, int] = {}
        for rank, hit in enumerate(hits):
            order.setdefault(hit.chunk.source_id, rank)
        records = self.catalog.get_many(list(order))
        return sorted(
            ((records[s], r) for s, r in order.items() if s in records), key=lambda x: x[1]
        )

    def _attribute(
        self,
        answer: Answer,
        candidates: list[tuple[CatalogRecord, int]],
        meaning: Understanding,
        hits: list[SearchHit],
    ) -> Answer:
        exact = {h.chunk.source_id for h in hits if "exact" in h.matched_by}
        text_of = _texts(hits)
        scored = []
        for record, rank in candidates:
            facts = _fields_for(record, meaning.attribute)
            if meaning.attribute and not facts:
                continue
            if not _grounded(record, meaning.terms, text_of.get(record.source_id, "")):
                continue  # the question names something this record does not mention
            name_hit = any(t in record.name.lower() for t in meaning.terms)
            own_hit = any(
                t in f.value.lower()
                for f in record.fields
                if f.name.lower().startswith(_IDENTIFYING)
                for t in meaning.terms
            )
            score = (
                1.0 / (1 + rank)
                + (0.5 if record.source_id in exact else 0)
                + (0.3 if name_hit else 0)
                + (0.5 if own_hit else 0)
            )
            scored.append((score, record, facts))
        if meaning.kind == "contact":
            scored = [s for s in scored if s[1].resource_type == "contacts"]
            scored.sort(key=lambda s: (not _is_main_contact(s[1]), -s[0]))
        else:
            scored.sort(key=lambda s: -s[0])
        if not scored:
            return answer
        best = scored[0][0]
        chosen = (
            [s for s in scored if s[0] >= best * 0.6][:3]
            if meaning.kind != "contact"
            else scored[:1]
        )
        for _, record, facts in chosen:
            ref = _ref(record)
            answer.facts += [Fact(record=ref, field=name, value=value) for name, value in facts]
            answer.sources.append(ref)
        answer.found = bool(answer.facts)
        answer.message = None if answer.found else NO_DATA
        answer.confidence = _confidence(meaning, answer, single=len(chosen) == 1, exact=bool(exact))
        return answer

    def _list(
        self,
        answer: Answer,
        candidates: list[tuple[CatalogRecord, int]],
        meaning: Understanding,
        hits: list[SearchHit],
    ) -> Answer:
        # A record qualifies when its own text contains every condition word ("run SQL").
        text_of = _texts(hits)
        entity = ENTITIES.get(meaning.entity or "")
        conditions = [t for t in meaning.terms if t not in ("servers", "server")]
        if entity and entity.words:
            conditions = list(dict.fromkeys([*entity.words, *conditions]))
        for record, _ in candidates:
            lines = [
                line for line in text_of.get(record.source_id, "").splitlines() if line.strip()
            ]
            evidence = (
                [line.strip() for line in lines if all(c in line.lower() for c in conditions)]
                if conditions
                else []
            )
            fields = [
                (f.name, f.value)
                for f in record.fields
                if any(c in f.value.lower() for c in conditions)
            ]
            named = all(c in record.name.lower() for c in conditions)
            if conditions and not evidence and not fields and not named:
                continue
            ref = _ref(record)
            answer.sources.append(ref)
            picked = fields or [("Name", record.name)]
            answer.facts += [Fact(record=ref, field=n, value=v) for n, v in picked[:3]]
            for line in evidence[:1]:
                if not any(line == v for _, v in picked):
                    answer.facts.append(Fact(record=ref, field="Notes", value=line))
        answer.found = bool(answer.sources)
        answer.message = None if answer.found else NO_DATA
        answer.confidence = _confidence(meaning, answer, single=False, exact=False)
        return answer

    def _impact(
        self,
        answer: Answer,
        ranked: list[tuple[CatalogRecord, int]],
        entity: Entity | None,
        meaning: Understanding,
        organizations: list[str],
    ) -> Answer:
        targets = [r for r, _ in ranked if _matches_entity(r, entity)] or [r for r, _ in ranked]
        for target in targets[:3]:
            walked = self.catalog.walk(target.source_id, "depended_on_by", depth=3)
            dependents = [e for _, e in walked if e.organization_id in organizations]
            if not dependents:
                continue
            ref = _ref(target)
            answer.sources.append(ref)
            records = self.catalog.get_many([e.source_id for e in dependents])
            for edge in dependents:
                dependent = records.get(edge.source_id)
                if dependent is None:
                    continue
                answer.facts.append(
                    Fact(
                        record=_ref(dependent),
                        field=f"depends on {target.name}",
                        value=edge.relation,
                    )
                )
                answer.sources.append(_ref(dependent))
            break
        answer.found = bool(answer.facts)
        answer.message = None if answer.found else NO_DATA
        answer.confidence = _confidence(meaning, answer, single=True, exact=False)
        return answer


# Fields that say what a record *is* (an IP in "Primary IP" identifies it; one in "Default
# gateway" only points elsewhere).
_IDENTIFYING = (
    "primary ip",
    "hostname",
    "serial",
    "mac address",
    "interface",
    "asset tag",
    "email",
)


def _texts(hits: list[SearchHit]) -> dict[str, str]:
    """Each record's indexed text among the hits (its chunks, joined)."""
    text_of: dict[str, str] = {}
    for hit in hits:
        text_of[hit.chunk.source_id] = text_of.get(hit.chunk.source_id, "") + "\n" + hit.chunk.text
    return text_of


def _grounded(record: CatalogRecord, terms: list[str], text: str) -> bool:
    """Every content word of the question (beyond the organization, the kind of thing and the
    attribute) appears in the record: its name, its fields or its indexed text."""
    if not terms:
        return True
    haystack = " ".join(
        [record.name, *(f"{f.name} {f.value}" for f in record.fields), text]
    ).lower()
    return all(re.search(rf"\b{re.escape(term)}", haystack) for term in terms)


def _is_main_contact(record: CatalogRecord) -> bool:
    text = " ".join(f"{f.name} {f.value}" for f in record.fields).lower()
    return "important: yes" in text or "primary" in text or "main" in text


def _confidence(meaning: Understanding, answer: Answer, *, single: bool, exact: bool) -> float:
    if not answer.found:
        return 0.0
    score = 0.55
    if answer.organization:
        score += 0.1
    if meaning.entity:
        score += 0.1
    if meaning.attribute or meaning.kind in ("contact", "impact"):
        score += 0.1
    if single:
        score += 0.05
    if exact:
        score += 0.1
    return round(min(score, 0.99), 2)
