"""The email_intake handler with the sample events in events/email_intake/ and the real-shaped
messages in events/email_intake/mail/, against template.yaml on moto."""

from __future__ import annotations

import email
import json
import sysconfig
from collections.abc import Iterator
from email import policy
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from moto.ses.models import ses_backends

from gluekb.adapters.ticket_store import TicketStore
from gluekb.models.tickets import MailOutcome
from tests.mail_support import SUPPORT, mail, s3_event, seed_organizations, ses_key
from tests.support import LambdaContext, environment, event, load_handler

MAIL_BUCKET = "gluekb-local-mail-123456789012"
TICKETS = "gluekb-local-tickets"


class Desk:
    """The email_intake function on moto, and what a test looks at afterwards."""

    def __init__(self, stack: dict[str, Any], handler: ModuleType) -> None:
        self.clients = stack["clients"]
        self.handler = handler
        self.tickets = TicketStore(self.clients.dynamodb, TICKETS)

    def deliver(self, raw: bytes, key: str | None = None) -> MailOutcome:
        """SES writes the message; S3 notifies the queue; the function gets the record."""
        key = key or ses_key()
        self.clients.s3.put_object(Bucket=MAIL_BUCKET, Key=key, Body=raw)
        return self.redeliver(key, len(raw))

    def redeliver(self, key: str, size: int) -> MailOutcome:
        result = self.handler.handler(s3_event(MAIL_BUCKET, key, size), LambdaContext())
        assert result == {"batchItemFailures": []}
        outcome = self.tickets.intake_outcome(MAIL_BUCKET, key)
        assert outcome is not None
        return outcome

    def sent(self) -> list[email.message.EmailMessage]:
        messages = ses_backends["123456789012"]["us-east-1"].sent_messages
        return [email.message_from_string(m.raw_data, policy=policy.default) for m in messages]

    def index_jobs(self) -> list[dict[str, Any]]:
        sqs = self.clients.sqs
        url = sqs.get_queue_url(QueueName="gluekb-local-index")["QueueUrl"]
        jobs = []
        while got := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages"):
            jobs += [json.loads(m["Body"]) for m in got]
            sqs.delete_message_batch(
                QueueUrl=url,
                Entries=[
                    {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(got)
                ],
            )
        return jobs


@pytest.fixture
def desk(moto_stack: dict[str, Any]) -> Iterator[Desk]:
    ses_backends["123456789012"]["us-east-1"].sent_messages.clear()
    seed_organizations(moto_stack["clients"].dynamodb, "gluekb-local-state", "gluekb-local-catalog")
    with environment(moto_stack["env"]["email_intake"]):
        yield Desk(moto_stack, load_handler("email_intake"))


# ---------------------------------------------------------------- new tickets
def test_a_plain_message_becomes_a_classified_ticket_of_the_senders_organization(
    desk: Desk,
) -> None:
    # When Jane (an Acme contact) writes that the VPN is down for everyone
    outcome = desk.deliver(mail("plain.eml"))
    # Then a ticket exists for Acme, triaged as an outage, urgent
    assert outcome.status == "ticket_created" and outcome.ticket_id == "T-1001"
    ticket = desk.tickets.get("T-1001")
    assert ticket is not None
    assert ticket.organization_id == "1001"
    assert ticket.requester_email == "jane.doe@acmecorp.com"
    assert ticket.subject == "VPN down for everyone working from home"
    assert (ticket.intent, ticket.status) == ("outage", "open")
    assert ticket.priority in ("high", "critical")
    (message,) = desk.tickets.messages("T-1001")
    assert "none of our remote staff can connect" in message.text
    assert "Office Manager" not in message.text  # the signature block is trimmed
    assert message.authentication is not None and message.authentication.dkim == "PASS"
    # And it was queued for indexing as a conversation of the organization
    (job,) = desk.index_jobs()
    assert job["source_id"] == "ticket:T-1001" and job["organization_id"] == "1001"
    assert job["document"]["kind"] == "conversation"
    assert job["document"]["source_type"] == "ticket"
    # And Jane got an acknowledgement, threaded to her message, with the ticket number
    (ack,) = desk.sent()
    assert ack["To"] == "jane.doe@acmecorp.com" and ack["From"].addresses[0].addr_spec == SUPPORT
    assert "[#T-1001]" in ack["Subject"]
    assert ack["In-Reply-To"] == "<CAF3x7k1plain0001@mail.acmecorp.com>"
    assert "<CAF3x7k1plain0001@mail.acmecorp.com>" in ack["References"]
    assert ack["Auto-Submitted"] == "auto-replied"
    assert outcome.acknowledged


def test_an_unknown_sender_makes_an_unassigned_ticket(desk: Desk) -> None:
    raw = mail("plain.eml").replace(b"jane.doe@acmecorp.com", b"someone@unknown-firm.com")
    raw = raw.replace(b"CAF3x7k1plain0001", b"CAF3x7k1stranger01")
    outcome = desk.deliver(raw)
    assert outcome.status == "ticket_created" and outcome.organization_id == "unassigned"


# ---------------------------------------------------------------- idempotency
def test_duplicate_delivery_never_makes_two_tickets(desk: Desk) -> None:
    raw = mail("plain.eml")
    key = ses_key()
    first = desk.deliver(raw, key)
    # When the same object is delivered again (SQS at-least-once)
    again = desk.redeliver(key, len(raw))
    # And SES stores the same message a second time under another key
    copy = desk.deliver(raw)
    assert first.status == "ticket_created"
    assert again == first
    assert copy.status == "duplicate" and copy.ticket_id == first.ticket_id
    tickets = [i for i in desk.tickets.list_tickets(["1001"])[0]]
    assert [t.id for t in tickets] == [first.ticket_id]
    assert len(desk.sent()) == 1  # one acknowledgement, however often it arrived


def test_sample_event_of_a_missing_object_is_rejected_with_its_reason(desk: Desk) -> None:
    sample = event("email_intake/s3_put_via_sqs.json")
    result = desk.handler.handler(sample, LambdaContext())
    assert result == {"batchItemFailures": []}
    body = json.loads(sample["Records"][0]["body"])["Records"][0]["s3"]
    outcome = desk.tickets.intake_outcome(body["bucket"]["name"], body["object"]["key"])
    assert outcome is not None and outcome.status == "rejected"
    assert "does not exist" in (outcome.reason or "")


def test_stdlib_email_corpus_parses_into_an_outcome_with_a_reason(desk: Desk) -> None:
    data = Path(sysconfig.get_paths()["stdlib"]) / "test" / "test_email" / "data"
    corpus = sorted(data.glob("msg_*.txt"))
    if not corpus:
        pytest.skip(f"no CPython email test corpus at {data}")
    outcomes = {path.name: desk.deliver(path.read_bytes()) for path in corpus}
    for name, outcome in outcomes.items():
        assert outcome.status in ("ticket_created", "threaded", "duplicate", "rejected"), name
        if outcome.status in ("rejected", "duplicate"):
            assert outcome.reason, name
    assert outcomes["msg_16.txt"].status == "rejected"  # postmaster delivery notification
    assert outcomes["msg_07.txt"].status == "ticket_created"
