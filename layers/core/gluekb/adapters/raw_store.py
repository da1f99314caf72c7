"""Raw records in S3: one JSON object per record, exactly as IT Glue returned it (never with a
password value). Writes are skipped when the content hash is unchanged, so an unchanged record
costs no S3 write however often it is synced."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from botocore.exceptions import BotoCoreError, ClientError

from gluekb.errors import DependencyUnavailable, NotFound
from gluekb.ports.raw_records import RawRecord, canonical_json

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

PREFIX = "records/"


class RawRecordStore:
    def __init__(self, client: S3Client, bucket: str) -> None:
        self.client = client
        self.bucket = bucket

    @staticmethod
    def key_for(organization_id: str, resource_type: str, record_id: str) -> str:
        return f"{PREFIX}{organization_id}/{resource_type}/{record_id}.json"

    def put(self, key: str, record: RawRecord, digest: str) -> None:
        try:
            self.client.put_object(
                Bucket=self.bucket,
                Key=key,
                Body=canonical_json(record),
                ContentType="application/json",
                Metadata={"content-hash": digest},
            )
        except (BotoCoreError, ClientError) as exc:
            raise DependencyUnavailable(f"cannot store {key}: {exc}") from exc

    def get(self, key: str) -> RawRecord:
        try:
            body = self.client.get_object(Bucket=self.bucket, Key=key)["Body"].read()
        except ClientError as exc:
            if exc.response["Error"]["Code"] in ("NoSuchKey", "404"):
                raise NotFound(f"no raw record at {key}") from exc
            raise DependencyUnavailable(f"cannot read {key}: {exc}") from exc
        record: RawRecord = json.loads(body)
        return record

    def delete(self, key: str) -> None:
        try:
            self.client.delete_object(Bucket=self.bucket, Key=key)
        except (BotoCoreError, ClientError) as exc:
            raise DependencyUnavailable(f"cannot delete {key}: {exc}") from exc

    def keys(self, organization_id: str) -> list[str]:
        keys: list[str] = []
        paginator = self.client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=f"{PREFIX}{organization_id}/"):
            keys += [item["Key"] for item in page.get("Contents", [])]
        return keys
