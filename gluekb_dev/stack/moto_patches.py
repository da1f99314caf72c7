"""Make moto's SQS scale to the queue depths a full sync produces.

moto (pinned in pyproject.toml) rebuilds *every* queue attribute, including three message
counts that scan the whole queue, on each SendMessage and on each message it hands out
(`is_message_valid_based_on_retention_period` asks for one attribute through
`get_queue_attributes`). With thousands of queued messages that is quadratic: receiving 1,000 of
4,000 messages took 405 s. These patches compute the counts only when a caller asks for them,
with one clock reading per scan, and leave every answer unchanged (tests compare them).
"""

from __future__ import annotations

import json
from typing import Any

from moto.core.utils import camelcase_to_underscores, unix_time_millis
from moto.sqs import models as sqs_models

COUNT_ATTRIBUTES = (
    "ApproximateNumberOfMessages",
    "ApproximateNumberOfMessagesDelayed",
    "ApproximateNumberOfMessagesNotVisible",
)


def _counts(queue: Any) -> dict[str, int]:
    now = unix_time_millis()
    visible = delayed = not_visible = 0
    for message in list(queue._messages):
        is_visible = now > message.visible_at
        is_delayed = now < message.delayed_until
        visible += is_visible and not is_delayed
        delayed += is_delayed
        not_visible += not is_visible
    return {
        "ApproximateNumberOfMessages": visible,
        "ApproximateNumberOfMessagesDelayed": delayed,
        "ApproximateNumberOfMessagesNotVisible": not_visible,
    }


def _attributes_without_counts(self: Any) -> dict[str, Any]:
    result: dict[str, Any] = {}
    groups = [a for a in self.BASE_ATTRIBUTES if a not in COUNT_ATTRIBUTES]
    if self.fifo_queue:
        groups += self.FIFO_ATTRIBUTES
    if self.kms_master_key_id:
        groups += self.KMS_ATTRIBUTES
    for attribute in groups:
        result[attribute] = getattr(self, camelcase_to_underscores(attribute))
    if self.policy:
        result["Policy"] = self.policy
    if self.redrive_policy:
        result["RedrivePolicy"] = json.dumps(self.redrive_policy)
    for key, value in result.items():
        if isinstance(value, bool):
            result[key] = str(value).lower()
    return result


def _visible_messages(self: Any) -> list[Any]:
    now = unix_time_millis()
    return [m for m in self._messages if now > m.visible_at and not now < m.delayed_until]


def _project_once(self: Any, projection_expressions: list[list[str]]) -> Any:
    """moto's Item.project converted the whole item once per projected attribute."""
    from botocore.utils import merge_dicts
    from moto.dynamodb.models.dynamo_type import Item, serializer
    from moto.dynamodb.models.utilities import find_nested_key

    regular = self.to_regular_json()
    result: dict[str, Any] = {}
    for expression in projection_expressions:
        merge_dicts(result, find_nested_key(expression, regular))
    attrs = dict(serializer.serialize(result)["M"])
    return Item(hash_key=self.hash_key, range_key=self.range_key, attrs=attrs)


def apply() -> None:
    from moto.dynamodb.models.dynamo_type import Item

    if not getattr(Item, "_gluekb_patched", False):
        Item.project = _project_once  # type: ignore[method-assign]
        Item._gluekb_patched = True  # type: ignore[attr-defined]
    queue_class = sqs_models.Queue
    backend_class = sqs_models.SQSBackend
    if getattr(queue_class, "_gluekb_patched", False):
        return
    original_get = backend_class.get_queue_attributes

    def get_queue_attributes(
        self: Any, queue_name: str, attribute_names: list[str]
    ) -> dict[str, Any]:
        others = [n for n in attribute_names if n not in COUNT_ATTRIBUTES]
        result = dict(original_get(self, queue_name, others)) if others else {}
        wanted = [n for n in attribute_names if n in COUNT_ATTRIBUTES]
        if "All" in attribute_names or wanted:
            counts = _counts(self.get_queue(queue_name))
            for name in COUNT_ATTRIBUTES if "All" in attribute_names else wanted:
                result[name] = counts[name]
        return result

    queue_class.attributes = property(_attributes_without_counts)  # type: ignore[method-assign,assignment]
    queue_class.messages = property(_visible_messages)  # type: ignore[method-assign,assignment]
    backend_class.get_queue_attributes = get_queue_attributes  # type: ignore[method-assign]
    queue_class._gluekb_patched = True  # type: ignore[attr-defined]
