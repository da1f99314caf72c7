"""IT Glue's answers read as JSON:API: a list page into typed records (or `MalformedPage`), a
single-record document (or `UpstreamError`), and its side-loaded related items. Reasons name
fields, never values: a password body must not reach a log.
"""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import ValidationError

from gluekb.adapters.itglue.errors import MalformedPage, validation_reason
from gluekb.adapters.itglue.resources import R, ResourceSpec
from gluekb.errors import UpstreamError
from gluekb.models.itglue import ListDocument, Page, RelatedItem, ResourceObject, SingleDocument
from gluekb.observability import Logger

logger = Logger(child=True)

_RELATED_ITEM_TYPES = ("related-items", "related_items")


def parse_page(spec: ResourceSpec[R], content: bytes, number: int) -> Page[R]:
    """List page `number` of `spec`; `MalformedPage` if it is not a JSON:API list."""
    try:
        body = ListDocument.model_validate_json(content)
        records = [spec.model.from_resource(item) for item in body.data]
    except (ValidationError, ValueError) as exc:
        reason = validation_reason(exc)
        logger.warning(
            "malformed IT Glue page",
            extra={"resource_type": spec.name, "page": number, "reason": reason},
        )
        raise MalformedPage(spec.name, number, reason) from None
    meta = body.meta
    return Page(
        resource_type=spec.name,
        number=meta.current_page,
        total_pages=meta.total_pages,
        total_count=meta.total_count,
        next_page=meta.next_page,
        records=records,
        included=body.included,
    )


def parse_document(path: str, content: bytes) -> SingleDocument:
    """The single-record document answered for GET `path`."""
    try:
        return SingleDocument.model_validate_json(content)
    except (ValidationError, ValueError) as exc:
        raise UpstreamError(
            f"IT Glue sent a malformed document for GET {path}: {validation_reason(exc)}"
        ) from None


def split_related(
    included: Sequence[ResourceObject],
) -> tuple[list[RelatedItem], list[ResourceObject]]:
    """A document's side-loads: its related items, and everything else."""
    related = [RelatedItem.from_resource(i) for i in included if i.type in _RELATED_ITEM_TYPES]
    others = [i for i in included if i.type not in _RELATED_ITEM_TYPES]
    return related, others
