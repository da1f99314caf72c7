"""The embedded local stack: the whole product on one machine, no Docker, no cloud account.

Start order: AWS endpoint (moto in its own process, unless AWS_ENDPOINT_URL points elsewhere) →
resources provisioned from template.yaml → saved data restored → Lambda execution environments
→ HTTP API gateway → SQS event source mappings → schedules. Stop runs the reverse, and the
emulator writes a final checkpoint. Everything durable lives under `.gluekb/`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import secrets
import signal
import socket
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from gluekb.adapters.aws import AwsClients
from gluekb.errors import ConfigurationError
from gluekb_dev.stack.event_sources import SqsEventSource
from gluekb_dev.stack.gateway import HttpApiGateway, Router
from gluekb_dev.stack.lambda_runtime import (
    FunctionPool,
    InvocationResult,
    LambdaService,
    base_environment,
)
from gluekb_dev.stack.provision import Provisioner, ProvisionReport
from gluekb_dev.stack.schedules import ScheduleRunner, system_clock
from gluekb_dev.stack.template import FunctionSpec, Template

LOCAL_PARAMETERS = {
    "Stage": "local",
    "VpcId": "vpc-00000000",
    "SubnetIds": "subnet-00000000",
    "WorkerImage": "gluekb-worker:local",
    "GpuAmiId": "ami-00000000",
    "SyncQueueVisibilityTimeout": "900",
}
# Credentials for the emulator only; never used against AWS.
LOCAL_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "gluekb-local", "AWS_SECRET_ACCESS_KEY": "gluekb-local"}
STACK_FILE = "stack.json"


def find_project_root(start: Path | None = None) -> Path:
    """The folder holding template.yaml: the current one or one above it."""
    here = (start or Path.cwd()).resolve()
    for candidate in (here, *here.parents):
        if (candidate / "template.yaml").is_file():
            return candidate
    raise ConfigurationError(
        "no template.yaml here or above: run gluekb from the project folder (or pass --project)"
    )


@dataclass
class EmbeddedStackConfig:
    project_root: Path
    home: Path | None = None  # default: <project>/.gluekb
    stack_name: str = "gluekb-local"
    region: str = "us-east-1"
    host: str = "127.0.0.1"
    api_port: int = 8000
    aws_port: int = 4577
    control_port: int = 8001
    aws_endpoint_url: str | None = None  # an external endpoint (LocalStack); None starts moto
    parameters: dict[str, str] = field(default_factory=dict)
    environment_overrides: dict[str, str] = field(default_factory=dict)
    function_concurrency: int = 4
    poll_wait_s: int = 1
    worker: bool = True  # run the embedding worker (gpu_worker) as its own process
    worker_port: int = 8081
    # A real IT Glue key; without one the stack serves the demo tenant and syncs that.
    itglue_api_key: str | None = None
    demo_seed: int = 42
    first_sync: bool = True  # sync right after start when nothing was synced yet
    clock: Callable[[], datetime] = system_clock

    @property
    def state_home(self) -> Path:
        return self.home or self.project_root / ".gluekb"


class _Server(uvicorn.Server):
    """uvicorn without its own signal handling: the stack stops its servers in order."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield

    def install_signal_handlers(self) -> None:
        return


def _bind(host: str, port: int) -> socket.socket:
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


class EmbeddedStack:
    def __init__(self, config: EmbeddedStackConfig) -> None:
        self.config = config
        self.home = config.state_home
        self.logs = self.home / "logs"
        self.template = Template(
            config.project_root / "template.yaml",
            {**LOCAL_PARAMETERS, **config.parameters},
            stack_name=config.stack_name,
            region=config.region,
        )
        self.functions: dict[str, FunctionSpec] = {
            f.logical_id: f for f in self.template.functions()
        }
        self.emulator: asyncio.subprocess.Process | None = None
        self.worker: asyncio.subprocess.Process | None = None
        self.worker_restarts = 0
        self._worker_supervisor: asyncio.Task[None] | None = None
        self._stopping = False
        self.worker_url = ""
        self._worker_port = 0
        self.demo: Any = None  # the demo IT Glue server, when no key was given
        self.itglue_url = ""
        self.first_sync_task: asyncio.Task[Any] | None = None
        self.admin_key = ""
        self.aws_endpoint = config.aws_endpoint_url or ""
        self.clients: AwsClients | None = None
        self.lambda_service: LambdaService | None = None
        self.event_sources: list[SqsEventSource] = []
        self.schedules: ScheduleRunner | None = None
        self.gateway: HttpApiGateway | None = None
        self.provisioned: ProvisionReport | None = None
        self.restored: dict[str, Any] = {}
        self.api_url = ""
        self.control_url = ""
        self.function_environment: dict[str, dict[str, str]] = {}
        self.shared_environment: dict[str, str] = {}
        self._servers: list[tuple[_Server, asyncio.Task[None]]] = []
        self._started_at = 0.0
        self.stop_phases: dict[str, float] = {}

    # ------------------------------------------------------------ lifecycle
    async def start(self) -> None:
        self._started_at = time.perf_counter()
        for folder in (self.home, self.logs, self.home / "aws", self.home / "index"):
            folder.mkdir(parents=True, exist_ok=True)
        self._claim_home()
        try:
            await self._start_aws()
            self._start_itglue()
            await self._provision()
            await self._start_worker()
            await self._start_functions()
            await self._wait_for_worker()
            self._supervise_worker()
            await self._start_servers()
            self._start_event_sources()
            self.admin_key = await asyncio.to_thread(self._admin_key)
            self._write_stack_file()
            await self._maybe_first_sync()
        except BaseException:
            await self.stop()
            raise

    async def stop(self) -> None:
        """Stop in reverse order, in parallel where independent; the emulator saves last.

        How long each phase took lands in `stop_phases` (seconds), which `gluekb up` prints."""
        self._stopping = True
        phase_started = time.perf_counter()

        def phase(name: str) -> None:
            nonlocal phase_started
            now = time.perf_counter()
            self.stop_phases[name] = round(now - phase_started, 2)
            phase_started = now

        if self._worker_supervisor is not None:
            self._worker_supervisor.cancel()
            await asyncio.gather(self._worker_supervisor, return_exceptions=True)
        for server, _ in self._servers:
            server.should_exit = True
        stopping: list[Any] = [source.stop() for source in self.event_sources]
        if self.schedules:
            stopping.append(self.schedules.stop())
        stopping += [asyncio.wait_for(task, 2) for _, task in self._servers]
        await asyncio.gather(*stopping, return_exceptions=True)
        self._servers.clear()
        phase("servers and queues")
        stopping = [self._stop_worker()]
        if self.lambda_service:
            stopping.append(self.lambda_service.stop())
        await asyncio.gather(*stopping, return_exceptions=True)
        phase("functions and worker")
        await self._stop_emulator()
        phase("AWS emulator")
        if self.demo is not None:
            await asyncio.to_thread(self.demo.stop_thread)
            self.demo = None
        with contextlib.suppress(FileNotFoundError):
            stack_file = self.home / STACK_FILE
            if json.loads(stack_file.read_text()).get("pid") == os.getpid():
                stack_file.unlink()
        phase("demo IT Glue")

    @property
    def startup_s(self) -> float:
        return round(time.perf_counter() - self._started_at, 2)

    def _claim_home(self) -> None:
        stack_file = self.home / STACK_FILE
        if stack_file.exists():
            try:
                pid = int(json.loads(stack_file.read_text()).get("pid", 0))
            except (ValueError, json.JSONDecodeError):
                pid = 0
            if pid and pid != os.getpid() and _alive(pid):
                raise ConfigurationError(
                    f"gluekb up is already running for {self.home} (pid {pid}); stop it first"
                )
        stack_file.write_text(json.dumps({"pid": os.getpid(), "starting": True}))

    # ------------------------------------------------------------ AWS endpoint
    async def _start_aws(self) -> None:
        if not self.aws_endpoint:
            log = (self.logs / "aws.log").open("ab")
            self.emulator = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "gluekb_dev.stack.aws_emulator",
                "--host",
                self.config.host,
                "--port",
                str(self.config.aws_port),
                "--state-dir",
                str(self.home / "aws"),
                "--region",
                self.config.region,
                stdout=asyncio.subprocess.PIPE,
                stderr=log,
                start_new_session=True,
            )
            log.close()
            assert self.emulator.stdout is not None
            try:
                line = await asyncio.wait_for(self.emulator.stdout.readline(), 30)
            except TimeoutError:
                line = b""
            if not line:
                tail = (self.logs / "aws.log").read_text(errors="replace")[-2000:]
                raise ConfigurationError(f"the AWS emulator did not start:\n{tail}")
            self.aws_endpoint = json.loads(line)["url"]
        os.environ.update(LOCAL_CREDENTIALS)
        self.clients = AwsClients(self.config.region, self.aws_endpoint)

    async def _stop_emulator(self) -> None:
        if self.emulator is None or self.emulator.returncode is not None:
            return
        self.emulator.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(self.emulator.wait(), 4)
        except TimeoutError:
            self.emulator.kill()
            await self.emulator.wait()

    async def _provision(self) -> None:
        assert self.clients is not None
        clients = self.clients
        identity = await asyncio.to_thread(lambda: clients._client("sts").get_caller_identity())
        self.template.account_id = identity["Account"]
        provisioner = Provisioner(
            self.template,
            clients,
            self._local_secrets(),
            tls=not self.aws_endpoint.startswith("http://"),
        )
        self.provisioned = await asyncio.to_thread(provisioner.provision)
        if self.emulator is not None:
            async with httpx.AsyncClient() as http:
                response = await http.post(f"{self.aws_endpoint}/_gluekb/restore", timeout=120)
                response.raise_for_status()
                self.restored = response.json()

    # ------------------------------------------------------------ IT Glue (real or demo)
    def _start_itglue(self) -> None:
        if self.config.itglue_api_key:
            return
        from gluekb_dev.demo.server import DemoItGlueServer, DemoServerConfig
        from gluekb_dev.demo.tenant import TenantStore

        tenant = self.home / "demo"
        TenantStore(tenant).ensure(seed=self.config.demo_seed)
        self.demo = DemoItGlueServer(tenant, DemoServerConfig(), host=self.config.host, port=0)
        self.demo.start_in_thread()  # its own thread: uvicorn there leaves our signals alone
        self.itglue_url = self.demo.url

    def _itglue_key(self) -> str:
        if self.config.itglue_api_key:
            return self.config.itglue_api_key
        from gluekb_dev.demo.server import DEMO_API_KEY

        return DEMO_API_KEY

    async def _maybe_first_sync(self) -> None:
        """On a fresh stack, sync right away so questions can be asked after `make dev`: the
        scheduled function runs as if its schedule had fired (discovery, then one job per org)."""
        assert self.clients is not None
        from gluekb.adapters.state_store import StateStore
        from gluekb_dev.stack.schedules import scheduled_event

        state = StateStore(self.clients.dynamodb, self.template.physical["StateTable"].ref)
        if not self.config.first_sync:
            return
        if await asyncio.to_thread(state.organizations):
            return
        function = next(f for f, spec in self.functions.items() if spec.schedules)
        rule = self.functions[function].schedules[0].name
        arn = f"arn:aws:events:{self.config.region}:{self.template.account_id}:rule/{rule}"
        event = scheduled_event(
            arn, self.config.clock(), self.config.region, self.template.account_id
        )
        self.first_sync_task = asyncio.create_task(self.invoke(function, event))

    def _admin_key(self) -> str:
        """A key for every organization and scope, for the person at the keyboard: kept in
        .gluekb/admin-key (0600) and reused while it verifies."""
        assert self.clients is not None
        from gluekb.adapters.api_keys import ApiKeyStore
        from gluekb.models.auth import SCOPES

        store = ApiKeyStore(self.clients.dynamodb, self.template.physical["ApiKeysTable"].ref)
        path = self.home / "admin-key"
        if path.exists():
            key = path.read_text().strip()
            if store.verify(key) is not None:
                return key
        key, _ = store.create("local admin (gluekb up)", ["*"], list(SCOPES))
        path.write_text(key + "\n")
        path.chmod(0o600)
        return key

    def sync_progress(self) -> dict[str, Any]:
        """Organizations synced and index jobs waiting, for `gluekb up`'s progress line."""
        assert self.clients is not None
        from gluekb.adapters.state_store import StateStore

        state = StateStore(self.clients.dynamodb, self.template.physical["StateTable"].ref)
        organizations = state.organizations()
        states = [state.sync_status(o.id).state for o in organizations]
        attributes = self.clients.sqs.get_queue_attributes(
            QueueUrl=self.template.physical["IndexQueue"].ref,
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        waiting = int(attributes.get("ApproximateNumberOfMessages", 0)) + int(
            attributes.get("ApproximateNumberOfMessagesNotVisible", 0)
        )
        return {
            "organizations": len(organizations),
            "synced": sum(1 for s in states if s in ("ok", "failed")),
            "failed": sum(1 for s in states if s == "failed"),
            "index_jobs_waiting": waiting,
        }

    def _local_secrets(self) -> dict[str, str]:
        """Values for the template's generated secrets: made once, kept under .gluekb/."""
        path = self.home / "secrets.json"
        saved: dict[str, str] = json.loads(path.read_text()) if path.exists() else {}
        changed = False
        for logical_id, resource in self.template.resources.items():
            if resource.get("Type") != "AWS::SecretsManager::Secret":
                continue
            generate = resource.get("Properties", {}).get("GenerateSecretString")
            if generate and logical_id not in saved:
                template_json = json.loads(generate.get("SecretStringTemplate", "{}"))
                key = generate.get("GenerateStringKey")
                value = secrets.token_urlsafe(36)
                saved[logical_id] = json.dumps({**template_json, key: value}) if key else value
                changed = True
        if changed:
            path.write_text(json.dumps(saved, indent=2))
            path.chmod(0o600)
        # The IT Glue key lives where it does in AWS (Secrets Manager), never in a file here.
        return {**saved, "ItGlueApiKeySecret": self._itglue_key()}

    # ------------------------------------------------------------ embedding worker
    def _worker_environment(self) -> dict[str, str]:
        """The worker container's environment from template.yaml, with local equivalents."""
        task = self.template.resources["WorkerTaskDefinition"]["Properties"]
        (container,) = task["ContainerDefinitions"]
        env = {}
        for pair in self.template.resolve(container.get("Environment", [])):
            if pair.get("Value") is not None:
                env[str(pair["Name"])] = str(pair["Value"])
        port = self._worker_port
        env.update(
            {
                **LOCAL_CREDENTIALS,
                "AWS_ENDPOINT_URL": self.aws_endpoint,
                "AWS_REGION": self.config.region,
                "GLUEKB_DEVICE": "auto",
                "GLUEKB_HOST": self.config.host,
                "GLUEKB_PORT": str(port),
                "GLUEKB_POLL_WAIT_S": "1",  # short polls: Ctrl-C stops within seconds
                "POWERTOOLS_TRACE_DISABLED": "true",
                **self._search_environment(),
                **self.config.environment_overrides,  # --env reaches the worker too
            }
        )
        keep = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "VIRTUAL_ENV")
        return {**{k: v for k, v in os.environ.items() if k in keep}, **env}

    def _search_environment(self) -> dict[str, str]:
        if not self.config.worker:
            return {}
        return {"GLUEKB_SEARCH_BACKEND": "embedded", "GLUEKB_INDEX_PATH": str(self.home / "index")}

    async def _start_worker(self) -> None:
        if not self.config.worker:
            return
        if not self._worker_port:  # a restarted worker keeps its port: callers hold the URL
            probe = _bind(self.config.host, self.config.worker_port)
            self._worker_port = probe.getsockname()[1]
            probe.close()
        self.worker_url = f"http://{self.config.host}:{self._worker_port}"
        log = (self.logs / "worker.log").open("ab")
        self.worker = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "gpu_worker",
            env=self._worker_environment(),
            stdout=log,
            stderr=log,
            start_new_session=True,
        )
        log.close()

    async def _wait_for_worker(self, timeout_s: float = 90) -> None:
        if self.worker is None:
            return
        deadline = time.monotonic() + timeout_s
        async with httpx.AsyncClient() as http:
            while time.monotonic() < deadline:
                if self.worker.returncode is not None:
                    tail = (self.logs / "worker.log").read_text(errors="replace")[-2000:]
                    raise ConfigurationError(f"the embedding worker exited:\n{tail}")
                try:
                    response = await http.get(f"{self.worker_url}/health", timeout=2)
                    if response.status_code == 200:
                        return
                except httpx.HTTPError:
                    pass
                await asyncio.sleep(0.25)
        raise ConfigurationError(f"the embedding worker was not healthy within {timeout_s:.0f}s")

    def _supervise_worker(self) -> None:
        if self.worker is not None:
            self._worker_supervisor = asyncio.create_task(self._keep_worker_running())

    async def _keep_worker_running(self) -> None:
        """Replace a worker that died (as an ECS service replaces its task): a crash or an OOM
        kill must not stop indexing. Its unfinished messages come back after their visibility
        timeout and the new worker takes them. Restarts back off while it dies before it is up."""
        delay_s, healthy = 1.0, True  # the first worker was healthy before this started
        while not self._stopping and self.worker is not None:
            code = await self.worker.wait()
            if self._stopping:
                return
            delay_s = 1.0 if healthy else min(delay_s * 2, 30.0)
            print(
                f"gluekb: the embedding worker exited with code {code}; restarting in "
                f"{delay_s:.0f}s (log: {self.logs / 'worker.log'})",
                file=sys.stderr,
                flush=True,
            )
            await asyncio.sleep(delay_s)
            if self._stopping:
                return
            self.worker_restarts += 1
            await self._start_worker()
            try:
                await self._wait_for_worker()
                healthy = True
            except ConfigurationError:  # died while starting: try again, later each time
                healthy = False

    async def _stop_worker(self) -> None:
        if self.worker is None or self.worker.returncode is not None:
            return
        self.worker.send_signal(signal.SIGTERM)  # finish the batch in hand, release the rest
        try:
            await asyncio.wait_for(self.worker.wait(), 3)
        except TimeoutError:
            self.worker.kill()  # its messages come back after their visibility timeout
            await self.worker.wait()

    # ------------------------------------------------------------ functions
    def _resolve_environment(self, spec: FunctionSpec) -> dict[str, str]:
        env = self.template.function_environment(spec)
        env.update(self._local_overrides())
        env.update(self.config.environment_overrides)  # the user's --env wins, as sam's --env-vars
        return env

    def _local_overrides(self) -> dict[str, str]:
        """The local equivalents of what is not emulated (SAM's `--env-vars` for this stack)."""
        return {
            **LOCAL_CREDENTIALS,
            "AWS_ENDPOINT_URL": self.aws_endpoint,
            "AWS_REGION": self.config.region,
            "AWS_DEFAULT_REGION": self.config.region,
            "POWERTOOLS_TRACE_DISABLED": "true",  # no X-Ray daemon locally
            "POWERTOOLS_DEV": "false",
            "GLUEKB_STACK_HEALTH_URL": f"{self.control_url}/health" if self.control_url else "",
            **self._search_environment(),
            **({"GLUEKB_EMBEDDER_URL": self.worker_url} if self.worker_url else {}),
            **({"GLUEKB_ITGLUE_BASE_URL": self.itglue_url} if self.itglue_url else {}),
        }

    async def _start_functions(self) -> None:
        # The control server's address goes into every function's environment: bind it first.
        self._control_socket = _bind(self.config.host, self.config.control_port)
        self.control_url = f"http://{self.config.host}:{self._control_socket.getsockname()[1]}"
        pools = {}
        for logical_id, spec in self.functions.items():
            env = self._resolve_environment(spec)
            self.function_environment[logical_id] = env
            limit = spec.reserved_concurrency or self.config.function_concurrency
            function_name = f"{self.config.stack_name}-{logical_id}"
            arn = (
                f"arn:aws:lambda:{self.config.region}:{self.template.account_id}:"
                f"function:{function_name}"
            )
            pools[logical_id] = FunctionPool(
                spec,
                base_environment(
                    {
                        **env,
                        "AWS_LAMBDA_FUNCTION_NAME": function_name,
                        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(spec.memory_mb),
                        "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{function_name}",
                    }
                ),
                self.logs,
                arn,
                limit,
            )
        shared = set.intersection(*(set(e.items()) for e in self.function_environment.values()))
        self.shared_environment = {
            k: v for k, v in sorted(shared) if k.startswith(("GLUEKB_", "AWS_", "POWERTOOLS_M"))
        }
        self.lambda_service = LambdaService(pools)
        await self.lambda_service.start()

    async def invoke(self, logical_id: str, event: Any) -> InvocationResult:
        assert self.lambda_service is not None
        return await self.lambda_service.invoke(logical_id, event)

    # ------------------------------------------------------------ servers
    async def _start_servers(self) -> None:
        router = Router({fid: spec.routes for fid, spec in self.functions.items() if spec.routes})
        self.gateway = HttpApiGateway(router, self.invoke)
        api_socket = _bind(self.config.host, self.config.api_port)
        self.api_url = f"http://{self.config.host}:{api_socket.getsockname()[1]}"
        control = Starlette(routes=[Route("/health", self._control_health)])
        for app, sock in ((self.gateway, api_socket), (control, self._control_socket)):
            server = _Server(
                uvicorn.Config(app, log_level="warning", lifespan="off", access_log=False)
            )
            task = asyncio.create_task(server.serve(sockets=[sock]))
            self._servers.append((server, task))
        for server, task in self._servers:
            while not server.started and not task.done():  # noqa: ASYNC110 - no started event
                await asyncio.sleep(0.01)
            if task.done():
                task.result()

    def _start_event_sources(self) -> None:
        assert self.clients is not None
        rules = []
        for logical_id, spec in self.functions.items():
            for mapping in spec.sqs:
                queue = self.template.physical.get(mapping.queue_logical_id)
                if queue is None:
                    raise ConfigurationError(
                        f"{logical_id} reads {mapping.queue_logical_id}, which was not created"
                    )
                source = SqsEventSource(
                    logical_id,
                    mapping,
                    queue.ref,
                    queue.attributes["Arn"],
                    self.clients.sqs,
                    self.invoke,
                    self.config.region,
                    self.config.poll_wait_s,
                )
                source.start()
                self.event_sources.append(source)
            rules += [(logical_id, rule) for rule in spec.schedules]
        self.schedules = ScheduleRunner(
            rules, self.invoke, self.config.region, self.template.account_id, self.config.clock
        )
        self.schedules.start()

    async def _control_health(self, request: Request) -> JSONResponse:
        return JSONResponse({"status": "ok", "components": self.components()})

    def components(self) -> dict[str, dict[str, Any]]:
        components: dict[str, dict[str, Any]] = {
            "emulator": {
                "ok": self.emulator is None or self.emulator.returncode is None,
                "endpoint": self.aws_endpoint,
            },
            "worker": {
                "ok": self.worker is not None and self.worker.returncode is None,
                "url": self.worker_url,
                "restarts": self.worker_restarts,
            }
            if self.config.worker
            else {"ok": True, "detail": "external (not run by gluekb up)"},
            "gateway": {
                "ok": bool(self._servers) and all(not t.done() for _, t in self._servers),
                "url": self.api_url,
                "requests": self.gateway.requests if self.gateway else 0,
            },
        }
        if self.lambda_service:
            for pool in self.lambda_service.pools.values():
                components[f"function:{pool.spec.name}"] = pool.health()
        for source in self.event_sources:
            components[f"event_source:{source.name}"] = source.health()
        if self.schedules:
            components["schedules"] = self.schedules.health()
        return components

    def _write_stack_file(self) -> None:
        info = {
            "pid": os.getpid(),
            "started_at": time.time(),
            "api_url": self.api_url,
            "control_url": self.control_url,
            "aws_endpoint": self.aws_endpoint,
            "region": self.config.region,
            "stack_name": self.config.stack_name,
            "environment": self.shared_environment,
            "resources": {k: v.ref for k, v in self.template.physical.items()},
            "logs": str(self.logs),
        }
        path = self.home / STACK_FILE
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(info, indent=2))
        tmp.replace(path)

    def summary(self) -> list[tuple[str, str]]:
        lines = [
            ("HTTP API", self.api_url),
            ("AWS endpoint", self.aws_endpoint + ("" if self.emulator else " (external)")),
            ("stack health", f"{self.control_url}/health"),
            ("embedding worker", self.worker_url or "external"),
            (
                "IT Glue",
                f"demo tenant at {self.itglue_url} (no ITGLUE_API_KEY set)"
                if self.demo
                else "the API in the ItGlueBaseUrl parameter",
            ),
            ("state", str(self.home)),
            ("logs", str(self.logs)),
        ]
        for source in self.event_sources:
            lines.append(("SQS mapping", source.name))
        if self.schedules:
            for name, when in self.schedules.next_fire.items():
                lines.append(("schedule", f"{name} next at {when:%H:%M:%S} UTC"))
        if self.provisioned:
            emulated = sorted(self.provisioned.created)
            lines.append(("provisioned", f"{len(emulated)} resources from template.yaml"))
        return lines


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


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
