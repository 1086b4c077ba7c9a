"""``flyte-scheduler``: flyteadmin config that matches the deployment, and checks around it.

Exit codes: 0 success, 1 findings or a deployment that disagrees with the settings, 2 bad input.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import urllib.parse
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from flyte_scheduler import (
    config_lint,
    config_render,
    deployed_values,
    emulator,
    files,
    launch_plan_schedules,
    naming,
    schedules,
)
from flyte_scheduler.options import EnvironmentSettings
from flyte_scheduler.outputs import stack_name
from flyte_scheduler.problems import SettingsError
from flyte_scheduler.settings import DEFAULT_SETTINGS_FILE, load_settings

EXIT_OK, EXIT_FINDINGS, EXIT_BAD_INPUT, EXIT_INTERRUPTED = 0, 1, 2, 130
MAX_FIRE_TIMES = 1_000


class CommandError(Exception):
    """A failure to report in one line, with its exit code."""

    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.code = code


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; errors are printed without a traceback."""
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):  # undecodable arguments print as escapes
            stream.reconfigure(errors="backslashreplace")
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Callable[[argparse.Namespace], int] = args.handler
    # SIGTERM unwinds like Ctrl-C, so live commands still remove their rule and stop the emulator.
    signal.signal(signal.SIGTERM, _exit_on_signal)
    try:
        return handler(args)
    except SettingsError as error:
        print(error, file=sys.stderr)
        return EXIT_BAD_INPUT
    except CommandError as error:
        print(f"flyte-scheduler {args.command}: {error}", file=sys.stderr)
        return error.code
    except KeyboardInterrupt:
        print(f"flyte-scheduler {args.command}: interrupted (cleaned up)", file=sys.stderr)
        return EXIT_INTERRUPTED


def _exit_on_signal(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="flyte-scheduler",
        description="flyteadmin AWS scheduler: config from settings or a deployed stack, and checks.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    config = _command(commands, "config", cmd_config, "emit flyteadmin config for an environment")
    _fleet_options(config)
    source = config.add_mutually_exclusive_group()
    source.add_argument(
        "--from-stack",
        action="store_true",
        help="read the deployed stack's outputs with boto3 (the environment's aws: settings, "
        "else the standard AWS environment)",
    )
    source.add_argument(
        "--outputs-file", metavar="FILE", help="read a `cdk deploy --outputs-file` JSON file"
    )
    config.add_argument(
        "--format",
        choices=config_render.FORMATS,
        default="scheduler",
        help="scheduler: flyteadmin config file (default); flyte-core / flyte-binary: Helm "
        "values; json",
    )
    config.add_argument(
        "-o",
        "--output",
        metavar="PATH",
        help="write atomically to this file; with several environments, a folder that gets "
        "<env>.<format>.yaml (or .json) each",
    )

    lint = _command(commands, "lint-config", cmd_lint_config, "check a config or values file")
    lint.add_argument("file", metavar="FILE", help="flyteadmin config or Helm values YAML")
    _settings_options(lint, env_required=False, env_help="also compare with this environment")

    rule = _command(commands, "rule-name", cmd_rule_name, "the rule name flyteadmin creates")
    rule.epilog = (
        "A project, domain or name starting with '-' goes after '--', for example: "
        "flyte-scheduler rule-name --prefix flyte -- -proj development my_wf"
    )
    rule.add_argument("project")
    rule.add_argument("domain")
    rule.add_argument("name", help="launch plan name")
    prefix = rule.add_mutually_exclusive_group(required=True)
    prefix.add_argument("--env", help="take the prefix from this environment's settings")
    prefix.add_argument("--prefix", help="the scheduleNamePrefix")
    rule.add_argument("--settings", default=DEFAULT_SETTINGS_FILE, metavar="PATH")

    check = _command(commands, "check-schedule", cmd_check_schedule, "validate a schedule")
    check.add_argument(
        "expression",
        metavar="EXPR",
        help="a FixedRate ('90 minutes', 'rate(1 day)'), a CronSchedule ('0 10 * * *', "
        "'@daily') or an AWS cron for cron_expression ('cron(0 10 * * ? *)')",
    )
    check.add_argument(
        "--count",
        type=_fire_count,
        default=5,
        help=f"fire times to show, 1 to {MAX_FIRE_TIMES} (default 5)",
    )

    audit = _command(commands, "audit", cmd_audit, "will a Flyte project's schedules fire on AWS?")
    audit.add_argument(
        "path", metavar="PATH", help="pyflyte package archive, or a folder of .pb files"
    )
    audit.add_argument("--project", required=True, help="the Flyte project they register into")
    audit.add_argument("--domain", required=True, help="the Flyte domain they register into")
    audit_prefix = audit.add_mutually_exclusive_group(required=True)
    audit_prefix.add_argument("--env", help="take the rule prefix from this environment")
    audit_prefix.add_argument("--prefix", help="the scheduleNamePrefix")
    audit.add_argument("--settings", default=DEFAULT_SETTINGS_FILE, metavar="PATH")
    audit.add_argument("--format", choices=("text", "json"), default="text")

    emu = _command(commands, "emulator", cmd_emulator, "start/stop the local AWS emulator")
    emu.add_argument("action", choices=("start", "stop", "status"))
    emu.add_argument("--state-dir", type=Path, default=emulator.DEFAULT_STATE, metavar="DIR")
    emu.add_argument("--python", type=Path, default=emulator.DEFAULT_PYTHON, metavar="PATH")
    _settings_options(emu, env_required=False, env_help="print AWS variables for this environment")

    doctor = _command(commands, "doctor", cmd_doctor, "live checks of a deployed environment")
    _fleet_options(doctor)
    doctor.add_argument("--format", choices=("text", "json"), default="text")
    doctor.add_argument(
        "--verbose", action="store_true", help="also the API calls and the time of each phase"
    )
    doctor.add_argument(
        "--config", metavar="FILE", help="also lint this flyteadmin config against it"
    )

    adopt = _command(commands, "adopt", cmd_adopt, "take a hand-made queue and role into the stack")
    _settings_options(adopt, env_required=True)
    adopt.add_argument(
        "-o", "--output", metavar="FILE", help="resource mapping (default build/adopt-<env>.json)"
    )

    smoke = _command(commands, "smoke", cmd_smoke, "run flyteadmin's calls against a deployment")
    _settings_options(smoke, env_required=True)
    smoke.add_argument(
        "--timeout", type=float, default=120, help="seconds to wait for the delivery (default 120)"
    )

    demo_parser = _command(
        commands, "demo", cmd_demo, "deploy into the emulator and fire a schedule"
    )
    _settings_options(demo_parser, env_required=False, env_help="environment (default local)")
    demo_parser.add_argument("--build-dir", type=Path, default=Path("build"), metavar="DIR")
    demo_parser.add_argument(
        "--keep-running", action="store_true", help="leave the emulator running afterwards"
    )
    return parser


def _command(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
    name: str,
    handler: Callable[[argparse.Namespace], int],
    summary: str,
) -> argparse.ArgumentParser:
    doc = (handler.__doc__ or summary).strip()
    command = commands.add_parser(name, help=summary, description=doc)
    command.set_defaults(handler=handler)
    return command


def _fleet_options(parser: argparse.ArgumentParser) -> None:
    """--env (repeatable) or --all, and --settings."""
    chosen = parser.add_mutually_exclusive_group(required=True)
    chosen.add_argument(
        "--env", action="append", metavar="ENV", help="an environment (repeat for several)"
    )
    chosen.add_argument("--all", action="store_true", help="every environment of the settings")
    parser.add_argument(
        "--settings",
        default=DEFAULT_SETTINGS_FILE,
        metavar="PATH",
        help=f"settings file (default {DEFAULT_SETTINGS_FILE})",
    )


def _settings_options(
    parser: argparse.ArgumentParser, env_required: bool, env_help: str = "environment name"
) -> None:
    parser.add_argument("--env", required=env_required, help=env_help)
    parser.add_argument(
        "--settings",
        default=DEFAULT_SETTINGS_FILE,
        metavar="PATH",
        help=f"settings file (default {DEFAULT_SETTINGS_FILE})",
    )


def _environment(args: argparse.Namespace) -> EnvironmentSettings:
    return load_settings(args.settings).select(args.env)[0]


def _environments(args: argparse.Namespace) -> list[EnvironmentSettings]:
    """The environments --env (repeated) or --all name, in the order given, each once."""
    settings = load_settings(args.settings)
    if args.all:
        return settings.select(None)
    chosen = [settings.select(name)[0] for name in dict.fromkeys(args.env)]
    return chosen


def cmd_config(args: argparse.Namespace) -> int:
    """Emit the flyteadmin scheduler config (or Helm values) for one or more environments.

    Offline from the settings by default; with --from-stack or --outputs-file from the deployed
    stack, which must agree with the settings (exit 1 otherwise). With several environments
    (--env repeated, or --all), -o names a folder and each environment gets its own file.
    """
    envs = _environments(args)
    if len(envs) > 1 and not args.output:
        raise CommandError("several environments need -o FOLDER (one file each)", EXIT_BAD_INPUT)
    if len(envs) > 1 and args.outputs_file:
        raise CommandError("--outputs-file reads one environment's outputs", EXIT_BAD_INPUT)
    texts = _concurrently(envs, lambda env: _config_text(env, args))
    if not args.output:
        sys.stdout.write(texts[0])
        return EXIT_OK
    suffix = "json" if args.format == "json" else "yaml"
    targets = (
        [Path(args.output)]
        if len(envs) == 1
        else [Path(args.output) / f"{env.name}.{args.format}.{suffix}" for env in envs]
    )
    for target, text in zip(targets, texts, strict=True):
        try:
            files.write_text(target, text)
        except files.OutputError as error:
            raise CommandError(str(error), EXIT_BAD_INPUT) from None
        print(f"wrote {files.shown(target)}", file=sys.stderr)
    return EXIT_OK


def _config_text(env: EnvironmentSettings, args: argparse.Namespace) -> str:
    values, source = _source_values(
        env, outputs_file=args.outputs_file, from_stack=args.from_stack, settings=args.settings
    )
    block = config_render.scheduler_block(
        values, env.reconnect_attempts, env.reconnect_delay_seconds
    )
    document = config_render.config_document(values, block, args.format)
    header = (
        f"flyteadmin scheduler config ({args.format}) for environment '{env.name}', from {source}.\n"
        "Generated by `flyte-scheduler config`: regenerate it rather than edit it."
    )
    return config_render.render(document, args.format, header)


T = TypeVar("T")
FLEET_WORKERS = 8
"""Environments checked at once (each also reads rule targets concurrently)."""


def _concurrently(
    envs: list[EnvironmentSettings], work: Callable[[EnvironmentSettings], T]
) -> list[T]:
    """``work`` for each environment in a bounded pool; results in the environments' order.
    The first CommandError (in that order) is raised after all have finished."""
    if len(envs) == 1:
        return [work(envs[0])]
    with ThreadPoolExecutor(min(FLEET_WORKERS, len(envs))) as pool:
        futures = [pool.submit(work, env) for env in envs]
    return [future.result() for future in futures]


def _source_values(
    env: EnvironmentSettings,
    *,
    outputs_file: str | None = None,
    from_stack: bool = False,
    settings: str = DEFAULT_SETTINGS_FILE,
) -> tuple[deployed_values.SchedulerValues, str]:
    """The values to use and where they came from: the settings, or a deployed source that must
    agree with them (exit 1 otherwise; exit 2 for an unreadable outputs file)."""
    expected = deployed_values.values_from_settings(env)
    try:
        if outputs_file:
            source = f"outputs file {outputs_file}"
            outputs = deployed_values.outputs_from_file(outputs_file, env.name)
        elif from_stack:
            source = f"deployed stack {stack_name(env.name)}"
            outputs = deployed_values.outputs_from_stack(env)
        else:
            return expected, f"settings {settings}"
        values = deployed_values.values_from_outputs(outputs, source)
    except deployed_values.SourceError as error:
        raise CommandError(str(error), EXIT_BAD_INPUT if outputs_file else EXIT_FINDINGS) from None
    differences = values.differences(expected)
    if differences:
        raise CommandError(
            f"{source} disagrees with the settings of '{env.name}': " + "; ".join(differences),
            EXIT_FINDINGS,
        )
    return values, source


def cmd_lint_config(args: argparse.Namespace) -> int:
    """Check a flyteadmin config or flyte-core / flyte-binary values file for known traps.

    Exit 0 when clean, 1 with findings, 2 when the file cannot be read.
    """
    expected = deployed_values.values_from_settings(_environment(args)) if args.env else None
    try:
        findings = config_lint.lint_file(args.file, expected)
    except config_lint.LintInputError as error:
        raise CommandError(str(error), EXIT_BAD_INPUT) from None
    for finding in findings:
        print(finding.render(args.file))
    if findings:
        print(f"{len(findings)} finding(s) in {args.file}")
        return EXIT_FINDINGS
    print(f"{args.file}: no findings")
    return EXIT_OK


def _fire_count(text: str) -> int:
    try:
        count = int(text)
    except ValueError:
        count = 0
    if not 1 <= count <= MAX_FIRE_TIMES:
        raise argparse.ArgumentTypeError(f"must be a whole number from 1 to {MAX_FIRE_TIMES}")
    return count


def cmd_rule_name(args: argparse.Namespace) -> int:
    """Print the EventBridge rule name flyteadmin creates for a launch plan.

    FNV-1 64-bit of project:domain:name (every version of the plan maps to the same rule).
    """
    for field in ("project", "domain", "name"):
        value = getattr(args, field)
        if not value:
            raise CommandError(
                f"{field} must not be empty: flyteadmin rejects such a launch plan at "
                "registration, so no rule exists for it",
                EXIT_BAD_INPUT,
            )
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise CommandError(
                f"{field} {value.encode('utf-8', 'surrogateescape')!r} is not valid UTF-8 "
                "(flyteadmin hashes the UTF-8 bytes of project:domain:name)",
                EXIT_BAD_INPUT,
            ) from None
    prefix = _environment(args).prefix if args.env else args.prefix
    print(naming.rule_name(prefix, args.project, args.domain, args.name))
    return EXIT_OK


def cmd_check_schedule(args: argparse.Namespace) -> int:
    """Say what flyteadmin does with a schedule, by Flyte version, with scheme: aws.

    EXPR as a flytekit user has it: a FixedRate ('90 minutes', 'rate(1 day)'), a CronSchedule
    ('0 10 * * *', '@daily'), or an AWS cron for the deprecated cron_expression
    ('cron(0 10 * * ? *)'). Exit 0 when it fires on current Flyte (flyteadmin >= 1.14.0) with
    scheme: aws, 1 when it does not, 2 when EXPR is none of these.
    """
    try:
        schedule = launch_plan_schedules.from_text(args.expression)
    except schedules.ScheduleError as error:
        raise CommandError(f"invalid schedule: {error}", EXIT_BAD_INPUT) from None
    verdict = launch_plan_schedules.verdict(schedule)
    print(f"written as:            {schedule.as_written}")
    print(f"{launch_plan_schedules.CURRENT}:  {verdict.current}: {verdict.current_why}")
    print(f"{launch_plan_schedules.LEGACY}:   {verdict.legacy}: {verdict.legacy_why}")
    fires = _fire_times(schedule, verdict, datetime.now(UTC), args.count)
    if fires:
        label, times = fires
        print(f"next {len(times)} fire times (UTC) {label}:")
        for fire in times:
            print(f"  {fire:%Y-%m-%d %H:%M} ({fire:%a})")
    if verdict.instead:
        print(f"instead:               {verdict.instead}")
    state = "fires" if verdict.works else "does not fire"
    print(f"verdict: {state} on current Flyte with scheme: aws")
    return EXIT_OK if verdict.works else EXIT_FINDINGS


def _fire_times(
    schedule: launch_plan_schedules.LaunchPlanSchedule,
    verdict: launch_plan_schedules.Verdict,
    now: datetime,
    count: int,
) -> tuple[str, list[datetime]] | None:
    """When it fires where it works: a rate from activation, a legacy cron_expression on the
    clock."""
    if schedule.kind == "rate" and verdict.works:
        rate = schedules.Rate(schedule.rate_value, schedule.rate_unit)
        return "if activated now", rate.next_fires(now, count)
    if schedule.kind == "cron_expression" and verdict.legacy == "works":
        fires = schedules.parse_cron(schedule.text).next_fires(now, count)
        return f"on {launch_plan_schedules.LEGACY}", fires
    return None


def cmd_audit(args: argparse.Namespace) -> int:
    """Audit the scheduled launch plans of a `pyflyte package` archive (or a folder of serialized
    .pb files) for flyteadmin's AWS scheduler.

    For each launch plan with a schedule: the schedule as written, the verdict on current Flyte
    (works with the exact expression, fails at registration, fails at activation, registers but
    never fires), the EventBridge rule name, the kickoff argument and the next fire times. Exit 0
    when every scheduled launch plan fires on current Flyte with scheme: aws, 1 otherwise.
    """
    from flyte_scheduler import launch_plan_archive

    for field in ("project", "domain"):
        if not getattr(args, field):
            raise CommandError(f"--{field} must not be empty", EXIT_BAD_INPUT)
    prefix = _environment(args).prefix if args.env else args.prefix
    try:
        plans = launch_plan_archive.read_launch_plans(args.path)
    except files.InputError as error:
        raise CommandError(str(error), EXIT_BAD_INPUT) from None
    now = datetime.now(UTC)
    rows = [_audit_row(plan, args, prefix, now) for plan in plans if plan.schedule is not None]
    if args.format == "json":
        print(json.dumps(rows, indent=2, ensure_ascii=False))
    else:
        for row in rows:
            print(f"{row['launch_plan']}: {row['verdict'].upper()}  {row['schedule']}")
            print(f"  {row['why']}")
            kickoff = row["kickoff_time_arg"] or "(none)"
            print(f"  rule {row['rule_name']}, kickoff argument {kickoff}")
            if row["next_fires"]:
                print(f"  next fires ({row['fires_from']}): {', '.join(row['next_fires'])}")
            if row["instead"]:
                print(f"  instead: {row['instead']}")
        failing = sum(1 for row in rows if row["verdict"] != "works")
        print(
            f"{len(rows)} scheduled launch plan(s) of {len(plans)} in {files.shown(args.path)}: "
            f"{len(rows) - failing} fire, {failing} will not (current Flyte, scheme: aws)"
        )
    return EXIT_FINDINGS if any(row["verdict"] != "works" for row in rows) else EXIT_OK


def _audit_row(plan: Any, args: argparse.Namespace, prefix: str, now: datetime) -> dict[str, Any]:
    schedule: launch_plan_schedules.LaunchPlanSchedule = plan.schedule
    verdict = launch_plan_schedules.verdict(schedule)
    fires = _fire_times(schedule, verdict, now, 3)
    return {
        "launch_plan": plan.name,
        "schedule": schedule.as_written,
        "field": schedule.kind,
        "verdict": verdict.current,
        "why": verdict.current_why,
        "expression": verdict.expression,
        "verdict_before_1_14": verdict.legacy,
        "rule_name": naming.rule_name(prefix, args.project, args.domain, plan.name),
        "kickoff_time_arg": schedule.kickoff_arg,
        "fires_from": fires[0] if fires else None,
        "next_fires": [f"{fire:%Y-%m-%dT%H:%MZ}" for fire in fires[1]] if fires else [],
        "instead": verdict.instead,
    }


def cmd_emulator(args: argparse.Namespace) -> int:
    """Start, stop or show the local AWS emulator (LocalStack, host mode, 127.0.0.1 only).

    start prints the AWS variables that point SDKs and the CDK CLI at it.
    """
    if args.action == "stop":
        print("stopped" if emulator.stop(args.state_dir) else "not running")
        return EXIT_OK
    if args.action == "start":
        try:
            running = emulator.start(args.state_dir, args.python)
        except emulator.EmulatorError as error:
            raise CommandError(str(error), EXIT_FINDINGS) from None
    else:
        found = emulator.running(args.state_dir)
        if found is None:
            print("not running")
            return EXIT_FINDINGS
        running = found
    print(f"emulator at {running.endpoint} (pid {running.pid}, state {running.state_dir})")
    if args.env:
        env = _environment(args)
        for key, value in running.aws_environment(env.account, env.region).items():
            print(f"export {key}={value}")
    return EXIT_OK


def cmd_demo(args: argparse.Namespace) -> int:
    """Deploy an environment (default local) into the local AWS emulator and prove it works.

    Starts the emulator, runs the real cdk bootstrap and cdk deploy, writes the flyteadmin config
    from the deployed stack, lints it, and runs flyteadmin's call sequence until a scheduled event
    arrives. Exit 1 when a check fails.
    """
    from flyte_scheduler import demo  # live path only

    args.env = args.env or "local"
    env = _environment(args)
    report = demo.run_demo(env, args.settings, args.build_dir, args.keep_running)
    demo.print_summary(report, env, args.keep_running)
    return EXIT_OK if report.ok else EXIT_FINDINGS


def _on_loopback_emulator() -> bool:
    endpoint = os.environ.get("AWS_ENDPOINT_URL", "")
    host = urllib.parse.urlparse(endpoint).hostname or ""
    return host in ("localhost", "::1") or host.startswith("127.")


def cmd_doctor(args: argparse.Namespace) -> int:
    """Check deployed environments, one line per check: pass, fail, warn or n/a (not verifiable here).

    Read-only. Stack and outputs, queue and DLQ, queue policy, backlog, schedule role, flyteadmin's
    permissions (iam:SimulatePrincipalPolicy), rules and their targets, quota, orphaned rules,
    alarms; with --config also lint-config against the deployment. Several environments (--env
    repeated, or --all) run concurrently, each with its own aws: credentials, one section each
    and a summary; --format json gives one object per environment and check. Exit 1 on any fail.
    """
    envs = _environments(args)
    findings = None
    if args.config:
        if len(envs) > 1:
            raise CommandError("--config goes with one environment", EXIT_BAD_INPUT)
        try:
            findings = config_lint.lint_file(
                args.config, deployed_values.values_from_settings(envs[0])
            )
        except config_lint.LintInputError as error:
            raise CommandError(str(error), EXIT_BAD_INPUT) from None
    simulate = not _on_loopback_emulator()
    reports = _concurrently(envs, lambda env: _doctor_report(env, simulate, findings))
    failing = [report.env.name for report in reports if report.failed]
    if args.format == "json":
        print(json.dumps([row for report in reports for row in report.rows()], indent=2))
        return EXIT_FINDINGS if failing else EXIT_OK
    for report in reports:
        if len(reports) > 1:
            print(f"== {report.env.name} ({report.env.account}, {report.env.region})")
        for result in report.results:
            print(result.render())
        print(report.counts())
        if args.verbose:
            print(report.timing())
    if len(reports) > 1:
        print(
            f"{len(reports)} environments: {len(reports) - len(failing)} healthy, "
            f"{len(failing)} failing{': ' + ', '.join(failing) if failing else ''}"
        )
    return EXIT_FINDINGS if failing else EXIT_OK


def _doctor_report(env: EnvironmentSettings, simulate: bool, findings: Any) -> Any:
    from flyte_scheduler.doctor_report import DoctorReport  # live path only

    return DoctorReport.run(env, simulate, findings)


def cmd_adopt(args: argparse.Namespace) -> int:
    """Take a hand-made queue, DLQ and schedule role into the stack without losing a schedule.

    Read-only. Finds the resources the settings name (adopt.queue / dead_letter_queue /
    schedule_role, by queue.name and schedule_role_name), refuses a FIFO queue or one encrypted
    with alias/aws/sqs, says what the first deploy changes, writes the resource-mapping file for
    `cdk import` and prints the two commands to run. Names stay, so flyteadmin's config and its
    rules keep working. Exit 1 when they cannot be adopted.
    """
    from flyte_scheduler import adoption
    from flyte_scheduler.aws_sessions import EnvironmentSession  # live path only

    env = _environment(args)
    if not env.options.adopt.any:
        raise CommandError(
            f"environment '{env.name}' adopts nothing: set adopt.queue, adopt.dead_letter_queue "
            "or adopt.schedule_role in the settings",
            EXIT_BAD_INPUT,
        )
    seen = adoption.observe(env, EnvironmentSession(env))
    verdict = adoption.assess(env, seen)
    for problem in verdict.problems:
        print(f"FAIL  {problem}")
    for change in verdict.changes:
        print(f"CHANGE  {change}")
    if not verdict.adoptable:
        print("not adoptable: fix the problems above, then run adopt again")
        return EXIT_FINDINGS
    output = Path(args.output or f"build/adopt-{env.name}.json")
    if args.output is None:
        output.parent.mkdir(parents=True, exist_ok=True)
    try:
        files.write_text(output, json.dumps(adoption.resource_mapping(env, seen), indent=2) + "\n")
    except files.OutputError as error:
        raise CommandError(str(error), EXIT_BAD_INPUT) from None
    context = f"-c settings={args.settings} -c env={env.name}"
    print(f"wrote {files.shown(output)}; now run:")
    print(f"  npx cdk import {stack_name(env.name)} --resource-mapping {output} {context}")
    print(f"  npx cdk deploy {stack_name(env.name)} {context}")
    return EXIT_OK


def cmd_smoke(args: argparse.Namespace) -> int:
    """Run flyteadmin's call sequence against a deployment and wait for a real scheduled delivery.

    Creates a rule <prefix>_<digits> (rate(1 minute)) for a synthetic launch plan, waits for the
    event, parses and deletes it, and always removes the target and the rule, also on failure or
    Ctrl-C. Writes nothing else. Exit 1 when no event arrives in time.
    """
    from flyte_scheduler.aws_sessions import EnvironmentSession  # live path only
    from flyte_scheduler.flyteadmin_calls import run_call_sequence, synthetic_launch_plan
    from flyte_scheduler.progress import Progress

    env = _environment(args)
    values, _ = _source_values(env, from_stack=True)
    session = EnvironmentSession(env)
    progress = Progress(total=1)
    progress.step(f"flyteadmin's calls against {stack_name(env.name)} ({env.region})")
    result = run_call_sequence(
        values,
        session.client("events"),
        session.client("sqs"),
        launch_plan=synthetic_launch_plan(),
        timeout_seconds=args.timeout,
        progress=progress.waiting("waiting for the scheduled delivery", args.timeout),
    )
    progress.end_wait()
    for step in result.steps:
        print(f"      {'ok  ' if step.ok else 'FAIL'} {step.name}: {step.detail}")
    print("smoke: " + ("PASS" if result.ok else "FAIL") + f" (rule {result.rule} removed)")
    return EXIT_OK if result.ok else EXIT_FINDINGS
