"""One validation problem, and the error that carries all of them at once."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

_MAX_VALUE_CHARS = 80


@dataclass(frozen=True)
class Problem:
    """A value that breaks a rule, located by environment and dotted field path."""

    field: str
    value: object
    rule: str
    environment: str | None = None

    def __str__(self) -> str:
        where = f"environment '{self.environment}', " if self.environment else ""
        return f"{where}field '{self.field}' = {_show(self.value)}: {self.rule}"

    def within(self, environment: str, prefix: str = "") -> Problem:
        """The same problem, attributed to an environment and nested under a field prefix."""
        field = f"{prefix}.{self.field}" if prefix else self.field
        return Problem(field, self.value, self.rule, environment)


class SettingsError(ValueError):
    """Settings that break one or more rules; the message lists every problem."""

    def __init__(self, problems: Iterable[Problem], source: str = "settings") -> None:
        self.problems = tuple(problems)
        self.source = source
        lines = [f"{source}: {len(self.problems)} problem(s):"]
        lines += [f"  - {problem}" for problem in self.problems]
        super().__init__("\n".join(lines))


def _show(value: object) -> str:
    if value is _MISSING:
        return "(missing)"
    text = repr(value)
    if len(text) > _MAX_VALUE_CHARS:
        text = text[: _MAX_VALUE_CHARS - 3] + "..."
    return text


class _Missing:
    def __repr__(self) -> str:
        return "(missing)"


_MISSING = _Missing()
MISSING: object = _MISSING
"""Marker for a required value that is absent."""
