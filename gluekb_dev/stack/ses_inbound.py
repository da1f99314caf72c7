"""SES inbound mail on an emulator: moto stores receipt rules but never receives mail, so the
local stack delivers a message the way the active rule set would: the first enabled rule that
accepts a recipient names the bucket and key prefix (its S3 action), and the raw message is
written there under an SES-style message id. S3 then notifies the mail queue, as in AWS."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from email import policy
from email.parser import BytesHeaderParser
from email.utils import getaddresses
from typing import TYPE_CHECKING

from botocore.exceptions import BotoCoreError, ClientError

from gluekb.errors import DependencyUnavailable, InvalidInput, PayloadTooLarge

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_ses import SESClient

SES_MAX_MESSAGE_BYTES = 40 * 1024 * 1024  # SES receives messages up to 40 MB


@dataclass(frozen=True)
class InboundTarget:
    rule: str
    recipient: str
    bucket: str
    prefix: str


def header_recipients(raw: bytes) -> list[str]:
    """The addresses a message names in To, Cc and Bcc (the envelope a sender's MTA would use)."""
    headers = BytesHeaderParser(policy=policy.compat32).parsebytes(raw)
    values = [str(v) for name in ("To", "Cc", "Bcc") for v in headers.get_all(name) or []]
    return [address.lower() for _, address in getaddresses(values) if "@" in address]


def rule_accepts(recipients: list[str], address: str) -> bool:
    """SES recipient matching: an address, a domain (not its subdomains), `.domain` (only its
    subdomains); a rule without recipients accepts every address."""
    if not recipients:
        return True
    address = address.lower()
    domain = address.rpartition("@")[2]
    for entry in (r.lower() for r in recipients):
        if "@" in entry and entry == address:
            return True
        if entry.startswith(".") and domain.endswith(entry):
            return True
        if "@" not in entry and not entry.startswith(".") and domain == entry:
            return True
    return False


def receipt_target(ses: SESClient, recipients: list[str]) -> InboundTarget:
    """Where the active receipt rule set stores mail for the first recipient it accepts."""
    try:
        active = ses.describe_active_receipt_rule_set()
    except (BotoCoreError, ClientError) as exc:
        raise DependencyUnavailable(f"cannot read the SES receipt rules: {exc}") from exc
    rules = [r for r in active.get("Rules", []) if r.get("Enabled", False)]
    if not rules:
        raise InvalidInput("SES has no active receipt rule: nothing would receive this message")
    accepted: list[str] = []
    for rule in rules:
        accepted += rule.get("Recipients", [])
        for recipient in recipients:
            if not rule_accepts(rule.get("Recipients", []), recipient):
                continue
            for action in rule.get("Actions", []):
                s3 = action.get("S3Action")
                if s3:
                    return InboundTarget(
                        rule=rule["Name"],
                        recipient=recipient,
                        bucket=s3["BucketName"],
                        prefix=s3.get("ObjectKeyPrefix", ""),
                    )
    named = ", ".join(recipients) or "(no recipient)"
    raise InvalidInput(
        f"SES would not accept this message: its recipients ({named}) are not among those the "
        f"receipt rules take ({', '.join(accepted) or 'none'})"
    )


def ses_message_id() -> str:
    """An id shaped like SES's (the object key SES uses under the rule's prefix)."""
    return secrets.token_hex(20)


def deliver(s3: S3Client, target: InboundTarget, raw: bytes) -> str:
    """Write the message where SES would; returns its key."""
    if len(raw) > SES_MAX_MESSAGE_BYTES:
        raise PayloadTooLarge(
            f"SES refuses messages over {SES_MAX_MESSAGE_BYTES // (1024 * 1024)} MB "
            f"(this one is {len(raw)} bytes)"
        )
    key = f"{target.prefix}{ses_message_id()}"
    try:
        s3.put_object(Bucket=target.bucket, Key=key, Body=raw)
    except (BotoCoreError, ClientError) as exc:
        raise DependencyUnavailable(f"cannot store s3://{target.bucket}/{key}: {exc}") from exc
    return key
