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
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import Executor
from decimal import Decimal
from functools import partial
from typing import TYPE_CHECKING, Protocol, TypeVar

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
    boto3 blocks, so a reservation runs in a thread (`executor`, default: the loop's) and only
    the wait happens on the event loop. The clock is read in that thread right before each
    UpdateItem, so time spent queueing for a thread never backdates a slot, and the bucket is
    evaluated `latency_allowance_s` ahead of that reading: a request leaves one DynamoDB round
    trip after its slot was decided, and the allowance keeps that lag from squeezing the next
    slot closer than the interval. A reservation that still comes back too late (a cold
    client, a slow call) is given up and taken again with a larger allowance, so a slow round
    trip costs a slot, never the rate; so is one whose waiter woke more than
    `wake_tolerance_s` late (at most three times per acquire, then it goes). `clock` must be
    a wall clock the workers share (epoch seconds); across machines that is NTP, as in Lambda.
    """

    MAX_ALLOWANCE_S = 2.0
    MAX_STALE_RESERVATIONS = 3

    def __init__(
        self,
        client: DynamoDBClient,
        table: str,
        *,
        rate_per_s: float,
        burst: int = 1,
        name: str = "itglue",
        max_wait_s: float = 300.0,
        latency_allowance_s: float = 0.05,
        wake_tolerance_s: float = 0.02,
        clock: Clock = time.time,
        sleep: Sleep = asyncio.sleep,
        executor: Executor | None = None,
    ) -> None:
        _check(rate_per_s, burst)
        self.latency_allowance_s = latency_allowance_s
        self.wake_tolerance_s = wake_tolerance_s
        self._allowance = latency_allowance_s  # grows after a slow round trip, then decays
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
        self._busy = False  # a hint: last time the bucket had a queue, so queue first

    async def acquire(self) -> None:
        loop = asyncio.get_running_loop()
        stale = 0
        while True:
            try:
                tat, backoff = await loop.run_in_executor(self._executor, self._reserve)
            except (BotoCoreError, ClientError) as exc:
                raise DependencyUnavailable(f"rate limiter table {self.table}: {exc}") from exc
            if tat is None:
                if backoff:
                    await self._sleep(backoff)
                continue
            # A request sent after tat - interval could crowd the next slot's holder.
            late = self._clock() - (tat - self._interval)
            if late > 0 and stale < self.MAX_STALE_RESERVATIONS:
                stale += 1
                self._allowance = min(self.MAX_ALLOWANCE_S, self._allowance + 2 * late)
                continue
            self._allowance = max(self.latency_allowance_s, self._allowance * 0.9)
            await _wait_until(tat - self.burst * self._interval, self._clock, self._sleep)
            # A stalled event loop (a long GC, a throttled CPU) wakes every overdue waiter at
            # once; a slot whose moment passed long ago is given up so they cannot bunch.
            overdue = self._clock() - (tat - self._interval)
            if overdue > self.wake_tolerance_s and stale < self.MAX_STALE_RESERVATIONS:
                stale += 1
                continue
            return

    def _reserve(self) -> tuple[float | None, float]:
        """Take the next slot: (its theoretical arrival time, 0), or (None, seconds to wait
        before trying again). Runs in a worker thread."""
        if self._busy:
            queued = self._queue_behind()
            if queued is not None:
                return queued, 0.0
        started = self._start_idle()
        if started is not None:
            self._busy = False
            return started, 0.0
        queued = self._queue_behind()
        self._busy = queued is not None
        if queued is not None:
            return queued, 0.0
        return None, self._queue_overflow()

    def _start_idle(self) -> float | None:
        """The bucket is idle (tat in the past, or no item yet): the slot is now."""
        now = self._clock() + self._allowance
        tat = now + self._interval
        try:
            self.client.update_item(
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
        except ClientError as exc:
            if _lost(exc):
                return None
            raise
        return tat

    def _queue_behind(self) -> float | None:
        """The bucket has a queue (tat >= now): take the slot after the last one reserved."""
        now = self._clock() + self._allowance
        try:
            response = self.client.update_item(
                TableName=self.table,
                Key=self.key,
                UpdateExpression="SET tat = tat + :interval",
                ConditionExpression="tat >= :now AND tat <= :horizon",
                ExpressionAttributeValues={
                    ":interval": _number(self._interval),
                    ":now": _number(now),
                    ":horizon": _number(now + self.max_wait_s),
                },
                ReturnValues="UPDATED_NEW",
            )
        except ClientError as exc:
            if _lost(exc):
                return None
            raise
        return float(response["Attributes"]["tat"]["N"])

    def _queue_overflow(self) -> float:
        """Neither update applied: the bucket went idle meanwhile (retry now), or its queue is
        longer than `max_wait_s` (wait until it is not)."""
        item = self.client.get_item(TableName=self.table, Key=self.key, ConsistentRead=True)
        if "Item" not in item:
            return 0.0
        tat = float(item["Item"]["tat"]["N"])
        now = self._clock() + self._allowance
        return max(0.0, min(tat - now - self.max_wait_s, self.max_wait_s))

    async def reset(self) -> None:
        """Forget the shared state (tests, and an operator clearing a stuck queue)."""
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(
            self._executor, partial(self.client.delete_item, TableName=self.table, Key=self.key)
        )


def _lost(exc: ClientError) -> bool:
    """The conditional update lost: another worker moved the bucket first."""
    return exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException"


def _number(value: float) -> dict[str, str]:
    # Microsecond precision is plenty, and keeps the number short for DynamoDB.
    return {"N": str(Decimal(f"{value:.6f}"))}
