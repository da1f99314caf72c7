"""The console through the api function (API Gateway v2 events -> Mangum -> FastAPI) on
template.yaml provisioned on moto: sessions, CSRF, and tenancy exactly as in the API. The pages
themselves are tested in a real browser (tests/browser)."""

from __future__ import annotations

import base64
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from moto.ses.models import ses_backends

from gluekb.adapters.api_keys import ApiKeyStore
from gluekb.services.console.session import SessionSealer
from tests.console_support import ConsoleClient
from tests.mail_support import seed_organizations
from tests.support import environment, load_handler

ACME, CONTOSO = "1001", "1002"
SESSION = "gluekb_session"
SECRET = b"console-session-secret-for-tests-0123456789"  # tests/conftest.py provisions it
PAGES = [
    "/console/ask",
    "/console/search",
    "/console/organizations",
    f"/console/records/itglue:domains:{ACME}",
    "/console/tickets",
    "/console/tickets/T-1",
    "/console/passwords",
    "/console/audit",
]


@pytest.fixture
def console(moto_stack: dict[str, Any]) -> Iterator[dict[str, Any]]:
    clients = moto_stack["clients"]
    ses_backends["123456789012"]["us-east-1"].sent_messages.clear()
    seed_organizations(clients.dynamodb, "gluekb-local-state", "gluekb-local-catalog")
    store = ApiKeyStore(clients.dynamodb, "gluekb-local-api-keys")
    keys = {
        "admin": store.create("admin", ["*"], ["admin"])[0],
        "acme": store.create("acme desk", [ACME], ["search", "tickets", "sync"])[0],
        "contoso": store.create("contoso desk", [CONTOSO], ["search", "tickets"])[0],
    }
    for name in [m for m in sys.modules if m == "app" or m.startswith("app.")]:
        del sys.modules[name]
    with environment(moto_stack["env"]["api"]):
        yield {"handler": load_handler("api"), "keys": keys, "store": store}


def browser(console: dict[str, Any], key: str | None = None, host: str = "127.0.0.1:8000") -> Any:
    client = ConsoleClient(console["handler"], host=host)
    if key:
        signed = client.sign_in(console["keys"][key])
        assert signed.status == 303, signed.body
    return client


@pytest.mark.parametrize("path", PAGES)
def test_no_page_opens_without_a_session(console: dict[str, Any], path: str) -> None:
    # Given a browser that never signed in, When it opens a console page
    page = browser(console).get(path)
    # Then it is sent to the sign-in page, which comes back to the page afterwards
    assert page.status == 303
    assert page.location.startswith("/console/sign-in?next=%2Fconsole%2F")


def test_the_entry_at_root_leads_to_sign_in_then_to_ask(console: dict[str, Any]) -> None:
    client = browser(console)
    assert client.get("/").location == "/console/sign-in"
    client.sign_in(console["keys"]["acme"])
    assert client.get("/").location == "/console/ask"


def test_signing_in_seals_the_key_into_a_strict_http_only_cookie(console: dict[str, Any]) -> None:
    # Given the sign-in form
    client = browser(console)
    key = console["keys"]["acme"]
    # When the technician signs in with a valid key
    signed = client.sign_in(key)
    # Then a session cookie is set: HttpOnly, SameSite=Strict, with an expiry, not Secure on
    # localhost, and neither it nor any page holds the key
    assert signed.status == 303 and signed.location == "/console/ask"
    cookie = signed.cookie(SESSION)
    assert cookie is not None
    attributes = cookie.lower()
    assert "httponly" in attributes and "samesite=strict" in attributes
    assert "max-age=28800" in attributes and "path=/" in attributes
    assert "secure" not in attributes
    secret = key.split("_")[2]
    assert all(secret not in c and key not in c for c in signed.cookies)
    page = client.get("/console/ask")
    assert page.status == 200 and key not in page.body and secret not in page.body
    assert "acme desk" in page.body


def test_the_cookie_is_secure_outside_localhost(console: dict[str, Any]) -> None:
    client = browser(console, host="console.example.com")
    cookie = client.sign_in(console["keys"]["acme"]).cookie(SESSION)
    assert cookie is not None and "secure" in cookie.lower()


def test_a_wrong_key_or_a_sign_in_without_its_form_token_opens_no_session(
    console: dict[str, Any],
) -> None:
    client = browser(console)
    wrong = client.sign_in("gkb_000000000000_" + "x" * 43)
    assert wrong.status == 401 and "not valid" in wrong.body and wrong.cookie(SESSION) is None
    forged = client.post("/console/sign-in", {"api_key": console["keys"]["acme"]})
    assert forged.status == 400 and forged.cookie(SESSION) is None
    assert client.get("/console/ask").status == 303


def test_a_forged_or_expired_cookie_gets_the_sign_in_page(console: dict[str, Any]) -> None:
    # Given a signed-in browser
    client = browser(console, "acme")
    sealed = client.jar[SESSION]
    raw = bytearray(base64.urlsafe_b64decode(sealed + "=" * (-len(sealed) % 4)))
    raw[-3] ^= 0x40
    # When its cookie is altered, Then the sign-in page comes back (and the cookie is cleared)
    client.jar[SESSION] = base64.urlsafe_b64encode(bytes(raw)).rstrip(b"=").decode()
    page = client.get("/console/organizations")
    assert page.status == 303 and page.location.startswith("/console/sign-in")
    assert SESSION not in client.jar
    # When a cookie sealed with the server's own secret is past its expiry, Then the same
    past = SessionSealer(SECRET, ttl_s=3600, clock=lambda: 1_000_000_000.0)
    client.jar[SESSION] = past.seal(console["keys"]["acme"])[0]
    assert client.get("/console/organizations").location.startswith("/console/sign-in")
    # And a cookie made with another secret is refused too
    other = SessionSealer(b"x" * 40, ttl_s=3600)
    client.jar[SESSION] = other.seal(console["keys"]["admin"])[0]
    assert client.get("/console/audit").location.startswith("/console/sign-in")


def test_posts_without_the_session_token_or_from_another_origin_are_refused(
    console: dict[str, Any],
) -> None:
    # Given a signed-in browser and its page's CSRF token
    client = browser(console, "acme")
    token = client.csrf()
    sync = f"/console/organizations/{ACME}/sync"
    # When a form is posted without the token, with another session's, or from another origin
    refusals = [
        client.post(sync, {}),
        client.post(sync, {"csrf_token": browser(console, "acme").csrf()}),
        client.post(sync, {"csrf_token": token}, origin="http://127.0.0.1:9999"),
        client.post(sync, {"csrf_token": token}, origin="null"),
        client.post(sync, {"csrf_token": token}, **{"sec-fetch-site": "cross-site"}),
        client.post("/console/sign-out", {}),
    ]
    # Then each is refused, and nothing happened: the session still works
    assert [r.status for r in refusals] == [403] * len(refusals)
    assert "cross-site requests are refused" in refusals[0].body
    assert client.get("/console/organizations").status == 200
    # And with the token, from the console's own origin, the same forms work
    queued = client.post(sync, {"csrf_token": token}, origin="http://127.0.0.1:8000")
    assert queued.status == 303 and queued.location == f"/console/organizations?queued={ACME}"
    out = client.post("/console/sign-out", {"csrf_token": token})
    assert out.status == 303 and SESSION not in client.jar
    assert client.get("/console/ask").status == 303


def test_a_key_sees_its_own_clients_only_even_by_url(console: dict[str, Any]) -> None:
    # Given a browser signed in with Acme's key
    client = browser(console, "acme")
    token = client.csrf()
    # Then the organizations and passwords pages list Acme only
    organizations = client.get("/console/organizations").body
    assert "Acme Corp" in organizations and "Contoso" not in organizations
    # And every Contoso URL answers exactly like one that does not exist
    for contoso, ghost in (
        (f"/console/records/itglue:contacts:{CONTOSO}0", "/console/records/itglue:contacts:9"),
        (f"/console/records/itglue:domains:{CONTOSO}", "/console/records/itglue:domains:9"),
        (f"/console/organizations/{CONTOSO}/sync", "/console/organizations/999999/sync"),
        ("/console/organizations/Contoso/sync", "/console/organizations/Nonexistent/sync"),
    ):
        real, missing = client.get(contoso), client.get(ghost)
        assert real.status == missing.status == 404, contoso
        assert real.body == missing.body, contoso
    for query in ({"org": CONTOSO}, {"org": "Contoso"}):
        real, missing = (
            client.get("/console/passwords", **query),
            client.get("/console/passwords", org="999999"),
        )
        assert real.status == missing.status == 404 and real.body == missing.body
    posted = client.post(f"/console/organizations/{CONTOSO}/sync", {"csrf_token": token})
    assert posted.status == 404
    # And the audit log needs the admin scope
    assert client.get("/console/audit").status == 403


def test_tickets_open_reply_and_change_within_the_keys_tenancy(console: dict[str, Any]) -> None:
    # Given Acme's technician
    client = browser(console, "acme")
    token = client.csrf()
    # When a ticket is opened for Acme
    opened = client.post(
        "/console/tickets/new",
        {
            "csrf_token": token,
            "organization": ACME,
            "requester_email": "jane.doe@acmecorp.com",
            "subject": "VPN drops every ten minutes",
            "text": "Since this morning the VPN disconnects.",
        },
    )
    assert opened.status == 303
    ticket = opened.location.rsplit("/", 1)[1]
    # Then it shows in the queue and on its page
    assert ticket in client.get("/console/tickets").body
    assert "Since this morning the VPN disconnects." in client.get(opened.location).body
    # When the technician replies, Then the mail goes out through SES and the thread shows it
    replied = client.post(
        f"/console/tickets/{ticket}/reply", {"csrf_token": token, "text": "Restarted the gateway."}
    )
    assert replied.status == 303
    sent = ses_backends["123456789012"]["us-east-1"].sent_messages
    assert len(sent) == 1 and f"[#{ticket}]" in sent[0].raw_data
    page = client.get(f"/console/tickets/{ticket}", sent="reply")
    assert "Restarted the gateway." in page.body and "Reply sent" in page.body
    # When its status and priority change, Then the queue's filters find it there
    changed = client.post(
        f"/console/tickets/{ticket}/update",
        {"csrf_token": token, "status": "resolved", "priority": "high", "organization": ACME},
    )
    assert changed.status == 303
    assert ticket in client.get("/console/tickets", status="resolved", urgency="high").body
    assert ticket not in client.get("/console/tickets", urgency="low").body
    # And Contoso's technician cannot open it, not even by its URL
    other = browser(console, "contoso")
    assert other.get(f"/console/tickets/{ticket}").status == 404
    assert ticket not in other.get("/console/tickets").body


def test_pages_carry_security_headers_and_are_never_cached(console: dict[str, Any]) -> None:
    client = browser(console, "acme")
    page = client.get("/console/organizations")
    assert page.headers["cache-control"] == "no-store"
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert "script-src 'self'" in page.headers["content-security-policy"]
    asset = client.get("/console/assets/console.css")
    assert asset.status == 200 and asset.headers["content-type"].startswith("text/css")
