"""Typed dependencies: the settings, and the services built from them once per execution
environment (lazily, so a cold start pays only for what the first request uses)."""

from __future__ import annotations

import importlib
from typing import Annotated

from fastapi import Depends, Header

from gluekb.models.auth import Principal
from gluekb.services.access.auth import key_from_headers
from gluekb.settings import ApiSettings, get_settings
from gluekb.wiring.query import QueryServices

settings = get_settings(ApiSettings)  # validated at cold start: a bad deploy fails here
services = QueryServices(settings)

# What the first request would otherwise build: the clients and services every route uses.
PREPARED_CLIENTS = ("dynamodb", "sqs", "s3", "ses")
PREPARED_SERVICES = ("authenticator", "directory", "search", "answers", "tickets", "audit_log")


def prepare() -> None:
    """Build them now (SnapStart runs this before its snapshot). No service is called: clients
    and pools connect on first use, which is after the restore."""
    importlib.import_module("numpy")  # query vectors; imported by the first search otherwise
    for client in PREPARED_CLIENTS:
        getattr(services.clients, client)
    for service in PREPARED_SERVICES:
        getattr(services, service)


def principal(
    authorization: Annotated[str | None, Header(description="Bearer <API key>")] = None,
    x_api_key: Annotated[str | None, Header(description="the API key (alternative)")] = None,
) -> Principal:
    return services.authenticator.authenticate(key_from_headers(authorization, x_api_key))


Caller = Annotated[Principal, Depends(principal)]
