"""A function's process as Lambda starts it, for checks and measurements outside AWS.

`function_process` gives the command and environment that import a handler the way the Lambda
Python runtime does: the function's CodeUri first on the path, then the layer (the built one,
`.aws-sam/build/CoreLayer/python`, or the source package), the environment template.yaml gives
the function (every resource under its deployed name) and the variables the Lambda service sets,
active tracing included. Every AWS endpoint points where nothing listens: an import that reaches
the network fails at once instead of passing unnoticed.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from gluekb_dev.stack.embedded import LOCAL_PARAMETERS
from gluekb_dev.stack.template import FunctionSpec, PhysicalResource, Template

ROOT = Path(__file__).resolve().parents[1]
SOURCE_LAYER = ROOT / "layers" / "core"
BUILT_LAYER = ROOT / ".aws-sam" / "build" / "CoreLayer" / "python"
NOWHERE = "http://127.0.0.1:9"  # the discard port: nothing answers


@dataclass(frozen=True)
class Runtime:
    """Which Python runs the function, and which copy of the layer it finds."""

    python: str
    layer: Path = SOURCE_LAYER
    also: tuple[Path, ...] = ()  # more import roots after the layer (a stand-in module)

    @property
    def isolated(self) -> bool:
        """A built layer is all the function gets: no site-packages beside it (python -S)."""
        return self.layer != SOURCE_LAYER


def deployed_template(path: Path = ROOT / "template.yaml") -> Template:
    """template.yaml with every emulated resource under its deployed name, as if created."""
    parameters = {**LOCAL_PARAMETERS, "OpenSearchEndpoint": "https://search.gluekb.invalid"}
    template = Template(path, parameters)
    for logical_id, resource in template.resources.items():
        kind = resource["Type"]
        props = template.resolve(resource.get("Properties", {}))
        if kind == "AWS::SQS::Queue":
            name = str(props["QueueName"])
            url = f"https://sqs.{template.region}.amazonaws.com/{template.account_id}/{name}"
            template.physical[logical_id] = PhysicalResource(url, {"QueueName": name})
        elif kind in ("AWS::DynamoDB::Table", "AWS::S3::Bucket", "AWS::SecretsManager::Secret"):
            name = props.get("TableName") or props.get("BucketName") or props.get("Name")
            template.physical[logical_id] = PhysicalResource(str(name))
    return template


def function_environment(
    spec: FunctionSpec, template: Template, runtime: Runtime
) -> dict[str, str]:
    """What the Lambda service and template.yaml put in the function's environment."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "LANG": "C.UTF-8",
        "TZ": ":UTC",
        "AWS_REGION": template.region,
        "AWS_DEFAULT_REGION": template.region,
        "AWS_ACCESS_KEY_ID": "ASIAEXAMPLE",
        "AWS_SECRET_ACCESS_KEY": "example",
        "AWS_SESSION_TOKEN": "example",
        "AWS_ENDPOINT_URL": NOWHERE,
        "AWS_LAMBDA_FUNCTION_NAME": f"gluekb-{spec.name}",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(spec.memory_mb),
        "AWS_EXECUTION_ENV": f"AWS_Lambda_{spec.runtime}",
        "AWS_XRAY_DAEMON_ADDRESS": "127.0.0.1:2000",
        "LAMBDA_TASK_ROOT": str(spec.code_uri),
        "_HANDLER": spec.handler,
        "PYTHONPATH": os.pathsep.join(map(str, [spec.code_uri, runtime.layer, *runtime.also])),
        "PYTHONDONTWRITEBYTECODE": "1",  # /var/task and /opt are read-only in Lambda
    }
    env.update(template.function_environment(spec))
    env.setdefault("GLUEKB_EMBEDDER_URL", NOWHERE)  # the worker's Cloud Map name: not local
    return env


def function_process(
    spec: FunctionSpec, template: Template, runtime: Runtime, code: str
) -> tuple[list[str], dict[str, str]]:
    """(argv, env) of a fresh process that runs `code` as the function's runtime would."""
    flags = ["-S"] if runtime.isolated else []
    argv = [runtime.python, *flags, "-c", code]
    return argv, function_environment(spec, template, runtime)
