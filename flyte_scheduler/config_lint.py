"""Check a flyteadmin config or Helm values file for the AWS scheduler's known traps (facts §1, §7).

flyteadmin decodes its config without strict mode, so most of these mistakes start it without a
word and fail later: a panic at startup, rules in the wrong region, orphaned rules, a queue nobody
reads. Each finding names the line and key, why it breaks, and the fix.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from flyte_scheduler import files
from flyte_scheduler.deployed_values import SchedulerValues
from flyte_scheduler.options import PREFIX_MAX, PREFIX_PATTERN
from flyte_scheduler.regions import ALL_REGIONS

MAX_CONFIG_BYTES = 1_000_000
"""Largest config or values file lint-config reads (a Helm values file is a few KB)."""
QUEUE_ARN = re.compile(r"arn:aws(?:-cn|-us-gov)?:sqs:([a-z0-9-]+):(\d{12}):([A-Za-z0-9_-]{1,80})")
ROLE_ARN = re.compile(r"arn:aws(?:-cn|-us-gov)?:iam::(\d{12}):role/[\w+=,.@/-]{1,576}", re.ASCII)
SCHEDULER_KEYS = {"profilerPort", "reconnectAttempts", "reconnectDelaySeconds"} | {
    "eventScheduler",
    "workflowExecutor",
}
EVENT_KEYS = {
    "scheme",
    "region",
    "scheduleRole",
    "targetName",
    "scheduleNamePrefix",
    "aws",
    "local",
}
EXECUTOR_KEYS = {"scheme", "region", "scheduleQueueName", "accountId", "aws", "local"}
BLOCK_LOCATIONS = (
    ("scheduler",),
    ("workflow_scheduler", "config", "scheduler"),
    ("configuration", "inline", "scheduler"),
)


class LintInputError(ValueError):
    """The file cannot be read or parsed as YAML."""


@dataclass(frozen=True)
class Finding:
    """One trap: where, what breaks and why, and the fix."""

    trap: str
    key: str
    line: int | None
    problem: str
    fix: str

    def render(self, source: str) -> str:
        where = f"{source}:{self.line}" if self.line else source
        return f"{where}: {self.key}: {self.problem}\n    fix: {self.fix}"


class _Block:
    """A YAML mapping node with dotted-path keys and line numbers."""

    def __init__(self, node: yaml.Node | None, path: str, line: int | None = None) -> None:
        self.path = path
        self.node = node
        self.line = line
        """Line of this block's own key (where a missing key is reported)."""
        self.items: dict[str, yaml.Node] = {}
        self.key_lines: dict[str, int] = {}
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode):
                    self.items[str(key.value)] = value
                    self.key_lines[str(key.value)] = key.start_mark.line + 1

    def key(self, name: str) -> str:
        return f"{self.path}.{name}" if self.path else name

    def has(self, name: str) -> bool:
        return name in self.items

    def child(self, name: str) -> _Block:
        return _Block(self.items.get(name), self.key(name), self.key_lines.get(name, self.line))

    def text(self, name: str) -> str | None:
        """The scalar's text, or None when absent, null or not a scalar."""
        node = self.items.get(name)
        if not isinstance(node, yaml.ScalarNode) or node.tag.endswith(":null"):
            return None
        return str(node.value)

    def line_of(self, name: str) -> int | None:
        return self.key_lines.get(name, self.line)


def lint_file(path: str | Path, expected: SchedulerValues | None = None) -> list[Finding]:
    """Findings for a file; raises :class:`LintInputError` when it cannot be read."""
    try:
        text = files.read_text(path, what="config file", max_bytes=MAX_CONFIG_BYTES)
    except files.InputError as error:
        raise LintInputError(str(error)) from None
    return lint_text(text, expected)


def lint_text(text: str, expected: SchedulerValues | None = None) -> list[Finding]:
    """Findings for a flyteadmin config or a flyte-core/flyte-binary values document."""
    try:
        root = files.parse_bounded(files.compose_yaml, text, "config file")
    except files.InputError as error:
        raise LintInputError(str(error)) from None
    except yaml.YAMLError as error:
        raise LintInputError(f"not valid YAML: {error}") from None
    document = _Block(root, "")
    findings: list[Finding] = []
    block = _find_scheduler_block(document, findings)
    if block is None:
        return findings
    _check_unknown_keys(block, findings)
    _check_reconnect(block, findings)
    events, executor = block.child("eventScheduler"), block.child("workflowExecutor")
    if not _check_schemes(events, executor, findings):
        return findings
    if block.path == ".".join(BLOCK_LOCATIONS[2]):
        _check_native_scheduler_off(document, findings)
    _check_nested(events, executor, findings)
    _check_regions(events, executor, findings)
    _check_account(executor, findings)
    _check_prefix(events, findings)
    _check_role(events, findings)
    _check_target(events, executor, findings)
    if expected is not None:
        _check_expected(events, executor, expected, findings)
    return findings


def _find_scheduler_block(document: _Block, findings: list[Finding]) -> _Block | None:
    for location in BLOCK_LOCATIONS:
        block = document
        for part in location:
            block = block.child(part)
        if isinstance(block.node, yaml.MappingNode):
            if location[0] == "workflow_scheduler":
                _check_flyte_core_switch(document.child("workflow_scheduler"), findings)
            return block
    findings.append(
        Finding(
            "no-scheduler-block",
            "scheduler",
            None,
            "no scheduler block found (looked at scheduler, workflow_scheduler.config.scheduler, "
            "configuration.inline.scheduler), so flyteadmin uses its local defaults",
            "add the block emitted by `flyte-scheduler config`",
        )
    )
    return None


def _check_native_scheduler_off(document: _Block, findings: list[Finding]) -> None:
    """flyte-binary starts the native scheduler unless told not to (cmd/single/start.go); under
    scheme aws its leftover active schedules then fire beside the EventBridge rules."""
    admin = document.child("flyte-core-components").child("admin")
    if admin.text("disableScheduler") != "true":
        findings.append(
            Finding(
                "native-scheduler-on",
                admin.key("disableScheduler"),
                admin.line_of("disableScheduler"),
                "flyte-binary still runs the native scheduler: launch plans it scheduled before "
                "the switch to scheme aws keep firing there, and once re-activated they also "
                "fire through EventBridge (two executions per tick, not deduplicated)",
                "set flyte-core-components.admin.disableScheduler: true",
            )
        )


def _check_flyte_core_switch(chart: _Block, findings: list[Finding]) -> None:
    if chart.text("enabled") != "true":
        findings.append(
            Finding(
                "chart-disabled",
                chart.key("enabled"),
                chart.line_of("enabled"),
                "the flyte-core chart ignores workflow_scheduler.config unless enabled is true",
                "set workflow_scheduler.enabled: true",
            )
        )
    if chart.text("type") != "aws":
        findings.append(
            Finding(
                "chart-type",
                chart.key("type"),
                chart.line_of("type"),
                f"type is {chart.text('type')!r}: the chart only renders the AWS scheduler for "
                "type 'aws'",
                "set workflow_scheduler.type: aws",
            )
        )


def _check_unknown_keys(block: _Block, findings: list[Finding]) -> None:
    for section, known in (
        (block, SCHEDULER_KEYS),
        (block.child("eventScheduler"), EVENT_KEYS),
        (block.child("workflowExecutor"), EXECUTOR_KEYS),
    ):
        for name in section.items:
            if name in known or (section is not block and name.startswith("reconnect")):
                continue
            findings.append(
                Finding(
                    "unknown-key",
                    section.key(name),
                    section.line_of(name),
                    "unknown key: flyteadmin silently ignores it (its config is not strict)",
                    f"remove it or use one of {', '.join(sorted(known))}",
                )
            )


def _check_reconnect(block: _Block, findings: list[Finding]) -> None:
    for section in ("workflowExecutor", "eventScheduler"):
        child = block.child(section)
        for name in ("reconnectAttempts", "reconnectDelaySeconds"):
            if child.has(name):
                findings.append(
                    Finding(
                        "reconnect-misplaced",
                        child.key(name),
                        child.line_of(name),
                        f"ignored here: flyteadmin reads scheduler.{name} at the top level of "
                        "the scheduler block only (the flyte-core EKS example has it wrong)",
                        f"move it to {block.key(name)}",
                    )
                )


def _check_schemes(events: _Block, executor: _Block, findings: list[Finding]) -> bool:
    """Both schemes must be exactly ``aws``; returns whether the AWS scheduler is in use."""
    before = len(findings)
    schemes = {section.path: section.text("scheme") for section in (events, executor)}
    aws = [path for path, scheme in schemes.items() if scheme == "aws"]
    for section in (events, executor):
        scheme = schemes[section.path]
        if scheme is not None and scheme != "aws" and scheme.lower() == "aws":
            findings.append(
                Finding(
                    "scheme-case",
                    section.key("scheme"),
                    section.line_of("scheme"),
                    f"{scheme!r} is not 'aws': flyteadmin compares exactly and falls back to the "
                    "local (native) scheduler",
                    "write scheme: aws in lower case",
                )
            )
    if len(aws) == 1:
        other = executor if aws[0] == events.path else events
        consequence = (
            "rules fire into a queue that nobody reads"
            if other is executor
            else "the native scheduler runs and nothing writes to the queue"
        )
        findings.append(
            Finding(
                "scheme-mismatch",
                other.key("scheme"),
                other.line_of("scheme"),
                f"only {aws[0]}.scheme is aws: {consequence}",
                "set both eventScheduler.scheme and workflowExecutor.scheme to aws",
            )
        )
    elif not aws and not any(f.trap == "scheme-case" for f in findings[before:]):
        findings.append(
            Finding(
                "scheme-not-aws",
                events.key("scheme"),
                events.line_of("scheme"),
                "neither scheme is aws: flyteadmin uses its native scheduler, not EventBridge",
                "set eventScheduler.scheme and workflowExecutor.scheme to aws",
            )
        )
    return bool(aws)


def _check_nested(events: _Block, executor: _Block, findings: list[Finding]) -> None:
    for section, names in (
        (events, ("region", "scheduleRole", "targetName", "scheduleNamePrefix")),
        (executor, ("region", "scheduleQueueName", "accountId")),
    ):
        nested = section.child("aws")
        for name in names:
            flat, deep = section.text(name), nested.text(name)
            if deep and not flat:
                findings.append(
                    Finding(
                        "nested-only",
                        nested.key(name),
                        nested.line_of(name),
                        f"only the nested value is set, but flyteadmin reads the flat "
                        f"{section.key(name)} (an empty queue name panics at startup, an empty "
                        "role fails every activation)",
                        f"set {section.key(name)}: {deep} and drop the aws: block",
                    )
                )
            elif deep is not None and flat and deep != flat and name != "scheduleNamePrefix":
                findings.append(
                    Finding(
                        "nested-differs",
                        nested.key(name),
                        nested.line_of(name),
                        f"{deep!r} differs from the flat value {flat!r}, which is the one read",
                        "drop the aws: block (it adds nothing) or make it identical",
                    )
                )
    nested_events = events.child("aws")
    if isinstance(nested_events.node, yaml.MappingNode):
        flat, deep = (
            events.text("scheduleNamePrefix") or "",
            nested_events.text("scheduleNamePrefix") or "",
        )
        if flat != deep:
            findings.append(
                Finding(
                    "nested-prefix-differs",
                    nested_events.key("scheduleNamePrefix"),
                    nested_events.line_of("scheduleNamePrefix"),
                    f"rules are created with the nested prefix {deep!r} (it overrides whenever "
                    f"the aws: block exists) but removed with the flat {flat!r}: deactivated "
                    "launch plans leave orphaned rules that keep firing",
                    "drop eventScheduler.aws, keeping only the flat scheduleNamePrefix",
                )
            )


def _check_regions(events: _Block, executor: _Block, findings: list[Finding]) -> None:
    region = executor.text("region")
    if not region:
        findings.append(
            Finding(
                "region-missing",
                executor.key("region"),
                executor.line_of("region"),
                "empty: flyteadmin passes it to both the CloudWatch Events and SQS clients, and "
                "an empty region fails every call with MissingRegion even when AWS_REGION is set",
                "set workflowExecutor.region to the queue's region",
            )
        )
        return
    if region not in ALL_REGIONS:
        findings.append(
            Finding(
                "region-invalid",
                executor.key("region"),
                executor.line_of("region"),
                f"{region!r} is not an AWS region name",
                "use a region such as us-east-1",
            )
        )
    event_region = events.text("region")
    if event_region != region:
        findings.append(
            Finding(
                "region-unequal",
                events.key("region"),
                events.line_of("region"),
                f"{event_region!r} differs from workflowExecutor.region {region!r}: it is never "
                f"read, rules are created in {region}, so the config misleads",
                f"set eventScheduler.region: {region}",
            )
        )


def _check_account(executor: _Block, findings: list[Finding]) -> None:
    node = executor.items.get("accountId")
    account = executor.text("accountId")
    if account is None:
        findings.append(
            Finding(
                "account-missing",
                executor.key("accountId"),
                executor.line_of("accountId"),
                "missing: flyteadmin sends it as QueueOwnerAWSAccountId on GetQueueUrl",
                "set workflowExecutor.accountId to the queue owner's 12-digit account, quoted",
            )
        )
        return
    if isinstance(node, yaml.ScalarNode) and node.style is None and account.isdigit():
        findings.append(
            Finding(
                "account-unquoted",
                executor.key("accountId"),
                executor.line_of("accountId"),
                "unquoted: YAML may read it as a number, and an id with a leading zero can be "
                "mangled (read as octal or stripped); flyteadmin needs the exact 12 characters",
                f'quote it: accountId: "{account}"',
            )
        )
    if not re.fullmatch(r"\d{12}", account):
        findings.append(
            Finding(
                "account-invalid",
                executor.key("accountId"),
                executor.line_of("accountId"),
                f"{account!r} is not a 12-digit account id",
                "use the queue owner's 12-digit account id, quoted",
            )
        )


def _check_prefix(events: _Block, findings: list[Finding]) -> None:
    prefix = events.text("scheduleNamePrefix") or ""
    if not prefix:
        problem = (
            "empty: rules get bare numeric names, no permission can be scoped to them, and two "
            "deployments in one account and region overwrite each other's rules"
        )
    elif len(prefix) > PREFIX_MAX or not PREFIX_PATTERN.fullmatch(prefix):
        problem = (
            f"{prefix!r} is not 1-{PREFIX_MAX} chars of A-Za-z0-9._-: rule names "
            "<prefix>_<20 digits> would exceed EventBridge's 64 characters or charset"
        )
    else:
        return
    findings.append(
        Finding(
            "prefix-invalid",
            events.key("scheduleNamePrefix"),
            events.line_of("scheduleNamePrefix"),
            problem,
            "use the prefix from your settings (schedule_name_prefix)",
        )
    )


def _check_role(events: _Block, findings: list[Finding]) -> None:
    role = events.text("scheduleRole")
    if role and ROLE_ARN.fullmatch(role):
        return
    findings.append(
        Finding(
            "role-invalid",
            events.key("scheduleRole"),
            events.line_of("scheduleRole"),
            f"{role!r} is not an IAM role ARN: PutRule rejects an empty RoleArn, so every "
            "launch-plan activation fails",
            "set it to the schedule role ARN (stack output ScheduleRoleArn)",
        )
    )


def _check_target(events: _Block, executor: _Block, findings: list[Finding]) -> None:
    target = events.text("targetName") or ""
    match = QUEUE_ARN.fullmatch(target)
    if not match:
        findings.append(
            Finding(
                "target-not-arn",
                events.key("targetName"),
                events.line_of("targetName"),
                f"{target!r} is not an SQS queue ARN (a URL or a bare name is rejected by "
                "PutTargets)",
                "set it to the queue ARN (stack output QueueArn)",
            )
        )
        return
    region, account, name = match.groups()
    checks = (
        (
            "target-queue-mismatch",
            "scheduleQueueName",
            name,
            "rules deliver to a queue the executor does not read",
        ),
        (
            "target-account-mismatch",
            "accountId",
            account,
            "the executor looks for the queue in another account",
        ),
        (
            "target-region-mismatch",
            "region",
            region,
            "rules and queue must share workflowExecutor.region",
        ),
    )
    for trap, field, value, why in checks:
        configured = executor.text(field)
        if configured and configured != value:
            findings.append(
                Finding(
                    trap,
                    events.key("targetName"),
                    events.line_of("targetName"),
                    f"names {value!r} but workflowExecutor.{field} is {configured!r}: {why}",
                    "emit both from the same deployment with `flyte-scheduler config`",
                )
            )
    if not executor.text("scheduleQueueName"):
        findings.append(
            Finding(
                "queue-name-missing",
                executor.key("scheduleQueueName"),
                executor.line_of("scheduleQueueName"),
                "missing: the SQS subscriber gets no queue name and flyteadmin panics at startup",
                f"set workflowExecutor.scheduleQueueName: {name}",
            )
        )


def _check_expected(
    events: _Block, executor: _Block, expected: SchedulerValues, findings: list[Finding]
) -> None:
    pairs = (
        (executor, "region", expected.region),
        (executor, "accountId", expected.account),
        (executor, "scheduleQueueName", expected.queue_name),
        (events, "targetName", expected.queue_arn),
        (events, "scheduleRole", expected.schedule_role_arn),
        (events, "scheduleNamePrefix", expected.prefix),
    )
    for section, name, value in pairs:
        actual = section.text(name)
        if actual != value:
            findings.append(
                Finding(
                    "settings-mismatch",
                    section.key(name),
                    section.line_of(name),
                    f"{actual!r} differs from the deployment's {value!r}",
                    f"set it to {value!r} (or regenerate with `flyte-scheduler config`)",
                )
            )
