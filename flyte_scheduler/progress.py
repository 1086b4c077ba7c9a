"""Progress output for the live commands: numbered steps and a waiting indicator."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import Any


class Progress:
    """Numbered steps with timings, and a waiting indicator (a line per 10 s when not a TTY)."""

    def __init__(self, total: int, stream: Any = sys.stdout) -> None:
        self.total, self.stream, self.number = total, stream, 0
        self.tty = bool(getattr(stream, "isatty", lambda: False)())
        self._last_report = -10.0

    def step(self, title: str) -> None:
        self.number += 1
        print(f"[{self.number}/{self.total}] {title}", file=self.stream, flush=True)

    def done(self, detail: str, started: float) -> None:
        print(
            f"      ok: {detail} ({time.monotonic() - started:.1f} s)", file=self.stream, flush=True
        )

    def waiting(self, what: str, limit: float) -> Callable[[float], None]:
        def report(waited: float) -> None:
            if self.tty:
                bar = "#" * int(20 * waited / limit)
                print(
                    f"\r      {what} [{bar:<20}] {waited:4.0f} s / {limit:.0f} s",
                    end="",
                    file=self.stream,
                    flush=True,
                )
            elif waited - self._last_report >= 10:
                self._last_report = waited
                print(
                    f"      {what}: {waited:.0f} s of up to {limit:.0f} s",
                    file=self.stream,
                    flush=True,
                )

        return report

    def end_wait(self) -> None:
        if self.tty:
            print(file=self.stream)
