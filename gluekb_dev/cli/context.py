"""What CLI commands share: finding the running local stack and taking on its environment."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any, NoReturn

import click

from gluekb.errors import GluekbError
from gluekb.settings import CliSettings, clear_settings_cache, get_settings


def fail(message: str, code: int = 2) -> NoReturn:
    click.secho(f"error: {message}", fg="red", err=True)
    sys.exit(code)


def state_home(project: Path | None = None) -> Path:
    from gluekb_dev.stack.home import find_project_root

    settings = get_settings(CliSettings)
    if settings.home:
        return settings.home
    return find_project_root(project) / ".gluekb"


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
