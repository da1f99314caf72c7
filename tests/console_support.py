"""The console through the api function as API Gateway invokes it (payload 2.0 events, cookies
in `cookies`, Set-Cookie back in the result), for integration tests and the console bench."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from tests.support import LambdaContext, event

_HIDDEN = re.compile(r'<input type="hidden" name="(csrf_token|sign_in_token)" value="([^"]+)"')


@dataclass
class Page:
    status: int
    headers: dict[str, str]
    cookies: list[str]
    body: str

    @property
    def location(self) -> str:
        return self.headers.get("location", "")

    def token(self, name: str = "csrf_token") -> str:
        for found, value in _HIDDEN.findall(self.body):
            if found == name:
                return str(value)
        raise AssertionError(f"no {name} in the page")

    def cookie(self, name: str) -> str | None:
        """The Set-Cookie header for `name`, whole (value and attributes)."""
        return next((c for c in self.cookies if c.startswith(f"{name}=")), None)


@dataclass
class ConsoleClient:
    """One browser: it keeps the cookies it is given, sends them back, and names its host."""

    handler: Any
    host: str = "127.0.0.1:8000"
    jar: dict[str, str] = field(default_factory=dict)

    def request(
        self,
        method: str,
        path: str,
        form: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
        query: dict[str, str] | None = None,
    ) -> Page:
        request = event("api/get_health.json")
        body = urlencode(form) if form is not None else None
        sent = {"host": self.host, "accept": "text/html", **(headers or {})}
        if form is not None:
            sent["content-type"] = "application/x-www-form-urlencoded"
        request.update(
            routeKey=f"{method} {path}",
            rawPath=path,
            rawQueryString=urlencode(query or {}),
            headers={k: v for k, v in request["headers"].items() if k != "host"} | sent,
            body=body,
            cookies=[f"{k}={v}" for k, v in self.jar.items()],
        )
        request["requestContext"] = request["requestContext"] | {
            "http": request["requestContext"]["http"] | {"method": method, "path": path},
        }
        result = self.handler.handler(request, LambdaContext())
        page = Page(
            status=result["statusCode"],
            headers={k.lower(): v for k, v in (result.get("headers") or {}).items()},
            cookies=list(result.get("cookies") or []),
            body=result.get("body") or "",
        )
        self._keep(page.cookies)
        return page

    def _keep(self, cookies: list[str]) -> None:
        for cookie in cookies:
            name, _, rest = cookie.partition("=")
            value = rest.split(";")[0].strip('"')
            if "max-age=0" in cookie.lower() or not value:
                self.jar.pop(name, None)
            else:
                self.jar[name] = value

    def get(self, path: str, **query: str) -> Page:
        return self.request("GET", path, query=query or None)

    def post(self, path: str, form: dict[str, str], **headers: str) -> Page:
        return self.request("POST", path, form=form, headers=headers)

    def sign_in(self, key: str) -> Page:
        form = self.get("/console/sign-in")
        return self.post(
            "/console/sign-in", {"api_key": key, "sign_in_token": form.token("sign_in_token")}
        )

    def csrf(self) -> str:
        return self.get("/console/ask").token()

    def json(self, path: str) -> Any:
        return json.loads(self.get(path).body)
