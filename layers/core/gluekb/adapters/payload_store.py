"""Source documents too large to travel inside an SQS message live in the raw bucket."""

from __future__ import annotations

from typing import TYPE_CHECKING

from botocore.exceptions import BotoCoreError, ClientError
from pydantic import ValidationError

from gluekb.errors import DependencyUnavailable, NotFound
from gluekb.models.documents import SourceDocument
from gluekb.ports.documents import INLINE_LIMIT_BYTES as INLINE_LIMIT_BYTES  # re-exported

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

PREFIX = "documents/"


class SourceUnavailable(NotFound):
    """The document a job points at cannot be fetched or read: the job cannot ever succeed."""


class PayloadStore:
    def __init__(self, client: S3Client, bucket: str) -> None:
        self.client = client
        self.bucket = bucket

    @staticmethod
    def key_for(source_id: str, content_hash: str) -> str:
        safe = source_id.replace("/", "%2F")
        return f"{PREFIX}{safe}/{content_hash}.json"

    def put(self, document: SourceDocument) -> str:
        content_hash = document.content_hash()
        key = self.key_for(document.source_id, content_hash)
        try:
            self.client.put_object(
                Bucket=self.bucket,
                Key=key,
                Body=document.model_dump_json().encode(),
                ContentType="application/json",
            )
        except (BotoCoreError, ClientError) as exc:
            raise DependencyUnavailable(
                f"cannot store document {document.source_id}: {exc}"
            ) from exc
        return key

    def get(self, key: str) -> SourceDocument:
        try:
            body = self.client.get_object(Bucket=self.bucket, Key=key)["Body"].read()
        except ClientError as exc:
            if exc.response["Error"]["Code"] in ("NoSuchKey", "404", "AccessDenied"):
                raise SourceUnavailable(f"document {key} does not exist") from exc
            raise DependencyUnavailable(f"cannot read document {key}: {exc}") from exc
        except BotoCoreError as exc:
            raise DependencyUnavailable(f"cannot read document {key}: {exc}") from exc
        try:
            return SourceDocument.model_validate_json(body)
        except ValidationError as exc:
            raise SourceUnavailable(
                f"document {key} is not a valid source document: {exc}"
            ) from exc
