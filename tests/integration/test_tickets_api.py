"""The tickets API through the api function (API Gateway v2 events -> Mangum -> FastAPI), on
template.yaml provisioned on moto: create, list, read, change, reply through SES (threaded),
similar tickets, and tenancy exactly as in the query API."""

from __future__ import annotations

import email
import json
import sys
from collections.abc import Iterator
from email import policy
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from moto.ses.models import ses_backends

from gluekb.adapters.api_keys import ApiKeyStore
from gluekb.adapters.embedded_index import EmbeddedIndex
from gluekb.adapters.payload_store import PayloadStore
from gluekb.adapters.sqs_work_queue import SqsWorkQueue
from gluekb.adapters.state_store import StateStore
from gluekb.adapters.ticket_store import TicketStore
from gluekb.services.indexing.encoding import gated_encoder
from gluekb.services.indexing.gate import PriorityGate
from gluekb.services.indexing.index_worker import IndexWorker, LoopConfig
from gluekb.services.indexing.pipeline import IndexingService
from tests.mail_support import SUPPORT, mail, s3_event, seed_organizations, ses_key
from tests.support import LambdaContext, environment, event, load_handler

MAIL_BUCKET = "gluekb-local-mail-123456789012"
ACME, CONTOSO = "1001", "1002"


class Api:
    """The api function as API Gateway invokes it, and the mail it sent."""

    def __init__(self, stack: dict[str, Any], handler: Any, keys: dict[str, str]) -> None:
        self.stack = stack
        self.clients = stack["clients"]
        self.handler = handler
        self.keys = keys

    def call(
        self,
        method: str,
        path: str,
        key: str = "admin",
        body: dict[str, Any] | None = None,
        **query: Any,
    ) -> tuple[int, Any]:
        request = event("api/get_health.json")
        raw_query = urlencode({k: v for k, v in query.items() if v is not None})
        request.update(
            routeKey="ANY /v1/{proxy+}",
            rawPath=path,
            rawQueryString=raw_query,
            headers=request["headers"]
            | {"authorization": f"Bearer {self.keys[key]}", "content-type": "application/json"},
            body=json.dumps(body) if body is not None else None,
        )
        request["requestContext"] = request["requestContext"] | {
            "routeKey": "ANY /v1/{proxy+}",
            "http": request["requestContext"]["http"] | {"method": method, "path": path},
        }
        response = self.handler.handler(request, LambdaContext())
        return response["statusCode"], json.loads(response["body"])

    def sent(self) -> list[email.message.EmailMessage]:
        messages = ses_backends["123456789012"]["us-east-1"].sent_messages
        return [email.message_from_string(m.raw_data, policy=policy.default) for m in messages]

    def open_ticket(self, organization: str, subject: str, text: str, **extra: Any) -> str:
        status, body = self.call(
            "POST",
            "/v1/tickets",
            body={
                "organization": organization,
                "requester_email": extra.pop("requester_email", "jane.doe@acmecorp.com"),
                "subject": subject,
                "text": text,
                **extra,
            },
        )
        assert status == 201, body
        return str(body["id"])


@pytest.fixture
def api(moto_stack: dict[str, Any]) -> Iterator[Api]:
    clients = moto_stack["clients"]
    ses_backends["123456789012"]["us-east-1"].sent_messages.clear()
    seed_organizations(clients.dynamodb, "gluekb-local-state", "gluekb-local-catalog")
    store = ApiKeyStore(clients.dynamodb, "gluekb-local-api-keys")
    keys = {
        "admin": store.create("admin", ["*"], ["admin"])[0],
        "acme": store.create("acme desk", [ACME], ["search", "tickets"])[0],
        "search_only": store.create("search", ["*"], ["search"])[0],
    }
    # The api package is imported once per process in Lambda: a fresh one per test here.
    for name in [m for m in sys.modules if m == "app" or m.startswith("app.")]:
        del sys.modules[name]
    with environment(moto_stack["env"]["api"]):
        yield Api(moto_stack, load_handler("api"), keys)


def index_everything_queued(api: Api, embedder: Any) -> None:
    """The embedding worker's part: the index queue into the index the api function reads."""
    env = api.stack["env"]["api"]
    index = EmbeddedIndex(Path(env["GLUEKB_INDEX_PATH"]), dimension=embedder.dimension, writer=True)
    worker = IndexWorker(
        SqsWorkQueue(api.clients.sqs, env["GLUEKB_INDEX_QUEUE_URL"]),
        IndexingService(
            index,
            gated_encoder(embedder, PriorityGate(), 64),
            PayloadStore(api.clients.s3, env["GLUEKB_RAW_BUCKET"]),
        ),
        LoopConfig(poll_wait_s=0, visibility_timeout_s=30, max_receive_count=2),
        StateStore(api.clients.dynamodb, env["GLUEKB_STATE_TABLE"]),
    )
    try:
        while messages := worker.receive():
            worker.process(messages)
    finally:
        index.close()


def deliver(api: Api, raw: bytes) -> dict[str, Any]:
    """A mail through the email_intake function, as SES -> S3 -> SQS delivers it."""
    key = ses_key()
    api.clients.s3.put_object(Bucket=MAIL_BUCKET, Key=key, Body=raw)
    with environment(api.stack["env"]["email_intake"]):
        intake = load_handler("email_intake")
        result = intake.handler(s3_event(MAIL_BUCKET, key, len(raw)), LambdaContext())
    assert result == {"batchItemFailures": []}
    outcome = TicketStore(api.clients.dynamodb, "gluekb-local-tickets").intake_outcome(
        MAIL_BUCKET, key
    )
    assert outcome is not None
    return outcome.model_dump()


# ---------------------------------------------------------------- create, read, list
def test_a_ticket_opened_through_the_api_is_classified_stored_and_queued(api: Api) -> None:
    # When a technician opens a ticket for Acme by the organization's name
    status, created = api.call(
        "POST",
        "/v1/tickets",
        body={
            "organization": "Acme Corp",
            "requester_email": "BSmith@AcmeCorp.com",
            "requester_name": "Bob Smith",
            "subject": "Ransomware note on the file server",
            "text": "All files on the share end in .locked and there is a ransom note. "
            "Nobody can work.",
        },
    )
    # Then it is Acme's, triaged by the rules (the embedder is down), and readable back
    assert status == 201, created
    assert created["organization_id"] == ACME and created["source"] == "api"
    assert created["requester_email"] == "bsmith@acmecorp.com"
    assert (created["intent"], created["priority"]) == ("security_incident", "critical")
    assert created["classification"]["method"] == "rules"
    status, fetched = api.call("GET", f"/v1/tickets/{created['id']}")
    assert status == 200 and fetched["subject"] == "Ransomware note on the file server"
    (message,) = fetched["messages"]
    assert message["direction"] == "inbound" and "ransom note" in message["text"]
    # And an explicit intent or priority wins over the classifier
    status, chosen = api.call(
        "POST",
        "/v1/tickets",
        body={
            "organization": ACME,
            "requester_email": "jane.doe@acmecorp.com",
            "subject": "New monitor",
            "text": "Please order a second monitor for me.",
            "intent": "hardware",
            "priority": "low",
        },
    )
    assert status == 201 and (chosen["intent"], chosen["priority"]) == ("hardware", "low")


def test_tickets_are_listed_newest_first_filtered_and_paged(api: Api) -> None:
    vpn = api.open_ticket("Acme Corp", "VPN down", "VPN is down for everyone, nobody can work.")
    printer = api.open_ticket("Acme Corp", "Printer jam", "The printer jams.", intent="hardware")
    contoso = api.open_ticket(
        "Contoso", "Invoice question", "Invoice 4711 looks wrong.", intent="billing"
    )
    api.call("PATCH", f"/v1/tickets/{vpn}", body={"status": "resolved"})

    def ids(**query: Any) -> list[str]:
        status, page = api.call("GET", "/v1/tickets", **query)
        assert status == 200, page
        return [t["id"] for t in page["tickets"]]

    assert ids() == [contoso, printer, vpn]
    assert ids(org="Acme Corp") == [printer, vpn]
    assert ids(org=CONTOSO) == [contoso]
    assert ids(status="resolved") == [vpn]
    assert ids(intent="hardware") == [printer]
    assert ids(org="acme corp", status="open", intent="billing") == []
    # Pages follow the cursor until it runs out
    seen, cursor = [], None
    while True:
        status, page = api.call("GET", "/v1/tickets", limit=1, cursor=cursor)
        assert status == 200, page
        seen += [t["id"] for t in page["tickets"]]
        cursor = page.get("next_cursor")
        if not cursor:
            break
    assert seen == [contoso, printer, vpn]


def test_bad_input_is_refused_with_a_reason(api: Api) -> None:
    status, body = api.call("GET", "/v1/tickets", status="sleeping")
    assert status == 422 and "status" in body["error"]["message"]
    status, body = api.call("GET", "/v1/tickets", cursor="bm90IGEgY3Vyc29y")
    assert status == 422 and "cursor" in body["error"]["message"]
    status, body = api.call(
        "POST",
        "/v1/tickets",
        body={
            "organization": ACME,
            "requester_email": "not-an-address",
            "subject": "x",
            "text": " ",
        },
    )
    assert status == 422
    assert "requester_email" in body["error"]["message"] and "text" in body["error"]["message"]
    ticket = api.open_ticket(ACME, "VPN", "VPN down")
    status, body = api.call("PATCH", f"/v1/tickets/{ticket}", body={})
    assert status == 422 and "nothing to change" in body["error"]["message"]
    status, body = api.call("PATCH", f"/v1/tickets/{ticket}", body={"owner": "me"})
    assert status == 422 and "owner" in body["error"]["message"]
    status, body = api.call("POST", f"/v1/tickets/{ticket}/reply", body={"text": "   "})
    assert status == 422


# ---------------------------------------------------------------- change and reply
def test_a_ticket_is_changed_and_an_unassigned_one_is_assigned(api: Api) -> None:
    outcome = deliver(
        api,
        mail("plain.eml")
        .replace(b"jane.doe@acmecorp.com", b"new.hire@gmail.com")
        .replace(b"CAF3x7k1plain0001", b"CAF3x7k1newhire01"),
    )
    ticket = outcome["ticket_id"]
    status, page = api.call("GET", "/v1/tickets", org="unassigned")
    assert [t["id"] for t in page["tickets"]] == [ticket]
    # When a technician assigns it to Acme and raises its priority
    status, changed = api.call(
        "PATCH",
        f"/v1/tickets/{ticket}",
        body={"organization": "Acme Corp", "priority": "critical", "status": "pending"},
    )
    assert status == 200, changed
    assert (changed["organization_id"], changed["priority"], changed["status"]) == (
        ACME,
        "critical",
        "pending",
    )
    # Then it is listed as Acme's, and an Acme key now sees it
    _, page = api.call("GET", "/v1/tickets", org="unassigned")
    assert page["tickets"] == []
    status, seen = api.call("GET", f"/v1/tickets/{ticket}", key="acme")
    assert status == 200 and seen["priority"] == "critical"


def test_a_reply_is_sent_through_ses_threaded_and_the_answer_comes_back(api: Api) -> None:
    # Given Jane's ticket from her mail (acknowledged once)
    created = deliver(api, mail("plain.eml"))
    ticket = created["ticket_id"]
    assert len(api.sent()) == 1
    # When a technician replies through the API
    status, sent = api.call(
        "POST",
        f"/v1/tickets/{ticket}/reply",
        body={"text": "We restarted the VPN gateway. Please try again and tell us."},
    )
    assert status == 200, sent
    assert sent["to"] == ["jane.doe@acmecorp.com"] and sent["status"] == "pending"
    # Then SES sent it to Jane, from the desk, tagged and threaded to her message
    reply = api.sent()[-1]
    assert reply["To"] == "jane.doe@acmecorp.com"
    assert reply["From"].addresses[0].addr_spec == SUPPORT
    assert f"[#{ticket}]" in reply["Subject"] and reply["Subject"].startswith("Re: ")
    assert reply["In-Reply-To"] == "<CAF3x7k1plain0001@mail.acmecorp.com>"
    assert "<CAF3x7k1plain0001@mail.acmecorp.com>" in reply["References"]
    assert reply["Message-ID"] == f"<{sent['message_id']}>"
    assert reply["Auto-Submitted"] is None  # a person wrote it: auto-replies may answer
    assert "restarted the VPN gateway" in reply.get_content()
    _, view = api.call("GET", f"/v1/tickets/{ticket}")
    assert view["status"] == "pending" and view["message_count"] == 2
    assert [m["direction"] for m in view["messages"]] == ["inbound", "outbound"]
    # And Jane's answer to the reply (her client quotes only its Message-ID) joins the ticket
    answer = (
        mail("reply_in_reply_to.eml")
        .replace(b"<CAF3x7k1plain0001@mail.acmecorp.com>", reply["Message-ID"].encode())
        .replace(b"CAF3x7k1reply0001", b"CAF3x7k1reply0077")
    )
    threaded = deliver(api, answer)
    assert (threaded["status"], threaded["ticket_id"]) == ("threaded", ticket)
    _, view = api.call("GET", f"/v1/tickets/{ticket}")
    assert view["status"] == "open" and view["message_count"] == 3  # back in the queue


def test_a_ticket_without_a_requester_address_cannot_be_replied_to(api: Api) -> None:
    created = deliver(
        api,
        mail("plain.eml")
        .replace(b"From: Jane Doe <jane.doe@acmecorp.com>", b"From: undisclosed")
        .replace(b"CAF3x7k1plain0001", b"CAF3x7k1noaddr01"),
    )
    status, body = api.call(
        "POST", f"/v1/tickets/{created['ticket_id']}/reply", body={"text": "Hello?"}
    )
    assert status == 422 and "no requester address" in body["error"]["message"]


# ---------------------------------------------------------------- tenancy
def test_a_key_sees_its_organizations_tickets_and_nothing_else(api: Api) -> None:
    acme = api.open_ticket("Acme Corp", "VPN down", "VPN down for everyone")
    contoso = api.open_ticket(
        "Contoso", "Invoice", "Invoice 4711", requester_email="m.kowalski@contoso.com"
    )
    stranger = deliver(
        api,
        mail("plain.eml")
        .replace(b"jane.doe@acmecorp.com", b"someone@unknown-firm.com")
        .replace(b"CAF3x7k1plain0001", b"CAF3x7k1stranger1"),
    )["ticket_id"]
    # Acme's key lists Acme's tickets only, unassigned ones not among them
    status, page = api.call("GET", "/v1/tickets", key="acme")
    assert status == 200 and [t["id"] for t in page["tickets"]] == [acme]
    # A ticket it may not see answers exactly like one that does not exist
    missing = api.call("GET", "/v1/tickets/T-999999", key="acme")
    assert missing[0] == 404
    for hidden in (contoso, stranger):
        assert api.call("GET", f"/v1/tickets/{hidden}", key="acme") == missing
        assert api.call(
            "PATCH", f"/v1/tickets/{hidden}", key="acme", body={"status": "closed"}
        ) == api.call("PATCH", "/v1/tickets/T-999999", key="acme", body={"status": "closed"})
        assert api.call(
            "POST", f"/v1/tickets/{hidden}/reply", key="acme", body={"text": "hi"}
        ) == api.call("POST", "/v1/tickets/T-999999/reply", key="acme", body={"text": "hi"})
        assert api.call("GET", f"/v1/tickets/{hidden}/similar", key="acme") == api.call(
            "GET", "/v1/tickets/T-999999/similar", key="acme"
        )
    assert api.call("GET", "/v1/tickets/not-a-ticket", key="acme") == missing
    # Naming an organization it may not see answers like naming none that exists
    nowhere = api.call("GET", "/v1/tickets", key="acme", org="Nowhere Inc")
    assert nowhere[0] == 404
    assert api.call("GET", "/v1/tickets", key="acme", org="Contoso") == nowhere
    assert api.call("GET", "/v1/tickets", key="acme", org=CONTOSO) == nowhere
    assert api.call("GET", "/v1/tickets", key="acme", org="unassigned") == nowhere
    # Nor can it create tickets for others, or move its own there
    refused = api.call(
        "POST",
        "/v1/tickets",
        key="acme",
        body={"organization": "Contoso", "requester_email": "a@contoso.com", "subject": "s",
              "text": "t"},
    )  # fmt: skip
    assert refused == nowhere
    moved = api.call("PATCH", f"/v1/tickets/{acme}", key="acme", body={"organization": "Contoso"})
    assert moved == nowhere
    _, still = api.call("GET", f"/v1/tickets/{acme}")
    assert still["organization_id"] == ACME
    # And nothing it tried changed the hidden tickets or sent mail
    _, untouched = api.call("GET", f"/v1/tickets/{contoso}")
    assert untouched["status"] == "open" and untouched["message_count"] == 1
    assert all(m["To"] != "m.kowalski@contoso.com" for m in api.sent())


def test_every_ticket_route_needs_the_tickets_scope(api: Api) -> None:
    ticket = api.open_ticket(ACME, "VPN", "VPN down")
    for method, path, body in (
        ("GET", "/v1/tickets", None),
        ("POST", "/v1/tickets", {"organization": ACME, "requester_email": "a@acmecorp.com",
                                 "subject": "s", "text": "t"}),
        ("GET", f"/v1/tickets/{ticket}", None),
        ("PATCH", f"/v1/tickets/{ticket}", {"status": "closed"}),
        ("POST", f"/v1/tickets/{ticket}/reply", {"text": "hi"}),
        ("GET", f"/v1/tickets/{ticket}/similar", None),
    ):  # fmt: skip
        status, body = api.call(method, path, key="search_only", body=body)
        assert status == 403 and "'tickets' scope" in body["error"]["message"], (method, path)
    assert api.sent() == []


# ---------------------------------------------------------------- similar tickets
def test_similar_tickets_come_from_the_index_of_organizations_the_key_may_see(
    api: Api, embedder: Any
) -> None:
    # Given VPN trouble at Acme twice and at Contoso once, and a printer ticket
    first = api.open_ticket(
        ACME, "VPN down", "FortiClient VPN fails to connect from home since this morning."
    )
    again = api.open_ticket(
        ACME, "Cannot connect to VPN", "My FortiClient VPN connection drops, error at 98%."
    )
    printer = api.open_ticket(ACME, "Printer jam", "The copier on the 2nd floor jams.")
    contoso = api.open_ticket(
        CONTOSO,
        "FortiClient VPN broken",
        "FortiClient VPN will not connect for the sales team.",
        requester_email="m.kowalski@contoso.com",
    )
    stranger = deliver(
        api,
        mail("plain.eml")
        .replace(b"jane.doe@acmecorp.com", b"someone@unknown-firm.com")
        .replace(b"CAF3x7k1plain0001", b"CAF3x7k1stranger2"),
    )["ticket_id"]
    index_everything_queued(api, embedder)
    # When Acme's desk asks for tickets like the first one
    status, similar = api.call("GET", f"/v1/tickets/{first}/similar", key="acme")
    # Then the other VPN ticket comes first; the ticket itself and Contoso's never appear
    assert status == 200, similar
    found = [t["ticket_id"] for t in similar["tickets"]]
    assert found[0] == again and first not in found and contoso not in found
    assert set(found) <= {again, printer}
    best = similar["tickets"][0]
    assert best["organization_id"] == ACME and best["subject"] == "Cannot connect to VPN"
    assert best["status"] == "open"
    # And a key for every organization finds Contoso's and the unassigned one too
    _, everywhere = api.call("GET", f"/v1/tickets/{first}/similar", limit=3)
    assert {t["ticket_id"] for t in everywhere["tickets"]} == {again, contoso, stranger}
    # And search finds tickets as a type of their own
    status, hits = api.call(
        "POST", "/v1/search", key="acme", body={"query": "FortiClient VPN", "types": ["ticket"]}
    )
    assert status == 200, hits
    assert {h["source_id"] for h in hits["results"]} == {f"ticket:{first}", f"ticket:{again}"}
    # And a key for every organization finds unassigned tickets too
    _, everything = api.call("POST", "/v1/search", body={"query": "VPN", "types": ["ticket"]})
    assert f"ticket:{stranger}" in {h["source_id"] for h in everything["results"]}
    # But a key without the tickets scope never finds a ticket, asked for or not
    for body in ({"query": "FortiClient VPN"}, {"query": "FortiClient VPN", "types": ["ticket"]}):
        status, hidden = api.call("POST", "/v1/search", key="search_only", body=body)
        assert status == 200 and all(h["type"] != "ticket" for h in hidden["results"]), hidden
    for body in (
        {"query": "VPN", "types": ["ticket"]},
        {"query": "VPN", "types": ["ticket"], "organization": "Acme Corp"},
    ):
        status, none = api.call("POST", "/v1/search", key="search_only", body=body)
        assert status == 200 and none["results"] == [], none
