from __future__ import annotations

from datetime import UTC, datetime

import pytest

from gluekb.errors import ConfigurationError
from gluekb_dev.stack.schedules import parse_schedule

START = datetime(2026, 11, 21, 9, 7, 30, tzinfo=UTC)  # a Saturday


def nxt(expression: str, after: datetime = START) -> datetime:
    return parse_schedule(expression, START).next_after(after)


def test_rate_fires_every_period_from_creation() -> None:
    assert nxt("rate(15 minutes)") == datetime(2026, 11, 21, 9, 22, 30, tzinfo=UTC)
    assert nxt("rate(1 hour)", datetime(2026, 11, 21, 10, 7, 30, tzinfo=UTC)) == datetime(
        2026, 11, 21, 11, 7, 30, tzinfo=UTC
    )


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("cron(0 10 * * ? *)", datetime(2026, 11, 21, 10, 0, tzinfo=UTC)),
        ("cron(15 12 * * ? *)", datetime(2026, 11, 21, 12, 15, tzinfo=UTC)),
        ("cron(0 18 ? * MON-FRI *)", datetime(2026, 11, 23, 18, 0, tzinfo=UTC)),
        ("cron(0 8 1 * ? *)", datetime(2026, 12, 1, 8, 0, tzinfo=UTC)),
        ("cron(0/15 * * * ? *)", datetime(2026, 11, 21, 9, 15, tzinfo=UTC)),
        ("cron(0/5 8-17 ? * MON-FRI *)", datetime(2026, 11, 23, 8, 0, tzinfo=UTC)),
        ("cron(0 9 ? * 2#1 *)", datetime(2026, 12, 7, 9, 0, tzinfo=UTC)),  # first Monday
        ("cron(0 0 L * ? *)", datetime(2026, 11, 30, 0, 0, tzinfo=UTC)),  # last day of month
        ("cron(0 0 ? * 6L *)", datetime(2026, 11, 27, 0, 0, tzinfo=UTC)),  # last Friday
        ("cron(0 9 15W * ? *)", datetime(2026, 12, 15, 9, 0, tzinfo=UTC)),  # Nov 15 was Sunday
        ("cron(30 6 ? * SUN *)", datetime(2026, 11, 22, 6, 30, tzinfo=UTC)),
        ("cron(0 12 25 DEC ? 2027)", datetime(2027, 12, 25, 12, 0, tzinfo=UTC)),
    ],
)
def test_cron_follows_eventbridge_fields(expression: str, expected: datetime) -> None:
    assert nxt(expression) == expected


@pytest.mark.parametrize(
    "expression",
    [
        "rate(1 minutes)",
        "rate(5 minute)",
        "rate(0 minutes)",
        "cron(0 10 * * * *)",  # both day fields set
        "cron(0 10 * *)",
        "cron(61 10 * * ? *)",
        "every day",
    ],
)
def test_invalid_expressions_are_refused_with_the_expression_named(expression: str) -> None:
    with pytest.raises(ConfigurationError, match="invalid schedule"):
        parse_schedule(expression, START)


def test_a_schedules_interval_is_its_rate_or_its_longest_cron_gap() -> None:
    from gluekb_dev.stack.schedules import interval_s

    assert interval_s("rate(15 minutes)") == 900
    assert interval_s("rate(1 day)") == 86400
    # Weekdays at 09:00: Friday to Monday is the longest wait
    monday = datetime(2026, 11, 23, 12, tzinfo=UTC)
    assert interval_s("cron(0 9 ? * MON-FRI *)", monday) == 3 * 86400
