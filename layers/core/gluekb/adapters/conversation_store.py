"""Conversations (follow-up questions) in DynamoDB: one item per conversation, its last turn,
the key that owns it, and an expiry that DynamoDB's TTL deletes after (reads check it too:
TTL deletion can lag by hours)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from botocore.exceptions import BotoCoreError, ClientError

from gluekb.adapters.dynamodb import from_item, to_item
from gluekb.errors import DependencyUnavailable
from gluekb.models.conversations import Turn

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


class DynamoDbConversationStore:
    def __init__(
        self,
        client: DynamoDBClient,
        table: str,
        ttl_s: int,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.client = client
        self.table = table
        self.ttl_s = ttl_s
        self.clock = clock

    def load(self, conversation_id: str) -> tuple[str, Turn] | None:
        try:
            response = self.client.get_item(
                TableName=self.table, Key=to_item({"id": conversation_id}), ConsistentRead=True
            )
        except (BotoCoreError, ClientError) as exc:
            raise DependencyUnavailable("conversations are unavailable") from exc
        if "Item" not in response:
            return None
        item = from_item(response["Item"])
        if int(item.get("expires_at", 0)) <= self.clock():
            return None
        return str(item["owner"]), Turn.model_validate_json(str(item["turn"]))

    def save(self, conversation_id: str, owner: str, turn: Turn) -> None:
        item = {
            "id": conversation_id,
            "owner": owner,
            "turn": turn.model_dump_json(),
            "expires_at": int(self.clock()) + self.ttl_s,
        }
        try:
            self.client.put_item(TableName=self.table, Item=to_item(item))
        except (BotoCoreError, ClientError) as exc:
            raise DependencyUnavailable("conversations are unavailable") from exc
