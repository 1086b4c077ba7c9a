"""One environment's doctor run: its session, observations, verdicts, API calls and timings."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from flyte_scheduler.config_lint import Finding
from flyte_scheduler.doctor_checks import CheckResult, run_checks
from flyte_scheduler.doctor_observations import observe
from flyte_scheduler.options import EnvironmentSettings

STATUSES = ("pass", "fail", "warn", "n/a")


@dataclass
class DoctorReport:
    """What ``doctor`` found for one environment."""

    env: EnvironmentSettings
    results: list[CheckResult]
    seconds: float = 0.0
    calls: dict[str, int] = field(default_factory=dict)
    phases: dict[str, float] = field(default_factory=dict)

    @classmethod
    def run(
        cls, env: EnvironmentSettings, simulate: bool, findings: list[Finding] | None = None
    ) -> DoctorReport:
        """Reach the environment with its own credentials, observe, judge."""
        from flyte_scheduler.aws_sessions import EnvironmentSession

        started = time.perf_counter()
        try:
            session = EnvironmentSession(env)
        except Exception as error:  # a missing profile, a refused AssumeRole: this env fails
            failed = CheckResult(
                "credentials",
                "fail",
                f"{type(error).__name__}: {error}",
                "check aws.profile / aws.role_arn / aws.external_id of this environment",
            )
            return cls(env, [failed], time.perf_counter() - started)
        seen = observe(env, session, simulate=simulate)
        results = run_checks(env, seen, findings)
        return cls(
            env,
            results,
            time.perf_counter() - started,
            dict(session.counter.calls),
            seen.phase_seconds,
        )

    @property
    def failed(self) -> bool:
        return any(result.status == "fail" for result in self.results)

    def counts(self) -> str:
        """``N pass, N fail, N warn, N n/a``."""
        return ", ".join(
            f"{sum(result.status == status for result in self.results)} {status}"
            for status in STATUSES
        )

    def timing(self) -> str:
        """API calls by operation and the wall time of each phase (``--verbose``)."""
        calls = ", ".join(f"{name} {count}" for name, count in sorted(self.calls.items()))
        phases = ", ".join(f"{name} {seconds:.2f} s" for name, seconds in self.phases.items())
        return (
            f"      api calls: {sum(self.calls.values())} ({calls})\n"
            f"      phases: {phases}; total {self.seconds:.2f} s"
        )

    def rows(self) -> list[dict[str, Any]]:
        """One object per check, as ``--format json`` prints them (schema in the README)."""
        return [
            {
                "environment": self.env.name,
                "account": self.env.account,
                "region": self.env.region,
                "check": result.name,
                "status": result.status,
                "evidence": result.evidence,
                "fix": result.fix,
            }
            for result in self.results
        ]
