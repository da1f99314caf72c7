"""The embedding worker as its own process (`python -m gpu_worker`), kept running the way an ECS
service keeps its task: started, awaited until healthy, replaced when it dies, and stopped with
SIGTERM (it finishes the batch in hand and releases the rest)."""

from __future__ import annotations

import asyncio
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from gluekb.errors import ConfigurationError
from gluekb_dev.stack.servers import free_port

HEALTHY_WITHIN_S = 90.0
STOP_GRACE_S = 3.0
MAX_RESTART_DELAY_S = 30.0


class WorkerSupervisor:
    def __init__(
        self, host: str, port: int, logs: Path, environment: Callable[[int], dict[str, str]]
    ) -> None:
        self.host = host
        self.requested_port = port
        self.log = logs / "worker.log"
        self.environment = environment  # the worker's environment for the port it listens on
        self.process: asyncio.subprocess.Process | None = None
        self.restarts = 0
        self.url = ""
        self._port = 0
        self._supervisor: asyncio.Task[None] | None = None
        self._stopping = False

    async def start(self) -> None:
        if not self._port:  # a restarted worker keeps its port: callers hold the URL
            self._port = free_port(self.host, self.requested_port)
        self.url = f"http://{self.host}:{self._port}"
        log = self.log.open("ab")
        self.process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "gpu_worker",
            env=self.environment(self._port),
            stdout=log,
            stderr=log,
            start_new_session=True,
        )
        log.close()

    async def wait_healthy(self, timeout_s: float = HEALTHY_WITHIN_S) -> None:
        if self.process is None:
            return
        deadline = time.monotonic() + timeout_s
        async with httpx.AsyncClient() as http:
            while time.monotonic() < deadline:
                if self.process.returncode is not None:
                    tail = self.log.read_text(errors="replace")[-2000:]
                    raise ConfigurationError(f"the embedding worker exited:\n{tail}")
                try:
                    response = await http.get(f"{self.url}/health", timeout=2)
                    if response.status_code == 200:
                        return
                except httpx.HTTPError:
                    pass
                await asyncio.sleep(0.25)
        raise ConfigurationError(f"the embedding worker was not healthy within {timeout_s:.0f}s")

    def supervise(self) -> None:
        if self.process is not None:
            self._supervisor = asyncio.create_task(self._keep_running())

    async def _keep_running(self) -> None:
        """Replace a worker that died (as an ECS service replaces its task): a crash or an OOM
        kill must not stop indexing. Its unfinished messages come back after their visibility
        timeout and the new worker takes them. Restarts back off while it dies before it is up."""
        delay_s, healthy = 1.0, True  # the first worker was healthy before this started
        while not self._stopping and self.process is not None:
            code = await self.process.wait()
            if self._stopping:
                return
            delay_s = 1.0 if healthy else min(delay_s * 2, MAX_RESTART_DELAY_S)
            print(
                f"gluekb: the embedding worker exited with code {code}; restarting in "
                f"{delay_s:.0f}s (log: {self.log})",
                file=sys.stderr,
                flush=True,
            )
            await asyncio.sleep(delay_s)
            if self._stopping:
                return
            self.restarts += 1
            await self.start()
            try:
                await self.wait_healthy()
                healthy = True
            except ConfigurationError:  # died while starting: try again, later each time
                healthy = False

    async def stop_supervising(self) -> None:
        """No more restarts: the stack is stopping."""
        self._stopping = True
        if self._supervisor is not None:
            self._supervisor.cancel()
            await asyncio.gather(self._supervisor, return_exceptions=True)

    async def stop(self) -> None:
        if self.process is None or self.process.returncode is not None:
            return
        self.process.send_signal(signal.SIGTERM)  # finish the batch in hand, release the rest
        try:
            await asyncio.wait_for(self.process.wait(), STOP_GRACE_S)
        except TimeoutError:
            self.process.kill()  # its messages come back after their visibility timeout
            await self.process.wait()

    def health(self) -> dict[str, Any]:
        return {
            "ok": self.process is not None and self.process.returncode is None,
            "url": self.url,
            "restarts": self.restarts,
        }
