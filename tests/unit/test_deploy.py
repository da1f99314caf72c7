"""infra/deploy.sh --dry-run: no account, no Docker, and still every step it would take."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

from gluekb_dev.stack.embedded import LOCAL_PARAMETERS
from gluekb_dev.stack.template import Template

REQUIRED = ["--stack", "gk-test", "--vpc", "vpc-0abc", "--subnets", "subnet-a,subnet-b"]
MCP = ["--certificate", "arn:aws:acm:eu-west-1:1:certificate/c", "--public-subnets", "subnet-c"]


def deploy(project_root: Path, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """deploy.sh with `aws` and `docker` on PATH as stand-ins that record every call."""
    tools = tmp_path / "bin"
    tools.mkdir(exist_ok=True)
    for tool in ("aws", "docker"):
        (tools / tool).write_text(f'#!/bin/sh\necho "{tool} $*" >> "{tmp_path}/calls"\nexit 1\n')
        (tools / tool).chmod(0o755)
    env = {**os.environ, "PATH": f"{tools}:/usr/bin:/bin", "AWS_REGION": "eu-west-1"}
    return subprocess.run(
        ["bash", str(project_root / "infra/deploy.sh"), *args],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


def overrides(stdout: str) -> dict[str, str]:
    line = next(line for line in stdout.splitlines() if "sam deploy " in line)
    listed = line.split("--parameter-overrides ", 1)[1].split()
    return dict(item.replace("\\", "").split("=", 1) for item in listed if "=" in item)


def test_a_dry_run_plans_both_images_and_the_deploy_without_an_account(
    project_root: Path, tmp_path: Path
) -> None:
    # When the deploy runs dry, with everything the MCP server needs
    done = deploy(project_root, tmp_path, "--dry-run", "--skip-build", *REQUIRED, *MCP)
    # Then it calls neither AWS nor Docker, and says what it would push and deploy
    assert done.returncode == 0, done.stderr
    assert not (tmp_path / "calls").exists()
    pushes = re.findall(r"docker push (\S+)", done.stderr)
    assert [p.split("/")[-1].split(":")[0] for p in pushes] == ["gluekb-worker", "gluekb-mcp"]
    values = overrides(done.stdout)
    assert values["WorkerImage"].endswith(pushes[0].split("/", 1)[1].replace("\\", ""))
    assert values["McpImage"].endswith(pushes[1].split("/", 1)[1].replace("\\", ""))
    assert values["SubnetIds"] == "subnet-a,subnet-b" and values["PublicSubnetIds"] == "subnet-c"
    assert values["McpCertificateArn"] == MCP[1]
    assert "--no-execute-changeset" not in done.stdout
    assert "nothing was pushed or deployed" in done.stdout
    for url in ("API:", "console:", "MCP:"):
        assert url in done.stdout
    # And every parameter it passes is one the template declares
    template = Template(project_root / "template.yaml", LOCAL_PARAMETERS)
    assert set(values) <= set(template.document["Parameters"])


def test_given_images_are_deployed_as_they_are_and_the_mcp_server_can_be_left_out(
    project_root: Path, tmp_path: Path
) -> None:
    worker = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/gluekb-worker:v1"
    done = deploy(
        project_root, tmp_path, "--dry-run", "--skip-build", "--no-mcp", "--no-execute",
        "--worker-image", worker, "--parameter", "OpenSearchEndpoint=https://search.example",
        *REQUIRED,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "docker" not in done.stderr
    values = overrides(done.stdout)
    assert values["WorkerImage"] == worker and values["McpImage"] == ""
    assert values["OpenSearchEndpoint"] == "https://search.example"
    assert "--no-execute-changeset" in done.stdout
    assert "MCP:" not in done.stdout


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--dry-run", "--stack", "gk"], "--stack, --vpc and --subnets are required"),
        (["--dry-run", *REQUIRED], "needs --certificate"),
        (["--dry-run", *REQUIRED, MCP[0], MCP[1]], "needs --public-subnets"),
        (["--skip-build", *REQUIRED, "--no-mcp"], "--skip-build is for --dry-run only"),
    ],
)
def test_incomplete_deploys_are_refused_before_anything_runs(
    project_root: Path, tmp_path: Path, args: list[str], says: str
) -> None:
    done = deploy(project_root, tmp_path, *args)
    assert done.returncode == 2
    assert says in done.stderr
    assert not (tmp_path / "calls").exists()
