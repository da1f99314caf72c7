"""Open incidents in the tickets table: pk `INCIDENT#<receiver id>#<asset key>`, sk `OPEN`,
holding the ticket id and `firing`, a string set of the alert fingerprints still firing.

Opening is a conditional put (one ticket per asset however many workers race); a fingerprint
joins or leaves with ADD/DELETE on the set (idempotent, so a redelivered message changes
nothing); closing is a conditional delete that holds only while the set is empty."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from gluekb.adapters.dynamodb import call_table, from_item, to_item
from gluekb.ports.alerts import Incident

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


def _key(receiver_id: str, asset_key: str) -> dict[str, Any]:
    # Asset keys are record ids or identifiers from labels: hashed, so any value fits a key.
    digest = hashlib.sha256(asset_key.encode("utf-8", "replace")).hexdigest()[:32]
    return {"pk": {"S": f"INCIDENT#{receiver_id}#{digest}"}, "sk": {"S": "OPEN"}}


def _incident(item: dict[str, Any]) -> Incident:
    data = from_item(item)
    data["firing"] = sorted(data.get("firing") or [])
    return Incident.model_validate(data)


class IncidentTable:
    def __init__(self, client: DynamoDBClient, table: str) -> None:
        self.client = client
        self.table = table

    def _call(self, operation: str, **kwargs: Any) -> Any:
        return call_table(self.client, self.table, "tickets table", operation, **kwargs)

    def open_incident(self, receiver_id: str, asset_key: str) -> Incident | None:
        response = self._call("get_item", Key=_key(receiver_id, asset_key), ConsistentRead=True)
        return _incident(response["Item"]) if "Item" in response else None

    def claim(self, incident: Incident) -> Incident | None:
        item = {
            **to_item(incident.model_dump(mode="json", exclude={"firing"})),
            **_key(incident.receiver_id, incident.asset_key),
            "entity": {"S": "incident"},
        }
        if incident.firing:
            item["firing"] = {"SS": sorted(set(incident.firing))}
        try:
            self._call("put_item", Item=item, ConditionExpression="attribute_not_exists(pk)")
        except ClientError:
            return self.open_incident(incident.receiver_id, incident.asset_key)
        return None

    def add_firing(self, receiver_id: str, asset_key: str, fingerprint: str) -> None:
        self._call(
            "update_item",
            Key=_key(receiver_id, asset_key),
            UpdateExpression="ADD firing :f",
            ExpressionAttributeValues={":f": {"SS": [fingerprint]}},
        )

    def remove_firing(self, receiver_id: str, asset_key: str, fingerprint: str) -> list[str]:
        try:
            response = self._call(
                "update_item",
                Key=_key(receiver_id, asset_key),
                UpdateExpression="DELETE firing :f",
                ConditionExpression="attribute_exists(pk)",
                ExpressionAttributeValues={":f": {"SS": [fingerprint]}},
                ReturnValues="ALL_NEW",
            )
        except ClientError:
            return []  # closed already (a redelivery of the resolution)
        return sorted(from_item(response["Attributes"]).get("firing") or [])

    def close(self, receiver_id: str, asset_key: str, ticket_id: str) -> bool:
        try:
            self._call(
                "delete_item",
                Key=_key(receiver_id, asset_key),
                ConditionExpression="ticket_id = :t AND attribute_not_exists(firing)",
                ExpressionAttributeValues={":t": {"S": ticket_id}},
            )
        except ClientError:
            return False
        return True

    def discard(self, receiver_id: str, asset_key: str, ticket_id: str) -> None:
        try:
            self._call(
                "delete_item",
                Key=_key(receiver_id, asset_key),
                ConditionExpression="ticket_id = :t",
                ExpressionAttributeValues={":t": {"S": ticket_id}},
            )
        except ClientError:
            return  # another ticket's incident by now
