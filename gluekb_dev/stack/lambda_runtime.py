"""The Lambda service, locally: execution environments that run each function's handler.

Each execution environment is a separate process running AWS's own runtime interface client
(`python -m awslambdaric handler.handler`, as in the Lambda base images) with the function's
CodeUri as task root and the function's environment from template.yaml. It talks to a Runtime
API (`/2018-06-01/runtime/...`) that this module serves, one endpoint per environment. As in
Lambda, an environment runs one invocation at a time, is reused while warm, is killed when an
invocation exceeds the function's Timeout, and more are started up to the concurrency limit.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import sys
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gluekb.observability import build_logger
from gluekb_dev.stack.template import FunctionSpec

logger = build_logger(service="gluekb-stack", child=True)

_API = "/2018-06-01/runtime"


@dataclass
class InvocationResult:
    ok: bool
    payload: bytes
    error_type: str | None = None
    duration_ms: float = 0.0

    def json(self) -> Any:
        return json.loads(self.payload) if self.payload else None


@dataclass
class _Invocation:
    request_id: str
    payload: bytes
    deadline_ms: int
    function_arn: str
    result: asyncio.Future[InvocationResult] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )


class _RuntimeApiServer:
    """A minimal HTTP/1.1 server for the Runtime API of one execution environment."""

    def __init__(self, environment: ExecutionEnvironment) -> None:
        self.environment = environment
        self.server: asyncio.Server | None = None
        self.port = 0
        self._connections: set[asyncio.Task[Any]] = set()

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self.server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self.server is not None:
            self.server.close()
        for task in list(self._connections):
            task.cancel()
        if self._connections:
            await asyncio.wait(list(self._connections), timeout=1)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._connections.add(task)
            task.add_done_callback(self._connections.discard)
        try:
            while True:
                request_line = await reader.readline()
                if not request_line:
                    return
                method, target, _ = request_line.decode("latin-1").split(" ", 2)
                headers: dict[str, str] = {}
                while (line := await reader.readline()) not in (b"\r\n", b"\n", b""):
                    name, _, value = line.decode("latin-1").partition(":")
                    headers[name.strip().lower()] = value.strip()
                if headers.get("expect", "").lower() == "100-continue":
                    writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
                body = await self._read_body(reader, headers)
                status, extra, payload = await self.environment.handle_runtime_call(
                    method, target, headers, body
                )
                head = [f"HTTP/1.1 {status}", f"Content-Length: {len(payload)}"]
                head += [f"{k}: {v}" for k, v in extra.items()]
                writer.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + payload)
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError, ValueError, asyncio.CancelledError):
            return  # the environment stopped or the runtime went away
        finally:
            writer.close()

    @staticmethod
    async def _read_body(reader: asyncio.StreamReader, headers: Mapping[str, str]) -> bytes:
        if "content-length" in headers:
            return await reader.readexactly(int(headers["content-length"]))
        if headers.get("transfer-encoding", "").lower() == "chunked":
            chunks: list[bytes] = []
            while True:
                size = int((await reader.readline()).split(b";")[0], 16)
                if size == 0:
                    await reader.readline()
                    return b"".join(chunks)
                chunks.append(await reader.readexactly(size))
                await reader.readline()
        return b""


class ExecutionEnvironment:
    def __init__(self, pool: FunctionPool, index: int) -> None:
        self.pool = pool
        self.index = index
        self.api = _RuntimeApiServer(self)
        self.process: asyncio.subprocess.Process | None = None
        self._next: asyncio.Queue[_Invocation] = asyncio.Queue(maxsize=1)
        self._current: _Invocation | None = None
        self._initialised: asyncio.Future[str | None] | None = None
        self.alive = False
        self.invocations = 0

    @property
    def spec(self) -> FunctionSpec:
        return self.pool.spec

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        self._initialised = loop.create_future()
        await self.api.start()
        log = self.pool.log_path.open("ab")
        env = {
            **self.pool.environment,
            "AWS_LAMBDA_RUNTIME_API": f"127.0.0.1:{self.api.port}",
            "_HANDLER": self.spec.handler,
            "LAMBDA_TASK_ROOT": str(self.spec.code_uri),
            "PYTHONPATH": str(self.spec.code_uri),
            "AWS_LAMBDA_LOG_STREAM_NAME": f"{time.strftime('%Y/%m/%d')}/[$LATEST]{self.index}",
        }
        try:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "awslambdaric",
                self.spec.handler,
                cwd=self.spec.code_uri,
                env=env,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                start_new_session=True,  # Ctrl-C reaches the supervisor, which stops us in order
            )
        finally:
            log.close()
        self.alive = True
        watcher = asyncio.create_task(self._watch())
        self.pool.tasks.add(watcher)
        watcher.add_done_callback(self.pool.tasks.discard)
        error = await self._initialised
        if error is not None:
            raise RuntimeError(error)

    async def _watch(self) -> None:
        assert self.process is not None
        code = await self.process.wait()
        self.alive = False
        message = f"Runtime exited with error: exit status {code}"
        if self._initialised is not None and not self._initialised.done():
            self._initialised.set_result(f"{self.spec.logical_id} failed to start: {message}")
        if self._current is not None and not self._current.result.done():
            self._current.result.set_result(_error_result("Runtime.ExitError", message))
        await self.api.stop()
        self.pool.environment_died(self)

    async def handle_runtime_call(
        self, method: str, target: str, headers: Mapping[str, str], body: bytes
    ) -> tuple[str, dict[str, str], bytes]:
        accepted = ("202 Accepted", {"Content-Type": "application/json"}, b'{"status":"OK"}')
        path = target.split("?", 1)[0]
        if method == "GET" and path == f"{_API}/invocation/next":
            if self._initialised is not None and not self._initialised.done():
                self._initialised.set_result(None)
            invocation = await self._next.get()
            self._current = invocation
            return (
                "200 OK",
                {
                    "Content-Type": "application/json",
                    "Lambda-Runtime-Aws-Request-Id": invocation.request_id,
                    "Lambda-Runtime-Deadline-Ms": str(invocation.deadline_ms),
                    "Lambda-Runtime-Invoked-Function-Arn": invocation.function_arn,
                    "Lambda-Runtime-Trace-Id": _trace_id(),
                },
                invocation.payload,
            )
        if method == "POST" and path.startswith(f"{_API}/invocation/"):
            request_id, _, outcome = path.removeprefix(f"{_API}/invocation/").partition("/")
            current = self._current
            if current is None or current.request_id != request_id:
                return ("400 Bad Request", {}, b'{"errorType":"InvalidRequestID"}')
            self._current = None
            if not current.result.done():
                if outcome == "response":
                    current.result.set_result(InvocationResult(ok=True, payload=body))
                else:
                    error_type = headers.get("lambda-runtime-function-error-type", "Unhandled")
                    current.result.set_result(InvocationResult(False, body, error_type))
            return accepted
        if method == "POST" and path == f"{_API}/init/error":
            if self._initialised is not None and not self._initialised.done():
                self._initialised.set_result(
                    f"{self.spec.logical_id} failed to start: {body.decode(errors='replace')}"
                )
            return accepted
        return ("404 Not Found", {}, b'{"errorType":"NotFound"}')

    async def run(self, payload: bytes, timeout_s: float) -> InvocationResult:
        invocation = _Invocation(
            request_id=str(uuid.uuid4()),
            payload=payload,
            deadline_ms=int((time.time() + timeout_s) * 1000),
            function_arn=self.pool.function_arn,
        )
        started = time.perf_counter()
        await self._next.put(invocation)
        self.invocations += 1
        try:
            result = await asyncio.wait_for(asyncio.shield(invocation.result), timeout_s)
        except TimeoutError:
            # Lambda ends a timed-out environment; its next invocation is a cold start.
            await self.stop()
            result = _error_result(
                "Sandbox.Timedout", f"Task timed out after {timeout_s:.2f} seconds"
            )
        result.duration_ms = round((time.perf_counter() - started) * 1000, 2)
        return result

    async def stop(self, grace_s: float = 2.0) -> None:
        if self.process is not None and self.process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self.process.terminate()
            try:
                await asyncio.wait_for(self.process.wait(), grace_s)
            except TimeoutError:
                with contextlib.suppress(ProcessLookupError):
                    self.process.kill()
                await self.process.wait()
        self.alive = False
        await self.api.stop()


def _trace_id() -> str:
    return f"Root=1-{int(time.time()):08x}-{uuid.uuid4().hex[:24]};Sampled=0"


def _error_result(error_type: str, message: str) -> InvocationResult:
    body = json.dumps({"errorType": error_type, "errorMessage": message}).encode()
    return InvocationResult(ok=False, payload=body, error_type=error_type)


class FunctionPool:
    """All execution environments of one function, and the invocations waiting for one."""

    def __init__(
        self,
        spec: FunctionSpec,
        environment: Mapping[str, str],
        log_dir: Path,
        function_arn: str,
        max_concurrency: int,
    ) -> None:
        self.spec = spec
        self.environment = dict(environment)
        self.log_path = log_dir / f"{spec.name}.log"
        self.function_arn = function_arn
        self.max_concurrency = max(1, max_concurrency)
        self.environments: list[ExecutionEnvironment] = []
        self._idle: asyncio.Queue[ExecutionEnvironment] = asyncio.Queue()
        self._starting = 0
        self._counter = 0
        self.tasks: set[asyncio.Task[Any]] = set()
        self.invocations = 0
        self.errors = 0
        self.cold_starts = 0
        self.last_error: str | None = None

    async def warm(self) -> None:
        """Start one environment now, so a broken function fails `gluekb up`, not a request."""
        self._idle.put_nowait(await self._new_environment())

    async def _new_environment(self) -> ExecutionEnvironment:
        self._counter += 1
        environment = ExecutionEnvironment(self, self._counter)
        self.environments.append(environment)
        self.cold_starts += 1
        try:
            await environment.start()
        except Exception:
            await environment.stop()
            self.environments.remove(environment)
            raise
        return environment

    def environment_died(self, environment: ExecutionEnvironment) -> None:
        if environment in self.environments:
            self.environments.remove(environment)

    async def _acquire(self) -> ExecutionEnvironment:
        while True:
            while not self._idle.empty():
                candidate = self._idle.get_nowait()
                if candidate.alive:
                    return candidate
            if len(self.environments) + self._starting < self.max_concurrency:
                self._starting += 1
                try:
                    return await self._new_environment()
                finally:
                    self._starting -= 1
            candidate = await self._idle.get()
            if candidate.alive:
                return candidate

    async def invoke(self, event: Any) -> InvocationResult:
        payload = json.dumps(event).encode()
        self.invocations += 1
        try:
            environment = await self._acquire()
        except Exception as exc:
            self.errors += 1
            self.last_error = str(exc)
            return _error_result("Runtime.InitError", str(exc))
        try:
            result = await environment.run(payload, float(self.spec.timeout_s))
        finally:
            if environment.alive:
                self._idle.put_nowait(environment)
        if not result.ok:
            self.errors += 1
            self.last_error = result.payload.decode(errors="replace")[:500]
        return result

    async def stop(self) -> None:
        await asyncio.gather(*(e.stop() for e in list(self.environments)), return_exceptions=True)
        for task in list(self.tasks):
            task.cancel()

    def health(self) -> dict[str, Any]:
        return {
            "ok": any(e.alive for e in self.environments) or self.last_error is None,
            "environments": sum(1 for e in self.environments if e.alive),
            "invocations": self.invocations,
            "errors": self.errors,
            "cold_starts": self.cold_starts,
            "log": str(self.log_path),
        }


class LambdaService:
    def __init__(self, pools: Mapping[str, FunctionPool]) -> None:
        self.pools = dict(pools)  # by logical id

    async def start(self) -> None:
        results = await asyncio.gather(
            *(pool.warm() for pool in self.pools.values()), return_exceptions=True
        )
        failures = [str(r) for r in results if isinstance(r, BaseException)]
        if failures:
            await self.stop()
            raise RuntimeError("; ".join(failures))

    async def invoke(self, logical_id: str, event: Any) -> InvocationResult:
        return await self.pools[logical_id].invoke(event)

    async def stop(self) -> None:
        await asyncio.gather(*(pool.stop() for pool in self.pools.values()))


def base_environment(extra: Mapping[str, str]) -> dict[str, str]:
    """What every Lambda process sees besides its template environment (as the service sets)."""
    keep = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "VIRTUAL_ENV", "SSL_CERT_FILE")
    return {
        **{k: v for k, v in os.environ.items() if k in keep},
        "PYTHONUNBUFFERED": "1",
        "TZ": ":UTC",
        "AWS_EXECUTION_ENV": "AWS_Lambda_python3.11",
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
        **extra,
    }
