"""Completions (`completion/complete`) for the arguments people type: organization names, and the
names of an organization's devices and contacts. Always within the caller's tenancy: a key
completes only the organizations it may see, and records of those."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from mcp.server.mcpserver import Context
from mcp_types import Completion, CompletionArgument, CompletionContext

from gluekb.errors import GluekbError
from gluekb.models.auth import Principal
from gluekb.services.access.organizations import resolve_organization, visible_organizations
from gluekb.wiring.query import QueryServices
from mcp_server.auth import Tenancy

MAX_VALUES = 100  # the protocol's limit per answer
# Argument name -> the resource type whose record names complete it (within the organization
# named by the `organization` argument already given).
RECORD_ARGUMENTS = {"device": "configurations", "like_user": "contacts"}


def matching(names: Iterable[str], typed: str) -> Completion:
    """Names starting with what was typed first, then names containing it; case-insensitive."""
    wanted = typed.strip().lower()
    unique = sorted({n for n in names if n}, key=str.lower)
    starts = [n for n in unique if n.lower().startswith(wanted)]
    contains = [n for n in unique if wanted in n.lower() and not n.lower().startswith(wanted)]
    found = starts + contains
    return Completion(values=found[:MAX_VALUES], total=len(found), has_more=len(found) > MAX_VALUES)


class Completer:
    """Completion values for prompt arguments and resource-template variables."""

    def __init__(self, services: QueryServices, tenancy: Tenancy) -> None:
        self.services = services
        self.tenancy = tenancy

    def complete(
        self,
        ctx: Context[Any, Any],
        argument: CompletionArgument,
        context: CompletionContext | None,
    ) -> Completion:
        given = (context.arguments if context else None) or {}
        try:
            principal = self.tenancy.principal(ctx)
            return matching(self._names(principal, argument.name, given), argument.value)
        except GluekbError:
            return Completion(values=[], total=0, has_more=False)  # hints, never an error

    def _names(self, principal: Principal, argument: str, given: dict[str, str]) -> list[str]:
        directory = self.services.directory
        if argument == "organization":
            return [o.name for o in visible_organizations(principal, directory)]
        resource_type = RECORD_ARGUMENTS.get(argument)
        if resource_type is None or not given.get("organization") or not principal.has("search"):
            return []
        organization = resolve_organization(principal, directory, given["organization"])
        return [r.name for r in self.services.catalog.records_of(organization.id, resource_type)]
