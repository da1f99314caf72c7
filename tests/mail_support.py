"""Helpers for the email intake tests: fixtures, deliveries the way SES makes them, a tenant."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from gluekb.adapters.catalog_store import CatalogStore
from gluekb.adapters.state_store import StateStore
from gluekb.models.catalog import CatalogRecord
from gluekb.models.organizations import RegisteredOrganization
from tests.support import EVENTS, event

MAIL = EVENTS / "email_intake" / "mail"
SUPPORT = "support@example.com"


def mail(name: str) -> bytes:
    """A real-shaped message from events/email_intake/mail/."""
    return (MAIL / name).read_bytes()


def s3_event(bucket: str, key: str, size: int) -> dict[str, Any]:
    """The sample SQS event (S3 notification inside) naming this bucket and key."""
    sample = event("email_intake/s3_put_via_sqs.json")
    record = sample["Records"][0]
    body = json.loads(record["body"])
    body["Records"][0]["s3"]["bucket"]["name"] = bucket
    body["Records"][0]["s3"]["object"].update(key=key, size=size)
    record["body"] = json.dumps(body)
    record["messageId"] = str(uuid.uuid4())
    return sample


def ses_key() -> str:
    """Where SES writes a message: the prefix, then SES's own message id."""
    return f"inbound/{uuid.uuid4().hex}{uuid.uuid4().hex[:8]}"


def big_message(size_bytes: int, sender: str = "jane.doe@acmecorp.com") -> bytes:
    """A real-shaped message of about `size_bytes`: a short text and a large binary attachment,
    base64 in 76-character CRLF lines as mail clients send it (deterministic content)."""
    import base64
    import hashlib

    raw_size = size_bytes * 3 // 4 - 4096
    block = hashlib.sha256(b"gluekb").digest() * 2048  # 64 KiB
    data = (block * (raw_size // len(block) + 1))[:raw_size]
    encoded = base64.encodebytes(data).replace(b"\n", b"\r\n")
    head = (
        f"From: Jane Doe <{sender}>\r\nTo: {SUPPORT}\r\n"
        "Subject: Scanner firmware image for the warehouse\r\n"
        "Date: Sat, 21 Nov 2026 12:00:00 +0100\r\n"
        f"Message-ID: <big.{uuid.uuid4().hex}@mail.acmecorp.com>\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/mixed; boundary="big"\r\n\r\n--big\r\n'
        "Content-Type: text/plain; charset=utf-8\r\n\r\n"
        "The firmware image for the handheld scanners is attached.\r\n\r\n--big\r\n"
        'Content-Type: application/octet-stream; name="firmware.bin"\r\n'
        'Content-Disposition: attachment; filename="firmware.bin"\r\n'
        "Content-Transfer-Encoding: base64\r\n\r\n"
    ).encode()
    return head + encoded + b"\r\n--big--\r\n"


def seed_organizations(dynamodb: Any, state_table: str, catalog_table: str) -> dict[str, str]:
    """Two organizations as the IT Glue sync stores them: contacts with emails, domains."""
    state = StateStore(dynamodb, state_table)
    catalog = CatalogStore(dynamodb, catalog_table)
    now = datetime.now(UTC)
    tenants = {
        "1001": ("Acme Corp", "acmecorp.com", ["jane.doe@acmecorp.com", "bsmith@acmecorp.com"]),
        "1002": ("Contoso", "contoso.com", ["m.kowalski@contoso.com"]),
        "1003": ("Fabrikam", "fabrikam.com", ["pbeesly@fabrikam.com"]),
    }
    records = []
    for org, (name, domain, emails) in tenants.items():
        state.put_organization(
            RegisteredOrganization(id=org, name=name, short_name=name.split()[0].upper())
        )
        for n, email in enumerate(emails):
            records.append(
                CatalogRecord(
                    source_id=f"itglue:contacts:{org}{n}",
                    organization_id=org,
                    resource_type="contacts",
                    record_id=f"{org}{n}",
                    name=email.split("@")[0],
                    content_hash="h",
                    raw_key=f"records/{org}/contacts/{org}{n}.json",
                    synced_at=now,
                    identifiers={"email": [email], "domain": [domain]},
                )
            )
        records.append(
            CatalogRecord(
                source_id=f"itglue:domains:{org}",
                organization_id=org,
                resource_type="domains",
                record_id=org,
                name=domain,
                content_hash="h",
                raw_key=f"records/{org}/domains/{org}.json",
                synced_at=now,
                identifiers={"domain": [domain]},
            )
        )
    catalog.put_many(records)
    return {name: org for org, (name, _, _) in tenants.items()}


def fixture_path(name: str) -> Path:
    return MAIL / name
