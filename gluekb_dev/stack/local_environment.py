"""The environment the local functions and the embedding worker run with: what template.yaml
gives them, resolved to this stack's physical names, plus the local equivalents of what is not
emulated (as SAM's `--env-vars` would), and the user's `--env` over all of it."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from gluekb_dev.stack.lambda_runtime import base_environment
from gluekb_dev.stack.template import FunctionSpec, Template

# Credentials for the emulator only; never used against AWS.
LOCAL_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "gluekb-local", "AWS_SECRET_ACCESS_KEY": "gluekb-local"}
# What the worker process keeps of the stack's own environment (it gets no other variable).
INHERITED = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "VIRTUAL_ENV")
# What every function shares and other commands take on (published in the stack file).
SHARED_PREFIXES = ("GLUEKB_", "AWS_", "POWERTOOLS_M")


@dataclass
class LocalEndpoints:
    """Where the stack's parts listen, filled in as each one starts."""

    aws: str = ""
    worker: str = ""
    itglue: str = ""
    control: str = ""
    api: str = ""


@dataclass
class LocalEnvironment:
    template: Template
    endpoints: LocalEndpoints
    region: str
    host: str
    index_path: Path | None  # the embedded index, when the stack runs the worker itself
    overrides: Mapping[str, str]  # the user's --env: wins, as sam's --env-vars

    def function(self, spec: FunctionSpec) -> dict[str, str]:
        """A function's environment as its execution environments get it."""
        env = self.template.function_environment(spec)
        env.update(self._function_overrides())
        env.update(self.overrides)
        return env

    def lambda_runtime(self, spec: FunctionSpec, env: Mapping[str, str]) -> dict[str, str]:
        """`function(spec)` plus what Lambda itself sets for the function."""
        name = self.function_name(spec)
        return base_environment(
            {
                **env,
                "AWS_LAMBDA_FUNCTION_NAME": name,
                "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(spec.memory_mb),
                "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{name}",
            }
        )

    def function_name(self, spec: FunctionSpec) -> str:
        return f"{self.template.stack_name}-{spec.logical_id}"

    def function_arn(self, spec: FunctionSpec) -> str:
        return (
            f"arn:aws:lambda:{self.region}:{self.template.account_id}:"
            f"function:{self.function_name(spec)}"
        )

    def worker(self, port: int) -> dict[str, str]:
        """The worker container's environment from template.yaml, with local equivalents."""
        task = self.template.resources["WorkerTaskDefinition"]["Properties"]
        (container,) = task["ContainerDefinitions"]
        env = {}
        for pair in self.template.resolve(container.get("Environment", [])):
            if pair.get("Value") is not None:
                env[str(pair["Name"])] = str(pair["Value"])
        env.update(
            {
                **LOCAL_CREDENTIALS,
                "AWS_ENDPOINT_URL": self.endpoints.aws,
                "AWS_REGION": self.region,
                "GLUEKB_DEVICE": "auto",
                "GLUEKB_HOST": self.host,
                "GLUEKB_PORT": str(port),
                "GLUEKB_POLL_WAIT_S": "1",  # short polls: Ctrl-C stops within seconds
                "POWERTOOLS_TRACE_DISABLED": "true",
                **self._search(),
                **self.overrides,  # --env reaches the worker too
            }
        )
        return {**{k: v for k, v in os.environ.items() if k in INHERITED}, **env}

    def _search(self) -> dict[str, str]:
        if self.index_path is None:
            return {}
        return {"GLUEKB_SEARCH_BACKEND": "embedded", "GLUEKB_INDEX_PATH": str(self.index_path)}

    def _function_overrides(self) -> dict[str, str]:
        """The local equivalents of what is not emulated (SAM's `--env-vars` for this stack)."""
        endpoints = self.endpoints
        return {
            **LOCAL_CREDENTIALS,
            "AWS_ENDPOINT_URL": endpoints.aws,
            "AWS_REGION": self.region,
            "AWS_DEFAULT_REGION": self.region,
            "POWERTOOLS_TRACE_DISABLED": "true",  # no X-Ray daemon locally
            "POWERTOOLS_DEV": "false",
            "GLUEKB_STACK_HEALTH_URL": f"{endpoints.control}/health" if endpoints.control else "",
            **self._search(),
            **({"GLUEKB_EMBEDDER_URL": endpoints.worker} if endpoints.worker else {}),
            **({"GLUEKB_ITGLUE_BASE_URL": endpoints.itglue} if endpoints.itglue else {}),
        }


def shared_environment(environments: Iterable[Mapping[str, str]]) -> dict[str, str]:
    """What every function's environment has in common, for the commands that talk to the
    stack from outside (the CLI takes it on)."""
    shared = set.intersection(*(set(env.items()) for env in environments))
    return {k: v for k, v in sorted(shared) if k.startswith(SHARED_PREFIXES)}
