"""Request rate limiters: a port, an in-process bucket, and a bucket shared through DynamoDB.

IT Glue allows 3000 requests per 5 minutes per account, shared by every sync worker. A limiter
per process would let N concurrent Lambdas send N times the rate, so the production limiter keeps
its state in the state table and every worker draws from the same bucket.

Both buckets use the virtual-scheduling form of a token bucket (GCRA): the state is one number,
the *theoretical arrival time* `tat` of the next request. Each `acquire()` moves `tat` forward by
one interval (1 / rate) and waits until `tat - burst * interval`. Over any window of L seconds at
most `burst + L * rate` requests pass. In DynamoDB each acquire is one atomic UpdateItem (two when
the bucket has gone idle), with no read-modify-write race between workers.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import Executor
from decimal import Decimal
from functools import partial
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from botocore.exceptions import BotoCoreError, ClientError

from gluekb.errors import ConfigurationError, DependencyUnavailable

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]
_T = TypeVar("_T")


class RateLimiter(Protocol):
    async def acquire(self) -> None:
        """Return when one more request may be sent (waiting as long as the rate requires)."""


class Unlimited:
    """No limit: for tests of other behaviour, and for tools that talk to a local server."""

    async def acquire(self) -> None:
        return None


def _check(rate_per_s: float, burst: int) -> None:
    if rate_per_s <= 0:
        raise ConfigurationError(f"rate limit must be positive, got {rate_per_s} requests/s")
    if burst < 1:
        raise ConfigurationError(f"rate limit burst must be at least 1, got {burst}")


class TokenBucket:
    """An in-process limiter: `rate_per_s` on average, at most `burst` back to back.

    Fair (first come, first served) and safe for many tasks on one event loop. The clock is
    injectable for tests; it must be monotonic."""

    def __init__(
        self,
        rate_per_s: float,
        *,
        burst: int = 1,
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        _check(rate_per_s, burst)
        self.rate_per_s = rate_per_s
        self.burst = burst
        self._interval = 1.0 / rate_per_s
        self._clock = clock
        self._sleep = sleep
        self._tat: float | None = None

    async def acquire(self) -> None:
        now = self._clock()
        # No await between reading and writing `_tat`: atomic on the event loop.
        self._tat = max(self._tat if self._tat is not None else now, now) + self._interval
        await _wait_until(self._tat - self.burst * self._interval, self._clock, self._sleep)


async def _wait_until(moment: float, clock: Clock, sleep: Sleep) -> None:
    # Loop: an event loop may wake a sleeper a little early, and early would break the rate.
    while (remaining := moment - clock()) > 0:
        await sleep(remaining)


class DynamoDbTokenBucket:
    """A limiter shared by every process that points at the same item of the state table.

    The item is `pk=RATELIMIT#<name>`, `sk=BUCKET` with one attribute, `tat` (epoch seconds).
    boto3 is blocking, so calls run in a thread (`executor`, default: the loop's) and never stall
    the event loop. `clock` must be a wall clock shared by the workers (epoch seconds); workers
    on different machines rely on NTP, as Lambda does.
    """

    def __init__(
        self,
        client: DynamoDBClient,
        table: str,
        *,
        rate_per_s: float,
        burst: int = 1,
        name: str = "itglue",
        max_wait_s: float = 300.0,
        clock: Clock = time.time,
        sleep: Sleep = asyncio.sleep,
        executor: Executor | None = None,
    ) -> None:
        _check(rate_per_s, burst)
        self.client = client
        self.table = table
        self.rate_per_s = rate_per_s
        self.burst = burst
        self.key = {"pk": {"S": f"RATELIMIT#{name}"}, "sk": {"S": "BUCKET"}}
        self.max_wait_s = max_wait_s
        self._interval = 1.0 / rate_per_s
        self._clock = clock
        self._sleep = sleep
        self._executor = executor
        self._busy = False  # last seen: the bucket had a queue (try the "queue" update first)

    async def acquire(self) -> None:
        while True:
            now = self._clock()
            tat = await self._reserve(now)
            if tat is None:
                continue  # the bucket changed between our two updates; look again
            await _wait_until(tat - self.burst * self._interval, self._clock, self._sleep)
            return

    async def _reserve(self, now: float) -> float | None:
        """Take the next slot; returns its theoretical arrival time, or None to retry."""
        if self._busy:
            tat = await self._queue_behind(now)
            if tat is not None:
                return tat
        tat = await self._start_idle(now)
        if tat is not None:
            self._busy = False
            return tat
        tat = await self._queue_behind(now)
        self._busy = tat is not None
        return tat

    async def _start_idle(self, now: float) -> float | None:
        """The bucket is idle (tat in the past, or no item yet): the slot is `now`."""
        tat = now + self._interval
        try:
            await self._call(
                self.client.update_item,
                TableName=self.table,
                Key=self.key,
                UpdateExpression="SET tat = :tat, rate_per_s = :rate",
                ConditionExpression="attribute_not_exists(tat) OR tat < :now",
                ExpressionAttributeValues={
                    ":tat": _number(tat),
                    ":now": _number(now),
                    ":rate": _number(self.rate_per_s),
                },
            )
        except _ConditionFailed:
            return None
        return tat

    async def _queue_behind(self, now: float) -> float | None:
        """The bucket has a queue (tat >= now): take the slot after the last one reserved."""
        horizon = now + self.max_wait_s
        try:
            response = await self._call(
                self.client.update_item,
                TableName=self.table,
                Key=self.key,
                UpdateExpression="SET tat = tat + :interval",
                ConditionExpression="tat >= :now AND tat <= :horizon",
                ExpressionAttributeValues={
                    ":interval": _number(self._interval),
                    ":now": _number(now),
                    ":horizon": _number(horizon),
                },
                ReturnValues="UPDATED_NEW",
            )
        except _ConditionFailed:
            await self._wait_if_queue_too_long(horizon)
            return None
        return float(response["Attributes"]["tat"]["N"])

    async def _wait_if_queue_too_long(self, horizon: float) -> None:
        item = await self._call(
            self.client.get_item, TableName=self.table, Key=self.key, ConsistentRead=True
        )
        tat = float(item["Item"]["tat"]["N"]) if "Item" in item else None
        if tat is not None and tat > horizon:
            await self._sleep(min(tat - horizon, self.max_wait_s))

    async def _call(self, method: Callable[..., _T], **kwargs: Any) -> _T:
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self._executor, partial(method, **kwargs))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                raise _ConditionFailed from exc
            raise DependencyUnavailable(f"rate limiter table {self.table}: {exc}") from exc
        except BotoCoreError as exc:
            raise DependencyUnavailable(f"rate limiter table {self.table}: {exc}") from exc

    async def reset(self) -> None:
        """Forget the shared state (tests, and an operator clearing a stuck queue)."""
        with contextlib.suppress(_ConditionFailed):
            await self._call(self.client.delete_item, TableName=self.table, Key=self.key)


class _ConditionFailed(Exception):
    """The conditional update lost: another worker moved the bucket first."""


def _number(value: float) -> dict[str, str]:
    # Microsecond precision is plenty, and keeps the number short for DynamoDB.
    return {"N": str(Decimal(f"{value:.6f}"))}
