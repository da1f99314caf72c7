"""What a tool call returns: the structured content its output schema describes, and a short
readable summary as the text block (not the same JSON again)."""

from __future__ import annotations

from mcp_types import CallToolResult, TextContent
from pydantic import BaseModel

from gluekb.services.text.untrusted import Fence

MAX_SUMMARY_LINES = 60


def tool_result(data: BaseModel, lines: list[str], fence: Fence | None = None) -> CallToolResult:
    """`data` as the structured content; `lines` (cut to a screenful) as the text, followed by
    how to read fenced text when the answer holds any."""
    shown = lines[:MAX_SUMMARY_LINES]
    if len(lines) > MAX_SUMMARY_LINES:
        shown.append(f"... ({len(lines) - MAX_SUMMARY_LINES} more lines in the structured result)")
    notice = fence.notice() if fence is not None else None
    if notice is not None:
        shown += ["", notice.instruction]
    return CallToolResult(
        content=[TextContent(type="text", text="\n".join(shown))],
        structured_content=data.model_dump(mode="json", by_alias=True),
    )


def more(next_cursor: str | None) -> list[str]:
    """The summary's last line when another page follows."""
    return ["More results: call again with `cursor` set to `next_cursor`."] if next_cursor else []
