"""The audit table: one item per sensitive action, never overwritten.

Layout: pk `ORG#<organization>`, sk `<ISO time>#<audit id>`, so an organization's audit trail is
one Query in time order (an MSP reviews "who revealed what at this client").
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from gluekb.adapters.dynamodb import from_item, put_if_absent, to_item
from gluekb.errors import Conflict
from gluekb.models.audit import AuditEntry

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


class AuditLog:
    def __init__(self, client: DynamoDBClient, table: str) -> None:
        self.client = client
        self.table = table

    def write(self, entry: AuditEntry) -> None:
        """Store the entry; raises (never returns quietly) if it could not be stored."""
        item = {
            "pk": f"ORG#{entry.organization_id}",
            "sk": f"{entry.at.isoformat()}#{entry.audit_id}",
            **entry.model_dump(mode="json"),
        }
        if not put_if_absent(self.client, self.table, item):
            raise Conflict(f"audit entry {entry.audit_id} already exists")

    def entries(self, organization_id: str, record_id: str | None = None) -> list[AuditEntry]:
        """An organization's audit trail, oldest first (one record's, when `record_id` is set)."""
        kwargs: dict[str, Any] = {
            "TableName": self.table,
            "KeyConditionExpression": "pk = :pk",
            "ExpressionAttributeValues": to_item({":pk": f"ORG#{organization_id}"}),
        }
        found: list[AuditEntry] = []
        while True:
            page = self.client.query(**kwargs)
            for item in page.get("Items", []):
                data = from_item(item)
                data.pop("pk", None)
                data.pop("sk", None)
                entry = AuditEntry.model_validate(data)
                if record_id is None or entry.record_id == record_id:
                    found.append(entry)
            if "LastEvaluatedKey" not in page:
                return found
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
