"""The console's stylesheet and script, served by the function itself (no CDN: it must work on a
closed network). Their URLs carry a content hash, so browsers may keep them for a year."""

from __future__ import annotations

from fastapi import APIRouter, Response

from app.console.routing import ConsoleRoute
from app.console.web import ASSET_VERSIONS, ASSETS
from gluekb.errors import NotFound

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
TYPES = {".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8"}


@router.get("/console/assets/{name}")
def asset(name: str, v: str | None = None) -> Response:
    if name not in ASSETS:
        raise NotFound("no such file")
    fresh = v == ASSET_VERSIONS[name]
    return Response(
        ASSETS[name],
        media_type=TYPES.get(name[name.rfind(".") :], "application/octet-stream"),
        headers={
            "Cache-Control": "public, max-age=31536000, immutable" if fresh else "no-cache",
            "ETag": f'"{ASSET_VERSIONS[name]}"',
        },
    )
