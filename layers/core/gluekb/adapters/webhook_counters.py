"""Refused webhook deliveries, counted per provider and reason in the state table
(pk `WEBHOOKS#<provider>`, sk `COUNTERS`; one atomic ADD per refusal), so a misconfigured secret
or someone probing the endpoint shows up in `gluekb webhooks url` as well as in the metrics."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from gluekb.adapters.dynamodb import from_item, to_item
from gluekb.errors import DependencyUnavailable

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


class WebhookCounters:
    def __init__(self, client: DynamoDBClient, table: str) -> None:
        self.client = client
        self.table = table

    def count_rejection(self, provider: str, reason: str, at: datetime) -> None:
        try:
            self.client.update_item(
                TableName=self.table,
                Key=to_item({"pk": f"WEBHOOKS#{provider}", "sk": "COUNTERS"}),
                UpdateExpression="ADD #reason :one SET last_rejected_at = :at",
                ExpressionAttributeNames={"#reason": f"rejected_{reason}"},
                ExpressionAttributeValues=to_item({":one": 1, ":at": at.isoformat()}),
            )
        except (BotoCoreError, ClientError) as exc:
            raise DependencyUnavailable(f"state table: counter update failed: {exc}") from exc

    def counters(self, provider: str) -> dict[str, Any]:
        try:
            response = self.client.get_item(
                TableName=self.table,
                Key=to_item({"pk": f"WEBHOOKS#{provider}", "sk": "COUNTERS"}),
            )
        except (BotoCoreError, ClientError) as exc:
            raise DependencyUnavailable(f"state table: counter read failed: {exc}") from exc
        item = from_item(response["Item"]) if "Item" in response else {}
        return {k: v for k, v in item.items() if k not in ("pk", "sk")}
