"""`python -m gluekb_dev.demo.server serve|mutate --dir DIR ...`: serve the demo tenant
(generated on first use), or apply its next mutation step and print the report."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import sys
from collections.abc import Callable
from pathlib import Path

from gluekb_dev.demo.server.config import DEMO_API_KEY, DemoServerConfig, Faults
from gluekb_dev.demo.server.runner import DemoItGlueServer
from gluekb_dev.demo.tenant import TenantStore, parse_iso


def main(argv: list[str] | None = None, out: Callable[[str], None] = print) -> int:
    """`python -m gluekb_dev.demo.server serve|mutate --dir DIR ...`"""
    parser = _parser()
    args = parser.parse_args(argv)

    store = TenantStore(args.dir)
    if args.command == "mutate":
        if not store.exists():
            parser.error(f"no tenant in {args.dir}; run 'serve' first")
        at = parse_iso(args.at) if args.at else None
        out(json.dumps(store.mutate(args.step, at=at).to_json()))
        return 0

    store.ensure(args.seed)
    config = DemoServerConfig(
        api_key=args.api_key,
        rate_limit=args.rate_limit,
        rate_window_s=args.rate_window_s,
        faults=Faults(
            p_429=args.p_429,
            p_500=args.p_500,
            p_malformed=args.p_malformed,
            latency_s=args.latency_s,
        ),
        document_folders_endpoint=not args.no_document_folders_endpoint,
        all_documents_filter=not args.no_all_documents_filter,
    )
    server = DemoItGlueServer(args.dir, config, host=args.host, port=args.port)

    async def run() -> None:
        async with server:
            out(json.dumps({"ready": True, "url": server.url}))
            sys.stdout.flush()
            await server.wait()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run())
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m gluekb_dev.demo.server")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="serve the tenant (generated on first use)")
    serve.add_argument("--dir", type=Path, required=True)
    serve.add_argument("--seed", type=int, default=42)
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=0)
    serve.add_argument("--api-key", default=DEMO_API_KEY)
    serve.add_argument("--rate-limit", type=int, default=3000)
    serve.add_argument("--rate-window-s", type=float, default=300.0)
    serve.add_argument("--p-429", type=float, default=0.0)
    serve.add_argument("--p-500", type=float, default=0.0)
    serve.add_argument("--p-malformed", type=float, default=0.0)
    serve.add_argument("--latency-s", type=float, default=0.0)
    serve.add_argument(
        "--no-document-folders-endpoint",
        action="store_true",
        help="a tenant without the document folders resource (404)",
    )
    serve.add_argument(
        "--no-all-documents-filter",
        action="store_true",
        help="a tenant that refuses filter[document_folder_id]=null (422)",
    )
    mutate = sub.add_parser("mutate", help="apply the next mutation step and print its report")
    mutate.add_argument("--dir", type=Path, required=True)
    mutate.add_argument("--step", type=int, default=None)
    mutate.add_argument("--at", default=None, help="RFC 3339 time for updated-at (default: now)")
    return parser
