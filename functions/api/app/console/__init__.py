"""The web console for technicians, served by the api function itself (same app, same API
Gateway, same tenancy): server-rendered pages, a small script, a sealed session cookie."""

from __future__ import annotations

from fastapi import APIRouter

from app.console.pages import (
    ask,
    assets,
    auth,
    organizations,
    passwords,
    records,
    reveal_links,
    search,
    tickets,
)

router = APIRouter(include_in_schema=False)
for _pages in (auth, assets, ask, search, organizations, records, tickets, passwords, reveal_links):
    router.include_router(_pages.router)
