"""The email_intake handler with the sample events in events/email_intake/ and the real-shaped
messages in events/email_intake/mail/, against template.yaml on moto."""

from __future__ import annotations

import email
import hashlib
import json
import sysconfig
import tracemalloc
from collections.abc import Iterator
from datetime import UTC, datetime
from email import policy
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from moto.ses.models import ses_backends

from gluekb.adapters.ticket_store import TicketStore
from gluekb.models.documents import IndexJob
from gluekb.models.tickets import MailOutcome, TicketChanges
from tests.mail_support import SUPPORT, big_message, mail, s3_event, seed_organizations, ses_key
from tests.support import LambdaContext, environment, event, load_handler, take_messages

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

    def index_jobs(self) -> list[IndexJob]:
        """The index jobs queued so far, taken off the queue."""
        sqs = self.clients.sqs
        url = sqs.get_queue_url(QueueName="gluekb-local-index")["QueueUrl"]
        return [IndexJob.model_validate_json(body) for body in take_messages(sqs, url)]


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
    assert job.source_id == "ticket:T-1001" and job.organization_id == "1001"
    assert job.document is not None and job.document.kind == "conversation"
    assert job.document.source_type == "ticket"
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


# ---------------------------------------------------------------- threading
def test_replies_thread_by_in_reply_to_references_and_subject_token(desk: Desk) -> None:
    # Given Jane's ticket
    created = desk.deliver(mail("plain.eml"))
    ticket_id = created.ticket_id
    assert ticket_id is not None
    # When she answers three times, each client threading its own way
    by_header = desk.deliver(mail("reply_in_reply_to.eml"))
    by_references = desk.deliver(mail("reply_references_only.eml"))
    by_token = desk.deliver(
        mail("reply_subject_token.eml").replace(b"[#T-1001]", f"[#{ticket_id}]".encode())
    )
    # Then each is added to her ticket, and no new ticket is made
    assert [o.status for o in (by_header, by_references, by_token)] == ["threaded"] * 3
    assert {o.ticket_id for o in (by_header, by_references, by_token)} == {ticket_id}
    assert by_header.reason == "threaded by in-reply-to"
    assert by_references.reason == "threaded by references"
    assert by_token.reason == "threaded by subject-token"
    messages = desk.tickets.messages(ticket_id)
    assert len(messages) == 4
    assert messages[1].text == (
        "Update: a restart of the firewall did not help, still no VPN for anyone."
    )  # the quoted acknowledgement is trimmed
    ticket = desk.tickets.get(ticket_id)
    assert ticket is not None and ticket.message_count == 4
    assert len(desk.sent()) == 1  # replies are not acknowledged


def test_a_reply_to_the_acknowledgement_threads_to_its_ticket(desk: Desk) -> None:
    created = desk.deliver(mail("plain.eml"))
    (ack,) = desk.sent()
    reply = (
        mail("reply_in_reply_to.eml")
        .replace(b"<CAF3x7k1plain0001@mail.acmecorp.com>", ack["Message-ID"].encode())
        .replace(b"CAF3x7k1reply0001", b"CAF3x7k1reply0009")
    )
    outcome = desk.deliver(reply)
    assert (outcome.status, outcome.ticket_id) == ("threaded", created.ticket_id)


def test_a_subject_token_from_a_stranger_does_not_write_into_the_ticket(desk: Desk) -> None:
    created = desk.deliver(mail("plain.eml"))
    forged = (
        mail("reply_subject_token.eml")
        .replace(b"jane.doe@acmecorp.com", b"m.kowalski@contoso.com")
        .replace(b"[#T-1001]", f"[#{created.ticket_id}]".encode())
    )
    outcome = desk.deliver(forged)
    assert outcome.status == "ticket_created" and outcome.ticket_id != created.ticket_id
    assert outcome.organization_id == "1002"


def test_a_forwarded_message_is_a_new_ticket_even_with_references(desk: Desk) -> None:
    created = desk.deliver(mail("plain.eml"))
    forwarded = desk.deliver(mail("forwarded.eml"))
    assert forwarded.status == "ticket_created" and forwarded.ticket_id != created.ticket_id
    assert forwarded.intent == "security_incident"
    (message,) = desk.tickets.messages(str(forwarded.ticket_id))
    assert "confirm your Microsoft 365 password" in message.text  # the forwarded content stays


def test_a_reply_reopens_a_resolved_ticket(desk: Desk) -> None:
    created = desk.deliver(mail("plain.eml"))
    assert created.ticket_id is not None
    desk.tickets.update(created.ticket_id, TicketChanges(status="resolved"), datetime.now(UTC))
    desk.deliver(mail("reply_in_reply_to.eml"))
    ticket = desk.tickets.get(created.ticket_id)
    assert ticket is not None and ticket.status == "open"


# ---------------------------------------------------------------- verdicts and automated mail
def test_a_virus_flagged_message_is_quarantined_and_never_a_ticket(desk: Desk) -> None:
    key = ses_key()
    outcome = desk.deliver(mail("virus_flagged.eml"), key)
    assert outcome.status == "quarantined" and "virus" in (outcome.reason or "")
    s3 = desk.clients.s3
    listed = s3.list_objects_v2(Bucket=MAIL_BUCKET)["Contents"]
    keys = {o["Key"] for o in listed}
    assert key not in keys and f"quarantine/{key.removeprefix('inbound/')}" in keys
    assert not any(k.startswith("tickets/attachments/") for k in keys)  # never unpacked
    assert desk.tickets.list_tickets(["unassigned", "1001"])[0] == []
    assert desk.sent() == []


def test_spam_and_bounces_are_rejected_with_their_reason(desk: Desk) -> None:
    spam = desk.deliver(mail("spam_flagged.eml"))
    bounce = desk.deliver(mail("bounce_mailer_daemon.eml"))
    assert (spam.status, bounce.status) == ("rejected", "rejected")
    assert "spam" in (spam.reason or "") and "bounce" in (bounce.reason or "")
    assert desk.sent() == []


def test_an_auto_reply_is_rejected_unless_it_answers_a_ticket(desk: Desk) -> None:
    stray = desk.deliver(mail("auto_reply.eml"))
    assert stray.status == "rejected" and "auto-reply" in (stray.reason or "")
    created = desk.deliver(mail("plain.eml"))
    (ack,) = desk.sent()
    answer = (
        mail("auto_reply.eml")
        .replace(b"<gluekb.ack.000000000000000000000000@example.com>", ack["Message-ID"].encode())
        .replace(b"autoreply.0001", b"autoreply.0002")
    )
    threaded = desk.deliver(answer)
    assert (threaded.status, threaded.ticket_id) == ("threaded", created.ticket_id)
    assert len(desk.sent()) == 1  # an auto-reply is never answered


def test_automated_mail_makes_a_ticket_but_is_never_acknowledged(desk: Desk) -> None:
    outcome = desk.deliver(mail("monitoring_alert.eml"))
    assert outcome.status == "ticket_created" and outcome.organization_id == "1001"
    assert not outcome.acknowledged and outcome.ack_skipped == "Auto-Submitted: auto-generated"
    assert desk.sent() == []


def test_acknowledgements_are_limited_per_sender_per_hour(desk: Desk) -> None:
    outcomes = []
    for n in range(7):
        raw = mail("multipart_alternative.eml").replace(
            b"AM0PR04MB6435A1B2C3D4E5F6@", f"AM0PR04MB6435A1B2C3D4E5F6.{n}@".encode()
        )
        outcomes.append(desk.deliver(raw))
    assert [o.acknowledged for o in outcomes] == [True] * 5 + [False] * 2
    assert outcomes[-1].ack_skipped == "rate limit: 5 per sender per hour"
    assert len(desk.sent()) == 5


def test_mail_from_our_own_address_is_never_acknowledged(desk: Desk) -> None:
    raw = mail("plain.eml").replace(
        b"From: Jane Doe <jane.doe@acmecorp.com>", b"From: " + SUPPORT.encode()
    )
    outcome = desk.deliver(raw)
    assert outcome.status == "ticket_created"
    assert outcome.ack_skipped == "sent from one of our own addresses" and desk.sent() == []


def test_a_forged_sender_is_unassigned_and_not_acknowledged(desk: Desk) -> None:
    raw = (
        mail("plain.eml").replace(b"dkim=pass", b"dkim=fail").replace(b"dmarc=pass", b"dmarc=fail")
    )
    outcome = desk.deliver(raw)
    assert outcome.status == "ticket_created" and outcome.organization_id == "unassigned"
    assert outcome.ack_skipped == "sender failed SPF/DKIM/DMARC"
    ticket = desk.tickets.get(str(outcome.ticket_id))
    assert ticket is not None and ticket.sender_unverified


# ---------------------------------------------------------------- bodies and attachments
def test_attachments_and_inline_images_are_stored_with_size_type_and_hash(desk: Desk) -> None:
    outcome = desk.deliver(mail("attachments_inline_image.eml"))
    assert outcome.status == "ticket_created" and outcome.attachments == 3
    (message,) = desk.tickets.messages(str(outcome.ticket_id))
    by_name = {a.filename: a for a in message.attachments}
    assert set(by_name) == {"image001.png", "erp-error-report.pdf", "erp.log"}
    image = by_name["image001.png"]
    assert image.inline and image.content_id == "screenshot-1@acmecorp.com"
    for attachment in message.attachments:
        assert attachment.key.startswith("tickets/attachments/")
        stored = desk.clients.s3.get_object(Bucket=MAIL_BUCKET, Key=attachment.key)
        data = stored["Body"].read()
        assert len(data) == attachment.size
        assert hashlib.sha256(data).hexdigest() == attachment.sha256
        assert stored["ContentType"] == attachment.content_type
    assert by_name["erp-error-report.pdf"].content_type == "application/pdf"
    assert data.startswith(b"2026-11-21") or by_name["erp.log"].size > 0


@pytest.mark.parametrize(
    ("fixture", "expected"),
    [
        ("multipart_alternative.eml", "Outlook crashes every time I open the Sales team"),
        ("html_only.eml", "The copier on the 2nd floor shows error J-204"),
        ("base64_quoted_printable.eml", "der Drucker im Büro in München"),
        ("non_utf8_charsets.eml", "Merci d'avance — Lucie"),
        ("rfc2047_headers.eml", "locked out of my account"),
    ],
)
def test_every_body_shape_and_charset_reads_as_text(
    desk: Desk, fixture: str, expected: str
) -> None:
    outcome = desk.deliver(mail(fixture))
    assert outcome.status == "ticket_created"
    (message,) = desk.tickets.messages(str(outcome.ticket_id))
    assert expected in message.text
    assert "divRplyFwdMsg" not in message.text and "We replaced the fuser" not in message.text


def test_encoded_headers_are_decoded(desk: Desk) -> None:
    outcome = desk.deliver(mail("rfc2047_headers.eml"))
    ticket = desk.tickets.get(str(outcome.ticket_id))
    assert ticket is not None
    assert ticket.subject == "Passwort zurücksetzen \u2013 locked out of my account"
    assert ticket.requester_name == "田中 明" and ticket.intent == "password_reset"


def test_a_message_with_no_text_at_all_is_still_a_ticket(desk: Desk) -> None:
    outcome = desk.deliver(mail("no_text.eml"))
    assert outcome.status == "ticket_created" and outcome.attachments == 1
    ticket = desk.tickets.get(str(outcome.ticket_id))
    assert ticket is not None and ticket.subject == "(no subject)"
    (job,) = desk.index_jobs()
    assert job.document is not None
    assert "IMG_0042.jpeg" in job.document.messages[0].text
    # And a message with nothing in it at all is rejected, with the reason
    empty = desk.deliver(b"From: sam.lee@bluebirdbakery.com\r\nMessage-ID: <e@x>\r\n\r\n")
    assert empty.status == "rejected" and "empty message" in (empty.reason or "")


@pytest.fixture
def desk_over_http(moto_server_stack: dict[str, Any]) -> Iterator[Desk]:
    """The function against the emulator in its own process, as in AWS (S3 over HTTP): this
    process's memory is then the function's alone, without in-process moto's copies."""
    clients = moto_server_stack["clients"]
    seed_organizations(clients.dynamodb, "gluekb-local-state", "gluekb-local-catalog")
    with environment(moto_server_stack["env"]["email_intake"]):
        yield Desk(moto_server_stack, load_handler("email_intake"))


def test_a_25_mb_message_is_stored_without_holding_it_several_times(
    desk_over_http: Desk,
) -> None:
    desk = desk_over_http
    raw = big_message(25 * 1024 * 1024)
    key = ses_key()
    desk.clients.s3.put_object(Bucket=MAIL_BUCKET, Key=key, Body=raw)
    size = len(raw)
    del raw
    tracemalloc.start()
    try:
        outcome = desk.redeliver(key, size)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert outcome.status == "ticket_created" and outcome.attachments == 1
    (message,) = desk.tickets.messages(str(outcome.ticket_id))
    (firmware,) = message.attachments
    assert firmware.size > 18 * 1024 * 1024
    head = desk.clients.s3.head_object(Bucket=MAIL_BUCKET, Key=firmware.key)
    assert head["ContentLength"] == firmware.size
    # The parser's working copy, then the encoded text and the decoded attachment, not more.
    assert peak < 3.5 * size, f"peak {peak / 1e6:.0f} MB for a {size / 1e6:.0f} MB message"
