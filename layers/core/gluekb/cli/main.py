"""`gluekb`: run the embedded local stack and talk to it from a terminal."""

from __future__ import annotations

import asyncio
import signal
import sys
from pathlib import Path

import click

from gluekb import __version__
from gluekb.errors import GluekbError
from gluekb.settings import CliSettings, get_settings


def _fail(message: str) -> None:
    click.secho(f"error: {message}", fg="red", err=True)
    sys.exit(2)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="gluekb")
def cli() -> None:
    """gluekb: grounded answers over an MSP's IT Glue, tickets and docs."""


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
    "--parameter",
    "parameters",
    multiple=True,
    metavar="NAME=VALUE",
    help="Template parameter override (as `sam deploy --parameter-overrides`).",
)
def up(
    project: Path | None,
    api_port: int | None,
    aws_port: int | None,
    control_port: int | None,
    parameters: tuple[str, ...],
) -> None:
    """Run the whole product locally: AWS endpoint, functions, queues, schedules, API."""
    from gluekb.stack.local import LocalStack, LocalStackConfig, find_project_root

    settings = get_settings(CliSettings)
    try:
        overrides = dict(p.split("=", 1) for p in parameters)
    except ValueError:
        _fail("--parameter takes NAME=VALUE")
        return
    try:
        root = find_project_root(project)
        config = LocalStackConfig(
            project_root=root,
            home=settings.home,
            region=settings.aws_region,
            api_port=settings.api_port if api_port is None else api_port,
            aws_port=settings.aws_port if aws_port is None else aws_port,
            control_port=settings.control_port if control_port is None else control_port,
            aws_endpoint_url=settings.aws_endpoint_url,
            parameters=overrides,
        )
        asyncio.run(_serve(LocalStack(config)))
    except GluekbError as exc:
        _fail(exc.message)


async def _serve(stack: object) -> None:
    from gluekb.stack.local import LocalStack

    assert isinstance(stack, LocalStack)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    click.secho("gluekb up: starting the embedded local stack ...", bold=True)
    await stack.start()
    width = max(len(label) for label, _ in stack.summary())
    for label, value in stack.summary():
        click.echo(f"  {label:<{width}}  {value}")
    if stack.restored and any(v for k, v in stack.restored.items() if k != "dropped"):
        click.echo(f"  restored data: {stack.restored}")
    click.secho(f"ready in {stack.startup_s:.1f}s - Ctrl-C stops everything", fg="green")
    await stop.wait()
    click.echo("stopping ...")
    await stack.stop()
    click.echo("stopped")


def main() -> None:
    cli()
