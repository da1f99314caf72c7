"""Docs repositories registered per organization, in the state table.

- registration  pk `REPO#<repo_id>`, sk `REPO`: the RepoRegistration fields, and the commit
                indexed last (`indexed_commit`), advanced only forward by the indexer
- match key     pk `REPOKEY#<normalised url>`, sk `REPOKEY`: `repo_id`. A push names its
                repository by URL; one GetItem per URL finds the registration
- lease         pk `REPO#<repo_id>`, sk `LEASE`: `owner`, `until` (epoch s). Pushes to one
                repository are indexed one at a time; a crashed holder's lease runs out
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from gluekb.adapters.dynamodb import call_table, conditional_failed, from_item, to_item
from gluekb.errors import Conflict, DependencyUnavailable
from gluekb.models.repos import RepoRegistration

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

_FIELDS = set(RepoRegistration.model_fields)


class RepoRegistry:
    def __init__(self, client: DynamoDBClient, table: str) -> None:
        self.client = client
        self.table = table

    def _call(self, operation: str, **kwargs: Any) -> Any:
        return call_table(self.client, self.table, "state table", operation, **kwargs)

    @staticmethod
    def _registration(item: dict[str, Any]) -> RepoRegistration:
        data = from_item(item)
        return RepoRegistration.model_validate({k: v for k, v in data.items() if k in _FIELDS})

    # ------------------------------------------------------------ registrations
    def put(self, registration: RepoRegistration) -> None:
        """Register (or update) a repository. Its URL may belong to one registration only."""
        item = {
            **registration.model_dump(mode="json"),
            "pk": f"REPO#{registration.repo_id}",
            "sk": "REPO",
        }
        key = {
            "pk": f"REPOKEY#{registration.key}",
            "sk": "REPOKEY",
            "repo_id": registration.repo_id,
        }
        try:
            self.client.transact_write_items(
                TransactItems=[
                    {"Put": {"TableName": self.table, "Item": to_item(item)}},
                    {
                        "Put": {
                            "TableName": self.table,
                            "Item": to_item(key),
                            "ConditionExpression": "attribute_not_exists(pk) OR repo_id = :id",
                            "ExpressionAttributeValues": to_item({":id": registration.repo_id}),
                        }
                    },
                ]
            )
        except ClientError as exc:
            if conditional_failed(exc):
                raise Conflict(f"{registration.key} is registered as another repository") from exc
            raise DependencyUnavailable(f"state table: register failed: {exc}") from exc
        except BotoCoreError as exc:
            raise DependencyUnavailable(f"state table: register failed: {exc}") from exc

    def get(self, repo_id: str) -> RepoRegistration | None:
        response = self._call(
            "get_item",
            Key=to_item({"pk": f"REPO#{repo_id}", "sk": "REPO"}),
            ConsistentRead=True,
        )
        return self._registration(response["Item"]) if "Item" in response else None

    def find(self, keys: Sequence[str]) -> RepoRegistration | None:
        """The registration matching the first of `keys` (normalised URLs) that has one."""
        wanted = list(dict.fromkeys(k for k in keys if k))
        if not wanted:
            return None
        try:
            response = self.client.batch_get_item(
                RequestItems={
                    self.table: {
                        "Keys": [to_item({"pk": f"REPOKEY#{k}", "sk": "REPOKEY"}) for k in wanted]
                    }
                }
            )
        except (BotoCoreError, ClientError) as exc:
            raise DependencyUnavailable(f"state table: repository lookup failed: {exc}") from exc
        found = {
            from_item(i)["pk"].removeprefix("REPOKEY#"): from_item(i)["repo_id"]
            for i in response["Responses"].get(self.table, [])
        }
        for key in wanted:
            if key in found:
                return self.get(str(found[key]))
        return None

    def all(self) -> list[RepoRegistration]:
        kwargs: dict[str, Any] = {
            "FilterExpression": "begins_with(pk, :p) AND sk = :s",
            "ExpressionAttributeValues": to_item({":p": "REPO#", ":s": "REPO"}),
        }
        found: list[RepoRegistration] = []
        while True:
            page = self._call("scan", **kwargs)
            found += [self._registration(item) for item in page.get("Items", [])]
            if "LastEvaluatedKey" not in page:
                return sorted(found, key=lambda r: (r.organization_id, r.key))
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def remove(self, registration: RepoRegistration) -> None:
        for key in (
            {"pk": f"REPO#{registration.repo_id}", "sk": "REPO"},
            {"pk": f"REPOKEY#{registration.key}", "sk": "REPOKEY"},
        ):
            self._call("delete_item", Key=to_item(key))

    def mark_indexed(self, repo_id: str, commit: str, at: datetime) -> None:
        self._call(
            "update_item",
            Key=to_item({"pk": f"REPO#{repo_id}", "sk": "REPO"}),
            UpdateExpression="SET indexed_commit = :c, indexed_at = :at",
            ConditionExpression="attribute_exists(pk)",
            ExpressionAttributeValues=to_item({":c": commit, ":at": at.isoformat()}),
        )

    # ------------------------------------------------------------ one indexer at a time
    def acquire(self, repo_id: str, owner: str, lease_s: float) -> bool:
        now = time.time()
        try:
            self._call(
                "put_item",
                Item=to_item(
                    {
                        "pk": f"REPO#{repo_id}",
                        "sk": "LEASE",
                        "owner": owner,
                        "until": now + lease_s,
                        "ttl": int(now + lease_s + 3600),
                    }
                ),
                ConditionExpression="attribute_not_exists(pk) OR #until < :now OR #owner = :me",
                ExpressionAttributeNames={"#until": "until", "#owner": "owner"},
                ExpressionAttributeValues=to_item({":now": now, ":me": owner}),
            )
        except ClientError:
            return False
        return True

    def release(self, repo_id: str, owner: str) -> None:
        # ClientError: the lease ran out and someone else holds it now.
        with contextlib.suppress(ClientError):
            self._call(
                "delete_item",
                Key=to_item({"pk": f"REPO#{repo_id}", "sk": "LEASE"}),
                ConditionExpression="#owner = :me",
                ExpressionAttributeNames={"#owner": "owner"},
                ExpressionAttributeValues=to_item({":me": owner}),
            )
