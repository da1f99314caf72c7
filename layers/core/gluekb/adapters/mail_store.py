"""The mail bucket: raw inbound MIME (written by SES under `inbound/`), ticket attachments
(`tickets/attachments/`) and quarantined messages (`quarantine/`). Only `inbound/` notifies the
mail queue, so nothing written here comes back as mail."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, cast

from botocore.exceptions import BotoCoreError, ClientError

from gluekb.errors import DependencyUnavailable
from gluekb.models.tickets import Attachment
from gluekb.ports.mail import MailObjectMissing

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

READ_CHUNK_BYTES = 256 * 1024
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


class MailStore:
    def __init__(
        self,
        client: S3Client,
        bucket: str,
        attachment_prefix: str = "tickets/attachments/",
        quarantine_prefix: str = "quarantine/",
    ) -> None:
        self.client = client
        self.bucket = bucket
        self.attachment_prefix = attachment_prefix
        self.quarantine_prefix = quarantine_prefix

    def read_chunks(self, bucket: str, key: str) -> Iterator[bytes]:
        """The object's bytes in chunks, streamed (never the whole message in one buffer)."""
        try:
            body = self.client.get_object(Bucket=bucket, Key=key)["Body"]
        except ClientError as exc:
            if exc.response["Error"]["Code"] in ("NoSuchKey", "404", "NoSuchBucket"):
                raise MailObjectMissing(f"s3://{bucket}/{key} does not exist") from exc
            raise DependencyUnavailable(f"cannot read s3://{bucket}/{key}: {exc}") from exc
        except BotoCoreError as exc:
            raise DependencyUnavailable(f"cannot read s3://{bucket}/{key}: {exc}") from exc
        try:
            yield from body.iter_chunks(READ_CHUNK_BYTES)
        except (BotoCoreError, ClientError) as exc:
            raise DependencyUnavailable(f"reading s3://{bucket}/{key} failed: {exc}") from exc
        finally:
            body.close()

    def attachment_key(self, message_hash: str, index: int, filename: str) -> str:
        safe = _UNSAFE.sub("_", filename).strip("._")[:100] or "attachment"
        return f"{self.attachment_prefix}{message_hash[:32]}/{index:03d}-{safe}"

    def put_attachment(
        self,
        message_hash: str,
        index: int,
        filename: str,
        content_type: str,
        data: bytes | bytearray,
        inline: bool,
        content_id: str | None,
    ) -> Attachment:
        """Store one attachment under a key fixed by the message and position (a redelivery
        overwrites the same object), with its size and SHA-256."""
        digest = hashlib.sha256(data).hexdigest()
        key = self.attachment_key(message_hash, index, filename)
        try:
            self.client.put_object(
                Bucket=self.bucket,
                Key=key,
                Body=cast(bytes, data),  # botocore sends a bytearray as is (no copy)
                ContentType=content_type[:200],
                Metadata={"sha256": digest},
            )
        except (BotoCoreError, ClientError) as exc:
            raise DependencyUnavailable(f"cannot store attachment {key}: {exc}") from exc
        return Attachment(
            filename=filename,
            content_type=content_type,
            size=len(data),
            sha256=digest,
            inline=inline,
            content_id=content_id,
            key=key,
        )

    def quarantine(self, bucket: str, key: str) -> str:
        """Move a message out of `inbound/` (copy, then delete): kept for review, never parsed."""
        target = f"{self.quarantine_prefix}{key.removeprefix('inbound/')}"
        try:
            self.client.copy_object(
                Bucket=self.bucket, Key=target, CopySource={"Bucket": bucket, "Key": key}
            )
            self.client.delete_object(Bucket=bucket, Key=key)
        except ClientError as exc:
            if exc.response["Error"]["Code"] in ("NoSuchKey", "404"):
                return target  # moved by an earlier attempt
            raise DependencyUnavailable(f"cannot quarantine s3://{bucket}/{key}: {exc}") from exc
        except BotoCoreError as exc:
            raise DependencyUnavailable(f"cannot quarantine s3://{bucket}/{key}: {exc}") from exc
        return target
