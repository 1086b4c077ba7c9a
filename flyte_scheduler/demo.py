"""The embedded default, end to end: emulator, real ``cdk deploy``, config from the stack, and
flyteadmin's own call sequence until a scheduled event really arrives.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from flyte_scheduler import config_lint, config_render, deployed_values, emulator
from flyte_scheduler.doctor_checks import run_checks
from flyte_scheduler.doctor_observations import observe
from flyte_scheduler.files import write_text
from flyte_scheduler.flyteadmin_calls import run_call_sequence, synthetic_launch_plan
from flyte_scheduler.options import EnvironmentSettings
from flyte_scheduler.outputs import stack_name
from flyte_scheduler.progress import Progress

DELIVERY_TIMEOUT_SECONDS = 90  # the emulator's scheduler ticks every ~60 s
YAML_FORMATS = ("scheduler", "flyte-core", "flyte-binary")


@dataclass
class DemoReport:
    """Checks (name, passed, evidence), files written and the stack's outputs."""

    checks: list[tuple[str, bool, str]] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)
    outputs: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return bool(self.checks) and all(passed for _, passed, _ in self.checks)


def cdk_command(*args: str) -> list[str]:
    """The pinned CDK CLI (package.json), quiet and without notices."""
    return ["npx", "--no-install", "cdk", *args, "--no-notices"]


def cdk_environment(aws: dict[str, str]) -> dict[str, str]:
    """The current environment plus the emulator's, the venv first on PATH, no telemetry."""
    env = dict(os.environ)
    env.update(aws)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["CDK_DISABLE_CLI_TELEMETRY"] = "true"
    env["JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION"] = "20"
    return env


def run_logged(command: list[str], env: dict[str, str], log: Path) -> None:
    """Run a command with its output in ``log``; raise with the log's tail when it fails."""
    with log.open("w") as stream:
        code = subprocess.run(command, env=env, stdout=stream, stderr=subprocess.STDOUT).returncode
    if code:
        tail = "\n".join(log.read_text().splitlines()[-15:])
        raise RuntimeError(f"{' '.join(command[:4])} failed ({code}); log {log}:\n{tail}")


def deploy(env: EnvironmentSettings, settings_path: str, aws: dict[str, str], out: Path) -> Path:
    """``cdk bootstrap`` and ``cdk deploy`` of one environment; returns the outputs file."""
    shell_env = cdk_environment(aws)
    context = ["-c", f"settings={settings_path}", "-c", f"env={env.name}"]
    assembly = ["-o", str(out / "cdk.out")]
    run_logged(
        cdk_command("bootstrap", f"aws://{env.account}/{env.region}", *context, *assembly),
        shell_env,
        out / "cdk-bootstrap.log",
    )
    outputs_file = out / "outputs.json"
    run_logged(
        cdk_command(
            "deploy",
            stack_name(env.name),
            "--require-approval",
            "never",
            "--outputs-file",
            str(outputs_file),
            *context,
            *assembly,
        ),
        shell_env,
        out / "cdk-deploy.log",
    )
    return outputs_file


def write_configs(
    env: EnvironmentSettings, values: deployed_values.SchedulerValues, out: Path
) -> list[Path]:
    """The flyteadmin config in every YAML format, from the deployed stack's values."""
    block = config_render.scheduler_block(
        values, env.reconnect_attempts, env.reconnect_delay_seconds
    )
    paths = []
    for fmt in YAML_FORMATS:
        document = config_render.config_document(values, block, fmt)
        header = f"flyteadmin scheduler config ({fmt}) for environment '{env.name}', from deployed stack {stack_name(env.name)}."
        path = out / f"flyteadmin-{fmt}.yaml"
        write_text(path, config_render.render(document, fmt, header))
        paths.append(path)
    return paths


def run_demo(
    env: EnvironmentSettings, settings_path: str, build: Path, keep_running: bool = False
) -> DemoReport:
    """Every step of the demo; the emulator is always stopped unless ``keep_running``."""
    import boto3  # live path only

    out = build / "demo"
    out.mkdir(parents=True, exist_ok=True)
    report = DemoReport()
    progress = Progress(total=6)
    state = build / "emulator"
    try:
        started = time.monotonic()
        progress.step("Starting the local AWS emulator (LocalStack, 127.0.0.1 only)")
        running = emulator.start(state_dir=state)
        aws = running.aws_environment(env.account, env.region)
        os.environ.update(aws)  # this process's boto3 clients talk to the emulator too
        progress.done(
            f"{running.endpoint}, pid {running.pid}, log {state / 'emulator.log'}", started
        )

        started = time.monotonic()
        progress.step(f"cdk bootstrap + cdk deploy {stack_name(env.name)}")
        deploy(env, settings_path, aws, out)
        report.outputs = deployed_values.outputs_from_stack(env)
        report.checks.append(("cdk deploy", True, f"{len(report.outputs)} stack outputs"))
        progress.done(f"logs in {out}", started)

        started = time.monotonic()
        progress.step("flyteadmin config from the deployed stack")
        values = deployed_values.values_from_outputs(report.outputs, stack_name(env.name))
        differences = values.differences(deployed_values.values_from_settings(env))
        report.checks.append(
            (
                "deployed stack matches the settings (offline config)",
                not differences,
                "; ".join(differences) or "identical values",
            )
        )
        report.files = write_configs(env, values, out)
        progress.done(", ".join(str(p) for p in report.files), started)

        started = time.monotonic()
        progress.step("lint-config on every emitted file")
        findings = [f for path in report.files for f in config_lint.lint_file(path, values)]
        report.checks.append(
            ("lint-config", not findings, f"{len(findings)} findings in {len(report.files)} files")
        )
        progress.done(f"{len(findings)} findings", started)

        started = time.monotonic()
        progress.step(
            "flyteadmin's call sequence: PutRule rate(1 minute), PutTargets, wait for delivery"
        )
        result = run_call_sequence(
            values,
            boto3.client("events", region_name=env.region),
            boto3.client("sqs", region_name=env.region),
            launch_plan=synthetic_launch_plan(),
            timeout_seconds=DELIVERY_TIMEOUT_SECONDS,
            progress=progress.waiting(
                "waiting for the scheduled delivery", DELIVERY_TIMEOUT_SECONDS
            ),
        )
        progress.end_wait()
        for step in result.steps:
            print(f"      {'ok  ' if step.ok else 'FAIL'} {step.name}: {step.detail}", flush=True)
        report.checks.append(
            (
                "flyteadmin call sequence",
                result.ok,
                f"rule {result.rule}, delivery after {result.waited_seconds:.0f} s",
            )
        )
        progress.done("rule removed again", started)

        started = time.monotonic()
        progress.step("doctor: live checks of the deployment")
        results = run_checks(env, observe(env, boto3.session.Session(), simulate=False))
        for check in results:
            print("      " + check.render().replace("\n", "\n      "), flush=True)
        failed = [check.name for check in results if check.status == "fail"]
        report.checks.append(
            ("doctor", not failed, f"{len(results)} checks, failed: {failed or 'none'}")
        )
        progress.done(f"{len(failed)} failed", started)
    except (RuntimeError, OSError, emulator.EmulatorError, deployed_values.SourceError) as error:
        report.checks.append((f"step {progress.number}", False, str(error)))
    finally:
        if not keep_running:
            emulator.stop(state)
    return report


def print_summary(report: DemoReport, env: EnvironmentSettings, kept: bool) -> None:
    print("\nSummary")
    if report.outputs:
        print(f"  stack {stack_name(env.name)} outputs:")
        for key, value in sorted(report.outputs.items()):
            print(f"    {key} = {value}")
    if report.files:
        print("  flyteadmin config written from the deployed stack:")
        for path in report.files:
            print(f"    {path}")
    print("  checks:")
    for name, passed, evidence in report.checks:
        print(f"    {'PASS' if passed else 'FAIL'}  {name}: {evidence}")
    print("  not verifiable on the emulator (it does not enforce them):")
    for item in emulator.NOT_ENFORCED:
        print(f"    -     {item}")
    state = "still running (stop: flyte-scheduler emulator stop)" if kept else "stopped"
    print(f"  emulator: {state}")
