"""SES inbound on the emulator: the active receipt rule (from template.yaml) decides where a
message is written, and S3 tells the mail queue, as in AWS."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import unquote_plus

import pytest

from gluekb.errors import InvalidInput, PayloadTooLarge
from gluekb_dev.stack.ses_inbound import (
    SES_MAX_MESSAGE_BYTES,
    deliver,
    header_recipients,
    receipt_target,
    rule_accepts,
)
from tests.mail_support import mail


@pytest.mark.parametrize(
    ("recipients", "address", "accepted"),
    [
        (["support@example.com"], "Support@Example.com", True),
        (["support@example.com"], "sales@example.com", False),
        (["example.com"], "anyone@example.com", True),
        (["example.com"], "anyone@mail.example.com", False),
        ([".example.com"], "anyone@mail.example.com", True),
        ([".example.com"], "anyone@example.com", False),
        ([], "anyone@anywhere.org", True),
    ],
)
def test_recipients_match_as_ses_matches_them(
    recipients: list[str], address: str, accepted: bool
) -> None:
    assert rule_accepts(recipients, address) is accepted


def test_the_envelope_comes_from_to_cc_and_bcc() -> None:
    assert header_recipients(mail("rfc2047_headers.eml")) == [
        "support@example.com",
        "andre@initech.com",
    ]
    assert header_recipients(b"From: a@b.c\r\n\r\nhi") == []


def test_a_message_for_the_desk_lands_where_the_rule_stores_it(
    moto_stack: dict[str, Any],
) -> None:
    clients = moto_stack["clients"]
    target = receipt_target(clients.ses, header_recipients(mail("plain.eml")))
    assert (target.bucket, target.prefix) == ("gluekb-local-mail-123456789012", "inbound/")
    assert target.rule == "gluekb-local-store-mail" and target.recipient == "support@example.com"
    key = deliver(clients.s3, target, mail("plain.eml"))
    assert key.startswith("inbound/") and len(key) == len("inbound/") + 40
    stored = clients.s3.get_object(Bucket=target.bucket, Key=key)["Body"].read()
    assert stored == mail("plain.eml")
    # And the bucket told the mail queue, which the email_intake function consumes
    queue = clients.sqs.get_queue_url(QueueName="gluekb-local-mail")["QueueUrl"]
    bodies = [
        json.loads(m["Body"])
        for m in clients.sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10)["Messages"]
    ]
    keys = [unquote_plus(r["s3"]["object"]["key"]) for b in bodies for r in b.get("Records", [])]
    assert key in keys


def test_mail_for_someone_else_or_too_large_is_not_delivered(moto_stack: dict[str, Any]) -> None:
    clients = moto_stack["clients"]
    with pytest.raises(InvalidInput, match="not among those the receipt rules take"):
        receipt_target(clients.ses, ["bob.smith@acmecorp.com"])
    target = receipt_target(clients.ses, ["support@example.com"])
    with pytest.raises(PayloadTooLarge, match="40 MB"):
        deliver(clients.s3, target, b"x" * (SES_MAX_MESSAGE_BYTES + 1))
