"""The in-process limiter: a token bucket that never lets more than `burst + L * rate` requests
through in any window of L seconds (measured on a fake clock)."""

from __future__ import annotations

import asyncio
import heapq
import itertools
from collections.abc import Coroutine
from typing import Any

import pytest

from gluekb.adapters.rate_limit import TokenBucket
from gluekb.errors import ConfigurationError


class VirtualTime:
    """A clock that moves only when every task is asleep: to the earliest wake-up."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []
        self._waiters: list[tuple[float, int, asyncio.Future[None]]] = []
        self._seq = itertools.count()

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._waiters, (self.now + max(0.0, seconds), next(self._seq), future))
        await future

    async def run(self, *work: Coroutine[Any, Any, None]) -> None:
        tasks = [asyncio.ensure_future(w) for w in work]
        while not all(t.done() for t in tasks):
            for _ in range(10):  # let every runnable task reach its next sleep
                await asyncio.sleep(0)
            if self._waiters:
                wake, _, future = heapq.heappop(self._waiters)
                self.now = max(self.now, wake)
                future.set_result(None)
        await asyncio.gather(*tasks)


def conforms(times: list[float], rate: float, burst: int, slack: float = 1e-9) -> bool:
    """No window holds more than `burst + length * rate` of the given moments."""
    times = sorted(times)
    interval = 1 / rate
    return all(
        times[j] - times[i] >= (j - i + 1 - burst) * interval - slack
        for i in range(len(times))
        for j in range(i + 1, len(times))
    )


def test_a_bucket_lets_a_burst_through_then_paces_at_the_rate() -> None:
    # Given a bucket of 5 requests/s with a burst of 3, on a fake clock
    fake = VirtualTime()
    bucket = TokenBucket(5, burst=3, clock=fake.clock, sleep=fake.sleep)
    granted: list[float] = []

    async def take(n: int) -> None:
        for _ in range(n):
            await bucket.acquire()
            granted.append(fake.now)

    # When 20 requests are taken back to back
    asyncio.run(fake.run(take(20)))

    # Then the first three pass at once and the rest come 0.2 s apart
    assert granted[:3] == pytest.approx([1000.0] * 3)
    assert granted[-1] == pytest.approx(1000.0 + (20 - 3) * 0.2)
    assert conforms(granted, rate=5, burst=3)


def test_many_tasks_sharing_a_bucket_stay_within_the_rate() -> None:
    # Given six tasks sharing one bucket of 10 requests/s
    fake = VirtualTime()
    bucket = TokenBucket(10, burst=1, clock=fake.clock, sleep=fake.sleep)
    granted: list[float] = []

    async def worker() -> None:
        for _ in range(5):
            await bucket.acquire()
            granted.append(fake.now)

    # When they all take tokens at once
    asyncio.run(fake.run(*(worker() for _ in range(6))))

    # Then all 30 pass, 0.1 s apart, and no window holds more than the rate allows
    assert len(granted) == 30
    assert conforms(granted, rate=10, burst=1)
    assert max(granted) - min(granted) == pytest.approx(2.9)


def test_an_idle_bucket_refills_up_to_its_burst_only() -> None:
    fake = VirtualTime()
    bucket = TokenBucket(2, burst=2, clock=fake.clock, sleep=fake.sleep)
    waited: list[float] = []

    async def scenario() -> None:
        for _ in range(4):
            await bucket.acquire()
        fake.now += 60  # a long idle spell
        before = len(fake.sleeps)
        for _ in range(3):
            await bucket.acquire()
        waited.extend(fake.sleeps[before:])

    asyncio.run(fake.run(scenario()))
    assert waited == [pytest.approx(0.5)]  # two free after idling, the third waits 1/rate


@pytest.mark.parametrize(("rate", "burst"), [(0, 1), (-1, 1), (10, 0)])
def test_a_nonsense_rate_is_refused(rate: float, burst: int) -> None:
    with pytest.raises(ConfigurationError):
        TokenBucket(rate, burst=burst)
