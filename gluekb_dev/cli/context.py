"""What CLI commands share: finding the running local stack and taking on its environment."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

from gluekb.errors import GluekbError
from gluekb.settings import CliSettings, clear_settings_cache, get_settings

if TYPE_CHECKING:
    from gluekb.ports.state import OrganizationSource


def fail(message: str, code: int = 2) -> NoReturn:
    click.secho(f"error: {message}", fg="red", err=True)
    sys.exit(code)


def state_home(project: Path | None = None) -> Path:
    """The local stack's home: GLUEKB_HOME, else .gluekb in the project (--project, the current
    folder or one above it, else the checkout this gluekb runs from). The command's log records
    go to its logs folder from now on."""
    from gluekb_dev.cli.logs import route_logs
    from gluekb_dev.stack.home import find_project_root

    settings = get_settings(CliSettings)
    try:
        home = settings.home or find_project_root(project) / ".gluekb"
    except GluekbError as exc:
        fail(exc.message)
    route_logs(home)
    return home


def use_stack(project: Path | None = None) -> dict[str, Any]:
    """Point this process at the running `gluekb up` (its AWS endpoint, resources, IT Glue)."""
    from gluekb_dev.stack.home import load_stack_file

    try:
        info = dict(load_stack_file(state_home(project)))
    except GluekbError as exc:
        fail(exc.message)
    # The stack publishes the environment its functions run with; commands run with it too.
    os.environ.update(info["environment"])
    clear_settings_cache()
    return info


def find_organization(state: OrganizationSource, reference: str) -> str:
    """The id of the organization `reference` names (its id or its name, any case)."""
    wanted = reference.strip().lower()
    for organization in state.organizations():
        if reference.strip() == organization.id or organization.is_named(wanted):
            return organization.id
    fail(f"no organization {reference!r} (see `gluekb sync`; ids and names are accepted)")
