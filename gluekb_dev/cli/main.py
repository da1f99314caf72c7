"""`gluekb`: run the embedded local stack and talk to it from a terminal."""

from __future__ import annotations

import asyncio
import json
import signal
import sys
import time
from pathlib import Path
from secrets import token_urlsafe
from typing import Any

import click

from gluekb import __version__
from gluekb.errors import GluekbError
from gluekb.settings import CliSettings, get_settings

SHOWN_LOSSES = 10  # `gluekb up` lists this many lost entries; the emulator's log has them all


def _fail(message: str) -> None:
    click.secho(f"error: {message}", fg="red", err=True)
    sys.exit(2)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="gluekb")
@click.option(
    "-v",
    "--verbose",
    count=True,
    help="Log to stderr (-v: INFO, -vv: DEBUG) instead of .gluekb/logs/<command>.log.",
)
def cli(verbose: int) -> None:
    """gluekb: grounded answers over an MSP's IT Glue, tickets and docs."""
    from gluekb_dev.cli.logs import set_verbosity

    set_verbosity(verbose)


@cli.command()
@click.option(
    "--project", type=click.Path(path_type=Path, file_okay=False), help="Folder with template.yaml."
)
@click.option(
    "--port", "api_port", type=int, help="HTTP API port (default 8000; 0 picks a free one)."
)
@click.option("--aws-port", type=int, help="Emulated AWS endpoint port (default 4577).")
@click.option("--control-port", type=int, help="Local stack health port (default 8001).")
@click.option(
    "--worker-port", type=int, help="Embedding worker port (default 8081; 0 picks a free one)."
)
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option(
    "--worker/--no-worker",
    default=True,
    show_default=True,
    help="Run the embedding worker and embedded index (off: they run elsewhere, e.g. compose).",
)
@click.option(
    "--parameter",
    "parameters",
    multiple=True,
    metavar="NAME=VALUE",
    help="Template parameter override (as `sam deploy --parameter-overrides`).",
)
@click.option(
    "--env",
    "env_vars",
    multiple=True,
    metavar="NAME=VALUE",
    help="Environment override for every function and the worker (as `sam local --env-vars`).",
)
def up(
    project: Path | None,
    api_port: int | None,
    aws_port: int | None,
    control_port: int | None,
    worker_port: int | None,
    host: str,
    worker: bool,
    parameters: tuple[str, ...],
    env_vars: tuple[str, ...],
) -> None:
    """Run the whole product locally: AWS endpoint, functions, queues, schedules, API."""
    from gluekb_dev.cli.logs import route_logs
    from gluekb_dev.stack.embedded import EmbeddedStack, EmbeddedStackConfig
    from gluekb_dev.stack.home import find_project_root

    settings = get_settings(CliSettings)
    try:
        overrides = dict(p.split("=", 1) for p in parameters)
        environment = dict(e.split("=", 1) for e in env_vars)
    except ValueError:
        _fail("--parameter and --env take NAME=VALUE")
        return
    try:
        root = find_project_root(project)
        route_logs(settings.home or root / ".gluekb", "stack")
        config = EmbeddedStackConfig(
            project_root=root,
            home=settings.home,
            region=settings.aws_region,
            api_port=settings.api_port if api_port is None else api_port,
            aws_port=settings.aws_port if aws_port is None else aws_port,
            control_port=settings.control_port if control_port is None else control_port,
            worker_port=settings.worker_port if worker_port is None else worker_port,
            aws_endpoint_url=settings.aws_endpoint_url,
            host=host,
            worker=worker,
            itglue_api_key=(
                settings.itglue_api_key.get_secret_value() if settings.itglue_api_key else None
            ),
            parameters=overrides,
            environment_overrides=environment,
        )
        asyncio.run(_serve(EmbeddedStack(config)))
    except GluekbError as exc:
        _fail(exc.message)


async def _serve(stack: object) -> None:
    from gluekb_dev.stack.embedded import EmbeddedStack

    assert isinstance(stack, EmbeddedStack)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    click.secho("gluekb up: starting the embedded local stack ...", bold=True)
    await stack.start()
    width = max(len(label) for label, _ in stack.summary())
    for label, value in stack.summary():
        click.echo(f"  {label:<{width}}  {value}")
    _report_restore(stack.restored)
    click.echo(f"  admin API key     {stack.admin_key}  (also in {stack.home / 'admin-key'})")
    click.secho(f"ready in {stack.startup_s:.1f}s - Ctrl-C stops everything", fg="green")
    if stack.first_sync_task is not None:
        watcher = asyncio.create_task(_first_sync_progress(stack, stop))
    await stop.wait()
    if stack.first_sync_task is not None:
        watcher.cancel()
    click.echo("stopping ...")
    stopping = time.perf_counter()
    await stack.stop()
    phases = ", ".join(f"{name} {seconds:.1f}s" for name, seconds in stack.stop_phases.items())
    click.echo(f"stopped in {time.perf_counter() - stopping:.1f}s ({phases})")


def _report_restore(restored: dict[str, Any]) -> None:
    """What the last checkpoint gave back and, when it was damaged, what it could not."""
    counts = {k: restored.get(k, 0) for k in ("items", "objects", "messages", "dropped")}
    if any(counts.values()):
        click.echo("  restored data     " + ", ".join(f"{v} {k}" for k, v in counts.items()))
    lost: list[str] = restored.get("lost", [])
    if not lost:
        return
    click.secho(f"  the last checkpoint was damaged; not restored ({len(lost)}):", fg="yellow")
    for line in lost[:SHOWN_LOSSES]:
        click.echo(f"    {line}")
    if len(lost) > SHOWN_LOSSES:
        click.echo(f"    ... and {len(lost) - SHOWN_LOSSES} more (all of them in logs/aws.log)")
    for kept in restored.get("kept_aside", []):
        click.echo(f"  damaged file kept: {kept}")


@cli.command()
@click.option(
    "--project", type=click.Path(path_type=Path, file_okay=False), help="Folder with template.yaml."
)
@click.option("--stack-name", default="gluekb-local", show_default=True)
@click.option("--parameter", "parameters", multiple=True, metavar="NAME=VALUE")
def provision(project: Path | None, stack_name: str, parameters: tuple[str, ...]) -> None:
    """Create template.yaml's queues, buckets, tables, notifications and SES rules on the
    endpoint in AWS_ENDPOINT_URL (LocalStack's init step). Safe to run again."""
    from gluekb.adapters.aws import AwsClients
    from gluekb_dev.stack.embedded import LOCAL_PARAMETERS
    from gluekb_dev.stack.home import find_project_root
    from gluekb_dev.stack.provision import Provisioner
    from gluekb_dev.stack.template import Template

    settings = get_settings(CliSettings)
    if not settings.aws_endpoint_url:
        _fail("AWS_ENDPOINT_URL is not set: provision targets an emulator (deploy to AWS with SAM)")
    try:
        overrides = dict(p.split("=", 1) for p in parameters)
        root = find_project_root(project)
        template = Template(
            root / "template.yaml",
            {**LOCAL_PARAMETERS, **overrides},
            stack_name=stack_name,
            region=settings.aws_region,
        )
        clients = AwsClients(settings.aws_region, settings.aws_endpoint_url)
        template.account_id = clients._client("sts").get_caller_identity()["Account"]
        secrets = {
            "WebhookSecret": json.dumps({"signing_secret": token_urlsafe(36)}),
            "ConsoleSessionSecret": json.dumps({"session_secret": token_urlsafe(48)}),
        }
        report = Provisioner(
            template,
            clients,
            secrets,
            tls=not str(settings.aws_endpoint_url).startswith("http://"),
        ).provision()
    except ValueError:
        _fail("--parameter takes NAME=VALUE")
        return
    except GluekbError as exc:
        _fail(exc.message)
        return
    for logical_id, physical in sorted(report.created.items()):
        click.echo(f"  created  {logical_id:<24} {physical}")
    click.echo(f"{len(report.created)} resources ready on {settings.aws_endpoint_url}")


async def _first_sync_progress(stack: object, stop: asyncio.Event) -> None:
    """Report the first sync until everything is synced and indexed."""
    from gluekb_dev.stack.embedded import EmbeddedStack

    assert isinstance(stack, EmbeddedStack)
    click.echo("first sync of IT Glue started (in the background)")
    started = asyncio.get_running_loop().time()
    last = ""
    while not stop.is_set():
        await asyncio.sleep(3)
        try:
            progress = await asyncio.to_thread(stack.sync_progress)
        except Exception:  # noqa: S112 - a progress line must never stop the stack
            continue
        line = (
            f"  sync: {progress['synced']}/{progress['organizations']} organizations, "
            f"{progress['index_jobs_waiting']} index jobs waiting"
        )
        if line != last:
            click.echo(line)
            last = line
        organizations = progress["organizations"]
        if (
            organizations
            and progress["synced"] == organizations
            and not progress["index_jobs_waiting"]
        ):
            elapsed = asyncio.get_running_loop().time() - started
            click.secho(f"first sync done in {elapsed:.0f}s - try:", fg="green")
            click.echo('  .venv/bin/gluekb ask "what is the firewall IP at Acme?"')
            return


def main() -> None:
    from gluekb_dev.cli.alerts import alerts
    from gluekb_dev.cli.backup import backup, restore
    from gluekb_dev.cli.health import health
    from gluekb_dev.cli.index import index_commands
    from gluekb_dev.cli.keys import keys
    from gluekb_dev.cli.mail import email_commands
    from gluekb_dev.cli.mcp import mcp
    from gluekb_dev.cli.query import ask, search
    from gluekb_dev.cli.repos import repos
    from gluekb_dev.cli.status import status
    from gluekb_dev.cli.sync import demo, sync
    from gluekb_dev.cli.trace import trace
    from gluekb_dev.cli.webhooks import webhooks

    cli.add_command(ask)
    cli.add_command(search)
    cli.add_command(keys)
    cli.add_command(mcp)
    cli.add_command(sync)
    cli.add_command(demo)
    cli.add_command(repos)
    cli.add_command(webhooks)
    cli.add_command(email_commands)
    cli.add_command(trace)
    cli.add_command(index_commands)
    cli.add_command(backup)
    cli.add_command(restore)
    cli.add_command(status)
    cli.add_command(alerts)
    cli.add_command(health)
    cli()
