"""What kind of answer a question wants, read from its wording.

- `impact`:      what breaks / is affected / depends on X (the graph, towards X)
- `dependency`:  what X depends on / needs / uses (the graph, away from X)
- `procedure`:   how to / steps / runbook / checklist (a document's passage, quoted)
- `credential`:  creds / password / login for X (a password record's metadata, never a value)
- `list`:        which / list / all / how many Xs (every qualifying record)
- `contact`:     who ... (a person)
- `attribute`:   anything else: a field of a record
- `out_of_scope`: opinions and predictions, which records cannot answer
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from gluekb.services.query.reading.language import (
    STOPWORDS,
    normalise,
    raw_words,
    stem,
    terms,
    wordset,
)

Intent = Literal[
    "attribute", "list", "contact", "impact", "dependency", "procedure", "credential",
    "out_of_scope",
]  # fmt: skip

_OPINION = re.compile(
    r"(^|[,;]\s*|\bor )should\b|^\s*\w+ should (we|i)\b|\bdo you think\b"
    r"|^\s*(is|are|does|do|will|would|can|could|was)\b.*\b(enough|adequate|sufficient|"
    r"undersized|oversized|too (small|big|old|slow|much|little)|outdated|overkill|good enough|"
    r"big enough|fast enough|secure enough|safe|risky|a good idea|wise|a problem|worth)\b"
    r"|\b(shall|recommend\w*|best|better|worse|worst|worth|prefer\w*|ideal|advise|"
    r"opinion|think|suggest\w*|good idea|bad idea|is it (ok|okay|safe|fine|wise)|"
    r"would you|do you like|favou?rite|pros and cons|which is better)\b"
)
_FUTURE = re.compile(
    r"\bnext (outage|patch window|maintenance window|failure|downtime|incident|breach)\b"
    r"|\bwhen('s| is| will) the next\b|\boutgrow\w*\b|\b(still|ever) be enough\b"
    r"|\bwill \w+( \w+)? (need|fail|die|break|outgrow|run out|be replaced|go down|expand)\b"
    r"|\bgoing to (go down|be down|go offline|need|expand|grow|be replaced)\b"
    r"|\b(will\s+(it|we|they|the|that|this|\w+-\w+\d*)\s+(fail|die|break|need|run out|crash|"
    r"last|be replaced|go down|need replacing)|when will|going to (fail|die|break|crash)|"
    r"predict\w*|forecast\w*|next (year|month|week|quarter)|in (a|one|two|\d+) (year|years|"
    r"months?)|likely to|how long (until|before)|expected to fail|future|eventually|"
    r"gonna (fail|die|break))\b"
)
_GAP = r"(?:\s+(?!does\b|do\b|did\b|is\b|are\b|was\b)[\w-]+){0,3}"
_IMPACT = re.compile(
    r"\b(what|whats|what's|which|anything|everything|things?)\b" + _GAP + r"\s+(break|breaks|"
    r"broke|fail|fails|stops?|stop working|goes down|go down|(is|are|gets?|would be|will be) "
    r"(affected|impacted|down|hit)|depends? on|relies on|rely on|relying on|"
    r"(is|are) dependent on|uses|"
    r"use|using|(is|are) using|points? (at|to)|(is|are) tagged|connects? (to|through)|"
    r"sits? behind|(is|are) behind|goes through|runs? through|runs? on|(is|are) (hosted|"
    r"installed|running) on|lives? on)\b"
    r"|\bif\b.{0,60}\b(goes|go|is|went|were|was|gets?|got|dies|died|fails|failed|crashes|"
    r"crashed)\s*(down|offline|unavailable|dead|unplugged|rebooted|restarted|lost|fails?|"
    r"failed|out|bad)\b"
    r"|\b(take|takes|taking|took|shut|shutting|power|powering|reboot|rebooting|patch|"
    r"patching)\b.{1,40}\b(down|off|offline)\b"
    r"|\b(impact of|blast radius|dependents|downstream|affected by|depends? on it|relies on it|"
    r"impacted by|references?|referenced|refers? to|linked (to|with)|tied to|mentions?|"
    r"part of|member of|gets? hit|(is|are) used by|used by)\b"
)
_DEPENDENCY = re.compile(
    r"\b(what|which)\b(\s+[\w-]+){0,3}\s+(does|do|did)\b.{1,60}\b(depend on|rely on|need|"
    r"require|connect to|talk to)\b"
    r"|\b(depends on what|requirements of|upstream of|dependencies of)\b"
)
_PROCEDURE = re.compile(
    r"\b(how (do|to|can|should|would|does) (i|we|you|one|someone)?|how to|steps?|procedure|"
    r"process|runbook|run book|instructions?|checklist|walk ?through|guide|playbook|sop|"
    r"commands?|script|what do i do|what to do|safely|safe way)\b"
)
_PROCEDURE_MORE = re.compile(
    r"\bwhere (do|does|can|should) (i|we|you)\b|\b(gets?|be|is) created\b"
    r"|\bwhat (do|should) (i|we) (check|do|verify|confirm|run)\b|\bwhat to (check|do)\b"
    r"|\bbefore (reboot|restart|patch|updat|upgrad|shut)\w*"
    r"|\bhow (is|are|was|were) .{1,40}\b(configured|set ?up|installed|done|handled|built)\b"
    r"|\b(doc|document|runbook|procedure|guide|sop|article|kb)\b"
)
_PURPOSE = re.compile(
    r"\bwhat (does|do) .{1,40}? do\b|\bwhat is .{1,40}? (used )?for\b|\bpurpose of\b|\brole of\b"
)
_PROCEDURE_START = re.compile(
    r"^\s*(reboot|restart|back ?up|restore|onboard|offboard|upgrade|update|patch|reset|"
    r"rotate|configure|set ?up|setup|troubleshoot|fix|add|remove|disable|enable|migrate|"
    r"install|renew|replace|escalate)\b"
)
_CREDENTIAL = re.compile(
    r"\b(creds?|credentials?|passwords?|pw|pwd|passwd|logins?|log ?in|log ?into|sign ?in|"
    r"sign ?into|usernames?|"
    r"user ?names?|admin (account|user|login)|service account|psk|pre.?shared key|"
    r"passphrase|wifi key|wireless key|secret)\b"
)
_ACCESS = re.compile(
    r"\bhow (do|can|would|should) (i|we|you) (get into|get in to|log ?in(to)?|sign ?in(to)?|"
    r"access|connect to|remote into|rdp (in)?to|ssh (in)?to)\b"
)
_LIST = re.compile(
    r"^\s*(which|list|enumerate|show( me)?( all| the| every)?|what are( all)?( the)?|how many|"
    r"all|every|any)\b|\b(list( of)?|all( of)? the|all|every|how many|inventory)\b"
)
_EVERY = re.compile(r"\b(every|each|all (of )?(the|our|their))\s+[a-z-]+")
_PEOPLE_AT = re.compile(
    r"\bwho (works|work|sits|is based|are based|is located|are located|is at|are at)\b"
    r"|\b(people|staff|employees|users|contacts) (at|in|from|out of)\b"
)
_WHO = re.compile(r"\b(who|whom|whose|who's|whos|contact person|point of contact|poc)\b")
_PLURAL_THINGS = re.compile(
    r"\b(servers|firewalls|switches|printers|laptops|workstations|desktops|pcs|computers|aps|"
    r"access points|devices|configurations|contacts|people|employees|vendors|approvers|"
    r"passwords|documents|docs|domains|locations|offices|sites|networks|vlans|subnets|ssids|"
    r"wireless networks|apps|applications|circuits|routers|dcs|domain controllers|"
    r"sql servers|hosts|boxes|circuits|approvers|billing contacts|vendor contacts|macbooks|"
    r"routers|nas devices|wifi networks|wireless networks|ssids|lob apps|printers|machines|"
    r"assets|logins|accounts)\b"
)
_WHAT_PLURAL = re.compile(r"^\s*what (\w+ )?" + _PLURAL_THINGS.pattern.removeprefix(r"\b"))

# Words that say what kind of answer is wanted, not what it is about.
_INTENT_WORDS = wordset(
    """
    break breaks broke fail fails failed affected affect impacted impact stop stops down offline
    unavailable dead depend depends rely relies dependent dependents upstream downstream happen
    step steps procedure process runbook instruction instructions checklist guide walk through
    playbook sop command commands script safely safe way list enumerate every inventory many
    count which who whom whose contact person poc if goes go went gets got need needs require
    requires run runs running connect connects point points tagged take lose lost part member
    reference references referenced refer refers linked link links tied mention mentions
    mentioned hit hits used behind broadcast broadcasts broadcasting belong belongs attached
    associated connected related relate relates relationship relationships affects
    hosted host hosting live lives
    """
)
INTENT_WORDS = _INTENT_WORDS | {stem(w) for w in _INTENT_WORDS}


@dataclass
class Question:
    """A question as gluekb reads it."""

    text: str
    intent: Intent
    search_text: str  # the question with its typos fixed and abbreviations spelt out, too
    words: list[str]  # as typed (lower case)
    terms: list[str]  # expanded and stemmed
    content: list[str] = field(default_factory=list)  # terms that say what and which
    clauses: list[int] = field(default_factory=list)  # each term's clause ("status of X? user
    # says it's not at her desk": the second clause is context)


def classify(text: str) -> Intent:
    lowered = normalise(text)
    if _IMPACT.search(lowered) and not _DEPENDENCY.search(lowered):
        return "impact"
    if _OPINION.search(lowered) or _FUTURE.search(lowered):
        return "out_of_scope"
    if _DEPENDENCY.search(lowered):
        return "dependency"
    if _ACCESS.search(lowered):
        return "credential"  # "how do I get into the bluebird fortigate"
    if _PROCEDURE.search(lowered) or _PROCEDURE_START.search(lowered):
        return "procedure"
    if _PROCEDURE_MORE.search(lowered) and not _plural_asked(lowered):
        return "procedure"
    if _PEOPLE_AT.search(lowered) or _EVERY.search(lowered) or _plural_asked(lowered):
        return "list"
    if _CREDENTIAL.search(lowered):
        return "credential"
    if _WHO.search(lowered):
        return "contact"
    return "attribute"


def _plural_asked(lowered: str) -> bool:
    """A plural kind of thing asked for as a set: "which servers...", "what passwords do we
    have", "billing contacts?"."""
    if not _PLURAL_THINGS.search(lowered):
        return False
    return bool(_LIST.search(lowered) or _WHAT_PLURAL.search(lowered) or _terse(lowered))


def _terse(lowered: str) -> bool:
    """ "contoso internet circuits", "billing contacts?", "who are the approvers": a plural
    thing asked for with no hostname-like word naming one record."""
    words = raw_words(lowered)
    named = any(any(c.isdigit() for c in w) and any(c.isalpha() for c in w) for w in words)
    return not named and (len(words) <= 5 or lowered.lstrip().startswith(("who are", "what are")))


def read_question(text: str) -> Question:
    from gluekb.services.query.reading.spelling import corrected

    parts = [corrected(part) for part in _CLAUSE.split(text) if part.strip()]
    fixed = " ".join(parts)
    intent = classify(fixed)
    words = raw_words(text)
    expanded: list[str] = []
    clauses: list[int] = []
    for number, part in enumerate(parts):
        found = terms(part)
        if _PURPOSE.search(normalise(part)):
            found.append("purpose")  # "what does ACME-MON01 do": its role, in its notes
        expanded += found
        clauses += [number] * len(found)
    if intent == "attribute":
        # Abbreviations spelt out may say more ("ctso veeam svc account", "fw backup cmd").
        spelt = classify(" ".join(expanded))
        intent = spelt if spelt in ("credential", "procedure") else intent
    content = [t for t in expanded if t not in STOPWORDS and t not in INTENT_WORDS]
    extra = [t for t in expanded if t not in words]
    search_text = " ".join([text, *dict.fromkeys(extra)])
    return Question(
        text=text,
        intent=intent,
        search_text=search_text,
        words=words,
        terms=expanded,
        content=content,
        clauses=clauses,
    )


_CLAUSE = re.compile(r"[,;?!]|\.(?=\s|$)|\s[-\u2013\u2014]\s|:(?=\s)")
_SLOT_BEFORE = frozenset(("at", "for", "from", "@"))


def slot_words(question: Question) -> list[str]:
    """Words where a client's name usually goes: first, after "at"/"for"/"from", or with a
    possessive ("hooli's")."""
    words = question.words
    slots: list[str] = []
    if words:
        slots.append(words[0])
    slots += [words[i + 1] for i in range(len(words) - 1) if words[i] in _SLOT_BEFORE]
    typed = normalise(question.text)
    slots += [w for w in words if f"{w}'s" in typed]
    return [
        w
        for w in dict.fromkeys(slots)
        if w.isalpha() and len(w) >= 3 and not {w, stem(w)} & (STOPWORDS | INTENT_WORDS)
    ]
