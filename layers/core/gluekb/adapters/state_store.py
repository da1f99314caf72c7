"""The state table: organizations, schedule runs, sync checkpoints and status."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from gluekb.adapters.dynamodb import from_item, to_item
from gluekb.models.organizations import RegisteredOrganization
from gluekb.models.sync import DiscoveryStatus, PurgedOrganization, SyncCheckpoint, SyncStatus

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import ScanInputTypeDef


class StateStore:
    def __init__(self, client: DynamoDBClient, table: str) -> None:
        self.client = client
        self.table = table

    def record_schedule_run(self, schedule: str, fired_at: datetime, event_id: str) -> None:
        self.client.put_item(
            TableName=self.table,
            Item=to_item(
                {
                    "pk": f"SCHEDULE#{schedule}",
                    "sk": "LAST",
                    "fired_at": fired_at.isoformat(),
                    "event_id": event_id,
                }
            ),
        )

    def last_schedule_run(self, schedule: str) -> dict[str, Any] | None:
        response = self.client.get_item(
            TableName=self.table, Key=to_item({"pk": f"SCHEDULE#{schedule}", "sk": "LAST"})
        )
        return from_item(response["Item"]) if "Item" in response else None

    # ------------------------------------------------------------ organizations
    def put_organization(self, organization: RegisteredOrganization) -> None:
        item = organization.model_dump(mode="json", exclude={"id"}, exclude_none=True)
        self.client.put_item(
            TableName=self.table,
            Item=to_item({"pk": f"ORG#{organization.id}", "sk": "ORG", **item}),
        )

    def organizations(self) -> list[RegisteredOrganization]:
        """Every organization gluekb syncs, with what discovery stored, sorted by name."""
        found = [
            RegisteredOrganization.model_validate({**data, "id": data["pk"].removeprefix("ORG#")})
            for data in self._registry_items()
        ]
        return sorted(found, key=lambda o: o.name.lower())

    def _registry_items(self) -> Iterator[dict[str, Any]]:
        """The registry's items (`ORG#<id>`, `ORG`), deserialised, every page."""
        request: ScanInputTypeDef = {
            "TableName": self.table,
            "FilterExpression": "begins_with(pk, :p) AND sk = :s",
            "ExpressionAttributeValues": to_item({":p": "ORG#", ":s": "ORG"}),
        }
        while True:
            page = self.client.scan(**request)
            yield from (from_item(item) for item in page.get("Items", []))
            if "LastEvaluatedKey" not in page:
                return
            request["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def delete_organization(self, organization_id: str) -> None:
        self.client.delete_item(
            TableName=self.table, Key=to_item({"pk": f"ORG#{organization_id}", "sk": "ORG"})
        )

    # ------------------------------------------------------------ discovery and purges
    def delete_organization_state(self, organization_id: str) -> None:
        """An organization's checkpoints and sync status (everything under it but its registry
        entry, which `delete_organization` removes)."""
        kwargs: dict[str, Any] = {
            "TableName": self.table,
            "KeyConditionExpression": "pk = :p",
            "ExpressionAttributeValues": to_item({":p": f"ORG#{organization_id}"}),
            "ProjectionExpression": "pk, sk",
        }
        while True:
            page = self.client.query(**kwargs)
            for item in page.get("Items", []):
                if from_item(item)["sk"] != "ORG":
                    self.client.delete_item(TableName=self.table, Key=item)
            if "LastEvaluatedKey" not in page:
                return
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def discovery_status(self) -> DiscoveryStatus:
        response = self.client.get_item(
            TableName=self.table, Key=to_item({"pk": "DISCOVERY", "sk": "LAST"})
        )
        if "Item" not in response:
            return DiscoveryStatus()
        return DiscoveryStatus.model_validate_json(from_item(response["Item"])["body"])

    def save_discovery_status(self, status: DiscoveryStatus) -> None:
        self.client.put_item(
            TableName=self.table,
            Item=to_item({"pk": "DISCOVERY", "sk": "LAST", "body": status.model_dump_json()}),
        )

    def record_purge(self, purged: PurgedOrganization) -> None:
        sort_key = f"{purged.purged_at.isoformat()}#{purged.organization_id}"
        self.client.put_item(
            TableName=self.table,
            Item=to_item({"pk": "PURGES", "sk": sort_key, "body": purged.model_dump_json()}),
        )

    def recent_purges(self, limit: int = 20) -> list[PurgedOrganization]:
        """The latest purges, newest first."""
        response = self.client.query(
            TableName=self.table,
            KeyConditionExpression="pk = :p",
            ExpressionAttributeValues=to_item({":p": "PURGES"}),
            ScanIndexForward=False,
            Limit=limit,
        )
        return [
            PurgedOrganization.model_validate_json(from_item(item)["body"])
            for item in response.get("Items", [])
        ]

    # ------------------------------------------------------------ checkpoints and status
    def checkpoint(self, organization_id: str, resource_type: str) -> SyncCheckpoint:
        response = self.client.get_item(
            TableName=self.table,
            Key=to_item({"pk": f"ORG#{organization_id}", "sk": f"CKPT#{resource_type}"}),
        )
        if "Item" not in response:
            return SyncCheckpoint(organization_id=organization_id, resource_type=resource_type)
        return SyncCheckpoint.model_validate_json(from_item(response["Item"])["body"])

    def save_checkpoint(self, checkpoint: SyncCheckpoint) -> None:
        self.client.put_item(
            TableName=self.table,
            Item=to_item(
                {
                    "pk": f"ORG#{checkpoint.organization_id}",
                    "sk": f"CKPT#{checkpoint.resource_type}",
                    "body": checkpoint.model_dump_json(),
                }
            ),
        )

    def sync_status(self, organization_id: str) -> SyncStatus:
        response = self.client.get_item(
            TableName=self.table, Key=to_item({"pk": f"ORG#{organization_id}", "sk": "STATUS"})
        )
        if "Item" not in response:
            return SyncStatus(organization_id=organization_id)
        return SyncStatus.model_validate_json(from_item(response["Item"])["body"])

    def save_sync_status(self, status: SyncStatus) -> None:
        self.client.put_item(
            TableName=self.table,
            Item=to_item(
                {
                    "pk": f"ORG#{status.organization_id}",
                    "sk": "STATUS",
                    "state": status.state,
                    "body": status.model_dump_json(),
                }
            ),
        )

    def record_index_failure(
        self,
        message_id: str,
        reason: str,
        *,
        source_id: str | None,
        receive_count: int,
        final: bool,
        retention_days: int = 14,
    ) -> None:
        """Why an index job failed, kept as long as the DLQ keeps the message."""
        self.client.put_item(
            TableName=self.table,
            Item=to_item(
                {
                    "pk": f"INDEXFAIL#{message_id}",
                    "sk": "LAST",
                    "source_id": source_id,
                    "reason": reason[:1000],
                    "receive_count": receive_count,
                    "dead_lettered": final,
                    "at": datetime.now(UTC).isoformat(),
                    "ttl": int(time.time()) + retention_days * 86400,
                }
            ),
        )

    def index_failure(self, message_id: str) -> dict[str, Any] | None:
        response = self.client.get_item(
            TableName=self.table, Key=to_item({"pk": f"INDEXFAIL#{message_id}", "sk": "LAST"})
        )
        return from_item(response["Item"]) if "Item" in response else None
