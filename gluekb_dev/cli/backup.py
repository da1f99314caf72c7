"""`gluekb backup FILE` and `gluekb restore FILE`: the local stack's state (`.gluekb/`) in one
archive, taken while the stack runs, and put back (see gluekb_dev.stack.backup)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from gluekb.errors import GluekbError
from gluekb_dev.cli.context import fail, state_home

PROJECT = click.option(
    "--project", type=click.Path(path_type=Path, file_okay=False), help="The gluekb checkout."
)


@click.command()
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@PROJECT
def backup(file: Path, as_json: bool, project: Path | None) -> None:
    """Back up the local stack's state into FILE (a .tar.gz): the AWS emulator's data, the
    search index, the demo tenant, secrets and admin key. Safe while `gluekb up` runs."""
    from gluekb_dev.stack.backup import take_backup
    from gluekb_dev.stack.home import load_stack_file, stack_running

    home = state_home(project)
    endpoint = None
    if stack_running(home):
        endpoint = str(load_stack_file(home)["aws_endpoint"])
    try:
        report = take_backup(home, file.resolve(), endpoint)
    except GluekbError as exc:
        fail(exc.message)
    if as_json:
        click.echo(json.dumps(report.as_dict(), indent=2))
        return
    aws = report.aws
    click.echo(
        f"backed up {home} ({'running' if endpoint else 'stopped'}) to {file}: "
        f"{aws['items']} items, {aws['objects']} objects, {aws['messages']} queued messages, "
        f"index {report.index_bytes / 1e6:.1f} MB; {report.archive_bytes / 1e6:.1f} MB "
        f"in {report.seconds:.1f}s"
    )


@click.command()
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False, exists=True))
@click.option("--force", is_flag=True, help="Replace existing state (kept aside, not deleted).")
@click.option("--json", "as_json", is_flag=True, help="Print the backup's manifest as JSON.")
@PROJECT
def restore(file: Path, force: bool, as_json: bool, project: Path | None) -> None:
    """Restore a backup into the local stack's home (stop `gluekb up` first); the next
    `gluekb up` starts with everything the backup held."""
    from gluekb_dev.stack.backup import restore_backup

    home = state_home(project)
    try:
        restored = restore_backup(file, home, force=force)
    except GluekbError as exc:
        fail(exc.message)
    if as_json:
        click.echo(json.dumps({k: v for k, v in restored.items() if k != "files"}, indent=2))
        return
    aws = restored["aws"]
    click.echo(
        f"restored the backup of {restored['taken_at']} into {home}: {aws['items']} items, "
        f"{aws['objects']} objects, {aws['messages']} queued messages, "
        f"{len(restored['files'])} files checked"
    )
    if restored["kept_aside"]:
        click.echo(f"the state it replaced is kept in {restored['kept_aside']}")
    click.secho("start it with `gluekb up`", fg="green")
