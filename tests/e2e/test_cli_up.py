"""`gluekb up` as a user runs it: starts fast, all green, Ctrl-C stops everything cleanly."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.support import ROOT, wait_until

pytestmark = pytest.mark.e2e


def _children(pid: int) -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.add(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_gluekb_up_starts_green_and_ctrl_c_stops_everything(tmp_path: Path) -> None:
    env = {**os.environ, "GLUEKB_HOME": str(tmp_path)}
    gluekb = Path(sys.executable).with_name("gluekb")
    started = time.monotonic()
    proc = subprocess.Popen(
        [
            str(gluekb),
            "up",
            "--port",
            "0",
            "--aws-port",
            "0",
            "--control-port",
            "0",
            "--worker-port",
            "0",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        # Ready (stack file published) in under 20 s
        def ready() -> dict[str, str] | None:
            path = tmp_path / "stack.json"
            info = json.loads(path.read_text()) if path.exists() else {}
            return info if info.get("api_url") else None

        info = wait_until(ready, timeout_s=20)
        startup_s = time.monotonic() - started
        health = httpx.get(f"{info['api_url']}/health", timeout=30)
        assert health.status_code == 200 and health.json()["status"] == "ok", health.text
        children = _children(proc.pid)
        assert len(children) >= 6  # the emulator and one environment per function
    finally:
        # Ctrl-C
        proc.send_signal(signal.SIGINT)
        stopping = time.monotonic()
        output, _ = proc.communicate(timeout=10)
    stop_s = time.monotonic() - stopping
    assert proc.returncode == 0, output
    assert stop_s < 5, output
    assert startup_s < 20
    assert not [pid for pid in children if _alive(pid)]
    assert "ready in" in output and "stopped in" in output
    assert "Traceback" not in output, output
    assert not (tmp_path / "stack.json").exists()
    # Its console is for people: the log records are in the log files, not between its lines
    assert not [line for line in output.splitlines() if line.lstrip().startswith("{")], output
    assert (tmp_path / "logs" / "stack.log").exists()
