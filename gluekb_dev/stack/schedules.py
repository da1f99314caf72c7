"""EventBridge schedules, locally: `rate(...)` and `cron(...)` expressions fire the function with
the same "Scheduled Event" payload EventBridge sends.

Cron follows EventBridge's six fields (minutes hours day-of-month month day-of-week year, UTC):
`*`, `?`, lists, ranges, steps, month and day names, `L` (last day of month, or `5L` last
Thursday), `#` (`2#1` first Monday) and `W` (nearest weekday). Day-of-week counts 1=SUN..7=SAT.
The clock is injected, so tests can advance time instead of waiting for it.
"""

from __future__ import annotations

import asyncio
import calendar
import re
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from typing import Any

from gluekb.errors import ConfigurationError
from gluekb_dev.stack.lambda_runtime import InvocationResult
from gluekb_dev.stack.template import ScheduleRule

_RATE = re.compile(r"^rate\((\d+)\s+(minute|minutes|hour|hours|day|days)\)$")
_CRON = re.compile(r"^cron\(([^)]*)\)$")
_MONTHS = {m.upper(): i for i, m in enumerate(calendar.month_abbr) if m}
_DAYS = {"SUN": 1, "MON": 2, "TUE": 3, "WED": 4, "THU": 5, "FRI": 6, "SAT": 7}


class Schedule:
    def next_after(self, moment: datetime) -> datetime:
        raise NotImplementedError


@dataclass(frozen=True)
class RateSchedule(Schedule):
    every: timedelta
    anchor: datetime

    def next_after(self, moment: datetime) -> datetime:
        elapsed = moment - self.anchor
        periods = int(elapsed / self.every) + 1
        return self.anchor + periods * self.every


def _field(text: str, low: int, high: int, names: dict[str, int] | None = None) -> set[int]:
    values: set[int] = set()
    for part in text.split(","):
        step = 1
        if "/" in part:
            part, step_text = part.split("/", 1)
            step = int(step_text)
            if step < 1:
                raise ValueError("step must be positive")
        if part in ("*", "?"):
            start, end = low, high
        elif "-" in part:
            a, b = part.split("-", 1)
            start, end = _value(a, names), _value(b, names)
        else:
            start = _value(part, names)
            end = high if step > 1 else start
        if not (low <= start <= high and low <= end <= high):
            raise ValueError(f"{part} outside {low}-{high}")
        values.update(range(start, end + 1, step) if start <= end else [])
    return values


def _value(token: str, names: dict[str, int] | None) -> int:
    token = token.strip().upper()
    if names and token in names:
        return names[token]
    return int(token)


@dataclass(frozen=True)
class CronSchedule(Schedule):
    minutes: frozenset[int]
    hours: frozenset[int]
    day_of_month: str
    months: frozenset[int]
    day_of_week: str
    years: frozenset[int]

    @classmethod
    def parse(cls, body: str) -> CronSchedule:
        fields = body.split()
        if len(fields) != 6:
            raise ValueError(
                "cron needs 6 fields: minutes hours day-of-month month day-of-week year"
            )
        minute, hour, dom, month, dow, year = fields
        if (dom == "?") == (dow == "?"):
            raise ValueError("exactly one of day-of-month and day-of-week must be '?'")
        schedule = cls(
            frozenset(_field(minute, 0, 59)),
            frozenset(_field(hour, 0, 23)),
            dom.upper(),
            frozenset(_field(month, 1, 12, _MONTHS)),
            dow.upper(),
            frozenset(_field(year, 1970, 2199)),
        )
        schedule._day_matches(date(2024, 1, 1))  # validates the day fields once
        return schedule

    def _day_matches(self, day: date) -> bool:
        if self.day_of_month != "?":
            return self._dom_matches(day)
        return self._dow_matches(day)

    def _dom_matches(self, day: date) -> bool:
        last = calendar.monthrange(day.year, day.month)[1]
        spec = self.day_of_month
        if spec == "L":
            return day.day == last
        if spec.endswith("W"):
            target = min(int(spec[:-1]), last)
            anchor = day.replace(day=target)
            if anchor.weekday() == 5:  # Saturday -> Friday, or Monday if that leaves the month
                anchor = anchor - timedelta(days=1) if target > 1 else anchor + timedelta(days=2)
            elif anchor.weekday() == 6:
                anchor = anchor + timedelta(days=1) if target < last else anchor - timedelta(days=2)
            return day == anchor
        return day.day in _field(spec, 1, 31)

    def _dow_matches(self, day: date) -> bool:
        aws_dow = (day.weekday() + 1) % 7 + 1  # Monday=0 -> 2 ... Sunday=6 -> 1
        spec = self.day_of_week
        if spec.endswith("L") and spec != "L":
            wanted = _value(spec[:-1], _DAYS)
            return aws_dow == wanted and day + timedelta(days=7) > _month_end(day)
        if "#" in spec:
            name, nth = spec.split("#", 1)
            return aws_dow == _value(name, _DAYS) and (day.day - 1) // 7 + 1 == int(nth)
        if spec == "L":
            return aws_dow == 7
        return aws_dow in _field(spec, 1, 7, _DAYS)

    def next_after(self, moment: datetime) -> datetime:
        candidate = (moment + timedelta(minutes=1)).replace(second=0, microsecond=0)
        for _ in range(366 * 5):  # days; a schedule that never fires stops here
            day = candidate.date()
            if (
                candidate.year in self.years
                and candidate.month in self.months
                and self._day_matches(day)
            ):
                for hour in sorted(h for h in self.hours if h >= candidate.hour):
                    first = candidate.minute if hour == candidate.hour else 0
                    for minute in sorted(m for m in self.minutes if m >= first):
                        return candidate.replace(hour=hour, minute=minute)
            candidate = datetime.combine(day + timedelta(days=1), datetime.min.time(), tzinfo=UTC)
        raise ValueError("the cron expression never fires in the next five years")


def _month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def parse_schedule(expression: str, anchor: datetime) -> Schedule:
    expression = expression.strip()
    rate = _RATE.match(expression)
    if rate:
        amount, unit = int(rate.group(1)), rate.group(2)
        if amount < 1 or (amount == 1) != (not unit.endswith("s")):
            raise ConfigurationError(
                f"invalid schedule {expression!r}: use 'rate(1 minute)' or 'rate(5 minutes)'"
            )
        seconds = {"minute": 60, "hour": 3600, "day": 86400}[unit.rstrip("s")]
        return RateSchedule(timedelta(seconds=amount * seconds), anchor)
    cron = _CRON.match(expression)
    if cron:
        try:
            return CronSchedule.parse(cron.group(1))
        except ValueError as exc:
            raise ConfigurationError(f"invalid schedule {expression!r}: {exc}") from None
    raise ConfigurationError(f"invalid schedule {expression!r}: expected rate(...) or cron(...)")


def interval_s(expression: str, now: datetime | None = None) -> float:
    """How far apart a schedule fires: a rate's interval; for cron, the longest gap among its
    next firings (what an alarm on "twice the schedule" must allow)."""
    start = now or system_clock()
    schedule = parse_schedule(expression, start)
    if isinstance(schedule, RateSchedule):
        return schedule.every.total_seconds()
    fires = [schedule.next_after(start)]
    for _ in range(12):
        fires.append(schedule.next_after(fires[-1]))
    return max((later - earlier).total_seconds() for earlier, later in pairwise(fires))


def scheduled_event(rule_arn: str, fired_at: datetime, region: str, account: str) -> dict[str, Any]:
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": account,
        "time": fired_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": region,
        "resources": [rule_arn],
        "detail": {},
    }


Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(UTC)


class ScheduleRunner:
    """Fires each enabled rule at its times. Invocations are asynchronous, as EventBridge's are."""

    def __init__(
        self,
        rules: list[tuple[str, ScheduleRule]],
        invoke: Callable[[str, dict[str, Any]], Awaitable[InvocationResult]],
        region: str,
        account: str,
        clock: Clock = system_clock,
        tick_s: float = 0.5,
    ) -> None:
        self.invoke = invoke
        self.region = region
        self.account = account
        self.clock = clock
        self.tick_s = tick_s
        started = clock()
        self.rules = [
            (function, rule, parse_schedule(rule.expression, started))
            for function, rule in rules
            if rule.enabled
        ]
        self.next_fire = {rule.name: sched.next_after(started) for _, rule, sched in self.rules}
        self.fired: dict[str, int] = {rule.name: 0 for _, rule, _ in self.rules}
        self.last_result: dict[str, str] = {}
        self._task: asyncio.Task[None] | None = None
        self._inflight: set[asyncio.Task[None]] = set()

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="schedules")

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
        for task in list(self._inflight):
            task.cancel()

    async def _run(self) -> None:
        while True:
            self.fire_due()
            await asyncio.sleep(self.tick_s)

    def fire_due(self) -> None:
        now = self.clock()
        for function, rule, schedule in self.rules:
            due = self.next_fire[rule.name]
            if now < due:
                continue
            self.next_fire[rule.name] = schedule.next_after(now)
            arn = f"arn:aws:events:{self.region}:{self.account}:rule/{rule.name}"
            event = scheduled_event(arn, due, self.region, self.account)
            task = asyncio.create_task(self._deliver(function, rule.name, event))
            self._inflight.add(task)
            task.add_done_callback(self._inflight.discard)

    async def _deliver(self, function: str, rule: str, event: dict[str, Any]) -> None:
        self.fired[rule] += 1
        result = await self.invoke(function, event)
        self.last_result[rule] = (
            "ok" if result.ok else result.payload.decode(errors="replace")[:300]
        )

    def health(self) -> dict[str, Any]:
        return {
            "ok": self._task is None or not self._task.done(),
            "rules": {
                rule.name: {
                    "expression": rule.expression,
                    "next": self.next_fire[rule.name].isoformat(),
                    "fired": self.fired[rule.name],
                    "last_result": self.last_result.get(rule.name),
                }
                for _, rule, _ in self.rules
            },
        }
