"""Typed dependencies: the settings, and the services built from them once per execution
environment (lazily, so a cold start pays only for what the first request uses)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header

from gluekb.models.auth import Principal
from gluekb.services.access.auth import key_from_headers
from gluekb.settings import ApiSettings, get_settings
from gluekb.wiring.query import QueryServices

settings = get_settings(ApiSettings)  # validated at cold start: a bad deploy fails here
services = QueryServices(settings)


def principal(
    authorization: Annotated[str | None, Header(description="Bearer <API key>")] = None,
    x_api_key: Annotated[str | None, Header(description="the API key (alternative)")] = None,
) -> Principal:
    return services.authenticator.authenticate(key_from_headers(authorization, x_api_key))


Caller = Annotated[Principal, Depends(principal)]
