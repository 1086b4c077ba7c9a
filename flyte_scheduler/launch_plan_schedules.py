"""What flyteadmin's AWS scheduler does with each schedule a launch plan can carry (pure).

A launch plan's ``admin.Schedule`` holds one of three fields, written by flytekit:
``rate`` (``FixedRate``), ``cron_schedule`` (``CronSchedule(schedule=...)``) or the deprecated
``cron_expression``. flyteadmin's verdict depends on the field and on its version: since
flyteadmin 1.14.0 registration checks crons with the standard five-field parser, and the AWS
scheme has only ever sent ``rate(...)`` and ``cron(<cron_expression>)``. The upstream lines each
rule rests on are in docs/schedules.md.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Literal

from flyte_scheduler import schedules
from flyte_scheduler.schedules import _Field, _parse_set

Kind = Literal["rate", "cron_schedule", "cron_expression"]
Outcome = Literal[
    "works", "fails at registration", "fails at activation", "registers but never fires"
]
CURRENT, LEGACY = "flyteadmin >= 1.14.0", "flyteadmin < 1.14.0"
UNITS = ("minute", "hour", "day")

_DESCRIPTORS = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}
_GO_DURATION = re.compile(r"(?:(\d+(?:\.\d+)?)(h|m|s|ms|us|µs|ns))+")
_GO_PART = re.compile(r"(\d+(?:\.\d+)?)(h|ms|m|s|us|µs|ns)")
_GO_UNITS = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 1e-3, "us": 1e-6, "µs": 1e-6, "ns": 1e-9}
_WEEKDAYS = {"SUN": 0, "MON": 1, "TUE": 2, "WED": 3, "THU": 4, "FRI": 5, "SAT": 6}
_STANDARD_FIELDS = (
    _Field("minutes", 0, 59),
    _Field("hours", 0, 23),
    _Field("day-of-month", 1, 31),
    schedules.MONTH,
    _Field("day-of-week", 0, 6, _WEEKDAYS, " or SUN-SAT (SUN = 0)"),
)
FLYTEKIT_ALIASES = frozenset(
    f"{prefix}{word}"
    for prefix in ("", "@")
    for word in ("hourly", "daily", "weekly", "monthly", "annually", "yearly")
) | {"hours", "days", "weeks", "months", "years"}
"""What flytekit's CronSchedule accepts besides croniter expressions (the ones without ``@`` then
fail flyteadmin's five-field check)."""
_REFERENCE = datetime(2026, 1, 1, tzinfo=UTC)
"""Where period detection starts: a fixed instant keeps verdicts reproducible."""


@dataclass(frozen=True)
class LaunchPlanSchedule:
    """One launch plan's schedule as flytekit serializes it."""

    kind: Kind
    text: str = ""
    """The cron text (``cron_schedule.schedule`` or ``cron_expression``)."""
    rate_value: int = 0
    rate_unit: str = "minute"
    kickoff_arg: str = ""

    @property
    def as_written(self) -> str:
        """How a flytekit user wrote it."""
        if self.kind == "rate":
            unit = f"{self.rate_unit}s"
            return f"FixedRate(duration=timedelta({unit}={self.rate_value}))"
        if self.kind == "cron_schedule":
            return f"CronSchedule(schedule={self.text!r})"
        return f"cron_expression={self.text!r}"


@dataclass(frozen=True)
class Verdict:
    """What happens on each side of flyteadmin 1.14.0, and what to write instead."""

    current: Outcome
    current_why: str
    legacy: Outcome
    legacy_why: str
    expression: str | None
    """What flyteadmin sends to PutRule on current Flyte (when it works)."""
    instead: str | None
    """A FixedRate with the same period, and whether it keeps the alignment."""

    @property
    def works(self) -> bool:
        """Whether it fires on current Flyte with ``scheme: aws``."""
        return self.current == "works"


class StandardCron:
    """A cron as flyteadmin's registration check reads it: robfig/cron's ``ParseStandard``
    (five fields, ``@`` descriptors, ``@every <duration>``, an optional ``TZ=``/``CRON_TZ=``
    prefix; ``?`` means ``*``; no ``L``, ``W`` or ``#``)."""

    def __init__(self, text: str) -> None:
        spec = text.strip()
        if spec.startswith(("TZ=", "CRON_TZ=")):
            _, _, spec = spec.partition(" ")
            spec = spec.strip()
        self.every: timedelta | None = None
        if spec.startswith("@every "):
            self.every = _go_duration(spec[len("@every ") :].strip())
            return
        if spec.startswith("@"):
            if spec not in _DESCRIPTORS:
                raise schedules.ScheduleError("descriptor", spec, "unrecognized descriptor")
            spec = _DESCRIPTORS[spec]
        fields = spec.split()
        if len(fields) != 5:
            raise schedules.ScheduleError(
                "cron", spec, f"expected exactly 5 fields, found {len(fields)}"
            )
        parsed = [
            _parse_set("*" if item == "?" else item, field)
            for item, field in zip(fields, _STANDARD_FIELDS, strict=True)
        ]
        self.minutes, self.hours, self.days, self.months, self.weekdays = parsed
        # robfig: when both day fields are restricted, a day matching either fires
        self.days_star = fields[2] in ("*", "?")
        self.weekdays_star = fields[4] in ("*", "?")

    def next_fires(self, after: datetime, count: int) -> list[datetime]:
        """The next ``count`` fire times after ``after`` (UTC; within about five years)."""
        if self.every is not None:
            return [after + self.every * step for step in range(1, count + 1)]
        first = after.astimezone(UTC).date()
        days = (first + timedelta(days=offset) for offset in range(5 * 366))
        matching = (day for day in days if day.month in self.months and self._day_matches(day))
        return schedules.fires_on(matching, self.hours, self.minutes, after, count)

    def _day_matches(self, day: date) -> bool:
        by_day = day.day in self.days
        by_weekday = (day.weekday() + 1) % 7 in self.weekdays
        if self.days_star or self.weekdays_star:
            return by_day and by_weekday
        return by_day or by_weekday


def _go_duration(text: str) -> timedelta:
    if not text or not _GO_DURATION.fullmatch(text):
        raise schedules.ScheduleError("@every", text, "must be a Go duration such as 5m or 1h30m")
    seconds = sum(float(value) * _GO_UNITS[unit] for value, unit in _GO_PART.findall(text))
    return timedelta(seconds=max(1, int(seconds)))  # robfig rounds below a second up to 1 s


def verdict(schedule: LaunchPlanSchedule) -> Verdict:
    """flyteadmin's verdict on one schedule, on both sides of 1.14.0."""
    if schedule.kind == "rate":
        return _rate_verdict(schedule)
    standard_error = _standard_error(schedule.text)
    if standard_error:
        current: Outcome = "fails at registration"
        current_why = f"registration's five-field cron check rejects it ({standard_error})"
    else:
        current = "fails at activation"
        current_why = "it passes registration's five-field cron check, then " + (
            "the AWS scheme has no expression for cron_schedule: activation fails with "
            "InvalidArgument 'unrecognized schedule expression' and no rule is created"
            if schedule.kind == "cron_schedule"
            else f"PutRule rejects cron({schedule.text}) (AWS cron has six fields): "
            "activation fails with a ValidationException"
        )
    if schedule.kind == "cron_schedule":
        legacy: Outcome = "fails at activation"
        legacy_why = (
            "registration does not check crons, then activation fails with InvalidArgument "
            "'unrecognized schedule expression': the AWS scheme handles only rate and "
            "cron_expression"
        )
        expression = None
    else:
        try:
            schedules.parse_cron(schedule.text)
            legacy, legacy_why = "works", f"flyteadmin sends cron({schedule.text})"
        except schedules.ScheduleError as error:
            legacy = "fails at activation"
            legacy_why = f"registration does not check crons; PutRule rejects it ({error})"
        expression = None
    return Verdict(
        current, current_why, legacy, legacy_why, expression, fixed_rate_instead(schedule.text)
    )


def _rate_verdict(schedule: LaunchPlanSchedule) -> Verdict:
    if schedule.rate_value <= 0:
        why = (
            "registration accepts a zero rate, but flyteadmin treats it as no schedule: no rule "
            "is ever created"
        )
        return Verdict(
            "registers but never fires", why, "registers but never fires", why, None, None
        )
    expression = schedules.Rate(schedule.rate_value, schedule.rate_unit).expression
    why = f"flyteadmin sends {expression}"
    return Verdict("works", why, "works", why, expression, None)


def _standard_error(text: str) -> str | None:
    try:
        StandardCron(text)
    except schedules.ScheduleError as error:
        return str(error)
    return None


def fixed_rate_instead(text: str) -> str | None:
    """The FixedRate with the cron's period, when it has one, and what it keeps."""
    fires = _fires(text)
    if fires is None or len(fires) < 3:
        return None
    gaps = {later - earlier for earlier, later in itertools.pairwise(fires)}
    if len(gaps) != 1:
        return (
            "no FixedRate has the same period: the gaps between fire times differ "
            f"({', '.join(_span(gap) for gap in sorted(gaps)[:3])})"
        )
    (gap,) = gaps
    minutes = int(gap.total_seconds() // 60)
    if gap.total_seconds() % 60:
        return f"no FixedRate: its period {gap} is not whole minutes"
    value, unit = _flytekit_rate(minutes)
    rate = schedules.Rate(value, unit).expression
    if _is_every(text) or minutes == 1:
        keeps = "the same period and alignment (both count from when the schedule starts)"
    else:
        keeps = (
            f"the same period, not the wall-clock alignment: a rate fires every {_span(gap)} "
            f"from activation, not on the clock ({_clock(fires[0], gap)}, "
            f"{_clock(fires[1], gap)}, ... UTC)"
        )
    return f"FixedRate(duration=timedelta({unit}s={value})) -> {rate}: {keeps}"


def _clock(moment: datetime, gap: timedelta) -> str:
    return f"{moment:%a %H:%M}" if gap >= timedelta(days=1) else f"{moment:%H:%M}"


def _is_every(text: str) -> bool:
    return "@every " in text


def _fires(text: str) -> list[datetime] | None:
    """A sample of upcoming fire times: the standard reading, else AWS's six-field one."""
    try:
        return StandardCron(text).next_fires(_REFERENCE, 400)
    except schedules.ScheduleError:
        pass
    try:
        return schedules.parse_cron(text).next_fires(_REFERENCE, 400)
    except schedules.ScheduleError:
        return None


def _flytekit_rate(minutes: int) -> tuple[int, str]:
    """FixedRate's unit choice: days if whole days, else hours if whole hours, else minutes."""
    if minutes % 1440 == 0:
        return minutes // 1440, "day"
    if minutes % 60 == 0:
        return minutes // 60, "hour"
    return minutes, "minute"


def _span(gap: timedelta) -> str:
    value, unit = _flytekit_rate(int(gap.total_seconds() // 60))
    return f"{value} {unit}{'' if value == 1 else 's'}"


def from_text(text: str) -> LaunchPlanSchedule:
    """A schedule as a user would type it: ``rate(...)`` or ``N unit`` (a FixedRate),
    ``cron(...)`` or six fields (cron_expression), five fields or an ``@`` alias
    (``CronSchedule(schedule=...)``). Raises ScheduleError for anything else."""
    stripped = text.strip()
    rate = schedules.RATE_PATTERN.fullmatch(stripped)
    parts = (rate.group(1) if rate else stripped).split()
    if rate or (len(parts) == 2 and parts[0].isdigit()):
        if len(parts) != 2 or not parts[0].isdigit():
            raise schedules.ScheduleError("rate", stripped, "must be 'N unit', e.g. 90 minutes")
        unit = parts[1].lower().removesuffix("s")
        if unit not in UNITS:
            raise schedules.ScheduleError(
                "rate unit", parts[1], "must be minute(s), hour(s) or day(s)"
            )
        if rate and int(parts[0]) > 0:
            schedules.parse_schedule(stripped)  # AWS's singular/plural rule
        return LaunchPlanSchedule("rate", rate_value=int(parts[0]), rate_unit=unit)
    if stripped.startswith(("TZ=", "CRON_TZ=")):
        return LaunchPlanSchedule("cron_schedule", stripped)
    cron = schedules.CRON_PATTERN.fullmatch(stripped)
    if cron or len(parts) == 6:
        return LaunchPlanSchedule("cron_expression", cron.group(1).strip() if cron else stripped)
    if stripped.startswith("@") or len(parts) == 5 or stripped in FLYTEKIT_ALIASES:
        return LaunchPlanSchedule("cron_schedule", stripped)
    raise schedules.ScheduleError(
        "schedule",
        stripped,
        "not a rate (rate(5 minutes), 90 minutes), an AWS cron (cron(0 10 * * ? *)) or a "
        "five-field cron or alias (0 10 * * *, @daily)",
    )
