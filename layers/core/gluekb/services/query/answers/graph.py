"""Relationship answers, both ways: what depends on X ("what breaks if NWT-DC01 goes down")
and what X depends on ("what does Epicor need"). Every fact is an edge of the catalog's graph:
the other record's name, under the relation that links them (a Tag field of a flexible asset,
a password kept for a device, a related item)."""

from __future__ import annotations

from collections.abc import Callable

from gluekb.models.catalog import CatalogRecord, Edge
from gluekb.services.query.answers.evidence import Evidence
from gluekb.services.query.answers.models import Fact
from gluekb.services.query.answers.refs import ref

# Dependents first, then the credentials kept for the thing, then related items.
_KIND_ORDER = {"depends_on": 0, "credential": 1, "related": 2}
MAX_FACTS = 60


def dependents(target: CatalogRecord, evidence: Evidence, depth: int = 2) -> list[Fact]:
    """What depends on `target` (directly, then through what depends on it)."""
    walked = evidence.catalog.walk(
        target.source_id, "depended_on_by", depth, kinds=("depends_on", "related", "credential")
    )
    edges = sorted(walked, key=lambda item: (item[0], _KIND_ORDER.get(item[1].kind, 3)))
    return _facts([edge for _, edge in edges], evidence, lambda e: e.source_id)


def dependencies(subject: CatalogRecord, evidence: Evidence) -> list[Fact]:
    """What `subject` depends on (its Tag fields, credentials, related items)."""
    edges = sorted(
        evidence.catalog.edges(subject.source_id, "depends_on"),
        key=lambda e: _KIND_ORDER.get(e.kind, 3),
    )
    return _facts(edges, evidence, lambda e: e.target_id)


def _facts(edges: list[Edge], evidence: Evidence, pick: Callable[[Edge], str]) -> list[Fact]:
    records = evidence.records([pick(e) for e in edges])
    facts: list[Fact] = []
    for edge in edges:
        record = records.get(pick(edge))
        if record is None:  # another organization's, or gone
            continue
        facts.append(Fact(record=ref(record), field=_relation(edge), value=record.name))
    return facts[:MAX_FACTS]


def _relation(edge: Edge) -> str:
    if edge.kind == "credential":
        return f"password for {edge.target_name}" if edge.target_name else "password for"
    return edge.relation
