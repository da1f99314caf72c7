"""The AWS endpoint of the local stack: moto's server in its own process
(`gluekb_dev.stack.aws_emulator`), which checkpoints its data under the state folder and
restores it on request, once the template's resources exist again."""

from __future__ import annotations

import asyncio
import json
import signal
import sys
from pathlib import Path
from typing import Any

import httpx

from gluekb.errors import ConfigurationError

READY_WITHIN_S = 30
RESTORE_WITHIN_S = 120
STOP_GRACE_S = 4


class EmulatorProcess:
    def __init__(self, host: str, port: int, state_dir: Path, region: str, log: Path) -> None:
        self.host = host
        self.port = port
        self.state_dir = state_dir
        self.region = region
        self.log = log
        self.process: asyncio.subprocess.Process | None = None
        self.url = ""

    async def start(self) -> str:
        """Start it and return its endpoint URL, once it says it is ready."""
        log = self.log.open("ab")
        self.process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "gluekb_dev.stack.aws_emulator",
            "--host",
            self.host,
            "--port",
            str(self.port),
            "--state-dir",
            str(self.state_dir),
            "--region",
            self.region,
            stdout=asyncio.subprocess.PIPE,
            stderr=log,
            start_new_session=True,
        )
        log.close()
        assert self.process.stdout is not None
        try:
            line = await asyncio.wait_for(self.process.stdout.readline(), READY_WITHIN_S)
        except TimeoutError:
            line = b""
        if not line:
            tail = self.log.read_text(errors="replace")[-2000:]
            raise ConfigurationError(f"the AWS emulator did not start:\n{tail}")
        self.url = str(json.loads(line)["url"])
        return self.url

    async def restore(self) -> dict[str, Any]:
        """Put the last checkpoint's data into the (freshly provisioned) resources."""
        async with httpx.AsyncClient() as http:
            response = await http.post(f"{self.url}/_gluekb/restore", timeout=RESTORE_WITHIN_S)
            response.raise_for_status()
            restored: dict[str, Any] = response.json()
            return restored

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.returncode is None

    async def stop(self) -> None:
        """SIGTERM: the emulator writes a final checkpoint, then exits."""
        if self.process is None or self.process.returncode is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(self.process.wait(), STOP_GRACE_S)
        except TimeoutError:
            self.process.kill()
            await self.process.wait()
