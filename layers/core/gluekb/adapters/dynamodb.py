"""DynamoDB item (de)serialisation for the low-level client, and conditional-write helpers."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from functools import cache
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from gluekb.errors import DependencyUnavailable

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


@cache
def _codecs() -> tuple[Any, Any]:
    # boto3's type (de)serialisers import boto3 (~200 ms): load them on first use.
    from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

    return TypeSerializer(), TypeDeserializer()


def _to_dynamo(value: Any) -> Any:
    if isinstance(value, float):
        return Decimal(str(value))
    if isinstance(value, Mapping):
        return {k: _to_dynamo(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_to_dynamo(v) for v in value]
    return value


def _from_dynamo(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, Mapping):
        return {k: _from_dynamo(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_from_dynamo(v) for v in value]
    if isinstance(value, set):
        return {_from_dynamo(v) for v in value}
    return value


def to_item(data: Mapping[str, Any]) -> dict[str, Any]:
    """A plain dict -> DynamoDB's typed item (floats become Decimals; None values are dropped)."""
    serializer = _codecs()[0]
    return {k: serializer.serialize(_to_dynamo(v)) for k, v in data.items() if v is not None}


def from_item(item: Mapping[str, Any]) -> dict[str, Any]:
    deserializer = _codecs()[1]
    return {k: _from_dynamo(deserializer.deserialize(v)) for k, v in item.items()}


def conditional_failed(exc: ClientError) -> bool:
    """True when a write was refused by its condition (alone, or within a transaction)."""
    code = exc.response["Error"]["Code"]
    if code == "ConditionalCheckFailedException":
        return True
    reasons = [r.get("Code") for r in exc.response.get("CancellationReasons", [])]
    return code == "TransactionCanceledException" and "ConditionalCheckFailed" in reasons


def call_table(
    client: DynamoDBClient, table: str, label: str, operation: str, **kwargs: Any
) -> Any:
    """`operation` of the low-level client on `table`. A refused condition is raised as it is
    (the caller decides what it means); any other failure is DependencyUnavailable, naming
    `label` ("tickets table") and the operation."""
    try:
        return getattr(client, operation)(TableName=table, **kwargs)
    except ClientError as exc:
        if conditional_failed(exc):
            raise
        raise DependencyUnavailable(f"{label}: {operation} failed: {exc}") from exc
    except BotoCoreError as exc:
        raise DependencyUnavailable(f"{label}: {operation} failed: {exc}") from exc


def put_if_absent(
    client: DynamoDBClient, table: str, data: Mapping[str, Any], key: str = "pk"
) -> bool:
    """Write the item unless one with the same key exists; True if this call wrote it."""
    try:
        client.put_item(
            TableName=table,
            Item=to_item(data),
            ConditionExpression="attribute_not_exists(#k)",
            ExpressionAttributeNames={"#k": key},
        )
    except ClientError as exc:
        if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
            return False
        raise
    return True
