"""Index jobs for the index queue: a document travels inline when it fits an SQS message and
through the raw bucket (`PayloadStore`) when it does not."""

from __future__ import annotations

from datetime import datetime

from gluekb.adapters.payload_store import INLINE_LIMIT_BYTES, PayloadStore
from gluekb.models.documents import IndexJob, SourceDocument


def upsert_job(document: SourceDocument, documents: PayloadStore, now: datetime) -> IndexJob:
    body = document.model_dump_json()
    if len(body.encode()) <= INLINE_LIMIT_BYTES:
        return IndexJob(
            op="upsert",
            source_id=document.source_id,
            organization_id=document.organization_id,
            document=document,
            content_hash=document.content_hash(),
            enqueued_at=now,
        )
    return IndexJob(
        op="upsert",
        source_id=document.source_id,
        organization_id=document.organization_id,
        document_key=documents.put(document),
        content_hash=document.content_hash(),
        enqueued_at=now,
    )


def delete_job(source_id: str, organization_id: str, now: datetime) -> IndexJob:
    return IndexJob(
        op="delete", source_id=source_id, organization_id=organization_id, enqueued_at=now
    )
