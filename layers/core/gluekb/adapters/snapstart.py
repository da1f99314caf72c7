"""Lambda SnapStart runtime hooks (the api and webhooks functions publish versions with it).

With SnapStart, a function's init runs once, when a version is published; every cold start then
resumes a snapshot of that memory. Work done before the snapshot (imports, boto3 clients,
services) is therefore paid by nobody's request, and anything that must differ between
execution environments is renewed after each restore.

The hooks are registered with `snapshot_restore_py`, which the Lambda Python runtimes (3.12 and
later) provide, and which the runtime interface client (awslambdaric) runs only in a SnapStart
init (AWS_LAMBDA_INITIALIZATION_TYPE=snap-start). Anywhere else (the local stack, the
containers) a hook is registered and never run; without the module, registering does nothing.
"""

from __future__ import annotations

import importlib
import random
from collections.abc import Callable
from typing import Any

RUNTIME_HOOKS = "snapshot_restore_py"

Hook = Callable[[], object]


def _runtime() -> Any | None:
    try:
        return importlib.import_module(RUNTIME_HOOKS)
    except ImportError:  # not a Lambda runtime: nothing snapshots this process
        return None


def before_snapshot(hook: Hook) -> Hook:
    """Run `hook` at the end of init, before Lambda takes the snapshot (SnapStart only)."""
    runtime = _runtime()
    if runtime is not None:
        runtime.register_before_snapshot(hook)
    return hook


def after_restore(hook: Hook) -> Hook:
    """Run `hook` in each execution environment resumed from the snapshot, before it serves."""
    runtime = _runtime()
    if runtime is not None:
        runtime.register_after_restore(hook)
    return hook


def renew_randomness() -> None:
    """Every environment resumed from one snapshot starts with the same `random` state: reseed it
    from the OS (jitter, sampling). `secrets`, `uuid4` and `os.urandom` need nothing: they ask
    the kernel each time."""
    random.seed()
