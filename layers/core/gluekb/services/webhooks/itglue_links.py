"""IT Glue's web links → (organization, resource type, record id).

IT Glue puts the organization first and the record last in its web URLs:

    https://<account>.itglue.com/<org_id>/docs/<id>              documents
    https://<account>.itglue.com/<org_id>/passwords/<id>         passwords
    https://<account>.itglue.com/<org_id>/configurations/<id>    configurations
    https://<account>.itglue.com/<org_id>/contacts/<id>, /locations/<id>, /domains/<id>
    https://<account>.itglue.com/<org_id>/assets/<type>/records/<id>   flexible assets

A trailing `/edit`, a query or a fragment is ignored. Anything else is refused: a workflow
webhook can only ask for the one record its URL names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from gluekb.errors import InvalidInput
from gluekb.models.sync import RecordType

_SEGMENTS: dict[str, RecordType] = {
    "docs": "documents",
    "documents": "documents",
    "passwords": "passwords",
    "configurations": "configurations",
    "contacts": "contacts",
    "locations": "locations",
    "domains": "domains",
}
_ID = re.compile(r"^[0-9]{1,20}$")


@dataclass(frozen=True)
class RecordLink:
    organization_id: str
    resource_type: RecordType
    record_id: str


def parse_record_link(url: str) -> RecordLink:
    parts = urlsplit(url.strip())
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise InvalidInput("resource_url is not an IT Glue web link (https://...)")
    segments = [s for s in parts.path.split("/") if s]
    if segments and segments[-1] in ("edit", "show"):
        segments.pop()
    if len(segments) >= 3 and _ID.match(segments[0]):
        org, kind = segments[0], segments[1]
        if len(segments) == 3 and kind in _SEGMENTS and _ID.match(segments[2]):
            return RecordLink(org, _SEGMENTS[kind], segments[2])
        if (
            kind == "assets"
            and len(segments) == 5
            and segments[3] == "records"
            and _ID.match(segments[4])
        ):
            return RecordLink(org, "flexible_assets", segments[4])
    raise InvalidInput(
        "resource_url does not name one IT Glue record "
        "(expected https://<account>.itglue.com/<organization>/<docs|passwords|...>/<id>)"
    )
