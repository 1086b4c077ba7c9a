"""flyteadmin's verdict on every schedule form, from its code (expected values are literals).

F = flyteorg/flyte@89cf9cc7 flyteadmin/, K = flyteorg/flytekit@e96c7203, C = unionai/cron@5790c37:
- F pkg/async/schedule/aws/cloud_watch_scheduler.go#L84-L99: cron_expression -> cron(%s), rate ->
  rate(%v %s) with an "s" unless 1, anything else -> InvalidArgument "unrecognized schedule
  expression";
- F pkg/manager/impl/launch_plan_manager.go#L141-L156: a zero rate counts as no schedule;
- F pkg/manager/impl/validation/launch_plan_validator.go#L96-L107 (since v1.14.0, commit
  fa01e76): cron_expression and cron_schedule.schedule must pass cron.ParseStandard;
- C parser.go#L185-L187 (5 fields), #L366-L433 (descriptors), #L262 ('?' is '*');
- K flytekit/core/schedule.py#L37-L55 (aliases without '@' such as "daily").
"""

from __future__ import annotations

import pytest

from flyte_scheduler.launch_plan_schedules import (
    LaunchPlanSchedule,
    StandardCron,
    fixed_rate_instead,
    from_text,
    verdict,
)
from flyte_scheduler.schedules import ScheduleError

ACT, REG, NEVER, WORKS = (
    "fails at activation",
    "fails at registration",
    "registers but never fires",
    "works",
)

# input as typed -> (field flytekit writes, current verdict, verdict before 1.14, expression sent)
FORMS: dict[str, tuple[str, str, str, str | None]] = {
    "90 minutes": ("rate", WORKS, WORKS, "rate(90 minutes)"),
    "1 day": ("rate", WORKS, WORKS, "rate(1 day)"),
    "rate(1 minute)": ("rate", WORKS, WORKS, "rate(1 minute)"),
    "rate(2 hours)": ("rate", WORKS, WORKS, "rate(2 hours)"),
    "0 minutes": ("rate", NEVER, NEVER, None),
    "0 10 * * *": ("cron_schedule", ACT, ACT, None),
    "*/5 * * * *": ("cron_schedule", ACT, ACT, None),
    "0 10 ? * MON": ("cron_schedule", ACT, ACT, None),
    "@daily": ("cron_schedule", ACT, ACT, None),
    "@every 5m": ("cron_schedule", ACT, ACT, None),
    "TZ=Europe/Paris 0 9 * * *": ("cron_schedule", ACT, ACT, None),
    "daily": ("cron_schedule", REG, ACT, None),
    "@fortnightly": ("cron_schedule", REG, ACT, None),
    "0 0 L * *": ("cron_schedule", REG, ACT, None),
    "cron(0 10 * * ? *)": ("cron_expression", REG, WORKS, None),
    "0 10 * * ? *": ("cron_expression", REG, WORKS, None),
    "cron(0 10 * * * *)": ("cron_expression", REG, ACT, None),
    "cron(0 10 * * *)": ("cron_expression", ACT, ACT, None),
}


@pytest.mark.parametrize("typed", FORMS)
def test_each_form_gets_flyteadmins_verdict(typed: str) -> None:
    field, current, legacy, expression = FORMS[typed]
    schedule = from_text(typed)
    result = verdict(schedule)
    assert (schedule.kind, result.current, result.legacy) == (field, current, legacy)
    assert result.expression == expression
    assert result.works == (current == WORKS)


def test_a_five_field_cron_expression_passes_registration_then_putrule_rejects_it() -> None:
    result = verdict(LaunchPlanSchedule("cron_expression", "0 10 * * *"))
    assert (
        "passes registration" in result.current_why and "ValidationException" in result.current_why
    )


def test_cron_schedule_fails_with_flyteadmins_message() -> None:
    result = verdict(LaunchPlanSchedule("cron_schedule", "@hourly"))
    assert "unrecognized schedule expression" in result.current_why


def test_a_six_field_cron_names_the_parser_error() -> None:
    result = verdict(LaunchPlanSchedule("cron_expression", "0 10 * * ? *"))
    assert "expected exactly 5 fields, found 6" in result.current_why


INSTEAD = {
    "*/5 * * * *": "FixedRate(duration=timedelta(minutes=5)) -> rate(5 minutes): the same period, "
    "not the wall-clock alignment",
    "0 * * * *": "FixedRate(duration=timedelta(hours=1)) -> rate(1 hour): the same period, not",
    "@daily": "FixedRate(duration=timedelta(days=1)) -> rate(1 day): the same period, not",
    "0 10 * * ? *": "FixedRate(duration=timedelta(days=1)) -> rate(1 day)",
    "* * * * *": "FixedRate(duration=timedelta(minutes=1)) -> rate(1 minute): the same period and "
    "alignment",
    "@every 90m": "FixedRate(duration=timedelta(minutes=90)) -> rate(90 minutes): the same period "
    "and alignment",
    "*/7 * * * *": "no FixedRate has the same period",
    "@monthly": "no FixedRate has the same period",
    "0 9 * * MON-FRI": "no FixedRate has the same period",
    "@every 90s": "no FixedRate: its period 0:01:30 is not whole minutes",
}


@pytest.mark.parametrize("cron", INSTEAD)
def test_the_fixed_rate_instead_says_what_it_keeps(cron: str) -> None:
    instead = fixed_rate_instead(cron)
    assert instead is not None and instead.startswith(INSTEAD[cron]), instead


@pytest.mark.parametrize("text", ["", "hello world", "rate(five minutes)", "3 fortnights", "1 2 3"])
def test_text_that_is_no_schedule_form_is_refused(text: str) -> None:
    with pytest.raises(ScheduleError):
        from_text(text)


@pytest.mark.parametrize(
    ("text", "field", "why"),
    [
        ("rate(five minutes)", "rate", "must be 'N unit', e.g. 90 minutes"),
        ("rate(5)", "rate", "must be 'N unit'"),
        ("3 fortnights", "rate unit", "must be minute(s), hour(s) or day(s)"),
        ("rate(1 minutes)", "rate unit", "AWS needs 'minute' with value 1"),
        ("hello world", "schedule", "not a rate"),
        ("1 2 3", "schedule", "five-field cron or alias"),
    ],
)
def test_text_that_is_no_schedule_names_the_field(text: str, field: str, why: str) -> None:
    with pytest.raises(ScheduleError) as raised:
        from_text(text)
    assert raised.value.field == field and why in raised.value.why


@pytest.mark.parametrize(
    ("text", "value", "unit"),
    [
        ("90 minutes", 90, "minute"),
        ("1 hour", 1, "hour"),
        ("2 DAYS", 2, "day"),
        ("rate(0 minutes)", 0, "minute"),
    ],
)
def test_rates_are_read_as_flytekit_writes_them(text: str, value: int, unit: str) -> None:
    schedule = from_text(text)
    assert (schedule.kind, schedule.rate_value, schedule.rate_unit) == ("rate", value, unit)


@pytest.mark.parametrize(
    ("text", "kind", "stored"),
    [
        ("cron(0 10 * * ? *)", "cron_expression", "0 10 * * ? *"),
        ("  0 10 * * ? *  ", "cron_expression", "0 10 * * ? *"),
        ("TZ=UTC 0 9 * * *", "cron_schedule", "TZ=UTC 0 9 * * *"),
        ("CRON_TZ=UTC 0 9 * * 1", "cron_schedule", "CRON_TZ=UTC 0 9 * * 1"),
        ("@hourly", "cron_schedule", "@hourly"),
        ("weekly", "cron_schedule", "weekly"),
    ],
)
def test_crons_keep_the_text_flyteadmin_receives(text: str, kind: str, stored: str) -> None:
    schedule = from_text(text)
    assert (schedule.kind, schedule.text) == (kind, stored)


@pytest.mark.parametrize(
    ("duration", "seconds"),
    [("5m", 300), ("1h30m", 5400), ("90s", 90), ("1.5h", 5400), ("500ms", 1)],
)
def test_every_durations_are_read_as_go_does(duration: str, seconds: int) -> None:
    cron = StandardCron(f"@every {duration}")
    assert cron.every is not None and cron.every.total_seconds() == seconds


@pytest.mark.parametrize("duration", ["5", "5 minutes", "m5"])
def test_a_bad_every_duration_is_refused(duration: str) -> None:
    with pytest.raises(ScheduleError, match="Go duration"):
        StandardCron(f"@every {duration}")
