"""Second-stage ranking for `/v1/search`: the record the question is about first.

Hybrid search (exact identifiers, BM25, k-NN) finds the right record among its first five for
most questions, but often not first: "acme fw01 serial" ranks the firewall's runbook beside
the firewall. This pass reads the hits the way the answer engine reads records (names, roles,
types, field names: `gluekb.services.query.reading.linking` and `.fields`) and orders the
sources by how much of the question each explains, with the hybrid order as a prior. It uses
only what the hits carry (titles, the record card's "Field: value" lines, notes and sections):
no extra reads.
"""

from __future__ import annotations

from datetime import UTC, datetime

from gluekb.models.catalog import CatalogRecord
from gluekb.models.documents import RecordField
from gluekb.models.index import SearchHit
from gluekb.services.query.reading.fields import match_fields
from gluekb.services.query.reading.intent import Question, read_question
from gluekb.services.query.reading.linking import (
    Candidate,
    organization_mentions,
    question_roles,
    score_candidate,
    unexplained,
)
from gluekb.services.query.reading.roles import Role

RERANKED = 30  # sources read again; the rest keep their hybrid order
# What kind of record each kind of question is after.
_INTENT_PRIOR = {
    ("procedure", "documents"): 0.4,
    ("procedure", "git_files"): 0.4,
    ("credential", "passwords"): 0.3,
    ("contact", "contacts"): 0.2,
}
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def rerank(
    query: str, hits: list[SearchHit], organizations: dict[str, tuple[str, str | None]]
) -> list[SearchHit]:
    """`hits` reordered source by source (a source's chunks keep their order and stay
    together), each carrying its source's new score."""
    question = read_question(query)
    if not question.content or not hits:
        return hits
    mentions = organization_mentions(question, organizations)
    spent = set().union(*(m.positions for m in mentions)) if mentions else set()
    groups: dict[str, list[SearchHit]] = {}
    for hit in hits:
        groups.setdefault(hit.chunk.source_id, []).append(hit)
    roles = question_roles(question, spent)
    named = {m.organization_id for m in mentions}
    scored: list[tuple[float, int, list[SearchHit]]] = []
    for rank, group in enumerate(groups.values()):
        score = (
            _score(question, group, rank, spent, roles, named) if rank < RERANKED else -1.0 - rank
        )
        scored.append((score, rank, group))
    scored.sort(key=lambda item: (-item[0], item[1]))
    return [
        hit.model_copy(update={"score": round(score, 6)})
        for score, _, group in scored
        for hit in group
    ]


def _score(
    question: Question,
    group: list[SearchHit],
    rank: int,
    spent: set[int],
    roles: list[tuple[Role, tuple[int, int]]],
    organizations: set[str],
) -> float:
    record, text = record_from_hits(group)
    candidate = Candidate(
        record=record,
        rank=rank,
        exact=any("exact" in h.matched_by for h in group),
        text=text,
    )
    score_candidate(candidate, question, spent, roles, organizations)
    usable = set(range(len(question.terms))) - spent - candidate.strong
    fields = match_fields(
        record.fields, question.terms, usable, record.resource_type, candidate.strong
    )
    explained = spent | candidate.named | (set(fields[0].words) if fields else set())
    leftover = unexplained(question, explained)
    field_score = fields[0].score if fields else 0.0
    score = candidate.identity + 0.6 * field_score + 0.5 / (1 + rank) - 0.25 * len(leftover)
    if organizations and record.organization_id not in organizations:
        score -= 0.5  # "contoso public ip": Contoso's records before anyone else's
    return score + _INTENT_PRIOR.get((question.intent, record.resource_type), 0.0)


def record_from_hits(group: list[SearchHit]) -> tuple[CatalogRecord, str]:
    """The record as its chunks show it: the card's "Field: value" lines become fields (what
    the catalog holds, read from the index instead of the catalog); notes and sections are
    its text. Catalog-only attributes (hashes, sync times) are left blank: nothing here reads
    them."""
    first = group[0].chunk
    fields: list[RecordField] = []
    texts: list[str] = []
    for hit in group:
        chunk = hit.chunk
        if chunk.metadata.get("heading"):
            texts.append(chunk.text)
            continue
        for line in chunk.text.splitlines()[1:]:
            name, separator, value = line.partition(": ")
            if separator and name and len(name) <= 40:
                fields.append(RecordField(name=name, value=value))
    record = CatalogRecord(
        source_id=first.source_id,
        organization_id=first.organization_id,
        resource_type=first.metadata.get("resource_type") or f"{first.source_type}s",
        record_id=first.source_id.rsplit(":", 1)[-1],
        name=first.document_title.removesuffix(" (continued)"),
        type_label=first.metadata.get("type_label"),
        content_hash="",
        raw_key="",
        synced_at=_EPOCH,
        fields=fields,
    )
    return record, "\n".join(texts)
