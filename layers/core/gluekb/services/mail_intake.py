"""Inbound mail: from the S3 object SES wrote to what becomes of it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from gluekb.adapters.dynamodb import put_if_absent

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


def record_inbound_mail(
    client: DynamoDBClient, tickets_table: str, bucket: str, key: str, size: int, etag: str | None
) -> bool:
    """Register a delivered message once (by its S3 key); False when it was already registered."""
    return put_if_absent(
        client,
        tickets_table,
        {
            "pk": f"INTAKE#{bucket}/{key}",
            "sk": "INTAKE",
            "bucket": bucket,
            "key": key,
            "size": size,
            "etag": etag,
            "received_at": datetime.now(UTC).isoformat(),
            "status": "received",
        },
    )
