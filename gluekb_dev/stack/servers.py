"""The stack's own HTTP servers (the API gateway, the control server) on sockets bound up front,
so a port in use fails the start with a clear message and port 0 is known before serving."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import Iterator, Sequence

import uvicorn
from starlette.types import ASGIApp

from gluekb.errors import ConfigurationError


class QuietServer(uvicorn.Server):
    """uvicorn without its own signal handling: the stack stops its servers in order."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield

    def install_signal_handlers(self) -> None:
        return


RunningServer = tuple[QuietServer, "asyncio.Task[None]"]


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on host:port (0: a free port), or a clear error."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise ConfigurationError(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    sock.listen(128)
    sock.set_inheritable(False)
    return sock


def free_port(host: str, port: int) -> int:
    """`port`, or a free one for 0; fails now when it is taken."""
    probe = bind(host, port)
    chosen: int = probe.getsockname()[1]
    probe.close()
    return chosen


async def serve(apps: Sequence[tuple[ASGIApp, socket.socket]]) -> list[RunningServer]:
    """Serve each app on its socket; returns once every server has started."""
    running: list[RunningServer] = []
    for app, sock in apps:
        server = QuietServer(
            uvicorn.Config(app, log_level="warning", lifespan="off", access_log=False)
        )
        running.append((server, asyncio.create_task(server.serve(sockets=[sock]))))
    for server, task in running:
        while not server.started and not task.done():  # noqa: ASYNC110 - no started event
            await asyncio.sleep(0.01)
        if task.done():
            task.result()
    return running
