"""Fleet benchmark on the local emulator (run by `make bench`; figures, never a test).

doctor against one environment holding N = 100, 1,000 and 5,000 flyteadmin rules (each created
with flyteadmin's own AddSchedule calls, plus a few foreign rules it must find), and doctor --all
over 1, 5 and 20 deployed environments. Prints wall time, API calls, calls per rule, and a
projection for real AWS: calls x an assumed per-call latency / the pool size.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from flyte_scheduler import emulator  # noqa: E402
from flyte_scheduler.cli import FLEET_WORKERS  # noqa: E402
from flyte_scheduler.demo import cdk_command, cdk_environment, deploy, run_logged  # noqa: E402
from flyte_scheduler.deployed_values import values_from_settings  # noqa: E402
from flyte_scheduler.doctor_observations import TARGET_WORKERS  # noqa: E402
from flyte_scheduler.doctor_report import DoctorReport  # noqa: E402
from flyte_scheduler.flyteadmin_calls import add_schedule  # noqa: E402
from flyte_scheduler.flyteadmin_messages import LaunchPlanId  # noqa: E402
from flyte_scheduler.settings import parse_settings  # noqa: E402

ACCOUNT, REGION = "123456789012", "us-east-1"
RULE_COUNTS = (100, 1_000, 5_000)
FLEET_SIZES = (1, 5, 20)
AWS_CALL_SECONDS = 0.05
"""Assumed median latency of one EventBridge/SQS/IAM control-plane call from inside the region
(an assumption for the projection, not a measurement: the emulator answers in about 2-5 ms)."""
FOREIGN_SUFFIXES = ("exfil", "123")
"""Rules under the prefix with an event pattern: doctor must find them at every N."""


def environment(name: str) -> str:
    return (
        f'  {name}:\n    account: "{ACCOUNT}"\n    region: {REGION}\n'
        f"    schedule_name_prefix: {name}\n    removal_policy: destroy\n"
    )


def seed(env_settings: object, count: int, start: int) -> None:
    """flyteadmin's AddSchedule for launch plans start..count-1 (rate(1 day): nothing fires)."""
    import boto3

    values = values_from_settings(env_settings)  # type: ignore[arg-type]
    events = boto3.client("events", region_name=REGION)
    for index in range(start, count):
        add_schedule(
            values, events, LaunchPlanId("bench", "production", f"plan_{index}"), "rate(1 day)"
        )


def plant_foreign(prefix: str) -> None:
    import json

    import boto3

    events = boto3.client("events", region_name=REGION)
    for suffix in FOREIGN_SUFFIXES:
        events.put_rule(Name=f"{prefix}_{suffix}", EventPattern=json.dumps({"source": ["aws.iam"]}))


def row(label: str, report: DoctorReport, rules: int, workers: int) -> str:
    calls = sum(report.calls.values())
    per_rule = f"{calls / rules:5.2f}" if rules else "    -"
    projected = calls * AWS_CALL_SECONDS / workers
    foreign = next(r for r in report.results if r.name.startswith("rules "))
    found = all(name in foreign.evidence for name in ("_exfil", "_123"))
    return (
        f"  {label:<32} {report.seconds:7.2f} s  {calls:6d} calls  {per_rule} /rule  "
        f"~{projected:6.1f} s on AWS  foreign rules found: {'yes' if found else 'NO'}"
    )


def main() -> None:
    lines = [
        "fleet (doctor on the local emulator; projection: calls x "
        f"{AWS_CALL_SECONDS * 1000:.0f} ms / pool of {TARGET_WORKERS})"
    ]
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        running = emulator.start(state_dir=work / "emulator", python=ROOT / emulator.DEFAULT_PYTHON)
        aws = running.aws_environment(ACCOUNT, REGION)
        os.environ.update(aws)
        try:
            text = "environments:\n" + environment("bench")
            settings = work / "bench.yaml"
            settings.write_text(text)
            env = parse_settings(text).environments["bench"]
            deploy(env, str(settings), aws, work)
            plant_foreign("bench")
            seeded = 0
            for count in RULE_COUNTS:
                started = time.perf_counter()
                seed(env, count, seeded)
                seeded = count
                seeding = time.perf_counter() - started
                report = DoctorReport.run(env, simulate=False)
                lines.append(
                    row(f"{count} rules (seeded in {seeding:.0f} s)", report, count, TARGET_WORKERS)
                )
            lines.append(fleet_rows(work, aws))
        finally:
            emulator.stop(work / "emulator")
    print("\n".join(lines))


def fleet_rows(work: Path, aws: dict[str, str]) -> str:
    """doctor --all over 1, 5 and 20 deployed environments (deployed together, 5 at a time)."""
    names = [f"fleet{index}" for index in range(max(FLEET_SIZES))]
    text = "environments:\n" + "".join(environment(name) for name in names)
    settings = work / "fleet.yaml"
    settings.write_text(text)
    context = ["-c", f"settings={settings}", "-o", str(work / "fleet.out")]
    run_logged(
        cdk_command(
            "deploy", "--all", "--concurrency", "5", "--require-approval", "never", *context
        ),
        cdk_environment(aws),
        work / "fleet-deploy.log",
    )
    environments = parse_settings(text).environments
    lines = []
    baseline = projected_baseline = 0.0
    for size in FLEET_SIZES:
        chosen = [environments[name] for name in names[:size]]
        workers = min(FLEET_WORKERS, size)
        started = time.perf_counter()
        with ThreadPoolExecutor(workers) as pool:  # what `doctor --env ... --env ...` runs
            reports = list(pool.map(lambda env: DoctorReport.run(env, simulate=False), chosen))
        seconds = time.perf_counter() - started
        calls = sum(sum(report.calls.values()) for report in reports)
        projected = calls * AWS_CALL_SECONDS / workers
        baseline, projected_baseline = baseline or seconds, projected_baseline or projected
        lines.append(
            f"  doctor over {size:>2} environment(s)      {seconds:7.2f} s  {calls:6d} calls  "
            f"{seconds / baseline:5.2f}x one here;  ~{projected:5.1f} s on AWS, "
            f"{projected / projected_baseline:4.2f}x one  (target <= 3x at 20)"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    main()
