"""The catalog table: record metadata and the relationship graph.

Layout (single table, string keys `pk`/`sk`, GSI `by_org` on `gsi1pk`/`gsi1sk`):
- a record:        pk `REC#<source_id>`, sk `META`; listed per organization (and type) through
                   gsi1pk `ORG#<org>`, gsi1sk `<resource_type>#<name lower>#<record id>`
- an edge A → B:   pk `REC#<A>`, sk `DEP#<B>`  (what A depends on: one Query)
                   pk `REC#<B>`, sk `RDEP#<A>` (what depends on B: one Query)
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, Literal

from gluekb.adapters.dynamodb import from_item, to_item
from gluekb.models.catalog import CatalogRecord, Edge

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

Direction = Literal["depends_on", "depended_on_by"]


class CatalogStore:
    def __init__(self, client: DynamoDBClient, table: str) -> None:
        self.client = client
        self.table = table

    # ------------------------------------------------------------ records
    @staticmethod
    def _item(record: CatalogRecord) -> dict[str, Any]:
        item = record.model_dump(mode="json", exclude={"fields", "identifiers"})
        # The card and identifiers are read whole, never queried into: one string each keeps
        # items flat and cheap to read.
        item["fields_json"] = json.dumps([f.model_dump() for f in record.fields])
        item["identifiers_json"] = json.dumps(record.identifiers)
        item.update(
            pk=f"REC#{record.source_id}",
            sk="META",
            gsi1pk=f"ORG#{record.organization_id}",
            gsi1sk=f"{record.resource_type}#{record.name.lower()[:200]}#{record.record_id}",
        )
        return to_item(item)

    def put(self, record: CatalogRecord) -> None:
        self.client.put_item(TableName=self.table, Item=self._item(record))

    def put_many(self, records: Iterable[CatalogRecord]) -> None:
        self._batch([{"PutRequest": {"Item": self._item(r)}} for r in records])

    def get(self, source_id: str) -> CatalogRecord | None:
        response = self.client.get_item(
            TableName=self.table, Key=to_item({"pk": f"REC#{source_id}", "sk": "META"})
        )
        return _record(response["Item"]) if "Item" in response else None

    def get_many(self, source_ids: Sequence[str]) -> dict[str, CatalogRecord]:
        found: dict[str, CatalogRecord] = {}
        unique = list(dict.fromkeys(source_ids))
        for start in range(0, len(unique), 100):
            keys = [to_item({"pk": f"REC#{s}", "sk": "META"}) for s in unique[start : start + 100]]
            request: dict[str, Any] = {self.table: {"Keys": keys}}
            while request:
                response = self.client.batch_get_item(RequestItems=request)
                for item in response["Responses"].get(self.table, []):
                    record = _record(item)
                    found[record.source_id] = record
                request = response.get("UnprocessedKeys") or {}
        return found

    def _org_items(
        self, organization_id: str, resource_type: str | None = None, projection: str | None = None
    ) -> Iterator[dict[str, Any]]:
        condition = "gsi1pk = :p"
        values: dict[str, Any] = {":p": f"ORG#{organization_id}"}
        if resource_type is not None:
            condition += " AND begins_with(gsi1sk, :t)"
            values[":t"] = f"{resource_type}#"
        kwargs: dict[str, Any] = {
            "TableName": self.table,
            "IndexName": "by_org",
            "KeyConditionExpression": condition,
            "ExpressionAttributeValues": to_item(values),
        }
        if projection:
            kwargs["ProjectionExpression"] = projection
            kwargs["ExpressionAttributeNames"] = {"#g": "group", "#t": "resource_type"}
        while True:
            page = self.client.query(**kwargs)
            yield from page.get("Items", [])
            if "LastEvaluatedKey" not in page:
                return
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def records_of(
        self, organization_id: str, resource_type: str | None = None
    ) -> Iterator[CatalogRecord]:
        """An organization's records (of one type, or all of them)."""
        for item in self._org_items(organization_id, resource_type):
            yield _record(item)

    def hashes_by_group(
        self, organization_id: str, resource_type: str | None = None
    ) -> dict[str, dict[str, str]]:
        """listing group -> source_id -> content_hash for an organization (one query, reading
        only those attributes). A record's group is its resource type unless it has its own
        (a flexible asset's type)."""
        groups: dict[str, dict[str, str]] = {}
        projection = "source_id, content_hash, #g, #t"
        for item in self._org_items(organization_id, resource_type, projection):
            data = from_item(item)
            group = data.get("group") or data["resource_type"]
            groups.setdefault(group, {})[data["source_id"]] = data["content_hash"]
        return groups

    def documents_in_folders(self, organization_id: str) -> int:
        """How many of an organization's documents IT Glue files in a folder (one query over its
        documents, reading only their folder)."""
        items = self._org_items(organization_id, "documents", "folder_id, #g, #t")
        return sum(1 for item in items if from_item(item).get("folder_id"))

    def hashes(self, organization_id: str, resource_type: str) -> dict[str, str]:
        """source_id -> content_hash of every record of a type."""
        groups = self.hashes_by_group(organization_id, resource_type)
        return {k: v for members in groups.values() for k, v in members.items()}

    def delete(self, source_id: str) -> None:
        """Remove a record and every edge into or out of it."""
        keys = [("DEP#", "RDEP#"), ("RDEP#", "DEP#")]
        deletes = [{"pk": f"REC#{source_id}", "sk": "META"}]
        for own, mirror in keys:
            for other in self._neighbours(source_id, own):
                deletes.append({"pk": f"REC#{source_id}", "sk": f"{own}{other}"})
                deletes.append({"pk": f"REC#{other}", "sk": f"{mirror}{source_id}"})
        self._batch([{"DeleteRequest": {"Key": to_item(k)}} for k in deletes])

    # ------------------------------------------------------------ edges
    def set_edges(self, source_id: str, edges: Iterable[Edge]) -> None:
        """Make `source_id`'s outgoing edges exactly `edges` (incoming ones belong to others)."""
        wanted = {e.target_id: e for e in edges if e.target_id != source_id}
        current = set(self._neighbours(source_id, "DEP#"))
        requests: list[dict[str, Any]] = []
        for stale in current - set(wanted):
            requests.append(
                {
                    "DeleteRequest": {
                        "Key": to_item({"pk": f"REC#{source_id}", "sk": f"DEP#{stale}"})
                    }
                }
            )
            requests.append(
                {
                    "DeleteRequest": {
                        "Key": to_item({"pk": f"REC#{stale}", "sk": f"RDEP#{source_id}"})
                    }
                }
            )
        for target, edge in wanted.items():
            body = edge.model_dump(mode="json")
            requests.append(
                {
                    "PutRequest": {
                        "Item": to_item({**body, "pk": f"REC#{source_id}", "sk": f"DEP#{target}"})
                    }
                }
            )
            requests.append(
                {
                    "PutRequest": {
                        "Item": to_item({**body, "pk": f"REC#{target}", "sk": f"RDEP#{source_id}"})
                    }
                }
            )
        self._batch(requests)

    def edges(self, source_id: str, direction: Direction) -> list[Edge]:
        prefix = "DEP#" if direction == "depends_on" else "RDEP#"
        return [Edge.model_validate(item) for item in self._query(source_id, prefix)]

    def walk(
        self,
        source_id: str,
        direction: Direction,
        depth: int,
        kinds: Sequence[str] = ("depends_on", "related"),
    ) -> list[tuple[int, Edge]]:
        """Breadth-first over the graph: (distance, edge) for everything within `depth` hops."""
        seen = {source_id}
        frontier = [source_id]
        found: list[tuple[int, Edge]] = []
        for distance in range(1, depth + 1):
            following: list[str] = []
            for node in frontier:
                for edge in self.edges(node, direction):
                    if edge.kind not in kinds:
                        continue
                    other = edge.target_id if direction == "depends_on" else edge.source_id
                    if other in seen:
                        continue
                    seen.add(other)
                    following.append(other)
                    found.append((distance, edge))
            frontier = following
            if not frontier:
                break
        return found

    # ------------------------------------------------------------ plumbing
    def _query(self, source_id: str, prefix: str) -> Iterator[dict[str, Any]]:
        kwargs: dict[str, Any] = {
            "TableName": self.table,
            "KeyConditionExpression": "pk = :pk AND begins_with(sk, :prefix)",
            "ExpressionAttributeValues": to_item({":pk": f"REC#{source_id}", ":prefix": prefix}),
        }
        while True:
            page = self.client.query(**kwargs)
            for item in page.get("Items", []):
                yield from_item(item)
            if "LastEvaluatedKey" not in page:
                return
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def _neighbours(self, source_id: str, prefix: str) -> list[str]:
        return [item["sk"].removeprefix(prefix) for item in self._query(source_id, prefix)]

    def _batch(self, requests: list[dict[str, Any]]) -> None:
        # A key may appear once per BatchWriteItem call: de-duplicate, keeping the last request.
        unique: dict[tuple[str, str], dict[str, Any]] = {}
        for request in requests:
            key = request.get("PutRequest", {}).get("Item") or request["DeleteRequest"]["Key"]
            unique[(key["pk"]["S"], key["sk"]["S"])] = request
        pending = list(unique.values())
        for start in range(0, len(pending), 25):
            batch: dict[str, Any] = {self.table: pending[start : start + 25]}
            while batch:
                response = self.client.batch_write_item(RequestItems=batch)
                batch = response.get("UnprocessedItems") or {}


def _record(item: dict[str, Any]) -> CatalogRecord:
    data = from_item(item)
    data["fields"] = json.loads(data.pop("fields_json", "[]"))
    data["identifiers"] = json.loads(data.pop("identifiers_json", "{}"))
    return CatalogRecord.model_validate(data)
