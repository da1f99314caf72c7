"""With tracing on, X-Ray instruments each library on its first import, not all at start."""

from __future__ import annotations

import json
import os
import subprocess
import sys

PROBE = """
import json, sys
from aws_xray_sdk.core.patcher import _PATCHED_MODULES
import gluekb.observability
started = {"patched": sorted(_PATCHED_MODULES), "imported": "boto3" in sys.modules}
import boto3, httpx
print(json.dumps({"start": started, "after": sorted(_PATCHED_MODULES)}))
"""


def test_a_traced_function_patches_what_it_imports_when_it_imports_it() -> None:
    # Given a Lambda execution environment with active tracing
    env = {k: v for k, v in os.environ.items() if k != "POWERTOOLS_TRACE_DISABLED"}
    env.update(LAMBDA_TASK_ROOT="/var/task", AWS_XRAY_DAEMON_ADDRESS="127.0.0.1:2000")
    done = subprocess.run(
        [sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, check=True
    )
    report = json.loads(done.stdout.strip().splitlines()[-1])
    # When the observability module loads, Then boto3 is neither imported nor patched yet
    assert report["start"]["imported"] is False
    assert "botocore" not in report["start"]["patched"]
    # And once the code imports boto3 and httpx, their calls are traced
    assert {"botocore", "httpx"} <= set(report["after"])
