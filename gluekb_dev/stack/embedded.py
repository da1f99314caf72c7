"""The embedded local stack: the whole product on one machine, no Docker, no cloud account.

Start order: AWS endpoint (moto in its own process, unless AWS_ENDPOINT_URL points elsewhere) →
resources provisioned from template.yaml → saved data restored → Lambda execution environments
→ HTTP API gateway → SQS event source mappings → schedules. Stop runs the reverse, and the
emulator writes a final checkpoint. Everything durable lives under `.gluekb/`.

This module orchestrates; the parts live beside it: `home` (claiming `.gluekb/`, the stack
file), `local_environment` (what the functions and the worker run with), `emulator_process`,
`worker_supervisor`, `bootstrap` (demo IT Glue, secrets, admin key, first sync), `servers`.
"""

from __future__ import annotations

import asyncio
import os
import socket
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from gluekb.adapters.aws import AwsClients
from gluekb.errors import ConfigurationError
from gluekb_dev.stack import bootstrap
from gluekb_dev.stack.emulator_process import EmulatorProcess
from gluekb_dev.stack.event_sources import SqsEventSource
from gluekb_dev.stack.gateway import HttpApiGateway, Router
from gluekb_dev.stack.home import claim_home, publish_stack_file, release_home
from gluekb_dev.stack.lambda_runtime import FunctionPool, InvocationResult, LambdaService
from gluekb_dev.stack.local_environment import (
    LOCAL_CREDENTIALS,
    LocalEndpoints,
    LocalEnvironment,
    shared_environment,
)
from gluekb_dev.stack.provision import Provisioner, ProvisionReport
from gluekb_dev.stack.schedules import ScheduleRunner, system_clock
from gluekb_dev.stack.servers import RunningServer, bind, serve
from gluekb_dev.stack.template import FunctionSpec, SqsMapping, Template
from gluekb_dev.stack.worker_supervisor import WorkerSupervisor

if TYPE_CHECKING:
    from gluekb_dev.demo.server import DemoItGlueServer

LOCAL_PARAMETERS = {
    "Stage": "local",
    "VpcId": "vpc-00000000",
    "SubnetIds": "subnet-00000000",
    "WorkerImage": "gluekb-worker:local",
    "GpuAmiId": "ami-00000000",
    "SyncQueueVisibilityTimeout": "900",
    # The weekly documentation health report is mailed (into the emulator's SES) locally.
    "HealthReportRecipient": "msp-docs@example.com",
}


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


class _StopClock:
    """How long each phase of a stop took (seconds), which `gluekb up` prints."""

    def __init__(self, phases: dict[str, float]) -> None:
        self.phases = phases
        self._since = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.phases[name] = round(now - self._since, 2)
        self._since = now


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
        self.endpoints = LocalEndpoints(aws=config.aws_endpoint_url or "")
        self.environment = LocalEnvironment(
            self.template,
            self.endpoints,
            region=config.region,
            host=config.host,
            index_path=self.home / "index" if config.worker else None,
            overrides=config.environment_overrides,
        )
        self._emulator: EmulatorProcess | None = None
        self._worker: WorkerSupervisor | None = None
        self.demo: DemoItGlueServer | None = None  # the demo IT Glue, when no key was given
        self.first_sync_task: asyncio.Task[Any] | None = None
        self.admin_key = ""
        self.clients: AwsClients | None = None
        self.lambda_service: LambdaService | None = None
        self.event_sources: list[SqsEventSource] = []
        self.schedules: ScheduleRunner | None = None
        self.gateway: HttpApiGateway | None = None
        self.provisioned: ProvisionReport | None = None
        self.restored: dict[str, Any] = {}
        self.function_environment: dict[str, dict[str, str]] = {}
        self.shared_environment: dict[str, str] = {}
        self._servers: list[RunningServer] = []
        self._control_socket: socket.socket | None = None
        self._started_at = 0.0
        self.stop_phases: dict[str, float] = {}

    # ------------------------------------------------------------ where things are
    @property
    def aws_endpoint(self) -> str:
        return self.endpoints.aws

    @property
    def api_url(self) -> str:
        return self.endpoints.api

    @property
    def control_url(self) -> str:
        return self.endpoints.control

    @property
    def worker_url(self) -> str:
        return self.endpoints.worker

    @property
    def itglue_url(self) -> str:
        return self.endpoints.itglue

    @property
    def emulator(self) -> asyncio.subprocess.Process | None:
        """The emulator's process; None when the endpoint is external."""
        return self._emulator.process if self._emulator else None

    @property
    def worker(self) -> asyncio.subprocess.Process | None:
        """The embedding worker's current process (a new one after each restart)."""
        return self._worker.process if self._worker else None

    @property
    def worker_restarts(self) -> int:
        return self._worker.restarts if self._worker else 0

    @property
    def startup_s(self) -> float:
        return round(time.perf_counter() - self._started_at, 2)

    # ------------------------------------------------------------ lifecycle
    async def start(self) -> None:
        self._started_at = time.perf_counter()
        claim_home(self.home)
        try:
            await self._start_aws()
            self._start_itglue()
            await self._provision()
            await self._start_worker()
            await self._start_functions()
            if self._worker is not None:
                await self._worker.wait_healthy()
                self._worker.supervise()
            await self._start_servers()
            self._start_event_sources()
            assert self.clients is not None
            self.admin_key = await asyncio.to_thread(
                bootstrap.admin_key, self.clients, self.template, self.home
            )
            publish_stack_file(self.home, self._stack_info())
            await self._maybe_first_sync()
        except BaseException:
            await self.stop()
            raise

    async def stop(self) -> None:
        """Stop in reverse order, in parallel where independent; the emulator saves last.

        How long each phase took lands in `stop_phases` (seconds), which `gluekb up` prints."""
        clock = _StopClock(self.stop_phases)
        if self._worker is not None:
            await self._worker.stop_supervising()
        await self._stop_front()
        clock.lap("servers and queues")
        stopping: list[Awaitable[Any]] = []
        if self._worker is not None:
            stopping.append(self._worker.stop())
        if self.lambda_service:
            stopping.append(self.lambda_service.stop())
        await asyncio.gather(*stopping, return_exceptions=True)
        clock.lap("functions and worker")
        if self._emulator is not None:
            await self._emulator.stop()
        clock.lap("AWS emulator")
        if self.demo is not None:
            await asyncio.to_thread(self.demo.stop_thread)
            self.demo = None
        release_home(self.home)
        clock.lap("demo IT Glue")

    async def _stop_front(self) -> None:
        """What brings work in: the HTTP servers, the queue pollers and the schedules."""
        for server, _ in self._servers:
            server.should_exit = True
        stopping: list[Awaitable[Any]] = [source.stop() for source in self.event_sources]
        if self.schedules:
            stopping.append(self.schedules.stop())
        stopping += [asyncio.wait_for(task, 2) for _, task in self._servers]
        await asyncio.gather(*stopping, return_exceptions=True)
        self._servers.clear()

    # ------------------------------------------------------------ AWS and IT Glue
    async def _start_aws(self) -> None:
        if not self.endpoints.aws:
            self._emulator = EmulatorProcess(
                self.config.host,
                self.config.aws_port,
                self.home / "aws",
                self.config.region,
                self.logs / "aws.log",
            )
            self.endpoints.aws = await self._emulator.start()
        os.environ.update(LOCAL_CREDENTIALS)
        self.clients = AwsClients(self.config.region, self.endpoints.aws)

    def _start_itglue(self) -> None:
        if self.config.itglue_api_key:
            return
        self.demo = bootstrap.start_demo_itglue(self.home, self.config.demo_seed, self.config.host)
        self.endpoints.itglue = self.demo.url

    async def _provision(self) -> None:
        """The template's resources on the endpoint, then the emulator's saved data in them."""
        assert self.clients is not None
        clients = self.clients
        identity = await asyncio.to_thread(lambda: clients._client("sts").get_caller_identity())
        self.template.account_id = identity["Account"]
        provisioner = Provisioner(
            self.template,
            clients,
            bootstrap.local_secrets(
                self.home, self.template, bootstrap.itglue_key(self.config.itglue_api_key)
            ),
            tls=not self.endpoints.aws.startswith("http://"),
        )
        self.provisioned = await asyncio.to_thread(provisioner.provision)
        if self._emulator is not None:
            self.restored = await self._emulator.restore()

    async def _maybe_first_sync(self) -> None:
        """On a fresh stack, sync right away so questions can be asked after `make dev`: the
        scheduled function runs as if its schedule had fired."""
        if not self.config.first_sync:
            return
        assert self.clients is not None
        scheduled = await asyncio.to_thread(
            bootstrap.first_sync,
            self.clients,
            self.template,
            self.functions,
            self.config.clock(),
        )
        if scheduled is not None:
            self.first_sync_task = asyncio.create_task(self.invoke(*scheduled))

    def sync_progress(self) -> dict[str, Any]:
        """Organizations synced and index jobs waiting, for `gluekb up`'s progress line."""
        assert self.clients is not None
        return bootstrap.sync_progress(self.clients, self.template)

    # ------------------------------------------------------------ worker and functions
    async def _start_worker(self) -> None:
        if not self.config.worker:
            return
        self._worker = WorkerSupervisor(
            self.config.host, self.config.worker_port, self.logs, self.environment.worker
        )
        await self._worker.start()
        self.endpoints.worker = self._worker.url

    async def _start_functions(self) -> None:
        # The control server's address goes into every function's environment: bind it first.
        self._control_socket = bind(self.config.host, self.config.control_port)
        port = self._control_socket.getsockname()[1]
        self.endpoints.control = f"http://{self.config.host}:{port}"
        pools = {}
        for logical_id, spec in self.functions.items():
            env = self.environment.function(spec)
            self.function_environment[logical_id] = env
            pools[logical_id] = FunctionPool(
                spec,
                self.environment.lambda_runtime(spec, env),
                self.logs,
                self.environment.function_arn(spec),
                spec.reserved_concurrency or self.config.function_concurrency,
            )
        self.shared_environment = shared_environment(self.function_environment.values())
        self.lambda_service = LambdaService(pools)
        await self.lambda_service.start()

    async def invoke(self, logical_id: str, event: Any) -> InvocationResult:
        assert self.lambda_service is not None
        return await self.lambda_service.invoke(logical_id, event)

    # ------------------------------------------------------------ what brings work in
    async def _start_servers(self) -> None:
        router = Router({fid: spec.routes for fid, spec in self.functions.items() if spec.routes})
        self.gateway = HttpApiGateway(router, self.invoke)
        api_socket = bind(self.config.host, self.config.api_port)
        self.endpoints.api = f"http://{self.config.host}:{api_socket.getsockname()[1]}"
        control = Starlette(routes=[Route("/health", self._control_health)])
        assert self._control_socket is not None  # bound before the functions started
        self._servers = await serve([(self.gateway, api_socket), (control, self._control_socket)])

    def _start_event_sources(self) -> None:
        rules = []
        for logical_id, spec in self.functions.items():
            for mapping in spec.sqs:
                source = self._event_source(logical_id, mapping)
                source.start()
                self.event_sources.append(source)
            rules += [(logical_id, rule) for rule in spec.schedules]
        self.schedules = ScheduleRunner(
            rules, self.invoke, self.config.region, self.template.account_id, self.config.clock
        )
        self.schedules.start()

    def _event_source(self, logical_id: str, mapping: SqsMapping) -> SqsEventSource:
        """A poller for one of the function's SQS events, on the queue the template created."""
        assert self.clients is not None
        queue = self.template.physical.get(mapping.queue_logical_id)
        if queue is None:
            raise ConfigurationError(
                f"{logical_id} reads {mapping.queue_logical_id}, which was not created"
            )
        return SqsEventSource(
            logical_id,
            mapping,
            queue.ref,
            queue.attributes["Arn"],
            self.clients.sqs,
            self.invoke,
            self.config.region,
            self.config.poll_wait_s,
        )

    # ------------------------------------------------------------ what it reports
    async def _control_health(self, request: Request) -> JSONResponse:
        return JSONResponse({"status": "ok", "components": self.components()})

    def components(self) -> dict[str, dict[str, Any]]:
        components: dict[str, dict[str, Any]] = {
            "emulator": {
                "ok": self._emulator is None or self._emulator.running,
                "endpoint": self.endpoints.aws,
            },
            "worker": self._worker.health()
            if self._worker is not None
            else {"ok": True, "detail": "external (not run by gluekb up)"},
            "gateway": {
                "ok": bool(self._servers) and all(not t.done() for _, t in self._servers),
                "url": self.endpoints.api,
                "requests": self.gateway.requests if self.gateway else 0,
                **(self.gateway.stats() if self.gateway else {}),
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

    def _stack_info(self) -> dict[str, Any]:
        """What the stack file publishes for other commands."""
        return {
            "started_at": time.time(),
            "api_url": self.endpoints.api,
            "control_url": self.endpoints.control,
            "aws_endpoint": self.endpoints.aws,
            "region": self.config.region,
            "stack_name": self.config.stack_name,
            "environment": self.shared_environment,
            "resources": {k: v.ref for k, v in self.template.physical.items()},
            "parameters": self.template.parameter_values,  # `gluekb status` reads the alarms'
            "logs": str(self.logs),
        }

    def summary(self) -> list[tuple[str, str]]:
        lines = [
            ("HTTP API", self.endpoints.api),
            ("AWS endpoint", self.endpoints.aws + ("" if self._emulator else " (external)")),
            ("stack health", f"{self.endpoints.control}/health"),
            ("embedding worker", self.endpoints.worker or "external"),
            (
                "IT Glue",
                f"demo tenant at {self.endpoints.itglue} (no ITGLUE_API_KEY set)"
                if self.demo
                else "the API in the ItGlueBaseUrl parameter",
            ),
            ("state", str(self.home)),
            ("logs", str(self.logs)),
        ]
        lines += [("SQS mapping", source.name) for source in self.event_sources]
        if self.schedules:
            for name, when in self.schedules.next_fire.items():
                lines.append(("schedule", f"{name} next at {when:%H:%M:%S} UTC"))
        if self.provisioned:
            emulated = sorted(self.provisioned.created)
            lines.append(("provisioned", f"{len(emulated)} resources from template.yaml"))
        return lines
