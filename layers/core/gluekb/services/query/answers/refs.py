"""How an answer points at its sources."""

from __future__ import annotations

from gluekb.models.catalog import CatalogRecord
from gluekb.services.query.answers.models import SourceRef


def ref(record: CatalogRecord) -> SourceRef:
    return SourceRef(
        id=record.source_id,
        title=record.name,
        type=record.resource_type.removesuffix("s"),
        organization_id=record.organization_id,
        url=record.url,
        folder=" > ".join(record.folder_path) or None,  # the breadcrumb its chunks carry
    )
