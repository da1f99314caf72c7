"""`gluekb email send FILE.eml`: deliver a message to the running local stack the way SES
would (the active receipt rule's bucket and prefix), then report what became of it."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from gluekb.errors import GluekbError
from gluekb_dev.cli.context import fail, use_stack

if TYPE_CHECKING:
    from gluekb.adapters.aws import AwsClients

# Exit codes: 0 the message is (or joined) a ticket; 1 rejected or quarantined; 2 an error.
REFUSED = ("rejected", "quarantined")


@click.group(name="email")
def email_commands() -> None:
    """Inbound mail on the local stack."""


@email_commands.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--to",
    "recipients",
    multiple=True,
    metavar="ADDRESS",
    help="Envelope recipient (repeatable; default: the message's To, Cc and Bcc).",
)
@click.option(
    "--timeout",
    type=click.FloatRange(1, 600),
    default=120,
    show_default=True,
    help="Seconds to wait for the outcome.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the outcome as JSON (for scripts).")
@click.option("--project", type=click.Path(path_type=Path, file_okay=False), hidden=True)
def send(
    file: Path, recipients: tuple[str, ...], timeout: float, as_json: bool, project: Path | None
) -> None:
    """Deliver FILE (raw MIME, e.g. events/email_intake/mail/plain.eml) as SES would, and print
    the ticket it made or joined, or why it was quarantined or rejected.

    Exit status: 0 a ticket was created or the message joined one, 1 it was rejected or
    quarantined, 2 it could not be delivered (no stack running, no receipt rule accepts it)."""
    info = use_stack(project)
    from gluekb.adapters.aws import AwsClients
    from gluekb.adapters.ticket_store import TicketStore
    from gluekb_dev.stack.ses_inbound import deliver, header_recipients, receipt_target

    raw = file.read_bytes()
    resources: dict[str, str] = info["resources"]
    clients = AwsClients(info["region"], info["aws_endpoint"])
    try:
        target = receipt_target(
            clients.ses, [r.lower() for r in recipients] or header_recipients(raw)
        )
        key = deliver(clients.s3, target, raw)
    except GluekbError as exc:
        fail(exc.message)
    tickets = TicketStore(clients.dynamodb, resources["TicketsTable"])
    deadline = time.monotonic() + timeout
    outcome = None
    try:
        while outcome is None and time.monotonic() < deadline:
            outcome = tickets.intake_outcome(target.bucket, key)
            if outcome is None:
                time.sleep(0.2)
    except GluekbError as exc:
        fail(exc.message)
    if outcome is None:
        fail(
            f"no outcome for s3://{target.bucket}/{key} after {timeout:.0f}s: see the "
            f"email_intake log in {info.get('logs', '.gluekb/logs')}"
        )
    report: dict[str, Any] = {
        "file": str(file),
        "bucket": target.bucket,
        "key": key,
        "recipient": target.recipient,
        **outcome.model_dump(exclude_none=True),
    }
    if outcome.organization_id:
        name = _organization_name(clients, resources["StateTable"], outcome.organization_id)
        if name:
            report["organization_name"] = name
    if as_json:
        click.echo(json.dumps(report, indent=2))
    else:
        _print(report)
    if outcome.status in REFUSED:
        raise SystemExit(1)


def _organization_name(clients: AwsClients, table: str, organization_id: str) -> str | None:
    from gluekb.adapters.state_store import StateStore

    try:
        organizations = StateStore(clients.dynamodb, table).organizations()
    except GluekbError:
        return None  # the name is a nicety; the outcome stands without it
    return next((o.name for o in organizations if o.id == organization_id), None)


def _print(report: dict[str, Any]) -> None:
    status = report["status"]
    ticket = report.get("ticket_id")
    if status == "ticket_created":
        click.secho(f"{ticket}: new ticket", fg="green", bold=True)
    elif status == "threaded":
        click.secho(f"{ticket}: added to the ticket ({report.get('reason')})", fg="green")
    elif status == "duplicate":
        click.secho(f"{ticket}: already received ({report.get('reason')})", fg="yellow")
    else:
        click.secho(f"{status}: {report.get('reason')}", fg="red", bold=True)
        click.echo(f"  stored at s3://{report['bucket']}/{report['key']}")
        return
    organization = report.get("organization_name") or report.get("organization_id")
    if organization:
        click.echo(f"  organization  {organization}")
    if report.get("intent"):
        click.echo(f"  triage        {report['intent']}, {report.get('priority')} priority")
    if report.get("attachments"):
        click.echo(f"  attachments   {report['attachments']} stored")
    if status == "ticket_created":
        ack = "sent" if report.get("acknowledged") else f"not sent ({report.get('ack_skipped')})"
        click.echo(f"  acknowledgement {ack}")
