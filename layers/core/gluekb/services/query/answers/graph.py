"""Relationship answers, both ways: what depends on X ("what breaks if NWT-DC01 goes down")
and what X depends on ("what does Epicor need"). Every fact is an edge of the catalog's graph:
the other record's name, under the relation that links them (a Tag field of a flexible asset,
a password kept for a device, a related item)."""

from __future__ import annotations

from collections.abc import Callable

from gluekb.models.catalog import CatalogRecord, Edge
from gluekb.models.documents import RecordField
from gluekb.services.query.answers.evidence import Evidence
from gluekb.services.query.answers.models import Fact
from gluekb.services.query.answers.refs import ref

# Dependents first, then the credentials kept for the thing, then related items.
_KIND_ORDER = {"depends_on": 0, "credential": 1, "related": 2}
MAX_FACTS = 60
ADDRESS_FIELD = "Primary IP"  # a configuration's card line
MAX_TAGGED = 5


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


def tagged_addresses(
    record: CatalogRecord, fields: list[RecordField], evidence: Evidence
) -> list[Fact]:
    """The address of each device a Tag field of `record` names: "default gateway for the users
    network" is `Gateway: GLBX-FW01`, and the technician wants the firewall's IP with it."""
    values = {f.value for f in fields}
    if not values:  # a summary, no field asked: nothing to follow, no query
        return []
    edges = [
        e
        for e in evidence.catalog.edges(record.source_id, "depends_on")
        if e.kind == "depends_on" and e.target_name in values
    ]
    targets = evidence.records([e.target_id for e in edges])
    facts: list[Fact] = []
    for edge in edges:
        target = targets.get(edge.target_id)
        if target is None:  # another organization's, or gone
            continue
        address = next((f for f in target.fields if f.name == ADDRESS_FIELD), None)
        if address is not None:
            facts.append(Fact(record=ref(target), field=address.name, value=address.value))
    return facts[:MAX_TAGGED]


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
