"""List answers: every record of the kind the question names that meets its conditions
("which servers at Contoso run SQL", "list the printers at Initech", "approvers at Acme").

The kind is the question's first role; further roles of the same resource type and the
remaining content words are conditions, met by the record's name, type, field values or
notes. Records come from the catalog (all of the kind, not only the best hits); notes are
read from the index for the records the conditions need them for.
"""

from __future__ import annotations

from gluekb.models.catalog import CatalogRecord
from gluekb.services.query.answers.evidence import Evidence
from gluekb.services.query.answers.models import Fact
from gluekb.services.query.answers.refs import ref
from gluekb.services.query.reading.fields import concepts_in, match_fields
from gluekb.services.query.reading.intent import Question
from gluekb.services.query.reading.language import matches_any, synonyms, text_terms
from gluekb.services.query.reading.linking import question_roles, unexplained
from gluekb.services.query.reading.roles import ROLES, Role

MAX_LISTED = 60
DEVICES = next(role for role in ROLES if role.name == "device")
CONTACTS = next(role for role in ROLES if role.name == "contact")


def _asks_who(question: Question) -> bool:
    return bool(question.words) and question.words[0] in ("who", "whom", "who's", "whos")


def list_records(
    question: Question, spent: set[int], evidence: Evidence
) -> tuple[list[Fact], list[CatalogRecord]] | None:
    """The facts and records of a list answer, or None when the question names no kind."""
    roles = question_roles(question, spent)
    if _asks_who(question):  # "who works out of the detroit office": people, with conditions
        roles = [(CONTACTS, (0, 0)), *roles]
    if not roles:  # "any macbooks there?": devices, with the word as a condition
        roles = [(DEVICES, (0, 0))]
    kind, kind_span = roles[0]
    same_type = [
        (r, span) for r, span in roles[1:] if set(r.resource_types) & set(kind.resource_types)
    ]
    used = spent | set(range(*kind_span))
    for _, span in same_type:
        used |= set(range(*span))
    asked = {i for c, span in concepts_in(question.terms) for i in range(*span)}
    words = [w for i, w in enumerate(question.terms) if w in unexplained(question, used | asked)]
    records = _of_kind(kind, evidence)
    texts = _texts(question, words, same_type, evidence)
    chosen = [
        r
        for r in records
        if all(role.score(r, texts.get(r.source_id, "")) > 0 for role, _ in same_type)
        and all(_meets(w, r, texts.get(r.source_id, "")) for w in _strong(words))
    ]
    if not chosen:
        return [], []
    chosen.sort(key=lambda r: r.name.lower())
    usable = set(range(len(question.terms))) - used
    facts = [f for r in chosen[:MAX_LISTED] for f in _facts(r, question, usable)]
    return facts, chosen


def _of_kind(kind: Role, evidence: Evidence) -> list[CatalogRecord]:
    found: list[CatalogRecord] = []
    for organization in evidence.organizations:
        for resource_type in kind.resource_types:
            for record in evidence.catalog.records_of(organization, resource_type):
                if kind.score(record, "") > 0 or kind.notes:
                    found.append(record)
    if kind.notes:  # a role known by notes ("backup server"): keep those that say so
        texts = _notes_texts(found, evidence)
        found = [r for r in found if kind.score(r, texts.get(r.source_id, "")) > 0]
    return found


def _notes_texts(records: list[CatalogRecord], evidence: Evidence) -> dict[str, str]:
    """Notes of the records that could need them (servers and the like, never hundreds)."""
    if len(records) > 80:
        records = [r for r in records if "server" in (r.type_label or "").lower()]
    return {r.source_id: "\n".join(c.text for c in evidence.chunks(r.source_id)) for r in records}


def _texts(
    question: Question,
    words: list[str],
    roles: list[tuple[Role, tuple[int, int]]],
    evidence: Evidence,
) -> dict[str, str]:
    """Indexed text of the records the conditions may be in (one search, the conditions)."""
    if not words and not any(role.notes for role, _ in roles):
        return {}
    condition = " ".join([*words, *(" ".join(question.terms[s:e]) for _, (s, e) in roles)])
    texts: dict[str, str] = {}
    for hit in evidence.hits(condition or question.text, k=100):
        texts[hit.chunk.source_id] = texts.get(hit.chunk.source_id, "") + "\n" + hit.chunk.text
    return texts


def _strong(words: list[str]) -> list[str]:
    return [w for w in words if len(w) > 2]


def _meets(word: str, record: CatalogRecord, text: str) -> bool:
    vocabulary = text_terms(
        " ".join([record.name, record.type_label or "", *(f.value for f in record.fields), text])
    )
    return any(matches_any(w, vocabulary) for w in synonyms(word))


def _facts(record: CatalogRecord, question: Question, usable: set[int]) -> list[Fact]:
    """The record by name, and the field the question asks about, if it asks one."""
    source = ref(record)
    facts = [Fact(record=source, field="Name", value=record.name)]
    matches = match_fields(record.fields, question.terms, usable, record.resource_type)
    if matches and matches[0].score >= 0.8:
        chosen = matches[0].field
        facts.append(Fact(record=source, field=chosen.name, value=chosen.value))
    return facts
