from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from gluekb.adapters.catalog_store import CatalogStore
from gluekb.models.catalog import CatalogRecord, Edge

ORG = "1001"


def rec(kind: str, n: int, name: str) -> CatalogRecord:
    return CatalogRecord(
        source_id=f"itglue:{kind}:{n}",
        organization_id=ORG,
        resource_type=kind,
        record_id=str(n),
        name=name,
        content_hash=f"h{n}",
        raw_key=f"records/{ORG}/{kind}/{n}.json",
        synced_at=datetime.now(UTC),
    )


def edge(a: str, b: str, relation: str = "tagged in Email: Servers") -> Edge:
    return Edge(source_id=a, target_id=b, kind="depends_on", relation=relation, organization_id=ORG)


def test_records_are_listed_per_organization_and_type(moto_stack: dict[str, Any]) -> None:
    store = CatalogStore(moto_stack["clients"].dynamodb, "gluekb-local-catalog")
    for n, name in enumerate(["MAIL01", "fw01", "SQL02"]):
        store.put(rec("configurations", n, name))
    store.put(rec("contacts", 9, "Ann"))
    assert [r.name for r in store.records_of(ORG, "configurations")] == ["fw01", "MAIL01", "SQL02"]
    assert store.hashes(ORG, "contacts") == {"itglue:contacts:9": "h9"}
    assert set(store.get_many(["itglue:contacts:9", "itglue:configurations:0", "nope"])) == {
        "itglue:contacts:9",
        "itglue:configurations:0",
    }


def test_dependencies_are_one_query_each_way_and_walk_transitively(
    moto_stack: dict[str, Any],
) -> None:
    store = CatalogStore(moto_stack["clients"].dynamodb, "gluekb-local-catalog")
    mail, email, crm = (
        "itglue:configurations:1",
        "itglue:flexible_assets:2",
        "itglue:flexible_assets:3",
    )
    # Given: the Email service runs on MAIL01, and the CRM app depends on Email
    store.set_edges(email, [edge(email, mail)])
    store.set_edges(crm, [edge(crm, email, "tagged in LOB App: Dependencies")])
    # Then: one query answers each direction
    assert [e.target_id for e in store.edges(email, "depends_on")] == [mail]
    assert [e.source_id for e in store.edges(mail, "depended_on_by")] == [email]
    # And "what breaks if MAIL01 goes down" walks two hops
    walked = store.walk(mail, "depended_on_by", depth=3)
    assert [(d, e.source_id) for d, e in walked] == [(1, email), (2, crm)]
    assert [(d, e.source_id) for d, e in store.walk(mail, "depended_on_by", depth=1)] == [
        (1, email)
    ]


def test_replacing_edges_removes_stale_ones_in_both_directions(moto_stack: dict[str, Any]) -> None:
    store = CatalogStore(moto_stack["clients"].dynamodb, "gluekb-local-catalog")
    a, b, c = "itglue:flexible_assets:1", "itglue:configurations:2", "itglue:configurations:3"
    store.set_edges(a, [edge(a, b)])
    store.set_edges(a, [edge(a, c)])
    assert store.edges(b, "depended_on_by") == []
    assert [e.target_id for e in store.edges(a, "depends_on")] == [c]


def test_deleting_a_record_removes_its_edges(moto_stack: dict[str, Any]) -> None:
    store = CatalogStore(moto_stack["clients"].dynamodb, "gluekb-local-catalog")
    store.put(rec("configurations", 2, "MAIL01"))
    a, b = "itglue:flexible_assets:1", "itglue:configurations:2"
    store.set_edges(a, [edge(a, b)])
    store.delete(b)
    assert store.get(b) is None
    assert store.edges(a, "depends_on") == []
