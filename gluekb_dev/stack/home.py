"""The local stack's home (`.gluekb/` by default): one `gluekb up` at a time claims it, and
its stack file (`stack.json`) tells other commands (the CLI, tests) where the running stack
listens. Light on purpose: CLI commands import it to find the stack."""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from gluekb.errors import ConfigurationError

STACK_FILE = "stack.json"
FOLDERS = ("logs", "aws", "index")  # function and worker logs, emulator state, search index


def find_project_root(start: Path | None = None) -> Path:
    """The folder holding template.yaml: `start` (default: the current folder) or one above it;
    without `start`, else the checkout this gluekb is installed from (`make` installs it
    editable), so `gluekb` works from any folder, as an assistant's MCP config starts it."""
    here = (start or Path.cwd()).resolve()
    for candidate in (here, *here.parents):
        if (candidate / "template.yaml").is_file():
            return candidate
    checkout = Path(__file__).resolve().parents[2]
    if start is None and (checkout / "template.yaml").is_file():
        return checkout
    raise ConfigurationError(
        f"no template.yaml in {here} or above: run gluekb from the project folder, pass "
        "--project, or set GLUEKB_HOME to the stack's state folder"
    )


def claim_home(home: Path) -> None:
    """Make the home's folders and mark it as this process's, unless a live stack holds it."""
    for folder in (home, *(home / name for name in FOLDERS)):
        folder.mkdir(parents=True, exist_ok=True)
    stack_file = home / STACK_FILE
    if stack_file.exists():
        pid = _stack_pid(stack_file)
        if pid and pid != os.getpid() and _alive(pid):
            raise ConfigurationError(
                f"gluekb up is already running for {home} (pid {pid}); stop it first"
            )
    stack_file.write_text(json.dumps({"pid": os.getpid(), "starting": True}))


def publish_stack_file(home: Path, info: Mapping[str, Any]) -> None:
    """Replace the stack file at once: a reader sees the old one or the whole new one."""
    path = home / STACK_FILE
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({"pid": os.getpid(), **info}, indent=2))
    tmp.replace(path)


def release_home(home: Path) -> None:
    """Remove the stack file if this process wrote it."""
    with contextlib.suppress(FileNotFoundError):
        stack_file = home / STACK_FILE
        if json.loads(stack_file.read_text()).get("pid") == os.getpid():
            stack_file.unlink()


def load_stack_file(home: Path) -> Mapping[str, Any]:
    """What a running `gluekb up` published for other commands (CLI, tests)."""
    path = home / STACK_FILE
    if not path.exists():
        raise ConfigurationError(
            f"gluekb up is not running ({path} is missing): start it with `make dev`"
        )
    info: dict[str, Any] = json.loads(path.read_text())
    if info.get("starting") or not _alive(int(info.get("pid", 0))):
        raise ConfigurationError(
            "gluekb up is not running (stale stack file): start it with `make dev`"
        )
    return info


def stack_running(home: Path) -> bool:
    """Whether a live `gluekb up` holds `home` (its stack file names a live process)."""
    stack_file = home / STACK_FILE
    if not stack_file.exists():
        return False
    pid = _stack_pid(stack_file)
    return bool(pid) and _alive(pid)


def _stack_pid(stack_file: Path) -> int:
    try:
        return int(json.loads(stack_file.read_text()).get("pid", 0))
    except (ValueError, json.JSONDecodeError):
        return 0


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
