"""A delivery's body read into its model, or InvalidInput saying where it does not fit (never
echoing the caller's values)."""

from __future__ import annotations

from typing import TypeVar

from pydantic import BaseModel, ValidationError

from gluekb.errors import InvalidInput

Model = TypeVar("Model", bound=BaseModel)


def parse_payload(model: type[Model], body: bytes) -> Model:
    try:
        parsed = model.model_validate_json(body)
    except ValidationError as exc:
        errors = exc.errors(include_input=False, include_url=False)
        if errors and errors[0]["type"] == "json_invalid":
            raise InvalidInput("the body is not JSON") from None
        where = sorted({".".join(str(p) for p in e["loc"]) or "body" for e in errors})[:5]
        raise InvalidInput(f"the payload does not fit: check {', '.join(where)}") from None
    return parsed
