"""Credentials questions ("where are the creds for the firewall at Acme", "M365 global admin
username for Globex", "wifi password at Contoso"): the password records' metadata (name,
username, URL, what it belongs to, when it changed), never a value.

Two ways in: the thing the credentials are for (a device by name or role, an app, a Wi-Fi
network) and the passwords kept for it in the graph; or the password record itself by its
name, username or URL.
"""

from __future__ import annotations

from gluekb.models.catalog import CatalogRecord
from gluekb.models.documents import RecordField
from gluekb.services.query.answers.choosing import Choice, graph_refusal, rank_choices, refusal
from gluekb.services.query.answers.evidence import Evidence
from gluekb.services.query.reading.fields import concepts_in, match_fields
from gluekb.services.query.reading.intent import Question
from gluekb.services.query.reading.language import same_word, text_terms
from gluekb.services.query.reading.linking import Candidate, question_roles
from gluekb.services.query.reading.spelling import head_words

# Records passwords are kept for (embedded, or tagged on a flexible asset).
_OWNERS = ("configurations", "flexible_assets", "domains", "locations")
# Words that ask for credentials rather than name what they are for.
CREDENTIAL_WORDS = frozenset(
    [
        "credentials",
        "password",
        "passwords",
        "username",
        "login",
        "account",
        "admin",
        "administrator",
        "secret",
        "pre",
        "shared",
        "key",
        "logins",
        "creds",
        "details",
        "sign",
        "log",
        "access",
    ]
)
_SHOWN = ("username", "url", "belongs to", "category")
# Metadata a question may ask of a password record (a "login" asks for the username, which
# every account has, even when its record leaves it blank).
_ASKABLE = ("username", "url", "password changed", "belongs to", "category")


def _credential_positions(question: Question) -> set[int]:
    return {
        i
        for i, word in enumerate(question.terms)
        if any(same_word(word, c) for c in CREDENTIAL_WORDS)
    }


def passwords_for(target: CatalogRecord, evidence: Evidence) -> list[CatalogRecord]:
    """Passwords kept for a record: embedded ones ("password for") and Tag fields of a flexible
    asset that point at passwords (admin credentials, service account, pre-shared key)."""
    ids = [
        e.source_id
        for e in evidence.catalog.edges(target.source_id, "depended_on_by")
        if e.kind == "credential"
    ]
    ids += [
        e.target_id
        for e in evidence.catalog.edges(target.source_id, "depends_on")
        if e.target_id.startswith("itglue:passwords:")
    ]
    records = evidence.records(ids)
    return [records[i] for i in dict.fromkeys(ids) if i in records]


def find_passwords(
    question: Question, spent: set[int], evidence: Evidence, candidates: list[Candidate]
) -> tuple[list[CatalogRecord], Choice | None]:
    """The password records the question is after, and how they were found."""
    direct = [c for c in candidates if c.record.resource_type == "passwords"]
    others = [c for c in candidates if c.record.resource_type != "passwords"]
    asking = _credential_positions(question)
    for choice in rank_choices(question, direct, spent, evidence)[:1]:
        if refusal(question, choice) is None and choice.candidate.by_name:
            return [choice.candidate.record], choice
    owners = [c for c in others if c.record.resource_type in _OWNERS]
    for choice in rank_choices(question, owners, spent | asking, evidence)[:6]:
        if graph_refusal(question, choice) is not None:
            continue
        kept = passwords_for(choice.candidate.record, evidence)
        kept += _through_tags(question, spent, choice, evidence)
        found = _narrow(question, spent | asking, kept)
        if found and not _unexplained_names(question, spent | asking, choice, found):
            return found, choice
    for choice in rank_choices(question, direct, spent, evidence)[:1]:
        if refusal(question, choice) is None:
            return [choice.candidate.record], choice
    return [], None


def _through_tags(
    question: Question, spent: set[int], choice: Choice, evidence: Evidence
) -> list[CatalogRecord]:
    """One hop further: "sa login for the kronos db" is the password of the database server
    the Kronos app is tagged with."""
    roles = [r for r, _ in question_roles(question, spent) if r.name != choice.candidate.role]
    if not roles:
        return []
    edges = evidence.catalog.edges(choice.candidate.record.source_id, "depends_on")
    neighbours = evidence.records([e.target_id for e in edges if e.kind != "credential"])
    found: list[CatalogRecord] = []
    for neighbour in neighbours.values():
        if any(role.score(neighbour, "") > 0 for role in roles):
            found += passwords_for(neighbour, evidence)
    return found


def _unexplained_names(
    question: Question, spent: set[int], choice: Choice, passwords: list[CatalogRecord]
) -> list[str]:
    """Words outside gluekb's vocabulary that neither the thing nor its passwords explain
    ("guest wifi password" when only the Corp network has one)."""
    said = text_terms(
        " ".join(p.name + " " + " ".join(f.value for f in p.fields) for p in passwords)
    )
    return [
        w
        for w in choice.leftover
        if w not in head_words() and w not in said and not question_roles_word(question, w)
    ]


def question_roles_word(question: Question, word: str) -> bool:
    """The word names a kind of thing (the database the app is tagged with)."""
    return any(
        word in question.terms[start:end] for _, (start, end) in question_roles(question, set())
    )


def _narrow(
    question: Question, spent: set[int], records: list[CatalogRecord]
) -> list[CatalogRecord]:
    """Of several passwords for one thing, those the question's remaining words name."""
    words = [question.terms[i] for i in range(len(question.terms)) if i not in spent]
    named = [
        r for r in records if any(same_word(w, n) for w in words for n in r.name.lower().split())
    ]
    return named or records


def password_fields(record: CatalogRecord, question: Question) -> list[RecordField] | None:
    """The name, what the question asks for, then the rest a technician needs to log in
    (username, URL, what it belongs to, category); None when the question asks for metadata
    this record lacks ("login url" of an account with no URL). Never a value: records hold
    none."""
    usable = set(range(len(question.terms)))
    wanted = [c.name for c, _ in concepts_in(question.terms) if c.name in _ASKABLE]
    matches = match_fields(record.fields, question.terms, usable, record.resource_type)
    asked = [m.field for m in matches if m.score >= 0.8 and m.by in wanted]
    if any(not any(m.by == name for m in matches) for name in wanted if name != "username"):
        return None
    usual = [f for f in record.fields if f.name.lower() in _SHOWN and f not in asked]
    return [RecordField(name="Name", value=record.name), *asked, *usual]
