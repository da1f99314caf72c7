"""`python -m mcp_server [--stdio]`: the container's entry point. Settings come from the
environment only (McpSettings); streamable HTTP on GLUEKB_MCP_HOST:GLUEKB_MCP_PORT by default.
On a development machine use `gluekb mcp`, which can also attach to the local stack."""

from __future__ import annotations

import argparse
import sys

from gluekb.errors import GluekbError
from gluekb.settings import McpSettings, get_settings
from mcp_server.server import build, run_http, run_stdio


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m mcp_server", description=__doc__)
    parser.add_argument("--stdio", action="store_true", help="serve one client over stdio")
    options = parser.parse_args(argv)
    try:
        settings = get_settings(McpSettings)
    except GluekbError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        raise SystemExit(2) from None
    if options.stdio:
        run_stdio(build(settings, settings.api_key))
        return
    server = build(settings)
    run_http(
        server,
        settings.mcp_host,
        settings.mcp_port,
        on_ready=lambda url: print(f"gluekb MCP server listening on {url}", file=sys.stderr),
    )


if __name__ == "__main__":
    main()
