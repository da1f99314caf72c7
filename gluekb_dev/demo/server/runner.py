"""`DemoItGlueServer`: the app on uvicorn at 127.0.0.1 (an ephemeral port by default), started
from async code (`async with server:`) or in a background thread (`with server.running():`)."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from types import TracebackType
from typing import Self

import uvicorn

from gluekb_dev.demo.server.app import create_app
from gluekb_dev.demo.server.config import DemoServerConfig, Faults
from gluekb_dev.demo.server.request_log import RequestRecord
from gluekb_dev.demo.server.state import DemoState


class DemoItGlueServer:
    """The app on uvicorn at 127.0.0.1 (ephemeral port by default). Start it from async code
    (`async with server:`) or in a background thread (`with server.running():`)."""

    def __init__(
        self,
        tenant_dir: Path,
        config: DemoServerConfig | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.tenant_dir = Path(tenant_dir)
        self.config = config or DemoServerConfig()
        self.host = host
        self.port = port
        self.app = create_app(self.tenant_dir, self.config)
        self._server: uvicorn.Server | None = None
        self._task: asyncio.Task[None] | None = None
        self._thread: threading.Thread | None = None
        self._socket: socket.socket | None = None

    # ---------------------------------------------------------------- state for tests
    @property
    def state(self) -> DemoState:
        state: DemoState = self.app.state.demo
        return state

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def requests(self) -> list[RequestRecord]:
        return self.state.log.all()

    def set_faults(self, faults: Faults) -> None:
        self.state.set_faults(faults)

    # ---------------------------------------------------------------- async lifecycle
    def _bind(self) -> socket.socket:
        # proto=IPPROTO_TCP: asyncio sets TCP_NODELAY only on sockets that say so, and without
        # it every response waits ~40 ms for the client's delayed ACK.
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, self.port))
        sock.listen(128)
        self.port = sock.getsockname()[1]
        self._socket = sock
        return sock

    def _uvicorn(self) -> uvicorn.Server:
        config = uvicorn.Config(
            self.app,
            log_level="warning",
            access_log=False,
            lifespan="off",
            loop="asyncio",
            http="h11",
            timeout_graceful_shutdown=2,
        )
        return uvicorn.Server(config)

    async def start(self) -> None:
        sock = self._bind()
        self._server = self._uvicorn()
        self._task = asyncio.create_task(self._server.serve(sockets=[sock]))
        while not self._server.started:
            if self._task.done():
                self._task.result()
            await asyncio.sleep(0.01)

    async def stop(self) -> None:
        if self._server is not None and self._task is not None:
            self._server.should_exit = True
            await self._task
        self._server = None
        self._task = None
        self._close_socket()

    async def wait(self) -> None:
        """Until the server stops (a signal, or `stop()` from another task)."""
        if self._task is not None:
            await asyncio.shield(self._task)

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    # ---------------------------------------------------------------- thread lifecycle
    def start_in_thread(self, timeout_s: float = 10.0) -> None:
        sock = self._bind()
        server = self._server = self._uvicorn()
        failure: list[BaseException] = []

        def serve() -> None:
            try:
                asyncio.run(server.serve(sockets=[sock]))
            except BaseException as exc:  # reported to the starting thread
                failure.append(exc)

        self._thread = threading.Thread(target=serve, name="demo-itglue", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + timeout_s
        while not server.started:
            if failure:
                raise RuntimeError("the demo IT Glue server failed to start") from failure[0]
            if time.monotonic() > deadline:
                raise TimeoutError("the demo IT Glue server did not start")
            time.sleep(0.01)

    def stop_thread(self, timeout_s: float = 10.0) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout_s)
        self._server = None
        self._thread = None
        self._close_socket()

    @contextlib.contextmanager
    def running(self) -> Iterator[DemoItGlueServer]:
        self.start_in_thread()
        try:
            yield self
        finally:
            self.stop_thread()

    def _close_socket(self) -> None:
        if self._socket is not None:
            self._socket.close()
            self._socket = None


@contextlib.asynccontextmanager
async def serving(
    tenant_dir: Path, config: DemoServerConfig | None = None
) -> AsyncIterator[DemoItGlueServer]:
    """`async with serving(dir) as server:` - the server on an ephemeral port."""
    server = DemoItGlueServer(tenant_dir, config)
    async with server:
        yield server
