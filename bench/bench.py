"""Benchmarks (run by `make bench`, never by `make test`): medians of repeated runs and ratios.

Prints one table for this machine: synth of the shipped app against an empty CDK app (the floor:
Node and jsii start-up), 1 against 20 environments, `flyte-scheduler config` against
`python -c pass`, and the wall time of each test tier. Exit 0 always: figures, not a test.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
EMPTY_APP = "import aws_cdk as cdk; cdk.App().synth()"
ONE_QUEUE_APP = (
    "import aws_cdk as cdk; from aws_cdk import aws_sqs as sqs; app = cdk.App(); "
    "sqs.Queue(cdk.Stack(app, 'S'), 'Q'); app.synth()"
)
ENVIRONMENT = """
  env{index}:
    account: "123456789012"
    region: us-east-1
    schedule_name_prefix: flyte-env{index}
"""


def wall(command: Sequence[str], env: dict[str, str] | None = None) -> float:
    started = time.perf_counter()
    subprocess.run(
        command, cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    return time.perf_counter() - started


def median(command: Sequence[str], runs: int, env: dict[str, str] | None = None) -> float:
    wall(command, env)  # warm the file cache; not counted
    return statistics.median(wall(command, env) for _ in range(runs))


def synth_env(settings: Path, outdir: Path, compliance: bool = True) -> dict[str, str]:
    env = dict(os.environ)
    context = {"settings": str(settings), "compliance": str(compliance).lower()}
    env.update(
        CDK_CONTEXT_JSON=json.dumps(context),
        CDK_OUTDIR=str(outdir),
        JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION="20",
    )
    return env


def settings_with(environments: int, folder: Path) -> Path:
    path = folder / f"settings-{environments}.yaml"
    path.write_text(
        "environments:" + "".join(ENVIRONMENT.format(index=i) for i in range(environments))
    )
    return path


def validation_seconds(environments: int, runs: int) -> float:
    """Median time to parse and validate a settings file of ``environments`` environments spread
    over 50 accounts (so the cross-environment checks have clashes to look for)."""
    from flyte_scheduler.settings import parse_settings

    text = "environments:\n" + "".join(
        f"  e{i}: {{account: '{100000000000 + i % 50}', region: us-east-1, "
        f"schedule_name_prefix: p{i}_x}}\n"
        for i in range(environments)
    )
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        parse_settings(text)
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)


def row(name: str, value: float, reference: float | None, target: str) -> str:
    ratio = f"{value / reference:5.2f}x" if reference else "      "
    return f"  {name:<44} {value:7.2f} s {ratio}  {target}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5, help="runs per median (default 5)")
    parser.add_argument("--skip-tiers", action="store_true", help="do not time the test tiers")
    args = parser.parse_args()
    lines = [
        f"benchmarks: median of {args.runs} runs, {os.cpu_count()} cores, Python {sys.version.split()[0]}"
    ]
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        one, twenty = settings_with(1, folder), settings_with(20, folder)
        empty = median([PYTHON, "-c", EMPTY_APP], args.runs, synth_env(one, folder / "empty"))
        one_queue = median([PYTHON, "-c", ONE_QUEUE_APP], args.runs, synth_env(one, folder / "q"))
        shipped_settings = ROOT / "flyte-scheduler.yaml"
        shipped = median([PYTHON, "app.py"], args.runs, synth_env(shipped_settings, folder / "a"))
        unchecked = median(
            [PYTHON, "app.py"], args.runs, synth_env(shipped_settings, folder / "u", False)
        )
        single = median([PYTHON, "app.py"], args.runs, synth_env(one, folder / "b"))
        many = median([PYTHON, "app.py"], args.runs, synth_env(twenty, folder / "c"))
        floor = median([PYTHON, "-c", "pass"], args.runs)
        config = median([PYTHON, "-m", "flyte_scheduler", "config", "--env", "local"], args.runs)
    lines += [
        "synth (python app.py, as `cdk synth` runs it; the four cdk-nag packs run by default)",
        row("empty CDK app (Node + jsii start-up floor)", empty, None, ""),
        row("one-queue CDK app (L2 assemblies loaded)", one_queue, empty, ""),
        row("shipped app (flyte-scheduler.yaml)", shipped, empty, "target <= 1.25x empty"),
        row("shipped app, -c compliance=false", unchecked, empty, "(without the cdk-nag packs)"),
        row("1 environment", single, None, ""),
        row("20 environments", many, single, "target <= 1.5x 1 environment"),
        "config",
        row("python -c pass", floor, None, ""),
        row("flyte-scheduler config --env local", config, floor, "target <= 0.40 s"),
    ]
    imported = subprocess.run(
        [PYTHON, "-c", "import sys, flyte_scheduler.cli as c, io, contextlib\n"
         "with contextlib.redirect_stdout(io.StringIO()): c.main(['config', '--env', 'local'])\n"
         "print(sorted(m for m in sys.modules if m.split('.')[0] in ('aws_cdk', 'jsii')))"],
        cwd=ROOT, capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    lines.append(f"  aws_cdk/jsii modules imported by config: {imported}")
    lines.append(
        "settings validation (in-process parse_settings; linear means a flat time per env)"
    )
    for count in (500, 1_000, 2_500, 5_000):
        seconds = validation_seconds(count, args.runs)
        per_env = f"{seconds / count * 1e6:6.0f} us/env"
        lines.append(row(f"{count} environments", seconds, None, per_env))
    if not args.skip_tiers:
        lines.append("test tiers (wall, excluding installs)")
        for tier, target in (("unit", 5), ("infra", 60), ("integration", 120)):
            seconds = wall(
                [PYTHON, "-m", "pytest", "-q", "-p", "no:cacheprovider", f"tests/{tier}"]
            )
            lines.append(row(tier, seconds, None, f"target <= {target} s"))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
