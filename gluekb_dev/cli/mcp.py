"""`gluekb mcp`: the MCP server for assistants, over stdio (default) or streamable HTTP.

Where its AWS resources come from, in this order (it says which on stderr):
1. the environment, when GLUEKB_STATE_TABLE is set (a deployed or container environment);
2. otherwise the running local stack (`gluekb up`): its endpoint and resources.

The API key over stdio: GLUEKB_API_KEY when set; otherwise, on the local stack only, the
stack's admin key (.gluekb/admin-key: every organization and every scope). Over HTTP there is no
server key: every request carries its own (`Authorization: Bearer <key>`).
"""

from __future__ import annotations

import os
from pathlib import Path

import click
from pydantic import SecretStr

from gluekb.errors import GluekbError
from gluekb_dev.cli.context import fail, state_home, use_stack


def _note(message: str) -> None:
    click.echo(f"gluekb mcp: {message}", err=True)  # stdout belongs to the stdio transport


@click.command()
@click.option("--http", "http", is_flag=True, help="Serve streamable HTTP (stateless) at /mcp.")
@click.option("--host", help="HTTP interface (default GLUEKB_MCP_HOST or 127.0.0.1).")
@click.option(
    "--port", type=int, help="HTTP port (default GLUEKB_MCP_PORT or 8765; 0 picks a free one)."
)
@click.option(
    "--local/--env",
    "local",
    default=None,
    help="Use the running local stack (--local) or only the environment (--env). "
    "Default: the environment when GLUEKB_STATE_TABLE is set, else the local stack.",
)
@click.option(
    "--project",
    type=click.Path(path_type=Path, file_okay=False),
    help="The gluekb checkout (default: GLUEKB_HOME, this folder or above, or gluekb's own).",
)
def mcp(
    http: bool, host: str | None, port: int | None, local: bool | None, project: Path | None
) -> None:
    """Serve gluekb's tools to an assistant (Claude Desktop, Claude Code, IDE agents) over MCP."""
    os.environ.setdefault("POWERTOOLS_SERVICE_NAME", "gluekb-mcp")
    if local is None:
        local = not os.environ.get("GLUEKB_STATE_TABLE")
    if local:
        info = use_stack(project)
        _note(f"AWS resources from the local stack (gluekb up) at {info['aws_endpoint']}")
        # Password reveal links open the stack's console (its API's address).
        os.environ.setdefault("GLUEKB_CONSOLE_URL", info["api_url"])
    else:
        _note("AWS resources from the environment")

    from gluekb.settings import McpSettings, get_settings
    from mcp_server.server import build, run_http, run_stdio

    try:
        settings = get_settings(McpSettings)
    except GluekbError as exc:
        fail(exc.message)
    if http:
        server = build(settings)
        _note("streamable HTTP, stateless; every request needs `Authorization: Bearer <key>`")
        run_http(
            server,
            host or settings.mcp_host,
            settings.mcp_port if port is None else port,
            on_ready=lambda url: _note(f"listening on {url}"),
        )
        return
    key = settings.api_key
    if key is not None and key.get_secret_value():
        _note("stdio; API key from GLUEKB_API_KEY")
    elif local:
        stored = state_home(project) / "admin-key"
        if not stored.exists():
            fail("no API key: set GLUEKB_API_KEY (the local stack's admin key is missing)")
        key = SecretStr(stored.read_text().strip())
        _note(
            f"stdio; API key: the local stack's admin key ({stored}: every organization and "
            "scope). Set GLUEKB_API_KEY to a narrower key (`gluekb keys create`)."
        )
    else:
        fail("no API key: set GLUEKB_API_KEY to a gluekb API key (`gluekb keys create`)")
    run_stdio(build(settings, key))
