"""Pages of list-like results: `limit` items at a time, and an opaque `cursor` for the next page.

A cursor names the tool, the arguments it belongs to (a digest) and where the next page starts.
It is not signed: it only says where to continue, and every page is read with the caller's own
key and tenancy, so an edited cursor can show nothing a fresh call could not.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Sequence
from typing import Annotated, Any, TypeVar

from pydantic import Field

from gluekb.errors import InvalidInput

T = TypeVar("T")

Cursor = Annotated[
    str | None,
    Field(
        max_length=512,
        description="Leave empty for the first page. To read the next page, pass the "
        "`next_cursor` of the previous result, with the same other arguments.",
    ),
]
NEXT_CURSOR = Field(
    default=None,
    description="more results follow: call again with this as `cursor` (and the same other "
    "arguments); null on the last page",
)


def _digest(arguments: dict[str, Any]) -> str:
    canonical = json.dumps(arguments, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def encode_cursor(tool: str, arguments: dict[str, Any], offset: int) -> str:
    state = {"t": tool, "a": _digest(arguments), "o": offset}
    return base64.urlsafe_b64encode(json.dumps(state).encode()).decode().rstrip("=")


def decode_cursor(tool: str, arguments: dict[str, Any], cursor: str | None) -> int:
    """Where the page starts: 0 without a cursor; refused when the cursor belongs elsewhere."""
    if not cursor:
        return 0
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        state = json.loads(raw)
        offset = int(state["o"])
        matches = state["t"] == tool and state["a"] == _digest(arguments)
    except (ValueError, KeyError, TypeError, binascii.Error):
        matches, offset = False, -1
    if not matches or offset < 0:
        raise InvalidInput(
            "cursor: not a cursor this tool returned for these arguments; call again without "
            "it for the first page"
        )
    return offset


def page(
    items: Sequence[T],
    tool: str,
    arguments: dict[str, Any],
    offset: int,
    limit: int,
    *,
    more: bool | None = None,
) -> tuple[list[T], str | None]:
    """The items of one page and the cursor of the next (None on the last page). `more` says
    whether results follow when `items` is not the whole list (a ranking read up to the page)."""
    chosen = list(items[offset : offset + limit])
    if more is None:
        more = offset + limit < len(items)
    return chosen, encode_cursor(tool, arguments, offset + limit) if more else None
