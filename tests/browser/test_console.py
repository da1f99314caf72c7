"""The console in headless Chromium on the synced demo stack, as a technician uses it: sign in,
ask and follow a source, search with a filter, Sync now until done, open and answer a ticket,
reveal a password with a reason (and find the audit row), sign out. The same browser proves
tenancy (an Acme key sees nothing of Contoso, by URL guessing included), that a forged or
expired cookie gets the sign-in page, and that a cross-site POST is refused. Each page's
screenshot is written under .gluekb/screenshots/."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from gluekb.adapters.audit_log import AuditLog
from gluekb.services.console.session import SessionSealer
from tests.browser.conftest import Site
from tests.browser.console import Console

if TYPE_CHECKING:
    from selenium.webdriver.remote.webdriver import WebDriver

pytestmark = pytest.mark.e2e
SCOPES = ["search", "sync", "tickets", "passwords:reveal", "admin"]


@pytest.fixture(scope="module")
def keys(site: Site) -> dict[str, str]:
    acme, contoso = site.facts("Acme Corp"), site.facts("Contoso")
    return {
        "acme": site.key("acme technician (browser)", [acme.id], SCOPES),
        "contoso": site.key("contoso desk (browser)", [contoso.id], ["search", "tickets"]),
    }


@pytest.fixture(scope="module")
def console(chrome: WebDriver, site: Site, screenshots: Path) -> Console:
    return Console(chrome, site.url, screenshots)


@pytest.fixture
def acme(console: Console, keys: dict[str, str]) -> Console:
    """The browser, signed in with Acme's key (once; later tests reuse the session)."""
    console.open("/console/ask")
    if console.path.startswith("/console/sign-in"):
        console.sign_in(keys["acme"])
    return console


def test_sign_in_keeps_the_key_out_of_the_page_storage_and_url(
    console: Console, keys: dict[str, str]
) -> None:
    # Given a browser with no session, When it opens the console
    console.driver.delete_all_cookies()
    console.open("/")
    # Then it gets the sign-in page, its field labelled
    assert console.heading() == "Sign in"
    assert console.unlabelled_fields() == []
    console.shot("sign-in")
    # When the technician signs in with a key
    console.sign_in(keys["acme"])
    # Then the Ask page opens, and the key is nowhere a script or a URL could read it
    assert console.path == "/console/ask" and console.heading() == "Ask"
    key = keys["acme"]
    assert key not in console.driver.page_source and key not in console.driver.current_url
    assert "gluekb_session" not in console.driver.execute_script("return document.cookie")
    storage = console.driver.execute_script(
        "return JSON.stringify([Object.entries(localStorage), Object.entries(sessionStorage)])"
    )
    assert key not in storage and json.loads(storage) == [[], []]
    cookie = console.driver.get_cookie("gluekb_session")
    assert cookie is not None and cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    assert cookie.get("expiry") and key not in cookie["value"]


def test_ask_shows_facts_with_their_fields_and_follows_a_source(acme: Console, site: Site) -> None:
    facts = site.facts("Acme Corp")
    # When the technician asks a question
    acme.type("Question", "what is the firewall IP at Acme?")
    acme.press("Ask")
    answer = acme.wait("#thread .answer[data-found=true]", timeout_s=60)
    # Then the facts show with their field names, values and records, and a confidence
    rows = [r.text for r in answer.find_elements("css selector", ".facts tbody tr")]
    assert any("Primary IP" in r and facts.firewall_ip in r for r in rows), rows
    assert "Confidence" in answer.text and "%" in answer.text
    # When a follow-up is asked in the same conversation
    acme.type("Follow-up question", "who is the main contact at Acme?")
    acme.press("Ask")
    acme.wait_for("return document.querySelectorAll('#thread .answer').length === 2", 60)
    # And a question the records cannot answer
    acme.type("Follow-up question", "what colour is the CEO's car at Acme?")
    acme.press("Ask")
    acme.wait_for("return document.querySelectorAll('#thread .answer').length === 3", 60)
    # Then all three stay in the thread, the last one saying there is no data
    assert "No data available" in acme.find_all("#thread .answer")[2].text
    assert acme.unlabelled_fields() == []
    acme.shot("ask")
    # When the technician follows the first fact to its record
    acme.find("#thread .answer .fact-source").click()
    # Then the record opens: every field, interfaces, both directions, and IT Glue's page
    assert acme.heading().upper().endswith("FW01")
    assert acme.path == f"/console/records/itglue:configurations:{facts.firewall_id}"
    fields = acme.find("#fields-h").find_element("xpath", "..").text
    assert "Primary IP" in fields and facts.firewall_ip in fields
    for section in ("#depends-on", "#depended-on-by", "#passwords", "#documents", "#tickets"):
        assert acme.find(section).is_displayed()
    link = acme.find("a.itglue-link").get_attribute("href") or ""
    assert link.endswith(f"/configurations/{facts.firewall_id}")
    acme.shot("record")


def test_search_with_organization_and_type_filters(acme: Console, site: Site) -> None:
    acme_id = site.facts("Acme Corp").id
    # When the technician searches configurations of Acme only
    acme.open("/console/search")
    acme.type("Search for", "firewall")
    acme.choose("Organization", "Acme Corp")
    acme.choose("Type", "Configurations")
    acme.press("Search")
    acme.wait("ol.results .result")
    # Then every result is an Acme configuration, with highlighted snippets
    results = acme.find_all("ol.results .result")
    assert results
    assert {r.get_attribute("data-organization") for r in results} == {acme_id}
    assert {r.get_attribute("data-type") for r in results} == {"configuration"}
    assert acme.find_all("ol.results .snippet mark")
    assert "org=" in acme.path and "type=configuration" in acme.path
    acme.shot("search")


def test_sync_now_shows_progress_until_the_run_is_done(acme: Console, site: Site) -> None:
    acme_id = site.facts("Acme Corp").id
    # Given the organizations page
    acme.open("/console/organizations")
    row = acme.wait(f"tr[data-organization='{acme_id}']")
    assert [
        r.get_attribute("data-organization") for r in acme.find_all("table.orgs > tbody > tr")
    ] == [acme_id]
    # When the technician presses Sync now
    row.find_element("css selector", "form[data-sync] button").click()
    # Then the row follows the run live until it is done
    acme.wait_for("return arguments[0].dataset.syncDone", 300, row)
    assert row.get_attribute("data-sync-done") == "ok"
    assert "ok:" in row.find_element("css selector", "[data-progress]").text
    assert "fetched" in row.text
    acme.shot("organizations")


def test_a_ticket_is_opened_answered_and_changed(acme: Console) -> None:
    # When the technician opens a ticket for Acme
    acme.open("/console/tickets")
    acme.press("Open a ticket")
    acme.wait("#subject")
    assert acme.unlabelled_fields() == []
    acme.shot("ticket-new")
    acme.choose("Organization", "Acme Corp")
    acme.type("Requester email", "jane.doe@acmecorp.com")
    acme.type("Subject", "VPN drops every ten minutes (browser test)")
    acme.type("Description", "Since this morning the VPN disconnects every ten minutes.")
    acme.press("Open ticket")
    ticket = acme.wait(".ticket-id").text
    # And replies to the requester
    acme.type("Message to jane.doe@acmecorp.com", "We restarted the VPN gateway; please retry.")
    acme.press("Send reply")
    # Then the reply was sent and is in the thread, and the ticket waits on the customer
    assert "Reply sent to jane.doe@acmecorp.com" in acme.wait_text("p.ok", "Reply sent").text
    outbound = acme.find_all(".message.outbound")
    assert outbound and "We restarted the VPN gateway" in outbound[-1].text
    assert acme.find("[data-ticket-status]").text == "pending"
    # When its status and priority change
    acme.choose("Status", "resolved")
    acme.choose("Priority", "high")
    acme.press("Save changes")
    assert "Ticket updated" in acme.wait_text("p.ok", "Ticket updated").text
    acme.shot("ticket")
    # Then the queue filtered by status and urgency finds it
    acme.open("/console/tickets?status=resolved&urgency=high")
    assert acme.find_all(f"tr[data-ticket='{ticket}']")
    acme.open("/console/tickets?status=open")
    assert not acme.find_all(f"tr[data-ticket='{ticket}']")
    acme.open("/console/tickets")
    acme.shot("tickets")


def test_a_password_is_revealed_once_with_a_reason_and_audited(acme: Console, site: Site) -> None:
    password_id, value = site.password("Acme Corp", 0)
    reason = "browser test: ticket T-4312, VPN reset"
    # Given the passwords list (metadata only)
    acme.open("/console/passwords")
    assert value not in acme.driver.page_source
    acme.shot("passwords")
    # When the technician opens one and reveals it with a reason
    acme.open(f"/console/passwords/{password_id}")
    assert value not in acme.driver.page_source
    acme.type("Reason (kept in the audit log)", reason)
    acme.press("Reveal password")
    # Then the value shows once, in a response nobody may store
    assert acme.wait("#secret-value").text == value
    acme.press("Hide now")
    assert value not in acme.find("[data-secret]").text
    acme.shot("password")
    # And the audit row was written: on the audit page, with who, what and why
    acme.open("/console/audit")
    rows = [r.text for r in acme.find_all("tr[data-audit]")]
    assert any(reason in r and "acme technician (browser)" in r for r in rows), rows
    acme.shot("audit")
    log = AuditLog(site.clients.dynamodb, site.resource("AuditTable"))
    assert [e.reason for e in log.entries(site.facts("Acme Corp").id, password_id)][-1] == reason


def test_the_reveal_answer_is_never_stored(acme: Console, site: Site) -> None:
    # The same POST the page sends, made by hand with the browser's cookie and token.
    password_id, _ = site.password("Acme Corp", 1)
    acme.open(f"/console/passwords/{password_id}")
    cookie = acme.driver.get_cookie("gluekb_session")
    assert cookie is not None
    token = acme.find("input[name=csrf_token]").get_attribute("value") or ""
    response = httpx.post(
        f"{site.url}/console/passwords/{password_id}/reveal",
        data={"csrf_token": token, "reason": "browser test: cache headers"},
        cookies={"gluekb_session": cookie["value"]},
        headers={"Origin": site.url},
        timeout=60,
    )
    assert response.status_code == 200
    assert response.headers["cache-control"].startswith("no-store")


def test_an_acme_key_sees_nothing_of_contoso_even_by_url(
    acme: Console, site: Site, keys: dict[str, str]
) -> None:
    contoso = site.facts("Contoso")
    password_id, value = site.password("Contoso", 0)
    ticket = httpx.post(
        f"{site.url}/v1/tickets",
        headers={"Authorization": f"Bearer {keys['contoso']}"},
        json={
            "organization": contoso.id,
            "requester_email": "m.kowalski@contoso.com",
            "subject": "Contoso printer jam",
            "text": "The printer on floor 2 jams.",
        },
        timeout=60,
    ).json()["id"]
    # Lists show Acme only
    acme.open("/console/organizations")
    assert "Contoso" not in acme.find("main").text
    acme.open("/console/passwords")
    assert "Contoso" not in acme.find("main").text
    acme.open("/console/tickets")
    assert ticket not in acme.find("main").text
    # Guessed URLs answer "Not found", exactly like things that do not exist
    for guessed, ghost in (
        (f"/console/records/itglue:configurations:{contoso.firewall_id}", "/console/records/x:y:1"),
        (f"/console/passwords/{password_id}", "/console/passwords/itglue:passwords:999999999"),
        (f"/console/tickets/{ticket}", "/console/tickets/T-999999999"),
        (f"/console/search?q=firewall&org={contoso.id}", "/console/search?q=firewall&org=999999"),
        (f"/console/audit?org={contoso.id}", "/console/audit?org=999999"),
    ):
        acme.open(guessed)
        seen = (acme.heading(), acme.find("main").text)
        acme.open(ghost)
        assert seen == (acme.heading(), acme.find("main").text) and seen[0] == "Not found"
        assert value not in acme.driver.page_source
    acme.shot("not-found")
    # Questions and searches naming Contoso bring back nothing of Contoso
    acme.open("/console/ask")
    acme.type("Question", "which servers at Contoso run SQL?")
    acme.press("Ask")
    answer = acme.wait("#thread .answer", 60)
    assert contoso.firewall_ip not in answer.text
    links = [a.get_attribute("href") or "" for a in answer.find_elements("css selector", "a")]
    assert all(f":{sid}" not in link for sid in contoso.sql_server_ids for link in links)
    acme.open(f"/console/search?q={contoso.firewall_ip}")
    assert all(r.get_attribute("data-organization") != contoso.id for r in acme.find_all(".result"))


def test_a_forged_or_expired_cookie_gets_the_sign_in_page(
    acme: Console, site: Site, keys: dict[str, str]
) -> None:
    def with_cookie(value: str) -> str:
        acme.driver.delete_cookie("gluekb_session")
        acme.driver.add_cookie({"name": "gluekb_session", "value": value, "path": "/"})
        acme.open("/console/organizations")
        return acme.heading()

    genuine = acme.driver.get_cookie("gluekb_session")
    assert genuine is not None
    forged = genuine["value"][:-4] + ("AAAA" if not genuine["value"].endswith("AAAA") else "BBBB")
    assert with_cookie(forged) == "Sign in"
    secret = json.loads((site.home / "secrets.json").read_text())["ConsoleSessionSecret"]
    sealer = SessionSealer(
        json.loads(secret)["session_secret"].encode(), 3600, clock=lambda: 1_700_000_000.0
    )
    assert with_cookie(sealer.seal(keys["acme"])[0]) == "Sign in"
    acme.shot("sign-in-again")
    assert with_cookie(genuine["value"]) == "Organizations"


class _AttackerPage(BaseHTTPRequestHandler):
    target = ""

    def do_GET(self) -> None:
        body = (
            f'<form id="f" method="post" action="{self.target}">'
            '<input type="hidden" name="reason" value="csrf"></form>'
            '<script>document.getElementById("f").submit()</script>'
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def attacker(site: Site) -> Iterator[str]:
    """A page on another origin (another port of this host) that posts to the console."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _AttackerPage)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_a_cross_site_post_is_refused(acme: Console, site: Site, attacker: str) -> None:
    # Given a signed-in browser, When another site's page posts "sign out" to the console
    _AttackerPage.target = f"{site.url}/console/sign-out"
    acme.driver.get(attacker)
    acme.wait_for("return document.querySelector('h1') !== null", 30)
    # Then the console refuses it, and the technician is still signed in
    assert acme.heading() == "Not allowed"
    assert "cross-site requests are refused" in acme.find("main").text
    acme.shot("cross-site-refused")
    acme.open("/console/organizations")
    assert acme.heading() == "Organizations"


def test_the_console_fits_a_phone_and_a_keyboard(acme: Console) -> None:
    size = acme.driver.get_window_size()
    acme.driver.set_window_size(390, 844)
    try:
        acme.open("/console/ask")
        # Nothing runs off the side of a phone's screen
        assert acme.driver.execute_script(
            "return document.documentElement.scrollWidth <= window.innerWidth"
        )
        acme.shot("ask-phone")
        # The first Tab reaches the skip link, and the next ones the navigation
        body = acme.find("body")
        body.send_keys("\ue004")  # Tab
        focused = acme.driver.switch_to.active_element
        assert focused.text == "Skip to content"
        body = acme.driver.switch_to.active_element
        body.send_keys("\ue004")
        assert acme.driver.switch_to.active_element.text == "gluekb"
    finally:
        acme.driver.set_window_size(size["width"], size["height"])


def test_signing_out_ends_the_session(acme: Console) -> None:
    acme.open("/console/ask")
    acme.find("form.sign-out button").click()
    assert acme.heading() == "Sign in"
    acme.open("/console/tickets")
    assert acme.heading() == "Sign in"
    assert acme.driver.get_cookie("gluekb_session") is None
