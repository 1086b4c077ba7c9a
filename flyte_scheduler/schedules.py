"""AWS schedule expressions as flyteadmin sends them: validation and next fire times (facts §5).

EventBridge cron has six fields (minutes hours day-of-month month day-of-week year), evaluated in
UTC, with ``? L W #``; rate is ``rate(N unit)``. No maintained Python library implements AWS's
dialect (croniter is the five-field Unix one, Sunday = 0), so this is a small tested parser.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

MONTHS = {name: index for index, name in enumerate(calendar.month_abbr) if name}
DAYS = {"SUN": 1, "MON": 2, "TUE": 3, "WED": 4, "THU": 5, "FRI": 6, "SAT": 7}
RATE_UNITS = {"minute": 1, "hour": 60, "day": 1440}
RATE_PATTERN = re.compile(r"rate\((.*)\)", re.IGNORECASE)
CRON_PATTERN = re.compile(r"cron\((.*)\)", re.IGNORECASE)


class ScheduleError(ValueError):
    """An expression that AWS or flyteadmin would reject; says which field and why."""

    def __init__(self, field: str, value: str, why: str) -> None:
        self.field, self.value, self.why = field, value, why
        super().__init__(f"{field} {value!r}: {why}")


@dataclass(frozen=True)
class Rate:
    """``rate(N unit)``: fires every N minutes, hours or days from the rule's creation."""

    value: int
    unit: str

    @property
    def expression(self) -> str:
        """What flyteadmin sends: the unit gets an ``s`` unless the value is 1."""
        return f"rate({self.value} {self.unit}{'' if self.value == 1 else 's'})"

    @property
    def interval(self) -> timedelta:
        return timedelta(minutes=self.value * RATE_UNITS[self.unit])

    def next_fires(self, after: datetime, count: int = 5) -> list[datetime]:
        """Fire times if the rule were created at ``after`` (rates count from creation)."""
        return [after + self.interval * step for step in range(1, count + 1)]


@dataclass(frozen=True)
class _Field:
    name: str
    low: int
    high: int
    names: dict[str, int] | None = None
    hint: str = ""


MINUTES = _Field("minutes", 0, 59)
HOURS = _Field("hours", 0, 23)
DAY_OF_MONTH = _Field("day-of-month", 1, 31)
MONTH = _Field(
    "month", 1, 12, {name.upper(): index for name, index in MONTHS.items()}, " or JAN-DEC"
)
DAY_OF_WEEK = _Field("day-of-week", 1, 7, DAYS, " or SUN-SAT (SUN = 1)")
YEAR = _Field("year", 1970, 2199)


@dataclass(frozen=True)
class Cron:
    """A six-field AWS cron expression, parsed."""

    fields: tuple[str, ...]
    minutes: frozenset[int]
    hours: frozenset[int]
    months: frozenset[int]
    years: frozenset[int]
    day_of_month: str
    day_of_week: str
    days_of_month: frozenset[int]
    days_of_week: frozenset[int]

    @property
    def expression(self) -> str:
        return f"cron({' '.join(self.fields)})"

    def next_fires(self, after: datetime, count: int = 5) -> list[datetime]:
        """The next ``count`` fire times strictly after ``after`` (UTC)."""
        start = after.astimezone(UTC).replace(second=0, microsecond=0)
        return fires_on(self._days_from(start.date()), self.hours, self.minutes, after, count)

    def _days_from(self, first: date) -> Iterator[date]:
        for year in sorted(y for y in self.years if y >= first.year):
            for month in sorted(self.months):
                if (year, month) < (first.year, first.month):
                    continue
                last = calendar.monthrange(year, month)[1]
                start_day = first.day if (year, month) == (first.year, first.month) else 1
                for day in range(start_day, last + 1):
                    if self._matches(date(year, month, day), last):
                        yield date(year, month, day)

    def _matches(self, day: date, last: int) -> bool:
        if self.day_of_month != "?":
            return _day_of_month_matches(self.day_of_month, self.days_of_month, day, last)
        return _day_of_week_matches(self.day_of_week, self.days_of_week, day, last)


def fires_on(
    days: Iterable[date],
    hours: frozenset[int],
    minutes: frozenset[int],
    after: datetime,
    count: int,
) -> list[datetime]:
    """The first ``count`` of these days' hour:minute moments after ``after`` (UTC)."""
    fires: list[datetime] = []
    for day in days:
        for hour in sorted(hours):
            for minute in sorted(minutes):
                moment = datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)
                if moment > after:
                    fires.append(moment)
                    if len(fires) == count:
                        return fires
    return fires


def aws_weekday(day: date) -> int:
    """AWS numbering: SUN = 1 ... SAT = 7."""
    return (day.weekday() + 1) % 7 + 1


def _day_of_month_matches(spec: str, days: frozenset[int], day: date, last: int) -> bool:
    if spec == "L":
        return day.day == last
    if spec.endswith("W"):
        target = last if spec == "LW" else int(spec[:-1])
        return target <= last and day.day == _nearest_weekday(day.replace(day=target), last)
    return day.day in days


def _nearest_weekday(target: date, last: int) -> int:
    """Quartz ``W``: the weekday nearest to the target day, never leaving the month."""
    weekday = target.weekday()
    if weekday == 5:  # Saturday: Friday before, or Monday after on the 1st
        return target.day - 1 if target.day > 1 else target.day + 2
    if weekday == 6:  # Sunday: Monday after, or Friday before on the last day
        return target.day + 1 if target.day < last else target.day - 2
    return target.day


def _day_of_week_matches(spec: str, days: frozenset[int], day: date, last: int) -> bool:
    weekday = aws_weekday(day)
    if "#" in spec:
        wanted, nth = spec.split("#")
        return weekday == _value(wanted, DAY_OF_WEEK) and (day.day - 1) // 7 + 1 == int(nth)
    if spec.endswith("L") and spec != "L":
        return weekday == _value(spec[:-1], DAY_OF_WEEK) and day.day + 7 > last
    if spec == "L":
        return weekday == 7
    return weekday in days


def parse_schedule(text: str) -> Rate | Cron:
    """``cron(...)``, ``rate(...)``, a bare six-field cron, or a fixed rate ``N unit``."""
    text = text.strip()
    if match := RATE_PATTERN.fullmatch(text):
        return _parse_rate(match.group(1), strict_plural=True)
    if match := CRON_PATTERN.fullmatch(text):
        return parse_cron(match.group(1))
    parts = text.split()
    if len(parts) == 2:
        return _parse_rate(text, strict_plural=False)
    return parse_cron(text)


def _parse_rate(body: str, strict_plural: bool) -> Rate:
    parts = body.split()
    if len(parts) != 2:
        raise ScheduleError("rate", body, "must be 'N unit', e.g. 5 minutes or 1 day")
    value_text, unit_text = parts
    if not value_text.isdigit() or int(value_text) < 1:
        raise ScheduleError("rate value", value_text, "must be a positive whole number")
    value = int(value_text)
    unit = unit_text.lower()
    singular = unit[:-1] if unit.endswith("s") else unit
    if singular not in RATE_UNITS:
        raise ScheduleError("rate unit", unit_text, "must be minute(s), hour(s) or day(s)")
    if strict_plural and (unit == singular) != (value == 1):
        wanted = singular if value == 1 else singular + "s"
        raise ScheduleError(
            "rate unit", unit_text, f"AWS needs '{wanted}' with value {value} (singular only for 1)"
        )
    return Rate(value, singular)


def parse_cron(body: str) -> Cron:
    """Parse the six space-separated fields of an AWS cron expression."""
    fields = tuple(body.split())
    if len(fields) != 6:
        raise ScheduleError(
            "cron",
            body,
            f"AWS cron has exactly 6 fields (minutes hours day-of-month month day-of-week year); "
            f"{len(fields)} given",
        )
    minute, hour, dom, month, dow, year = fields
    if (dom == "?") == (dow == "?"):
        raise ScheduleError(
            "day-of-month/day-of-week",
            f"{dom} {dow}",
            "exactly one of them must be '?' (AWS cannot combine both)",
        )
    return Cron(
        fields=fields,
        minutes=_parse_set(minute, MINUTES),
        hours=_parse_set(hour, HOURS),
        months=_parse_set(month, MONTH),
        years=_parse_set(year, YEAR),
        day_of_month=dom,
        day_of_week=dow,
        days_of_month=_parse_day_of_month(dom),
        days_of_week=_parse_day_of_week(dow),
    )


def _parse_day_of_month(spec: str) -> frozenset[int]:
    if spec in ("?", "L", "LW"):
        return frozenset()
    if spec.endswith("W"):
        day = spec[:-1]
        if not day.isdigit() or not 1 <= int(day) <= 31:
            raise ScheduleError(DAY_OF_MONTH.name, spec, "'nW' needs a day 1-31, e.g. 15W")
        return frozenset()
    return _parse_set(spec, DAY_OF_MONTH)


def _parse_day_of_week(spec: str) -> frozenset[int]:
    if spec in ("?", "L"):
        return frozenset()
    if "#" in spec:
        if "," in spec:
            raise ScheduleError(DAY_OF_WEEK.name, spec, "only one '#' expression is allowed")
        day, _, nth = spec.partition("#")
        _value(day, DAY_OF_WEEK)
        if not nth.isdigit() or not 1 <= int(nth) <= 5:
            raise ScheduleError(DAY_OF_WEEK.name, spec, "'d#n' needs n from 1 to 5, e.g. 3#2")
        return frozenset()
    if spec.endswith("L"):
        _value(spec[:-1], DAY_OF_WEEK)
        return frozenset()
    return _parse_set(spec, DAY_OF_WEEK)


def _parse_set(spec: str, field: _Field) -> frozenset[int]:
    values: set[int] = set()
    for item in spec.split(","):
        values |= _parse_item(item, field, spec)
    return frozenset(values)


def _parse_item(item: str, field: _Field, spec: str) -> set[int]:
    base, slash, step_text = item.partition("/")
    step = 1
    if slash:
        if not step_text.isdigit() or int(step_text) < 1:
            raise ScheduleError(field.name, spec, f"step '/{step_text}' must be a positive number")
        step = int(step_text)
    if base == "*":
        low, high = field.low, field.high
    elif "-" in base:
        first, _, second = base.partition("-")
        low, high = _value(first, field), _value(second, field)
        if low > high:
            raise ScheduleError(field.name, spec, f"range {base} runs backwards")
    else:
        low = _value(base, field)
        high = field.high if slash else low
    return set(range(low, high + 1, step))


def _value(text: str, field: _Field) -> int:
    upper = text.upper()
    if field.names and upper in field.names:
        return field.names[upper]
    if text.isdigit() and field.low <= int(text) <= field.high:
        return int(text)
    raise ScheduleError(field.name, text, f"must be {field.low}-{field.high}{field.hint}")
