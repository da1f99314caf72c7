"""DynamoDB item (de)serialisation for the low-level client, and conditional-write helpers."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from functools import cache
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

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
