"""From a read question and its evidence to an answer, by intent."""

from __future__ import annotations

from dataclasses import dataclass

from gluekb.models.conversations import Turn
from gluekb.models.documents import RecordField
from gluekb.services.query.answers.choosing import (
    Choice,
    graph_order,
    graph_refusal,
    rank_choices,
    refusal,
    summary_fields,
    tied,
)
from gluekb.services.query.answers.confidence import Signals, confidence
from gluekb.services.query.answers.conversations import refers_back
from gluekb.services.query.answers.credentials import find_passwords, password_fields
from gluekb.services.query.answers.evidence import RECORD_TYPES, Evidence
from gluekb.services.query.answers.graph import dependencies, dependents, tagged_addresses
from gluekb.services.query.answers.listing import MAX_LISTED, list_records
from gluekb.services.query.answers.models import NO_DATA, Answer, Fact, SourceRef
from gluekb.services.query.answers.passages import best_passage
from gluekb.services.query.answers.refs import ref
from gluekb.services.query.reading.fields import concepts_in, hinted_types
from gluekb.services.query.reading.intent import Question, read_question, slot_words
from gluekb.services.query.reading.language import matches_any, text_terms
from gluekb.services.query.reading.linking import (
    SOFT_WORDS,
    Candidate,
    organization_mentions,
    question_roles,
)
from gluekb.services.query.reading.roles import Role
from gluekb.services.query.reading.spelling import correct, vocabulary

Organizations = dict[str, tuple[str, str | None]]
MIN_PROCEDURE_COVERAGE = 0.6
PASSWORDS_NOTE = (
    "Password values are never shown here: reveal one with the passwords:reveal scope "
    "(every reveal is audited)."
)


@dataclass
class Context:
    question: Question
    evidence: Evidence
    spent: set[int]  # question positions that named the organization
    organization_known: bool
    previous: Turn | None
    answer: Answer

    @property
    def query(self) -> str:
        """What to search with: the question, typos fixed and abbreviations spelt out too, and
        without the organization's name once the organization is known (every record of
        Contoso says "Contoso": the name only blurs the ranking of the search it filters)."""
        if not self.spent:
            return self.question.search_text
        kept = [t for i, t in enumerate(self.question.terms) if i not in self.spent]
        return " ".join(kept)


def answer_question(
    question: Question,
    evidence: Evidence,
    visible: Organizations,
    *,
    chosen: str | None,
    previous: Turn | None,
) -> Answer:
    answer = Answer(question=question.text, found=False, message=NO_DATA, kind=question.intent)
    question = _follow_up(question, previous)
    answer.kind = question.intent
    scope = _scope(question, visible, chosen, previous)
    if scope is None:  # names another organization than the one chosen
        return answer
    organizations, spent = scope
    evidence.organizations = [o for o in organizations if o in evidence.organizations] or []
    if len(evidence.organizations) == 1:
        org = evidence.organizations[0]
        answer.organization = {"id": org, "name": visible.get(org, (org, None))[0]}
    if not evidence.organizations or question.intent == "out_of_scope":
        return answer
    context = Context(question, evidence, spent, bool(chosen) or bool(spent), previous, answer)
    _ANSWERERS.get(question.intent, _attribute)(context)
    if (
        answer.found
        and not context.organization_known
        and _names_a_stranger(question, answer, visible, evidence)
    ):
        return Answer(question=question.text, found=False, message=NO_DATA, kind=answer.kind)
    if answer.found and answer.organization is None and answer.sources:
        org = answer.sources[0].organization_id
        answer.organization = {"id": org, "name": visible.get(org, (org, None))[0]}
    return answer


def _names_a_stranger(
    question: Question, answer: Answer, visible: Organizations, evidence: Evidence
) -> bool:
    """The question names someone or something where a client's name goes ("hooli vpn setup
    steps", "stark industries fw ip") that neither the answer nor any client is: an answer
    about another client's records would be a guess."""
    records = evidence.records([s.id for s in answer.sources])
    said = text_terms(
        " ".join(
            [
                *(s.title for s in answer.sources),
                *(f.value for f in answer.facts),
                *(f.value for r in records.values() for f in r.fields),
                *(name for name, _ in visible.values()),
                *(short or "" for _, short in visible.values()),
            ]
        )
    )
    for word in slot_words(question):
        known = word in SOFT_WORDS or {word, correct(word)} & vocabulary()
        if not known and not matches_any(word, said):
            return True
    return False


def _follow_up(question: Question, previous: Turn | None) -> Question:
    """ "what about DC02?" after "serial of DC01?": the same field, of another record."""
    if (
        previous is None
        or not previous.attribute
        or question.intent not in ("attribute", "contact")
        or not refers_back(question.text)
        or concepts_in(question.terms)
    ):
        return question
    return read_question(f"{question.text} {previous.attribute}")


def _scope(
    question: Question, visible: Organizations, chosen: str | None, previous: Turn | None
) -> tuple[list[str], set[int]] | None:
    mentions = organization_mentions(question, visible)
    if chosen is not None:
        others = [m for m in mentions if m.organization_id != chosen]
        mine = [m for m in mentions if m.organization_id == chosen]
        if others and not mine:
            return None
        return [chosen], set().union(*(m.positions for m in mine)) if mine else set()
    if mentions:
        ids = list(dict.fromkeys(m.organization_id for m in mentions))
        return ids, set().union(*(m.positions for m in mentions))
    if previous is not None and previous.organization_id in visible:
        return [previous.organization_id], set()
    return list(visible), set()


# ---------------------------------------------------------------------------- records and fields
def _attribute(context: Context, passages: bool = True) -> None:
    candidates = _candidates(context)
    choices = rank_choices(context.question, candidates, context.spent, context.evidence)
    if context.question.intent == "dependency" and _dependencies(context, choices):
        return
    if context.question.intent == "contact":
        # "who ...": people first; a thing only when no person answers ("who uses LT0001").
        people = [c for c in choices if c.candidate.record.resource_type == "contacts"]
        if any(refusal(context.question, c) is None for c in people):
            choices = people
    winners = [c for c in tied(choices) if refusal(context.question, c) is None]
    if passages and _document_asked(choices, winners) and _passage(context, strict=True):
        # A document's content ("sql health check queries for sql03") is in its sections.
        return
    # A document answers by its passages, never by its (empty) card.
    winners = [c for c in winners if c.candidate.record.resource_type != "documents"]
    if not winners:
        return
    for choice in winners:
        record = choice.candidate.record
        fields = [m.field for m in choice.fields] or summary_fields(choice)
        if not any(f.value == record.name for f in fields):
            # Which record answers is part of the answer ("which switch is at the providence
            # office", "who is the main contact").
            fields = [RecordField(name="Name", value=record.name), *fields]
        source = ref(record)
        context.answer.facts += [Fact(record=source, field=f.name, value=f.value) for f in fields]
        context.answer.sources.append(source)
        tagged = tagged_addresses(record, [m.field for m in choice.fields], context.evidence)
        context.answer.facts += tagged
        context.answer.sources += [f.record for f in tagged]
    if context.answer.kind == "contact" and all(
        c.candidate.record.resource_type != "contacts" for c in winners
    ):
        context.answer.kind = "attribute"  # "who is acmecorp.com registered with": a field
    _found(context, winners)


def role_types(question: Question, spent: set[int]) -> list[str]:
    """Search types of the kinds of things the question names ("the main contact": contacts)."""
    return sorted(
        {
            t.removesuffix("s")
            for role, _ in question_roles(question, spent)
            for t in role.resource_types
        }
    )


def _document_asked(choices: list[Choice], winners: list[Choice]) -> bool:
    """No record answers, or a document's title says the question better than the record
    that does ("syspro db maintenance": the "SYSPRO ERP - Database Maintenance" runbook, not
    the app's database field)."""
    if not winners:
        return True
    if winners[0].candidate.record.resource_type == "documents":
        return True
    return any(
        c.candidate.record.resource_type == "documents"
        and c.candidate.coverage >= 0.75
        and not c.leftover
        for c in choices[:5]
    )


def _candidates(context: Context) -> list[Candidate]:
    candidates = context.evidence.candidates(context.query, RECORD_TYPES, 30)
    hinted = hinted_types(context.question) + role_types(context.question, context.spent)
    if hinted:
        # Where the asked field lives ("registrar": domains), so that forty contacts sharing
        # acmecorp.com in their e-mail do not crowd out the domain record itself.
        known = {c.source_id for c in candidates}
        extra = context.evidence.candidates(context.query, hinted, 10)
        candidates += [c for c in extra if c.source_id not in known]
    previous = context.previous
    if previous is not None and refers_back(context.question.text):
        # "and its serial?": the previous answer's records are candidates named by the talk.
        earlier = context.evidence.records(previous.source_ids)
        known = {c.source_id for c in candidates}
        candidates = [
            Candidate(record=r, rank=0, exact=True) for s, r in earlier.items() if s not in known
        ] + candidates
    return candidates


def _found(context: Context, winners: list[Choice]) -> None:
    answer = context.answer
    answer.found = bool(answer.facts)
    if not answer.found:
        return
    answer.message = None
    leader = winners[0]
    candidate = leader.candidate
    named_by = (
        "exact"
        if candidate.exact
        else "name"
        if candidate.by_name
        else "role"
        if candidate.role
        else "value"
    )
    answer.confidence = confidence(
        Signals(
            named_by=named_by,
            field_strength=leader.fields[0].score if leader.fields else 0.0,
            records=len(winners),
            organization_known=context.organization_known,
            follow_up=context.previous is not None and refers_back(context.question.text),
        )
    )


# ---------------------------------------------------------------------------- the graph
def _impact(context: Context) -> None:
    candidates = _candidates(context)
    choices = rank_choices(context.question, candidates, context.spent, context.evidence)
    roles = question_roles(context.question, context.spent)
    for choice in graph_order(choices, _sole_role(roles))[:4]:
        if graph_refusal(context.question, choice) is not None:
            continue
        target = choice.candidate.record
        facts = dependents(target, context.evidence)
        # "which apps get hit if NWT-SQL01 goes down": the kinds named other than the target's.
        wanted = [r for r, _ in roles if r.name != choice.candidate.role]
        kept = [f for f in facts if _is_any(f, wanted, context.evidence)]
        facts = kept or facts
        if not facts:
            continue
        context.answer.facts = facts
        context.answer.sources = [ref(target), *_unique_sources(facts)]
        context.answer.found = True
        context.answer.message = None
        context.answer.confidence = confidence(
            Signals("graph", 0.0, len(facts), context.organization_known)
        )
        return


def _one_record_answers(context: Context) -> bool:
    """A list-like question that one named record answers with a field: "which servers does
    contoso's veeam job protect" is the backup job's Protected servers, not a list of
    servers. A record of the listed kind itself ("which printers ...") does not count."""
    roles = question_roles(context.question, context.spent)
    kind = roles[0][0].name if roles else None
    choices = rank_choices(context.question, _candidates(context), context.spent, context.evidence)
    return any(
        c.fields
        and c.fields[0].score >= 0.85
        and c.candidate.identity >= 0.5
        and (c.candidate.role is None or c.candidate.role != kind)
        and refusal(context.question, c) is None
        for c in choices[:3]
    )


def _sole_role(roles: list[tuple[Role, tuple[int, int]]]) -> str | None:
    """The role a question names when it names only one: then it names the subject."""
    return roles[0][0].name if len(roles) == 1 else None


def _is_any(fact: Fact, roles: list[Role], evidence: Evidence) -> bool:
    record = evidence.records([fact.record.id]).get(fact.record.id)
    return record is not None and any(role.score(record, "") > 0 for role in roles)


def _dependencies(context: Context, choices: list[Choice]) -> bool:
    """What the subject depends on, narrowed to the kinds the question names ("what servers
    does syspro depend on": its application and database servers)."""
    roles = question_roles(context.question, context.spent)
    for choice in graph_order(choices, _sole_role(roles))[:4]:
        if graph_refusal(context.question, choice) is not None:
            continue
        subject = choice.candidate.record
        facts = dependencies(subject, context.evidence)
        wanted = [r for r, _ in roles if r.name != choice.candidate.role]
        facts = [f for f in facts if _is_any(f, wanted, context.evidence)] or facts
        if not facts:
            continue
        context.answer.facts = facts
        context.answer.sources = [ref(subject), *_unique_sources(facts)]
        context.answer.found = True
        context.answer.message = None
        context.answer.confidence = confidence(
            Signals("graph", 0.0, len(facts), context.organization_known)
        )
        return True
    return False


def _unique_sources(facts: list[Fact]) -> list[SourceRef]:
    seen: dict[str, SourceRef] = {}
    for fact in facts:
        seen.setdefault(fact.record.id, fact.record)
    return list(seen.values())


# ---------------------------------------------------------------------------- lists
def _list(context: Context) -> None:
    if _one_record_answers(context):  # "key users for sage 300": one record's field
        _attribute(context)
        return
    listed = list_records(context.question, context.spent, context.evidence)
    if listed is None:
        _attribute(context)
        return
    facts, records = listed
    if not facts:  # "key users for sage 300": one record's field, not a list of contacts
        _attribute(context)
        return
    context.answer.facts = facts
    context.answer.sources = [ref(r) for r in records[:MAX_LISTED]]
    context.answer.found = True
    context.answer.message = (
        None if len(records) <= MAX_LISTED else f"{len(records)} records; the first {MAX_LISTED}"
    )
    context.answer.confidence = confidence(
        Signals("list", 0.0, len(records), context.organization_known)
    )


# ---------------------------------------------------------------------------- procedures
def _procedure(context: Context) -> None:
    if _passage(context, strict=False):
        return
    if not any(role.name == "document" for role, _ in question_roles(context.question, set())):
        _attribute(context, passages=False)  # "reboot ACME-WS0003" when no runbook says how


def _passage(context: Context, *, strict: bool) -> bool:
    """Answer with a document's passage. `strict` (a question not worded as a procedure):
    only when the document says everything the question does."""
    passage = best_passage(context.question, context.spent, context.evidence, context.query)
    if passage is None or not passage.lines:
        return False
    if strict:
        said = passage.coverage >= 0.99 or (passage.coverage >= 0.7 and passage.focus >= 0.5)
    else:
        said = passage.coverage >= MIN_PROCEDURE_COVERAGE
    if not said:
        return False
    source = SourceRef(
        id=passage.source_id,
        title=passage.title,
        type="document",
        organization_id=passage.organization_id,
        url=passage.url,
        folder=passage.folder,
    )
    context.answer.facts = [
        Fact(record=source, field=f"{passage.title} > {heading}", value=line)
        for heading, line in passage.lines
    ]
    context.answer.sources = [source]
    context.answer.found = True
    context.answer.message = None
    context.answer.kind = "procedure"
    context.answer.confidence = confidence(
        Signals(
            "passage",
            0.0,
            1,
            context.organization_known,
            passage_score=passage.score,
            coverage=passage.coverage,
        )
    )
    return True


# ---------------------------------------------------------------------------- credentials
def _credential(context: Context) -> None:
    candidates = _candidates(context)
    passwords, choice = find_passwords(
        context.question, context.spent, context.evidence, candidates
    )
    if not passwords or choice is None:
        return
    for record in passwords[:4]:
        fields = password_fields(record, context.question)
        if fields is None:  # asks for what this record does not have
            continue
        source = ref(record)
        context.answer.facts += [Fact(record=source, field=f.name, value=f.value) for f in fields]
        context.answer.sources.append(source)
    _found(context, [choice])
    if context.answer.found:
        context.answer.message = PASSWORDS_NOTE


_ANSWERERS = {
    "impact": _impact,
    "list": _list,
    "procedure": _procedure,
    "credential": _credential,
}
