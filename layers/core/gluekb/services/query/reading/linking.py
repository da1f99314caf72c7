"""Which organization and which records a question is about.

The organization: the caller's choice, else a visible organization the question names (its
name, first word, short name or hostname prefix, one typo allowed), else every organization
the caller may see. A question that names another organization than the one chosen is about
something that organization does not hold.

Records: the candidates come from hybrid search (exact identifiers first); each is scored by
how much of the question it *explains*: by its name ("ACME-FW01", "dc01", "Chicago HQ",
"Matthew Flores"), by the role the question names ("the sql box", "the backup server") and the
record's type, notes and field values ("the printer in Milwaukee"). What the record leaves
unexplained must be explained by the field that answers, or it counts against the record.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from gluekb.models.catalog import CatalogRecord
from gluekb.services.query.reading.intent import INTENT_WORDS, Question
from gluekb.services.query.reading.language import (
    STOPWORDS,
    matches_any,
    raw_words,
    same_word,
    stem,
    synonyms,
    terms,
    text_terms,
    wordset,
)
from gluekb.services.query.reading.roles import Role, roles_in

# Words that sharpen a question without naming anything a record must hold.
SOFT_WORDS = wordset(
    """
    main primary current new old actual exact full whole physical real local onsite on-prem prod
    production live latest same other usual normal standard default first second client customer
    company org organization tenant site office environment network number value setting
    settings entry record field name names type kind thing stuff handle handles manage manages
    managed responsible charge deal care look after need needed want currently stored store
    listed documented saved recorded put have got itglue glue documentation system systems
    on-file file own owns owned work works working based sits sit located
    """
)
# A word that looks like a hostname or an asset name: letters then digits (dc01, fw2, ws0003).
_NAME_LIKE = re.compile(r"^(?=.*[a-z])(?=.*\d)[a-z0-9]+(-[a-z0-9]+)*$")
_NOT_NAMES = re.compile(r"^(wan|lan|port|eth|vlan|m|o|mr|r|t|dl|x|sw|g|gen|win|server)\d+$")


@dataclass
class Candidate:
    record: CatalogRecord
    rank: int
    exact: bool = False
    text: str = ""
    identity: float = 0.0  # how plainly the question names this record (0..1)
    named: set[int] = field(default_factory=set)  # question positions spent naming it
    strong: set[int] = field(default_factory=set)  # of those, by name, role or type
    by_name_at: set[int] = field(default_factory=set)  # of those, by the record's own name
    weights: dict[int, float] = field(default_factory=dict)  # how strongly each was named
    field_only: bool = False  # named by nothing but the field it holds
    by_name: bool = False
    coverage: float = 0.0  # how much of the record's name the question says
    role: str | None = None

    @property
    def source_id(self) -> str:
        return self.record.source_id


@dataclass(frozen=True)
class OrganizationMention:
    organization_id: str
    positions: frozenset[int]  # the question's term positions that named it


# Words of organization names too common to name one ("Acme Corp": "acme" names it, "corp"
# does not).
_GENERIC_ORG_WORDS = frozenset(
    [
        "corp",
        "corporation",
        "inc",
        "llc",
        "ltd",
        "co",
        "company",
        "group",
        "holdings",
        "the",
        "and",
        "of",
        "traders",
        "trading",
        "services",
        "solutions",
        "systems",
        "partners",
        "associates",
        "international",
        "global",
    ]
)


def _org_words(name: str, short_name: str | None) -> list[tuple[str, ...]]:
    """Ways a question names an organization: its full name, its short name, or any one
    distinctive word of its name ("northwind", "bakery")."""
    full = tuple(terms(name))
    variants = [full]
    variants += [(word,) for word in full if len(word) > 3 and word not in _GENERIC_ORG_WORDS]
    if short_name:
        variants.append(tuple(terms(short_name)))
    return [v for v in variants if v]


def organization_mentions(
    question: Question, organizations: Mapping[str, tuple[str, str | None]]
) -> list[OrganizationMention]:
    """Organizations the question names: name, first word, short name, one typo allowed, or a
    hostname prefix ("acme-fw01", "nwt dc01") learnt from `prefixes`."""
    found: list[OrganizationMention] = []
    for org_id, (name, short_name) in organizations.items():
        for variant in _org_words(name, short_name):
            spots = _phrase_positions(variant, question.terms)
            if spots:
                found.append(OrganizationMention(org_id, frozenset(spots)))
                break
    return found


def _phrase_positions(phrase: tuple[str, ...], sequence: list[str]) -> set[int]:
    size = len(phrase)
    for start in range(len(sequence) - size + 1):
        window = sequence[start : start + size]
        if all(_org_word(phrase[k], window[k]) for k in range(size)):
            return set(range(start, start + size))
    return set()


def _org_word(expected: str, typed: str) -> bool:
    if len(expected) <= 3:
        return expected == typed
    return same_word(expected, typed)


_COMMON_HYPHENATED = frozenset(
    ("wi-fi", "e-mail", "hyper-v", "on-prem", "sign-in", "log-in", "set-up", "read-only")
)
_DOMAIN_LIKE = re.compile(r"^[a-z0-9-]+(\.[a-z0-9-]+)*\.[a-z]{2,}$|@")


def name_like_words(question: Question) -> list[str]:
    """Words that name one thing exactly: hostnames (dc01, acme-fw09, sql2), domains and
    e-mail addresses (contoso.org), and names typed with capitals and a hyphen (ACME-Guest).
    Each must be the answering record's."""
    typed = set(re.findall(r"[A-Za-z0-9]+(?:-[A-Za-z0-9]+)+", question.text))
    capitalised = {w.lower() for w in typed if any(c.isupper() for c in w)}
    return [
        w
        for w in question.words
        if (_NAME_LIKE.match(w) and not _NOT_NAMES.match(w))
        or _DOMAIN_LIKE.search(w)
        or (w in capitalised and w not in _COMMON_HYPHENATED)
    ]


def _name_terms(record: CatalogRecord) -> frozenset[str]:
    return text_terms(record.name)


def _type_terms(record: CatalogRecord) -> frozenset[str]:
    kind = record.resource_type.removesuffix("s").replace("_", " ")
    return text_terms(f"{record.type_label or ''} {kind}")


def _value_terms(record: CatalogRecord) -> frozenset[str]:
    return text_terms(" ".join(f.value for f in record.fields))


def _explains(word: str, vocabulary: frozenset[str], *, loosely: bool = True) -> bool:
    """The word is in the vocabulary, or (`loosely`) one of its synonyms is. Values are
    matched strictly: "main" must not find "Main Street"."""
    if len(word) < 2:
        return False
    return any(matches_any(w, vocabulary) for w in (synonyms(word) if loosely else (word,)))


def score_candidate(
    candidate: Candidate,
    question: Question,
    spent: set[int],
    roles: list[tuple[Role, tuple[int, int]]],
    organizations: set[str] = frozenset(),  # type: ignore[assignment]
) -> None:
    """Fill in how the question names this candidate: identity, the positions its name, role or
    type explain (`strong`: no field may claim them) and those its values or notes explain
    (`named` also holds these; a field may still claim them)."""
    record = candidate.record
    strong, weak, weight = _by_role(candidate, roles, spent)
    names, types = _name_terms(record), _type_terms(record)
    values, text = _value_terms(record), text_terms(candidate.text)
    by_name = False
    for position in _content_positions(question, spent | strong):
        word = question.terms[position]
        if _explains(word, names):
            strong.add(position)
            weight += 1.0
            by_name = by_name or word not in SOFT_WORDS
            candidate.by_name_at.add(position)
        elif _explains(word, types):
            strong.add(position)
            weight += 0.8
        elif _explains(word, values, loosely=False):
            weak.add(position)
            weight += 0.6
            candidate.weights[position] = 0.6
        elif len(word) > 3 and _explains(word, text):
            weak.add(position)
            weight += 0.4
            candidate.weights[position] = 0.4
    if record.resource_type == "organizations" and record.organization_id in organizations:
        # "what does Acme do": the organization's own record, named by the organization
        # (fully when the question said it, faintly when only the caller chose it).
        strong |= spent
        weight += 0.5 if spent else 0.3
        by_name = bool(spent)
    candidate.strong, candidate.named = strong, strong | weak
    candidate.by_name = by_name or candidate.exact
    total = max(1, len(_content_positions(question, spent)))
    candidate.coverage = name_coverage(record, [question.terms[i] for i in candidate.named])
    candidate.identity = (
        min(1.0, weight / total) + 0.25 * candidate.coverage + (0.5 if candidate.exact else 0.0)
    )


def _by_role(
    candidate: Candidate, roles: list[tuple[Role, tuple[int, int]]], spent: set[int]
) -> tuple[set[int], set[int], float]:
    named: set[int] = set()
    weight = 0.0
    for role, (start, end) in roles:
        strength = role.score(candidate.record, candidate.text)
        span = set(range(start, end)) - spent
        if strength and span:
            named |= span
            weight += strength * len(span)
            candidate.role = candidate.role or role.name
    return named, set(), weight


def name_coverage(record: CatalogRecord, words: list[str]) -> float:
    """How much of the record's name the question says: "dc01" is half of "CTSO-DC01" but a
    quarter of "Server Runbook: CTSO-DC01", so the server itself is the better match."""
    parts = [stem(p) for w in raw_words(record.name) for p in re.split(r"[-._/:]", w) if p]
    if not parts or not words:
        return 0.0
    spoken = {stem(p) for w in words for p in [w, *re.split(r"[-._/:]", w)] if p}
    said = sum(1 for part in parts if any(same_word(part, w) for w in spoken))
    return said / len(parts)


def _content_positions(question: Question, spent: set[int]) -> list[int]:
    return [
        i
        for i, word in enumerate(question.terms)
        if i not in spent and word not in STOPWORDS and word not in INTENT_WORDS
    ]


def unexplained_at(question: Question, explained: set[int]) -> list[int]:
    """Where the content words nothing explains are (soft words excepted). A clause none of
    whose words is explained is context, not part of the question ("status of CTSO-LT0074?
    user says it's not at her desk")."""
    clauses = question.clauses or [0] * len(question.terms)
    asked = {clauses[i] for i in explained if i < len(clauses)}
    aside = _purpose_tail(question, explained)
    return [
        i
        for i in _content_positions(question, explained)
        if question.terms[i] not in SOFT_WORDS
        and len(question.terms[i]) > 1
        and (clauses[i] in asked or not asked)
        and i not in aside
    ]


_PURPOSE_MARKERS = frozenset(("for", "so", "because", "since", "to"))
_DETERMINERS = frozenset(("the", "a", "an", "our", "their", "his", "her", "this", "that", "my"))


def _purpose_tail(question: Question, explained: set[int]) -> set[int]:
    """A clause's tail that says why, not what ("ethernet mac on INIT-LT0010 for the dhcp
    reservation"): from a purpose word to the clause's end, when nothing there is explained."""
    clauses = question.clauses or [0] * len(question.terms)
    aside: set[int] = set()
    terms = question.terms
    for start, word in enumerate(terms):
        if word not in _PURPOSE_MARKERS or start + 1 >= len(terms):
            continue
        if terms[start + 1] not in _DETERMINERS:  # "phone for sandra walker" names someone
            continue
        before = {i for i in explained if i < start and clauses[i] == clauses[start]}
        tail = [i for i in range(start + 1, len(terms)) if clauses[i] == clauses[start]]
        if before and tail and not set(tail) & explained:
            aside |= set(tail)
    return aside


def unexplained(question: Question, explained: set[int]) -> list[str]:
    """Content words nothing explains (soft words and context clauses excepted)."""
    return [question.terms[i] for i in unexplained_at(question, explained)]


def question_roles(question: Question, spent: set[int]) -> list[tuple[Role, tuple[int, int]]]:
    return [
        (role, span) for role, span in roles_in(question.terms) if not set(range(*span)) <= spent
    ]


def names_the_record(word: str, record: CatalogRecord, *, values: bool = True) -> bool:
    """A hostname-like word of the question is this record's name (or part of it) or, unless
    `values` is false, one of its values (a model number, a serial)."""
    parts = set(raw_words(record.name)) | _name_terms(record)
    if any(same_word(word, p) for p in parts):
        return True
    folded = re.sub(r"-", "", word)
    if any(folded == re.sub(r"-", "", p) for p in parts):
        return True
    return values and word in _value_terms(record)
