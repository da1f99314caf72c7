"""Procedures and runbooks: the passage of a document that answers a "how do I" question,
quoted verbatim line by line (steps, checklist items, commands) with its heading path.

Documents come from search over documents and docs-repository files. Each section is scored on
two things: *coverage*, the share of the question's words that the document's title, the
section's heading or its text say (chatter such as "patching tonight" costs a little, a
missing device or topic costs a lot), and *focus*, how well the heading and the title match
(the "Safe Reboot" section for "steps to reboot", the "Checklist" for "offboarding checklist").
A runbook about the device the question names, by name or by role ("the sql box" ->
"Server Runbook: GLBX-SQL01"), is preferred; a hostname the document never mentions rules it
out. Sections nearly as good as the best one of the same document come along, in order.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from gluekb.models.index import Chunk
from gluekb.services.query.answers.evidence import Evidence
from gluekb.services.query.reading.intent import INTENT_WORDS, Question
from gluekb.services.query.reading.language import (
    STOPWORDS,
    matches_any,
    synonyms,
    text_terms,
)
from gluekb.services.query.reading.linking import SOFT_WORDS, name_like_words
from gluekb.services.query.reading.roles import roles_in

DOCUMENT_TYPES = ("document", "git_file")
_PROCEDURAL = re.compile(r"step|procedure|checklist|reboot|restart|backup|restore|task", re.I)
_STEP_MARKER = re.compile(r"^step \d+\.?$", re.I)
# Words that ask for a procedure without saying which: they weigh half.
_GENERIC = frozenset(
    [
        "how",
        "procedure",
        "step",
        "steps",
        "document",
        "doc",
        "runbook",
        "guide",
        "instruction",
        "process",
        "sop",
    ]
)
MAX_SECTIONS = 3
NEAR_BEST = 0.25


@dataclass
class Passage:
    source_id: str
    title: str
    url: str | None
    organization_id: str
    headings: list[str]
    lines: list[tuple[str, str]]  # (heading, line)
    score: float
    coverage: float
    focus: float  # how well the best section's heading says the question's own words
    missing: list[str] = field(default_factory=list)
    folder: str | None = None  # an IT Glue document's folder path


@dataclass
class _Section:
    heading: str
    chunks: list[Chunk]
    score: float = 0.0
    coverage: float = 0.0
    focus: float = 0.0
    missing: list[str] = field(default_factory=list)


def _words(question: Question, spent: set[int]) -> list[str]:
    return [question.terms[i] for i in _positions(question, spent)]


def _positions(question: Question, spent: set[int]) -> list[int]:
    return [
        i
        for i, w in enumerate(question.terms)
        if i not in spent
        and w not in STOPWORDS
        and w not in SOFT_WORDS
        and (w not in INTENT_WORDS or w in _GENERIC)
        and len(w) > 1
    ]


def _asked_words(question: Question, spent: set[int], everything: frozenset[str]) -> list[str]:
    """The question's words, less those of a clause the document says nothing of: context
    ("what's the safe reboot procedure for CTSO-DC02? patching tonight")."""
    positions = _positions(question, spent)
    clauses = question.clauses or [0] * len(question.terms)
    said = {clauses[i] for i in positions if _said(question.terms[i], everything)}
    kept = [question.terms[i] for i in positions if clauses[i] in said or not said]
    if all(word in _GENERIC for word in kept):  # only "what's the procedure" is left: no
        return [question.terms[i] for i in positions]
    return kept


def _weight(word: str) -> float:
    return 0.5 if word in _GENERIC else 1.0


def _said(word: str, vocabulary: frozenset[str]) -> bool:
    return any(matches_any(s, vocabulary) for s in synonyms(word))


def _overlap(words: list[str], vocabulary: frozenset[str]) -> float:
    total = sum(_weight(w) for w in words)
    if not total:
        return 0.0
    return sum(_weight(w) for w in words if _said(w, vocabulary)) / total


def _role_bonus(question: Question, title: str) -> float:
    """A runbook about the kind of device the question names ("the sql box" -> GLBX-SQL01)."""
    lowered = title.lower()
    for role, _ in roles_in(question.terms):
        if role.hostname and re.search(rf"(^|[-_. ]){role.hostname}(\b|$)", lowered):
            return 0.3
    return 0.0


def _section_lines(chunks: list[Chunk]) -> list[str]:
    lines: list[str] = []
    code: list[str] = []
    for chunk in chunks:
        in_code = False
        for line in chunk.text.splitlines():
            if line.strip().startswith("```"):
                if in_code and code:
                    lines.append("\n".join(code))
                    code = []
                in_code = not in_code
                continue
            if in_code:
                code.append(line)
                continue
            text = line.strip()
            if text and not _STEP_MARKER.match(text) and text not in lines:
                lines.append(text)
    if code:
        lines.append("\n".join(code))
    return lines


def _sections(chunks: list[Chunk]) -> list[_Section]:
    sections: dict[str, _Section] = {}
    for chunk in chunks:
        heading = chunk.metadata.get("heading") or chunk.document_title
        sections.setdefault(heading, _Section(heading, [])).chunks.append(chunk)
    return list(sections.values())


def _score(words: list[str], section: _Section, title: str, bonus: float, rank: int) -> None:
    heading = text_terms(section.heading.split(" > ")[-1])
    in_title = text_terms(title)
    body = text_terms(" ".join(c.text for c in section.chunks))
    everything = in_title | heading | body
    section.missing = [w for w in words if not _said(w, everything)]
    section.coverage = 1.0 - (
        sum(_weight(w) for w in section.missing) / max(1.0, sum(_weight(w) for w in words))
    )
    # Words the title already says tell nothing about which section: every section of
    # "User Offboarding Checklist" repeats "offboarding checklist".
    beyond = [w for w in words if not _said(w, in_title)]
    section.focus = _overlap([w for w in words if w not in _GENERIC], heading)
    procedural = 0.1 if _PROCEDURAL.search(section.heading) else 0.0
    overview = -0.3 if section.heading.lower().endswith("overview") else 0.0
    section.score = (
        section.coverage
        + 0.6 * _overlap(words, in_title)
        + bonus
        + 0.5 * _overlap(words, heading)
        + 0.3 * _overlap(beyond, body)
        + procedural
        + overview
        + 0.05 / (1 + rank)
    )


def best_passage(
    question: Question, spent: set[int], evidence: Evidence, query: str
) -> Passage | None:
    words = _words(question, spent)
    if not words:
        return None
    names = name_like_words(question)
    best: Passage | None = None
    for source_id, (rank, title, url, org) in list(_documents(evidence, query).items())[:8]:
        chunks = evidence.chunks(source_id)
        everything = text_terms(" ".join([title, *(c.text for c in chunks)]))
        if any(name not in everything for name in names):
            continue  # a runbook for INIT-DC01 is not FABR-APP01's
        sections = _sections(chunks)
        bonus = _role_bonus(question, title)
        asked = _asked_words(question, spent, everything)
        for section in sections:
            _score(asked, section, title, bonus, rank)
        passage = _passage(source_id, title, url, org, sections)
        if passage is not None and (best is None or passage.score > best.score):
            best = passage
    return best


def _documents(evidence: Evidence, query: str) -> dict[str, tuple[int, str, str | None, str]]:
    titles: dict[str, tuple[int, str, str | None, str]] = {}
    for rank, hit in enumerate(evidence.hits(query, DOCUMENT_TYPES, 30)):
        title = hit.chunk.document_title
        titles.setdefault(
            hit.chunk.source_id, (rank, title, hit.chunk.url, hit.chunk.organization_id)
        )
    return titles


def _passage(
    source_id: str, title: str, url: str | None, org: str, sections: list[_Section]
) -> Passage | None:
    """The best section and those nearly as good; when no heading says the question's own
    words ("onboarding steps"), the whole procedure: every section but the overview."""
    if not sections:
        return None
    top = max(sections, key=lambda s: s.score)
    body = [s for s in sections if not s.heading.lower().endswith("overview")]
    near = [s for s in body if s.score >= top.score - NEAR_BEST]
    chosen = (near if top.focus > 0 else body)[:MAX_SECTIONS] or [top]
    lines = [(s.heading, line) for s in chosen for line in _section_lines(s.chunks)]
    return Passage(
        source_id,
        title,
        url,
        org,
        [s.heading for s in chosen],
        lines,
        top.score,
        top.coverage,
        top.focus,
        top.missing,
        top.chunks[0].folder,
    )
