"""Webhook deliveries as API Gateway (HTTP API, payload 2.0) delivers them to the function,
built from the real-shaped samples in events/webhooks/ and signed like each provider signs."""

from __future__ import annotations

import base64
import copy
import json
import time
import uuid
from typing import Any

from pydantic import SecretStr

from gluekb.services.webhooks.signatures import hmac_sha256_hex, psa_signature
from tests.support import event


def sample(name: str) -> tuple[dict[str, str], dict[str, Any]]:
    """(headers, body) of events/webhooks/<name>.json: a copy the test may change."""
    loaded = event(f"webhooks/{name}.json")
    return dict(loaded["headers"]), copy.deepcopy(loaded["body"])


def encode(body: dict[str, Any] | bytes) -> bytes:
    return body if isinstance(body, bytes) else json.dumps(body).encode()


def github_headers(headers: dict[str, str], secret: SecretStr, body: bytes) -> dict[str, str]:
    return {**headers, "X-Hub-Signature-256": "sha256=" + hmac_sha256_hex(secret, body)}


def psa_headers(
    headers: dict[str, str], secret: SecretStr, body: bytes, at: float | None = None
) -> dict[str, str]:
    timestamp = str(int(time.time() if at is None else at))
    return {
        **headers,
        "X-Gluekb-Timestamp": timestamp,
        "X-Gluekb-Signature": psa_signature(secret, timestamp, body),
    }


def http_event(
    path: str, headers: dict[str, str], body: bytes, *, as_base64: bool = False
) -> dict[str, Any]:
    lowered = {k.lower(): v for k, v in headers.items()}
    lowered.setdefault("content-length", str(len(body)))
    now = time.time()
    return {
        "version": "2.0",
        "routeKey": "POST /webhooks/{proxy+}",
        "rawPath": path,
        "rawQueryString": "",
        "headers": lowered,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "local",
            "domainName": "localhost",
            "domainPrefix": "local",
            "http": {
                "method": "POST",
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": "192.0.2.10",
                "userAgent": lowered.get("user-agent", ""),
            },
            "requestId": uuid.uuid4().hex[:16].upper(),
            "routeKey": "POST /webhooks/{proxy+}",
            "stage": "$default",
            "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
            "timeEpoch": int(now * 1000),
        },
        "pathParameters": {"proxy": path.removeprefix("/webhooks/")},
        "isBase64Encoded": as_base64,
        "body": base64.b64encode(body).decode() if as_base64 else body.decode(),
    }
