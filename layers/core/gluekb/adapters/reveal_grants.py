"""One-time reveal-link grants in the state table, which expires them (its TTL attribute `ttl`).

Layout: pk `REVEAL#<grant id>`, sk `GRANT`. The grant id is the SHA-256 of the link's token, so
the table (and its backups) never holds a usable link. Single use is one conditional delete:
of two redemptions racing, DynamoDB lets exactly one remove the item and hands it back. DynamoDB
deletes expired items lazily (within days), so every read checks `expires_at` itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from gluekb.adapters.dynamodb import from_item, to_item
from gluekb.models.audit import RevealGrant

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

SORT_KEY = "GRANT"
_BOUND = "key_id = :key AND expires_at > :now"


def _key(grant_id: str) -> dict[str, object]:
    return {"pk": f"REVEAL#{grant_id}", "sk": SORT_KEY}


def _epoch(moment: datetime) -> int:
    return int(moment.timestamp())


def _grant(item: Mapping[str, Any]) -> RevealGrant:
    data = from_item(item)
    data["expires_at"] = datetime.fromtimestamp(int(data["expires_at"]), UTC)
    return RevealGrant.model_validate(data)


class RevealGrantStore:
    def __init__(self, client: DynamoDBClient, table: str) -> None:
        self.client = client
        self.table = table

    def put(self, grant: RevealGrant) -> None:
        expires = _epoch(grant.expires_at)
        item = _key(grant.grant_id) | grant.model_dump(mode="json") | {"expires_at": expires}
        self.client.put_item(TableName=self.table, Item=to_item(item | {"ttl": expires}))

    def peek(self, grant_id: str, key_id: str, now: datetime) -> RevealGrant | None:
        found = self.client.get_item(
            TableName=self.table, Key=to_item(_key(grant_id)), ConsistentRead=True
        ).get("Item")
        if found is None:
            return None
        grant = _grant(found)
        return grant if grant.key_id == key_id and grant.expires_at > now else None

    def consume(self, grant_id: str, key_id: str, now: datetime) -> RevealGrant | None:
        try:
            taken = self.client.delete_item(
                TableName=self.table,
                Key=to_item(_key(grant_id)),
                ConditionExpression=_BOUND,
                ExpressionAttributeValues=to_item({":key": key_id, ":now": _epoch(now)}),
                ReturnValues="ALL_OLD",
            )
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return None  # used, expired, never issued, or another key's
            raise
        return _grant(taken["Attributes"])

    def revoke(self, grant_id: str, key_id: str) -> None:
        try:
            self.client.delete_item(
                TableName=self.table,
                Key=to_item(_key(grant_id)),
                ConditionExpression="key_id = :key",
                ExpressionAttributeValues=to_item({":key": key_id}),
            )
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
