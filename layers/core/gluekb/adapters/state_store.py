"""The state table: organizations, schedule runs, sync checkpoints and status."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from gluekb.adapters.dynamodb import from_item, to_item

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


class StateStore:
    def __init__(self, client: DynamoDBClient, table: str) -> None:
        self.client = client
        self.table = table

    def record_schedule_run(self, schedule: str, fired_at: datetime, event_id: str) -> None:
        self.client.put_item(
            TableName=self.table,
            Item=to_item(
                {
                    "pk": f"SCHEDULE#{schedule}",
                    "sk": "LAST",
                    "fired_at": fired_at.isoformat(),
                    "event_id": event_id,
                }
            ),
        )

    def last_schedule_run(self, schedule: str) -> dict[str, Any] | None:
        response = self.client.get_item(
            TableName=self.table, Key=to_item({"pk": f"SCHEDULE#{schedule}", "sk": "LAST"})
        )
        return from_item(response["Item"]) if "Item" in response else None

    def organization_ids(self) -> list[str]:
        """Every organization gluekb syncs (registered by the sync's organization discovery)."""
        ids: list[str] = []
        kwargs: dict[str, Any] = {
            "TableName": self.table,
            "FilterExpression": "begins_with(pk, :p) AND sk = :s",
            "ExpressionAttributeValues": to_item({":p": "ORG#", ":s": "ORG"}),
            "ProjectionExpression": "pk",
        }
        while True:
            page = self.client.scan(**kwargs)
            ids += [from_item(item)["pk"].removeprefix("ORG#") for item in page.get("Items", [])]
            if "LastEvaluatedKey" not in page:
                return sorted(ids)
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
