"""Ids seen by an unfinished full listing, page by page, in the raw bucket.

A full listing is how deletions are found (IT Glue has no tombstones): what the catalog has and
the listing did not return was deleted. If the sync stops mid-listing, the pages already seen
must not be forgotten, or the resumed run would delete records it simply did not re-list.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from gluekb.errors import DependencyUnavailable

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

PREFIX = "sync-runs/"


class SyncRunStore:
    def __init__(self, client: S3Client, bucket: str) -> None:
        self.client = client
        self.bucket = bucket

    def _prefix(self, organization_id: str, resource_type: str, run_id: str) -> str:
        return f"{PREFIX}{organization_id}/{resource_type}/{run_id}/"

    def record_page(
        self, organization_id: str, resource_type: str, run_id: str, page: int, ids: list[str]
    ) -> None:
        key = f"{self._prefix(organization_id, resource_type, run_id)}{page:06d}.json"
        try:
            self.client.put_object(Bucket=self.bucket, Key=key, Body=json.dumps(ids).encode())
        except Exception as exc:
            raise DependencyUnavailable(f"cannot record sync progress: {exc}") from exc

    def seen(self, organization_id: str, resource_type: str, run_id: str) -> set[str]:
        found: set[str] = set()
        for key in self._keys(organization_id, resource_type, run_id):
            body = self.client.get_object(Bucket=self.bucket, Key=key)["Body"].read()
            found.update(json.loads(body))
        return found

    def clear(self, organization_id: str, resource_type: str, run_id: str) -> None:
        keys = self._keys(organization_id, resource_type, run_id)
        for start in range(0, len(keys), 1000):
            self.client.delete_objects(
                Bucket=self.bucket,
                Delete={"Objects": [{"Key": k} for k in keys[start : start + 1000]], "Quiet": True},
            )

    def _keys(self, organization_id: str, resource_type: str, run_id: str) -> list[str]:
        paginator = self.client.get_paginator("list_objects_v2")
        prefix = self._prefix(organization_id, resource_type, run_id)
        return [
            item["Key"]
            for page in paginator.paginate(Bucket=self.bucket, Prefix=prefix)
            for item in page.get("Contents", [])
        ]
