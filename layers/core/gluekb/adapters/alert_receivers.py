"""Alert receivers in the state table: pk `ALERTRCV#<receiver id>`, sk `RECEIVER`, holding the
AlertReceiver fields. The webhooks function reads one per delivery (GetItem); the CLI lists them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from gluekb.adapters.dynamodb import call_table, from_item, to_item
from gluekb.errors import Conflict
from gluekb.models.alerts import AlertReceiver

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

_FIELDS = set(AlertReceiver.model_fields)


def _key(receiver_id: str) -> dict[str, Any]:
    return to_item({"pk": f"ALERTRCV#{receiver_id}", "sk": "RECEIVER"})


class AlertReceiverStore:
    def __init__(self, client: DynamoDBClient, table: str) -> None:
        self.client = client
        self.table = table

    def _call(self, operation: str, **kwargs: Any) -> Any:
        return call_table(self.client, self.table, "state table", operation, **kwargs)

    @staticmethod
    def _receiver(item: dict[str, Any]) -> AlertReceiver:
        data = from_item(item)
        return AlertReceiver.model_validate({k: v for k, v in data.items() if k in _FIELDS})

    def get(self, receiver_id: str) -> AlertReceiver | None:
        response = self._call("get_item", Key=_key(receiver_id))
        return self._receiver(response["Item"]) if "Item" in response else None

    def put(self, receiver: AlertReceiver) -> None:
        item = {
            **receiver.model_dump(mode="json"),
            "pk": f"ALERTRCV#{receiver.receiver_id}",
            "sk": "RECEIVER",
        }
        try:
            self._call(
                "put_item", Item=to_item(item), ConditionExpression="attribute_not_exists(pk)"
            )
        except ClientError as exc:
            raise Conflict(f"alert receiver {receiver.receiver_id} exists already") from exc

    def receivers(self) -> list[AlertReceiver]:
        kwargs: dict[str, Any] = {
            "FilterExpression": "begins_with(pk, :p) AND sk = :s",
            "ExpressionAttributeValues": to_item({":p": "ALERTRCV#", ":s": "RECEIVER"}),
        }
        found: list[AlertReceiver] = []
        while True:
            page = self._call("scan", **kwargs)
            found += [self._receiver(item) for item in page.get("Items", [])]
            if "LastEvaluatedKey" not in page:
                return sorted(found, key=lambda r: (r.organization_id, r.receiver_id))
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def remove(self, receiver_id: str) -> bool:
        response = self._call("delete_item", Key=_key(receiver_id), ReturnValues="ALL_OLD")
        return "Attributes" in response
