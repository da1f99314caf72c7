"""Cheap, read-only probes of the AWS resources and HTTP dependencies a deployable uses."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_sqs import SQSClient


def dynamodb_table(client: DynamoDBClient, name: str) -> Mapping[str, Any]:
    table = client.describe_table(TableName=name)["Table"]
    status = table.get("TableStatus", "UNKNOWN")
    return {"ok": status == "ACTIVE", "table": name, "state": status}


def sqs_queue(client: SQSClient, url: str) -> Mapping[str, Any]:
    attributes = client.get_queue_attributes(
        QueueUrl=url,
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return {
        "queue": url.rsplit("/", 1)[-1],
        "visible": int(attributes.get("ApproximateNumberOfMessages", 0)),
        "in_flight": int(attributes.get("ApproximateNumberOfMessagesNotVisible", 0)),
    }


def s3_bucket(client: S3Client, name: str) -> Mapping[str, Any]:
    client.head_bucket(Bucket=name)
    return {"bucket": name}


def http_json(url: str, timeout_s: float = 2.0) -> Mapping[str, Any]:
    """A dependency that reports its own health as JSON ({"status": ..., "components": ...})."""
    import urllib3

    response = urllib3.request("GET", url, timeout=timeout_s, retries=False)
    body: dict[str, Any] = json.loads(response.data)
    result: dict[str, Any] = {"ok": response.status == 200 and body.get("status") == "ok"}
    if isinstance(body.get("components"), Mapping):
        result["components"] = body["components"]
    return result
