"""The tickets table: tickets, their messages, the Message-ID map, intake records, counters.

Layout (single table, string keys `pk`/`sk`, GSI `by_org` on `gsi1pk`/`gsi1sk`, TTL `ttl`):

- ticket          pk `TICKET#T-1042`, sk `META`: the Ticket fields; gsi1pk `ORG#<organization
                  id or unassigned>`, gsi1sk `<created_at ISO>#T-1042` (an organization's
                  tickets newest first, one Query; the sort key is the list cursor)
- message         pk `TICKET#T-1042`, sk `MSG#<received_at ISO>#<sha256(Message-ID)[:12]>`:
                  one per inbound mail or outbound reply (text trimmed, attachment metadata,
                  verdicts, the raw MIME's key); a ticket and its messages are one Query
- Message-ID map  pk `MSGID#<sha256(Message-ID)>`, sk `MSGID`: ticket_id, direction, the
                  intake that claimed it (`intake_key`, `outcome`) and `ack_state`. Threading
                  (In-Reply-To/References), duplicate detection, at-most-once acknowledgements
- id counter      pk `COUNTER#tickets`, sk `COUNTER`: `seq`, an atomic counter (T-1001, ...;
                  a number taken by a write that then failed stays unused)
- intake record   pk `INTAKE#<bucket>/<key>`, sk `INTAKE`: one per object SES wrote; `status`
                  received, then the outcome (ticket_created, threaded, duplicate, quarantined,
                  rejected), its reason and ticket id (`outcome` holds the MailOutcome as JSON)
- ack rate        pk `ACKRATE#<sender>`, sk `<UTC hour YYYYMMDDHH>`: acknowledgements sent to
                  that sender in that hour, `count`; removed by `ttl` after two hours

A new ticket is one transaction (Message-ID claim, ticket, first message), and so is a reply
(claim, message, ticket update): the claim's condition makes a delivery idempotent, however
often and however concurrently it arrives.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from gluekb.adapters.dynamodb import call_table, from_item, to_item
from gluekb.errors import DependencyUnavailable, InvalidInput, NotFound
from gluekb.models.tickets import (
    ClaimOutcome,
    Direction,
    IntakeRecord,
    Intent,
    MailOutcome,
    MessageClaim,
    Ticket,
    TicketChanges,
    TicketMessage,
    TicketStatus,
)
from gluekb.ports.tickets import MessageAlreadyRecorded

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

FIRST_TICKET_NUMBER = 1000  # the counter starts here: the first ticket is T-1001
MAX_PAGE = 100


def message_key(message_id: str) -> str:
    return hashlib.sha256(message_id.encode("utf-8", "replace")).hexdigest()


def _ticket_pk(ticket_id: str) -> str:
    return f"TICKET#{ticket_id}"


def _sort_key(ticket: Ticket) -> str:
    return f"{ticket.created_at.isoformat()}#{ticket.id}"


def encode_cursor(sort_key: str) -> str:
    return base64.urlsafe_b64encode(sort_key.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> str:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        value = base64.urlsafe_b64decode(padded.encode("ascii")).decode()
    except (ValueError, binascii.Error, UnicodeError):
        raise InvalidInput("cursor: not a cursor this API returned") from None
    if "#T-" not in value or len(value) > 100:
        raise InvalidInput("cursor: not a cursor this API returned")
    return value


class TicketStore:
    def __init__(self, client: DynamoDBClient, table: str) -> None:
        self.client = client
        self.table = table

    # ------------------------------------------------------------ plumbing
    def _call(self, operation: str, **kwargs: Any) -> Any:
        return call_table(self.client, self.table, "tickets table", operation, **kwargs)

    def _get(self, pk: str, sk: str) -> dict[str, Any] | None:
        response = self._call("get_item", Key=to_item({"pk": pk, "sk": sk}), ConsistentRead=True)
        return from_item(response["Item"]) if "Item" in response else None

    def _transact(self, items: list[dict[str, Any]], message_id: str) -> None:
        for item in items:
            for operation in item.values():
                operation["TableName"] = self.table
        try:
            self.client.transact_write_items(TransactItems=items)  # type: ignore[arg-type]
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "TransactionCanceledException":
                raise DependencyUnavailable(f"tickets table: write failed: {exc}") from exc
            reasons = [r.get("Code") for r in exc.response.get("CancellationReasons", [])]
            if reasons and reasons[0] == "ConditionalCheckFailed":
                raise MessageAlreadyRecorded(message_id, self.message_claim(message_id)) from exc
            if "ConditionalCheckFailed" in reasons:
                raise NotFound("ticket not found") from exc
            raise DependencyUnavailable(f"tickets table: write cancelled: {reasons}") from exc
        except BotoCoreError as exc:
            raise DependencyUnavailable(f"tickets table: write failed: {exc}") from exc

    # ------------------------------------------------------------ ids
    def allocate_id(self) -> str:
        response = self._call(
            "update_item",
            Key=to_item({"pk": "COUNTER#tickets", "sk": "COUNTER"}),
            UpdateExpression="SET seq = if_not_exists(seq, :start) + :one",
            ExpressionAttributeValues=to_item({":start": FIRST_TICKET_NUMBER, ":one": 1}),
            ReturnValues="UPDATED_NEW",
        )
        return f"T-{from_item(response['Attributes'])['seq']}"

    # ------------------------------------------------------------ the Message-ID map
    def _claim_item(
        self,
        message_id: str,
        ticket_id: str,
        direction: Direction,
        intake_key: str | None,
        outcome: ClaimOutcome,
    ) -> dict[str, Any]:
        claim = MessageClaim(
            message_id=message_id[:1000],
            ticket_id=ticket_id,
            direction=direction,
            intake_key=intake_key,
            outcome=outcome,
        )
        return {
            "pk": f"MSGID#{message_key(message_id)}",
            "sk": "MSGID",
            **claim.model_dump(exclude={"ack_state"}),
        }

    def message_claim(self, message_id: str) -> MessageClaim | None:
        item = self._get(f"MSGID#{message_key(message_id)}", "MSGID")
        return MessageClaim.model_validate(item) if item else None

    def tickets_for_message_ids(self, message_ids: Sequence[str]) -> dict[str, str]:
        """Message-ID -> ticket id, for those gluekb has seen (received or sent)."""
        wanted = {message_key(m): m for m in dict.fromkeys(message_ids)}
        found: dict[str, str] = {}
        keys = [to_item({"pk": f"MSGID#{k}", "sk": "MSGID"}) for k in wanted]
        for start in range(0, len(keys), 100):
            request: dict[str, Any] = {self.table: {"Keys": keys[start : start + 100]}}
            while request:
                try:
                    response = self.client.batch_get_item(RequestItems=request)
                except (BotoCoreError, ClientError) as exc:
                    raise DependencyUnavailable(f"tickets table: lookup failed: {exc}") from exc
                for item in response["Responses"].get(self.table, []):
                    data = from_item(item)
                    original = wanted.get(data["pk"].removeprefix("MSGID#"))
                    if original is not None:
                        found[original] = data["ticket_id"]
                request = dict(response.get("UnprocessedKeys") or {})
        return found

    def map_message_id(
        self, message_id: str, ticket_id: str, direction: Direction = "outbound"
    ) -> bool:
        """Remember a Message-ID gluekb sent (an acknowledgement), so replies to it thread."""
        item = self._claim_item(message_id, ticket_id, direction, None, direction)
        try:
            self._call(
                "put_item",
                Item=to_item(item),
                ConditionExpression="attribute_not_exists(pk)",
            )
        except ClientError:
            return False
        return True

    def claim_ack(self, message_id: str) -> bool:
        """At most one acknowledgement per received message, across retries and duplicates."""
        try:
            self._call(
                "update_item",
                Key=to_item({"pk": f"MSGID#{message_key(message_id)}", "sk": "MSGID"}),
                UpdateExpression="SET ack_state = :s",
                ConditionExpression="attribute_exists(pk) AND attribute_not_exists(ack_state)",
                ExpressionAttributeValues=to_item({":s": "claimed"}),
            )
        except ClientError:
            return False
        return True

    def count_ack(self, sender: str, now: datetime, limit: int) -> bool:
        """Count one acknowledgement to `sender` in this UTC hour; False once `limit` were."""
        hour = now.strftime("%Y%m%d%H")
        try:
            self._call(
                "update_item",
                Key=to_item({"pk": f"ACKRATE#{sender.lower()[:254]}", "sk": hour}),
                UpdateExpression="ADD #n :one SET #ttl = :ttl",
                ConditionExpression="attribute_not_exists(#n) OR #n < :limit",
                ExpressionAttributeNames={"#n": "count", "#ttl": "ttl"},
                ExpressionAttributeValues=to_item(
                    {":one": 1, ":limit": limit, ":ttl": int(now.timestamp()) + 2 * 3600}
                ),
            )
        except ClientError:
            return False
        return True

    # ------------------------------------------------------------ tickets
    @staticmethod
    def _ticket_item(ticket: Ticket) -> dict[str, Any]:
        return {
            **ticket.model_dump(mode="json"),
            "pk": _ticket_pk(ticket.id),
            "sk": "META",
            "entity": "ticket",
            "gsi1pk": f"ORG#{ticket.organization_id}",
            "gsi1sk": _sort_key(ticket),
        }

    @staticmethod
    def _message_item(ticket_id: str, message: TicketMessage) -> dict[str, Any]:
        return {
            **message.model_dump(mode="json"),
            "pk": _ticket_pk(ticket_id),
            "sk": f"MSG#{message.received_at.isoformat()}#{message_key(message.message_id)[:12]}",
            "entity": "message",
        }

    def create(self, ticket: Ticket, message: TicketMessage, *, intake_key: str | None) -> None:
        """The ticket and its first message, claiming the message's Message-ID (atomic)."""
        claim = self._claim_item(
            message.message_id, ticket.id, message.direction, intake_key, "ticket_created"
        )
        absent = {"ConditionExpression": "attribute_not_exists(pk)"}
        self._transact(
            [
                {"Put": {"Item": to_item(claim), **absent}},
                {"Put": {"Item": to_item(self._ticket_item(ticket)), **absent}},
                {"Put": {"Item": to_item(self._message_item(ticket.id, message)), **absent}},
            ],
            message.message_id,
        )

    def append(
        self,
        ticket_id: str,
        message: TicketMessage,
        *,
        intake_key: str | None,
        status: TicketStatus | None = None,
        outcome: ClaimOutcome = "threaded",
    ) -> None:
        """Add a message to a ticket (claiming its Message-ID) and touch the ticket (atomic).
        Raises MessageAlreadyRecorded for a duplicate, NotFound for a missing ticket."""
        claim = self._claim_item(
            message.message_id, ticket_id, message.direction, intake_key, outcome
        )
        at = message.received_at.isoformat()
        values: dict[str, Any] = {":at": at, ":one": 1}
        update = "SET updated_at = :at, last_message_at = :at"
        names: dict[str, str] = {}
        if status is not None:
            update += ", #status = :status"
            values[":status"] = status
            names["#status"] = "status"
        update += " ADD message_count :one"
        absent = {"ConditionExpression": "attribute_not_exists(pk)"}
        ticket_update: dict[str, Any] = {
            "Key": to_item({"pk": _ticket_pk(ticket_id), "sk": "META"}),
            "UpdateExpression": update,
            "ConditionExpression": "attribute_exists(pk)",
            "ExpressionAttributeValues": to_item(values),
        }
        if names:
            ticket_update["ExpressionAttributeNames"] = names
        self._transact(
            [
                {"Put": {"Item": to_item(claim), **absent}},
                {"Put": {"Item": to_item(self._message_item(ticket_id, message)), **absent}},
                {"Update": ticket_update},
            ],
            message.message_id,
        )

    def get(self, ticket_id: str) -> Ticket | None:
        item = self._get(_ticket_pk(ticket_id), "META")
        return Ticket.model_validate(item) if item else None

    def messages(self, ticket_id: str) -> list[TicketMessage]:
        """A ticket's messages, oldest first."""
        kwargs: dict[str, Any] = {
            "KeyConditionExpression": "pk = :pk AND begins_with(sk, :msg)",
            "ExpressionAttributeValues": to_item({":pk": _ticket_pk(ticket_id), ":msg": "MSG#"}),
        }
        found: list[TicketMessage] = []
        while True:
            page = self._call("query", **kwargs)
            found += [TicketMessage.model_validate(from_item(i)) for i in page.get("Items", [])]
            if "LastEvaluatedKey" not in page:
                return found
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def update(self, ticket_id: str, changes: TicketChanges, updated_at: datetime) -> Ticket:
        """Set fields of a ticket (an organization change moves it in the by_org index)."""
        values: dict[str, Any] = {":updated": updated_at.isoformat()}
        names: dict[str, str] = {"#updated_at": "updated_at"}
        sets = ["#updated_at = :updated"]
        fields = changes.fields()
        if changes.organization_id is not None:
            fields["gsi1pk"] = f"ORG#{changes.organization_id}"
        for position, (name, value) in enumerate(fields.items()):
            names[f"#f{position}"] = name
            values[f":v{position}"] = value
            sets.append(f"#f{position} = :v{position}")
        try:
            response = self._call(
                "update_item",
                Key=to_item({"pk": _ticket_pk(ticket_id), "sk": "META"}),
                UpdateExpression="SET " + ", ".join(sets),
                ConditionExpression="attribute_exists(pk)",
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=to_item(values),
                ReturnValues="ALL_NEW",
            )
        except ClientError as exc:
            raise NotFound("ticket not found") from exc
        return Ticket.model_validate(from_item(response["Attributes"]))

    def _organization_page(
        self,
        organization_id: str,
        before: str | None,
        limit: int,
        status: TicketStatus | None,
        intent: Intent | None,
    ) -> tuple[list[dict[str, Any]], bool]:
        """Up to `limit` matching ticket items of one organization below `before`, newest first;
        and whether more may follow."""
        condition = "gsi1pk = :org" + (" AND gsi1sk < :before" if before else "")
        values: dict[str, Any] = {":org": f"ORG#{organization_id}"}
        if before:
            values[":before"] = before
        filters, names = [], {}
        if status:
            filters.append("#status = :status")
            names["#status"] = "status"
            values[":status"] = status
        if intent:
            filters.append("#intent = :intent")
            names["#intent"] = "intent"
            values[":intent"] = intent
        kwargs: dict[str, Any] = {
            "IndexName": "by_org",
            "KeyConditionExpression": condition,
            "ExpressionAttributeValues": to_item(values),
            "ScanIndexForward": False,
            "Limit": max(limit * 2, 20),
        }
        if filters:
            kwargs["FilterExpression"] = " AND ".join(filters)
            kwargs["ExpressionAttributeNames"] = names
        found: list[dict[str, Any]] = []
        while True:
            page = self._call("query", **kwargs)
            found += [from_item(item) for item in page.get("Items", [])]
            if len(found) > limit:
                return found[:limit], True
            if "LastEvaluatedKey" not in page:
                return found, False
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def list_tickets(
        self,
        organizations: Sequence[str],
        *,
        limit: int = 50,
        cursor: str | None = None,
        status: TicketStatus | None = None,
        intent: Intent | None = None,
    ) -> tuple[list[Ticket], str | None]:
        """Tickets of these organizations, newest first, merged across organizations. The cursor
        is the sort key of the last ticket returned, so pages stay stable as tickets arrive."""
        limit = max(1, min(limit, MAX_PAGE))
        before = decode_cursor(cursor) if cursor else None

        def one(organization_id: str) -> tuple[list[dict[str, Any]], bool]:
            return self._organization_page(organization_id, before, limit, status, intent)

        unique = sorted(set(organizations))
        with ThreadPoolExecutor(max_workers=min(8, max(1, len(unique)))) as pool:
            pages = list(pool.map(one, unique))
        items = sorted(
            (item for page, _ in pages for item in page), key=lambda i: i["gsi1sk"], reverse=True
        )
        more = len(items) > limit or any(has_more for _, has_more in pages)
        chosen = items[:limit]
        next_cursor = encode_cursor(chosen[-1]["gsi1sk"]) if more and chosen else None
        return [Ticket.model_validate(item) for item in chosen], next_cursor

    # ------------------------------------------------------------ intake records
    @staticmethod
    def _intake_key(bucket: str, key: str) -> dict[str, str]:
        return {"pk": f"INTAKE#{bucket}/{key}", "sk": "INTAKE"}

    def intake(self, bucket: str, key: str) -> IntakeRecord | None:
        item = self._get(**self._intake_key(bucket, key))
        return IntakeRecord.model_validate(item) if item else None

    def intake_outcome(self, bucket: str, key: str) -> MailOutcome | None:
        """The outcome of a delivered object, once it has one."""
        record = self.intake(bucket, key)
        return record.outcome if record else None

    def begin_intake(
        self, bucket: str, key: str, size: int, etag: str | None, received_at: datetime
    ) -> None:
        try:
            self._call(
                "put_item",
                Item=to_item(
                    {
                        **self._intake_key(bucket, key),
                        "bucket": bucket,
                        "key": key,
                        "size": size,
                        "etag": etag,
                        "received_at": received_at.isoformat(),
                        "status": "received",
                    }
                ),
                ConditionExpression="attribute_not_exists(pk)",
            )
        except ClientError:
            return  # a redelivery: the record exists already

    def finish_intake(
        self, bucket: str, key: str, outcome: MailOutcome, processed_at: datetime
    ) -> None:
        values = {
            "status": outcome.status,
            "outcome": outcome.model_dump_json(exclude_none=True),
            "processed_at": processed_at.isoformat(),
            "ticket_id": outcome.ticket_id or "-",
            "bucket": bucket,
            "key": key,
        }
        names = {f"#a{i}": name for i, name in enumerate(values)}
        self._call(
            "update_item",
            Key=to_item(self._intake_key(bucket, key)),
            UpdateExpression="SET " + ", ".join(f"#a{i} = :v{i}" for i in range(len(values))),
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=to_item(
                {f":v{i}": value for i, value in enumerate(values.values())}
            ),
        )
