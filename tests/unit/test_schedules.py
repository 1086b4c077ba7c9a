"""AWS schedule expressions: what flyteadmin sends, validation, next fire times (facts §5)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from flyte_scheduler.schedules import Rate, ScheduleError, aws_weekday, parse_schedule

NOW = datetime(2026, 11, 27, 7, 30, tzinfo=UTC)  # a Friday


def fires(expression: str, count: int = 5) -> list[str]:
    return [
        f"{moment:%Y-%m-%d %H:%M}" for moment in parse_schedule(expression).next_fires(NOW, count)
    ]


@pytest.mark.parametrize(
    ("given", "sent"),
    [
        ("rate(1 minute)", "rate(1 minute)"),
        ("rate(90 minutes)", "rate(90 minutes)"),
        ("90 minutes", "rate(90 minutes)"),
        ("1 DAY", "rate(1 day)"),
        ("2 hour", "rate(2 hours)"),
        ("cron(0 10 * * ? *)", "cron(0 10 * * ? *)"),
        ("0 10 * * ? *", "cron(0 10 * * ? *)"),
        ("  cron(0/15 * ? * MON-FRI *) ", "cron(0/15 * ? * MON-FRI *)"),
    ],
)
def test_the_expression_flyteadmin_sends(given: str, sent: str) -> None:
    assert parse_schedule(given).expression == sent


def test_daily_cron_fires_at_ten_utc() -> None:
    assert fires("cron(0 10 * * ? *)", 3) == [
        "2026-11-27 10:00",
        "2026-11-28 10:00",
        "2026-11-29 10:00",
    ]


def test_weekday_names_and_steps() -> None:
    assert fires("cron(0/20 9-10 ? * MON-FRI *)", 7) == [
        "2026-11-27 09:00", "2026-11-27 09:20", "2026-11-27 09:40",
        "2026-11-27 10:00", "2026-11-27 10:20", "2026-11-27 10:40",
        "2026-11-30 09:00",
    ]  # fmt: skip


def test_sunday_is_one() -> None:
    assert aws_weekday(datetime(2026, 11, 29).date()) == 1
    assert fires("cron(0 0 ? * 1 *)", 2) == ["2026-11-29 00:00", "2026-12-06 00:00"]


def test_last_day_nearest_weekday_and_nth_weekday() -> None:
    assert fires("cron(0 0 L * ? *)", 3) == [
        "2026-11-30 00:00",
        "2026-12-31 00:00",
        "2027-01-31 00:00",
    ]
    # 2027-05-15 is a Saturday: the nearest weekday is Friday the 14th.
    assert "2027-05-14 09:00" in fires("cron(0 9 15W * ? *)", 7)
    assert fires("cron(0 12 ? * 3#2 *)", 2) == ["2026-12-08 12:00", "2027-01-12 12:00"]
    assert fires("cron(0 0 ? * 6L 2027)", 1) == ["2027-01-29 00:00"]


def test_year_field_and_an_impossible_date() -> None:
    assert fires("cron(30 6 1 JAN ? 2028)", 2) == ["2028-01-01 06:30"]
    assert fires("cron(0 0 31 2 ? *)") == []


def test_rates_count_from_creation() -> None:
    schedule = parse_schedule("rate(2 hours)")
    assert isinstance(schedule, Rate)
    assert fires("rate(2 hours)", 2) == ["2026-11-27 09:30", "2026-11-27 11:30"]


@pytest.mark.parametrize(
    ("expression", "field", "why"),
    [
        ("cron(0 10 * * ?)", "cron", "exactly 6 fields"),
        ("cron(0 10 * * * *)", "day-of-month/day-of-week", "exactly one"),
        ("cron(0 10 ? * ? *)", "day-of-month/day-of-week", "exactly one"),
        ("cron(60 10 * * ? *)", "minutes", "0-59"),
        ("cron(0 24 * * ? *)", "hours", "0-23"),
        ("cron(0 0 32 * ? *)", "day-of-month", "1-31"),
        ("cron(0 0 * 13 ? *)", "month", "1-12 or JAN-DEC"),
        ("cron(0 0 ? * 8 *)", "day-of-week", "SUN = 1"),
        ("cron(0 0 ? * 0 *)", "day-of-week", "1-7"),
        ("cron(0 0 * * ? 1969)", "year", "1970-2199"),
        ("cron(0 0 ? * 1#6 *)", "day-of-week", "1 to 5"),
        ("cron(0 0 ? * 1#2,3#1 *)", "day-of-week", "only one '#'"),
        ("cron(0 0 32W * ? *)", "day-of-month", "1-31"),
        ("cron(5-2 * * * ? *)", "minutes", "backwards"),
        ("cron(*/0 * * * ? *)", "minutes", "positive"),
        ("rate(1 minutes)", "rate unit", "'minute'"),
        ("rate(5 minute)", "rate unit", "'minutes'"),
        ("rate(0 days)", "rate value", "positive"),
        ("rate(1.5 hours)", "rate value", "whole number"),
        ("rate(5 weeks)", "rate unit", "minute(s), hour(s) or day(s)"),
        ("rate(5)", "rate", "N unit"),
    ],
)
def test_invalid_expressions_name_the_field_and_why(expression: str, field: str, why: str) -> None:
    with pytest.raises(ScheduleError) as raised:
        parse_schedule(expression)
    assert raised.value.field == field
    assert why in str(raised.value)


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        # 2027-05-01 is a Saturday and the 1st: W moves forward to Monday the 3rd.
        ("cron(0 9 1W 5 ? 2027)", ["2027-05-03 09:00"]),
        # 2027-10-31 is a Sunday and the last day: W moves back to Friday the 29th.
        ("cron(0 9 31W 10 ? 2027)", ["2027-10-29 09:00"]),
        # 2027-08-15 is a Sunday mid-month: W moves to Monday the 16th.
        ("cron(0 9 15W 8 ? 2027)", ["2027-08-16 09:00"]),
        # 2026-12-16 is a Wednesday: W keeps the day.
        ("cron(0 9 16W 12 ? 2026)", ["2026-12-16 09:00"]),
        # L alone in day-of-week is Saturday (7); 2026-11-28 is the next one.
        ("cron(0 9 ? * L *)", ["2026-11-28 09:00", "2026-12-05 09:00"]),
        # the first Monday (2#1) of December 2026 and January 2027.
        ("cron(0 9 ? * 2#1 *)", ["2026-12-07 09:00", "2027-01-04 09:00"]),
        # the last Friday (6L) of December 2026.
        ("cron(0 9 ? * 6L *)", ["2026-11-27 09:00", "2026-12-25 09:00"]),
    ],
)
def test_quartz_day_rules_match_the_calendar(expression: str, expected: list[str]) -> None:
    assert fires(expression, len(expected)) == expected
