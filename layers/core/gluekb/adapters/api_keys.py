"""API keys in DynamoDB, stored hashed. A key reads `gkb_<key id>_<secret>`: the id finds the
record, the secret is compared by SHA-256 digest in constant time (keys are 256-bit random, so a
slow hash adds nothing)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from botocore.exceptions import ClientError

from gluekb.adapters.dynamodb import from_item, put_if_absent, to_item
from gluekb.models.auth import ApiKeyRecord

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

PREFIX = "gkb_"


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def split_key(key: str) -> tuple[str, str] | None:
    if not key.startswith(PREFIX):
        return None
    key_id, _, secret = key.removeprefix(PREFIX).partition("_")
    if len(key_id) != 12 or len(secret) < 32:
        return None
    return key_id, secret


class ApiKeyStore:
    def __init__(self, client: DynamoDBClient, table: str) -> None:
        self.client = client
        self.table = table

    def create(
        self, name: str, organizations: list[str], scopes: list[str]
    ) -> tuple[str, ApiKeyRecord]:
        """A new key; the plain key is returned once and never stored."""
        while True:
            key_id = secrets.token_hex(6)
            secret = secrets.token_urlsafe(32)
            record = ApiKeyRecord.model_validate(
                {
                    "key_id": key_id,
                    "name": name,
                    "secret_hash": _digest(secret),
                    "organizations": organizations,
                    "scopes": scopes,
                    "created_at": datetime.now(UTC),
                }
            )
            item = {"pk": f"KEY#{key_id}", **record.model_dump(mode="json")}
            if put_if_absent(self.client, self.table, item):
                return f"{PREFIX}{key_id}_{secret}", record

    def verify(self, key: str) -> ApiKeyRecord | None:
        parts = split_key(key)
        if parts is None:
            return None
        key_id, secret = parts
        response = self.client.get_item(TableName=self.table, Key=to_item({"pk": f"KEY#{key_id}"}))
        if "Item" not in response:
            _digest(secret)  # same work whether or not the id exists
            return None
        data = from_item(response["Item"])
        data.pop("pk", None)
        record = ApiKeyRecord.model_validate(data)
        if not hmac.compare_digest(record.secret_hash, _digest(secret)):
            return None
        if record.revoked or (record.expires_at and record.expires_at <= datetime.now(UTC)):
            return None
        return record

    def revoke(self, key_id: str) -> bool:
        try:
            self.client.update_item(
                TableName=self.table,
                Key=to_item({"pk": f"KEY#{key_id}"}),
                UpdateExpression="SET revoked = :t",
                ConditionExpression="attribute_exists(pk)",
                ExpressionAttributeValues=to_item({":t": True}),
            )
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def list(self) -> list[ApiKeyRecord]:
        records: list[ApiKeyRecord] = []
        kwargs: dict[str, object] = {"TableName": self.table}
        while True:
            page = self.client.scan(**kwargs)  # type: ignore[arg-type]
            for item in page.get("Items", []):
                data = from_item(item)
                data.pop("pk", None)
                records.append(ApiKeyRecord.model_validate(data))
            if "LastEvaluatedKey" not in page:
                return sorted(records, key=lambda r: r.created_at)
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
