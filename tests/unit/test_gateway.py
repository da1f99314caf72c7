from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from starlette.testclient import TestClient

from gluekb_dev.stack.gateway import HttpApiGateway, Router
from gluekb_dev.stack.lambda_runtime import InvocationResult
from gluekb_dev.stack.template import HttpRoute
from tests.support import event

ROUTES = {
    "ApiFunction": [
        HttpRoute("GET", "/health"),
        HttpRoute("ANY", "/v1/{proxy+}"),
        HttpRoute("GET", "/v1/records/{id}"),
    ],
    "WebhooksFunction": [HttpRoute("POST", "/webhooks/{proxy+}")],
}


def test_most_specific_route_wins() -> None:
    router = Router(ROUTES)
    matched = router.match("GET", "/v1/records/42")
    assert matched and matched[0].route.route_key == "GET /v1/records/{id}"
    assert matched[1] == {"id": "42"}
    matched = router.match("POST", "/v1/records/42")
    assert matched and matched[0].route.route_key == "ANY /v1/{proxy+}"
    assert matched[1] == {"proxy": "records/42"}
    assert router.match("GET", "/webhooks/github") is None
    assert router.match("GET", "/v1") is None


class Recorder:
    def __init__(self, output: Any, ok: bool = True, error_type: str | None = None) -> None:
        self.events: list[tuple[str, dict[str, Any]]] = []
        self.output = output
        self.ok = ok
        self.error_type = error_type

    async def __call__(self, function: str, evt: dict[str, Any]) -> InvocationResult:
        self.events.append((function, evt))
        return InvocationResult(self.ok, json.dumps(self.output).encode(), self.error_type)


def test_requests_become_payload_v2_events_shaped_like_api_gateways() -> None:
    # Given a gateway whose function echoes a response
    recorder = Recorder(
        {"statusCode": 201, "headers": {"x-a": "1"}, "body": "made", "cookies": ["c=1"]}
    )
    client = TestClient(HttpApiGateway(Router(ROUTES), recorder))
    # When a request arrives with a query, cookies and a JSON body
    response = client.post(
        "/v1/search?q=a&q=b&limit=5",
        content=b'{"query":"firewall"}',
        headers={"content-type": "application/json", "cookie": "s=1; t=2"},
    )
    # Then the function got a v2 event with the same keys a sample API Gateway event has
    function, evt = recorder.events[0]
    assert function == "ApiFunction"
    sample = event("api/get_health.json")
    assert set(sample) - {"body"} <= set(evt)
    assert set(sample["requestContext"]) <= set(evt["requestContext"])
    assert evt["routeKey"] == "ANY /v1/{proxy+}"
    assert evt["rawQueryString"] == "q=a&q=b&limit=5"
    assert evt["queryStringParameters"] == {"q": "a,b", "limit": "5"}
    assert evt["cookies"] == ["s=1", "t=2"]
    assert "cookie" not in evt["headers"]
    assert evt["body"] == '{"query":"firewall"}' and evt["isBase64Encoded"] is False
    assert evt["pathParameters"] == {"proxy": "search"}
    # And the function's response came back as HTTP
    assert response.status_code == 201
    assert response.text == "made"
    assert response.headers["x-a"] == "1"
    assert response.headers["set-cookie"] == "c=1"
    assert response.headers["apigw-requestid"] == evt["requestContext"]["requestId"]


def test_binary_bodies_are_base64_encoded() -> None:
    recorder = Recorder(
        {"statusCode": 200, "body": base64.b64encode(b"\x00\xff").decode(), "isBase64Encoded": True}
    )
    client = TestClient(HttpApiGateway(Router(ROUTES), recorder))
    response = client.post(
        "/webhooks/x", content=b"\x00\xff\x10", headers={"content-type": "application/octet-stream"}
    )
    evt = recorder.events[0][1]
    assert evt["isBase64Encoded"] is True
    assert base64.b64decode(evt["body"]) == b"\x00\xff\x10"
    assert response.content == b"\x00\xff"


def test_a_plain_return_value_is_a_200_json_body() -> None:
    client = TestClient(HttpApiGateway(Router(ROUTES), Recorder({"hello": "world"})))
    response = client.get("/health")
    assert response.status_code == 200 and response.json() == {"hello": "world"}


@pytest.mark.parametrize(
    ("error_type", "status", "message"),
    [
        ("Runtime.ExitError", 500, "Internal Server Error"),
        ("Sandbox.Timedout", 503, "Service Unavailable"),
    ],
)
def test_function_failures_look_like_api_gateways(
    error_type: str, status: int, message: str
) -> None:
    client = TestClient(
        HttpApiGateway(Router(ROUTES), Recorder({"errorMessage": "boom"}, False, error_type))
    )
    response = client.get("/health")
    assert response.status_code == status
    assert response.json() == {"message": message}


def test_unknown_routes_and_huge_bodies_are_refused_before_any_function_runs() -> None:
    recorder = Recorder({})
    client = TestClient(HttpApiGateway(Router(ROUTES), recorder))
    assert client.get("/nope").status_code == 404
    assert client.post("/webhooks/x", content=b"x" * (10 * 1024 * 1024 + 1)).status_code == 413
    assert recorder.events == []
