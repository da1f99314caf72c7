"""The MCP server's edges without a network: error messages, key parsing, `gluekb mcp`."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from gluekb.errors import DependencyUnavailable, Forbidden, NotFound, RateLimited
from gluekb.services.access.auth import key_from_headers
from gluekb_dev.cli.mcp import mcp
from mcp_server.server import actionable
from tests.support import environment


def test_errors_say_what_to_do_next() -> None:
    assert actionable(NotFound("organization not found")) == (
        "organization not found. Call list_organizations to see the organizations this API key "
        "may use, and search to find record ids."
    )
    assert "administrator" in actionable(Forbidden("this API key lacks the 'sync' scope"))
    assert "Wait 31 s" in actionable(RateLimited("IT Glue rate limit", retry_after_s=30))
    assert "try again in a minute" in actionable(DependencyUnavailable("embedder down"))


@pytest.mark.parametrize(
    ("authorization", "x_api_key", "key"),
    [
        ("Bearer gkb_abc", None, "gkb_abc"),
        ("bearer  gkb_abc ", None, "gkb_abc"),
        (None, "gkb_xyz", "gkb_xyz"),
        ("Basic dXNlcg==", None, None),
        ("Bearer ", None, None),
        (None, "  ", None),
    ],
)
def test_the_api_key_comes_from_bearer_or_x_api_key(
    authorization: str | None, x_api_key: str | None, key: str | None
) -> None:
    assert key_from_headers(authorization, x_api_key) == key


def test_gluekb_mcp_without_a_stack_or_environment_says_what_to_start(tmp_path: Path) -> None:
    with environment({"GLUEKB_HOME": str(tmp_path), "GLUEKB_STATE_TABLE": None}):
        result = CliRunner().invoke(mcp, [])
    assert result.exit_code == 2
    assert "gluekb up is not running" in result.output


def test_gluekb_mcp_from_the_environment_names_what_is_missing(tmp_path: Path) -> None:
    with environment({"GLUEKB_HOME": str(tmp_path), "GLUEKB_STATE_TABLE": None}):
        result = CliRunner().invoke(mcp, ["--env"])
    assert result.exit_code == 2
    assert "GLUEKB_STATE_TABLE is not set" in result.output
