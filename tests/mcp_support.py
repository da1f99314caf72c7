"""Reading MCP tool results as an assistant does: the structured content, or an error's text."""

from __future__ import annotations

from typing import Any

from mcp_types import CallToolResult


def text_of(result: CallToolResult) -> str:
    return "".join(getattr(block, "text", "") for block in result.content)


def ok(result: CallToolResult) -> Any:
    """The structured result of a call that succeeded (unwrapped when the tool returns a
    primitive, which the SDK wraps as `{"result": ...}`)."""
    assert not result.is_error, result.content
    data = result.structured_content
    assert isinstance(data, dict)
    return data["result"] if set(data) == {"result"} else data


def error_text(result: CallToolResult) -> str:
    """The message of a call that failed: never a traceback, never a source file's path."""
    assert result.is_error, result.structured_content
    text = text_of(result)
    assert "Traceback" not in text and 'File "' not in text
    return text
