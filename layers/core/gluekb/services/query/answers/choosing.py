"""Choosing the record and the field(s) that answer a question.

Every candidate is scored by how much of the question it explains: by naming the record
(`linking`) and by naming the field (`fields`). What nothing explains counts against it, and a
candidate that leaves a hostname-like word or a strong content word unexplained is no answer:
asking for the public IP of a circuit that has none must not return another circuit's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from gluekb.models.documents import RecordField
from gluekb.services.query.answers.evidence import Evidence
from gluekb.services.query.reading.fields import FieldMatch, concepts_in, match_fields
from gluekb.services.query.reading.intent import Question
from gluekb.services.query.reading.language import text_terms
from gluekb.services.query.reading.linking import (
    Candidate,
    name_like_words,
    names_the_record,
    question_roles,
    score_candidate,
    unexplained_at,
)
from gluekb.services.query.reading.spelling import head_words

# Unexplained words tolerated as talk around a question ("can you grab the ip for ...").
MAX_TALK = 3
# A record nothing in the question names, but which holds the one field asked about.
FIELD_ONLY_IDENTITY = 0.3
# How many fields a summary shows when the question names a record but no field.
SUMMARY_FIELDS = 8
# People-bearing fields answer "who" about things that are not contacts.
PEOPLE_FIELDS = ("contact", "key users", "vendor support")


@dataclass
class Choice:
    candidate: Candidate
    fields: list[FieldMatch]
    score: float
    leftover: list[str] = field(default_factory=list)
    leftover_at: list[int] = field(default_factory=list)
    summary: bool = False

    @property
    def explained(self) -> set[int]:
        words: set[int] = set(self.candidate.named)
        for match in self.fields:
            words |= match.words
        return words


def _fields_of(candidate: Candidate, evidence: Evidence, with_notes: bool) -> list[RecordField]:
    fields = list(candidate.record.fields)
    if with_notes:
        notes = evidence.notes(candidate.record)
        if notes is not None:
            fields.append(notes)
    return fields


def _by_value(
    candidate: Candidate, fields: list[RecordField], question: Question
) -> list[FieldMatch]:
    """No field named, but a value said ("is the file server still on 2019?", "is LT0074 in
    repair"): the fields holding the words the question said of the record."""
    said = [p for p in candidate.weights if candidate.weights[p] >= 0.6]
    found = []
    for record_field in fields:
        vocabulary = text_terms(record_field.value)
        positions = frozenset(p for p in said if question.terms[p] in vocabulary)
        if positions:
            found.append(FieldMatch(record_field, 0.6, "value", positions))
    return found[:3]


def _pick_fields(matches: list[FieldMatch]) -> list[FieldMatch]:
    """The best field, any as good (a device's MAC and its interfaces' MACs), and the best
    field for each further thing asked ("registrar and expiry date")."""
    if not matches:
        return []
    best = matches[0].score
    chosen = [m for m in matches if m.score >= best - 0.015][:6]
    covered = set().union(*(m.words for m in chosen))
    for match in matches:
        if match not in chosen and match.score >= 0.8 and match.words - covered:
            chosen.append(match)
            covered |= match.words
    return chosen


def evaluate(
    candidate: Candidate,
    question: Question,
    spent: set[int],
    evidence: Evidence,
    *,
    with_notes: bool = False,
) -> Choice:
    usable = set(range(len(question.terms))) - spent - candidate.strong
    fields = _fields_of(candidate, evidence, with_notes)
    matches = match_fields(
        fields, question.terms, usable, candidate.record.resource_type, candidate.strong
    )
    if question.intent == "contact" and candidate.record.resource_type != "contacts":
        people = [m for m in matches if m.field.name.lower().startswith(PEOPLE_FIELDS)]
        matches = people or matches
    chosen = _pick_fields(matches) or _by_value(candidate, fields, question)
    choice = Choice(candidate, chosen, 0.0)
    choice.leftover_at = unexplained_at(question, spent | choice.explained)
    choice.leftover = [question.terms[i] for i in choice.leftover_at]
    field_score = chosen[0].score if chosen else 0.0
    # A word the field names ("street address") says nothing about which record it is, even
    # where a value happens to contain it ("8608 Main Street").
    claimed = set().union(*(m.words for m in chosen)) if chosen else set()
    overlap = sum(w for position, w in candidate.weights.items() if position in claimed)
    choice.score = (
        candidate.identity
        - overlap / max(1, len(question.content))
        + 0.8 * field_score
        + 0.25 / (1 + candidate.rank)
        - 0.45 * len(choice.leftover)
    )
    return choice


def rank_choices(
    question: Question, candidates: list[Candidate], spent: set[int], evidence: Evidence
) -> list[Choice]:
    roles = question_roles(question, spent)
    organizations = set(evidence.organizations)
    choices: list[Choice] = []
    for candidate in candidates:
        score_candidate(candidate, question, spent, roles, organizations)
        choice = evaluate(candidate, question, spent, evidence)
        if candidate.identity == 0:
            if not choice.fields or choice.fields[0].score < 0.85:
                continue
            # Nothing names it, but it holds what is asked ("contoso public ip").
            candidate.identity = FIELD_ONLY_IDENTITY
            candidate.field_only = True
            choice.score += FIELD_ONLY_IDENTITY
        choices.append(choice)
    choices.sort(key=lambda c: -c.score)
    if _wants_notes(question, spent) or (choices and not choices[0].fields):
        # The record's own notes hold its role and purpose: read them for the leaders.
        leaders = [c.candidate for c in choices[:3]]
        rescored = [evaluate(c, question, spent, evidence, with_notes=True) for c in leaders]
        choices = sorted(rescored + choices[3:], key=lambda c: -c.score)
    return choices


def _wants_notes(question: Question, spent: set[int]) -> bool:
    return any(
        "notes" in concept.labels and not set(range(*span)) & spent
        for concept, span in concepts_in(question.terms)
    )


def tied(choices: list[Choice]) -> list[Choice]:
    """The leader and those as good as it for the same reasons (two firewalls of an HA pair
    asked as "the firewall"): shown together, best first."""
    if not choices:
        return []
    leader = choices[0]
    same = [
        c
        for c in choices[1:4]
        if c.score >= leader.score - 0.08
        and c.candidate.role == leader.candidate.role
        and c.candidate.record.resource_type == leader.candidate.record.resource_type
        and not c.leftover
        and c.candidate.named == leader.candidate.named
    ]
    # Equally good records in their names' order: the HA pair's FW01 before FW02.
    return sorted([leader, *same], key=lambda c: _natural(c.candidate.record.name))


def _natural(name: str) -> list[object]:
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name.lower())]


def refusal(question: Question, choice: Choice) -> str | None:
    """Why this choice does not answer the question (None: it does).

    Words left unexplained decide: a word that alone names a field or a kind of thing
    ("public", "mobile", "printer") means the record lacks what is asked; another word next to
    the words that named the record is likely a name it is not ("mary harris" is not James
    Harris, "miami office" no office of theirs); a few other words are talk ("can you grab
    the ip", "on the phone with the isp")."""
    for word in name_like_words(question):
        if not names_the_record(word, choice.candidate.record):
            return f"'{word}' is not this record"
    known = [w for w in choice.leftover if w in head_words()]
    if known:
        return f"the record has nothing for {known}"
    candidate = choice.candidate
    unknown = choice.leftover_at
    if unknown and not choice.fields:  # asks something of the record that it does not hold
        return f"the record has nothing for {choice.leftover}"
    own = candidate.record.resource_type != "organizations"  # named by the org mention only
    if unknown and (candidate.field_only or not candidate.strong or not own):
        # Nothing but a field or a value names this record: the unexplained words are what
        # the question is about ("dentrix db server" at a client without Dentrix).
        return f"{choice.leftover} are not this record"
    if any({p - 1, p + 1} & candidate.named for p in unknown):
        return f"{choice.leftover} may name what this record is not"
    if len(unknown) > MAX_TALK:
        return f"nothing in the record explains {choice.leftover}"
    weight = sum(candidate.weights.values()) + len(candidate.strong - set(candidate.weights))
    if not (candidate.field_only or candidate.exact or weight >= 0.5):
        return "the question does not name this record"
    return None


def graph_refusal(question: Question, choice: Choice) -> str | None:
    """Why this record is not the subject of a relationship question: the other words say
    what kind of neighbours to show ("which apps ...") or are talk ("need impact before
    reboot"), so only a hostname it is not, or a weak naming, rule it out."""
    for word in name_like_words(question):
        if not names_the_record(word, choice.candidate.record, values=False):
            return f"'{word}' is not this record"
    candidate = choice.candidate
    if not (candidate.by_name or candidate.role) or candidate.identity < 0.5:
        return "the question does not name this record"
    return None


def graph_order(choices: list[Choice], subject_role: str | None = None) -> list[Choice]:
    """Subjects of a relationship question: records the question calls by their own name
    first ("tagged to acme's chicago hq": the location, not the circuit at that site), and
    records playing `subject_role`, the one role a question names when it names only one ("what
    breaks if the mail server goes down": the Exchange box, not the mail domain)."""

    def named(choice: Choice) -> bool:
        candidate = choice.candidate
        by_role = subject_role is not None and candidate.role == subject_role
        return candidate.coverage >= 0.5 or (by_role and candidate.identity >= 0.5)

    return sorted(choices, key=lambda c: (-named(c), -c.score))


def summary_fields(choice: Choice) -> list[RecordField]:
    """A record named with no field asked ("tell me about ACME-FW01"): its card's first lines."""
    return list(choice.candidate.record.fields[:SUMMARY_FIELDS])
