"""`ApiError`: an error the demo server answers as IT Glue does, a JSON:API error document."""

from __future__ import annotations

from collections.abc import Mapping

from starlette.responses import JSONResponse, Response

JSONAPI = "application/vnd.api+json"


class ApiError(Exception):
    """Becomes a JSON:API error response."""

    def __init__(
        self, status: int, title: str, detail: str, headers: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.title = title
        self.detail = detail
        self.headers = dict(headers or {})

    def response(self) -> Response:
        body = {
            "errors": [{"status": str(self.status), "title": self.title, "detail": self.detail}]
        }
        return JSONResponse(body, self.status, headers=self.headers, media_type=JSONAPI)


def not_found(detail: str = "Record not found") -> ApiError:
    return ApiError(404, "Not Found", detail)


def unprocessable(detail: str) -> ApiError:
    """422, as IT Glue answers a request it understands but will not run."""
    return ApiError(422, "Unprocessable Entity", detail)
