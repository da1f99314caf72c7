"""Documentation health reports kept for the trend, in the state table: pk `HEALTH#<org>`, sk
`REPORT#<generated_at ISO>` (newest last; one Query reads the latest), removed by `ttl` after
two years."""

from __future__ import annotations

from typing import TYPE_CHECKING

from gluekb.adapters.dynamodb import from_item, to_item
from gluekb.models.doc_health import HealthSnapshot

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

KEEP_S = 2 * 366 * 86400


class HealthSnapshotStore:
    def __init__(self, client: DynamoDBClient, table: str) -> None:
        self.client = client
        self.table = table

    def latest(self, organization_id: str) -> HealthSnapshot | None:
        response = self.client.query(
            TableName=self.table,
            KeyConditionExpression="pk = :pk AND begins_with(sk, :report)",
            ExpressionAttributeValues=to_item(
                {":pk": f"HEALTH#{organization_id}", ":report": "REPORT#"}
            ),
            ScanIndexForward=False,
            Limit=1,
        )
        items = response.get("Items", [])
        return HealthSnapshot.model_validate_json(from_item(items[0])["body"]) if items else None

    def save(self, snapshot: HealthSnapshot) -> None:
        self.client.put_item(
            TableName=self.table,
            Item=to_item(
                {
                    "pk": f"HEALTH#{snapshot.organization_id}",
                    "sk": f"REPORT#{snapshot.generated_at.isoformat()}",
                    "score": snapshot.score,
                    "body": snapshot.model_dump_json(),
                    "ttl": int(snapshot.generated_at.timestamp()) + KEEP_S,
                }
            ),
        )
