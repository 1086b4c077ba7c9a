"""lint-config: one broken config per trap, each caught with its key and line; fixes are clean."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from flyte_scheduler import config_lint
from flyte_scheduler.config_lint import LintInputError, lint_text
from flyte_scheduler.deployed_values import values_from_settings
from tests.scenarios import scenario_environments

GOOD = """\
scheduler:
  reconnectAttempts: 10
  reconnectDelaySeconds: 30
  eventScheduler:
    scheme: aws
    region: us-east-1
    scheduleRole: arn:aws:iam::123456789012:role/flyte-schedule-role
    targetName: arn:aws:sqs:us-east-1:123456789012:flyte-schedules
    scheduleNamePrefix: flyte
  workflowExecutor:
    scheme: aws
    region: us-east-1
    scheduleQueueName: flyte-schedules
    accountId: "123456789012"
"""


def edit(old: str, new: str, text: str = GOOD) -> str:
    assert old in text, old
    return text.replace(old, new, 1)


def flyte_core_values(enabled: str, kind: str) -> str:
    """GOOD inside flyte-core Helm values."""
    nested = "".join(f"    {line}\n" for line in GOOD.splitlines())
    return f"workflow_scheduler:\n  enabled: {enabled}\n  type: {kind}\n  config:\n{nested}"


NESTED_ONLY = """\
scheduler:
  eventScheduler:
    scheme: aws
    aws:
      region: us-east-1
      scheduleRole: arn:aws:iam::123456789012:role/flyte-schedule-role
      targetName: arn:aws:sqs:us-east-1:123456789012:flyte-schedules
      scheduleNamePrefix: flyte
  workflowExecutor:
    scheme: aws
    aws:
      region: us-east-1
      scheduleQueueName: flyte-schedules
      accountId: "123456789012"
"""

# (trap, broken config, key reported, its line, corrected config)
TRAPS: list[tuple[str, str, str, int | None, str]] = [
    ("nested-only", NESTED_ONLY, "scheduler.workflowExecutor.aws.scheduleQueueName", 13, GOOD),
    (
        "nested-prefix-differs",
        edit(
            "    scheduleNamePrefix: flyte\n",
            "    scheduleNamePrefix: flyte\n    aws:\n      scheduleNamePrefix: flyte-new\n",
        ),
        "scheduler.eventScheduler.aws.scheduleNamePrefix",
        11,
        GOOD,
    ),
    (
        "nested-differs",
        edit(
            '    accountId: "123456789012"\n',
            '    accountId: "123456789012"\n    aws:\n      region: eu-west-1\n',
        ),
        "scheduler.workflowExecutor.aws.region",
        16,
        GOOD,
    ),
    (
        "reconnect-misplaced",
        edit(
            "    scheme: aws\n    region: us-east-1\n    scheduleQueueName",
            "    scheme: aws\n    reconnectAttempts: 10\n    region: us-east-1\n    scheduleQueueName",
        ),
        "scheduler.workflowExecutor.reconnectAttempts",
        12,
        GOOD,
    ),
    (
        "region-missing",
        edit("    region: us-east-1\n    scheduleQueueName", "    scheduleQueueName"),
        "scheduler.workflowExecutor.region",
        10,
        GOOD,
    ),
    (
        "region-unequal",
        edit("    region: us-east-1\n    scheduleRole", "    region: us-west-2\n    scheduleRole"),
        "scheduler.eventScheduler.region",
        6,
        GOOD,
    ),
    (
        "region-invalid",
        edit(
            "region: us-east-1\n    schedule",
            "region: us-east-7\n    schedule",
            edit(
                "region: us-east-1\n    scheduleRole", "region: us-east-7\n    scheduleRole"
            ).replace("sqs:us-east-1", "sqs:us-east-7"),
        ),
        "scheduler.workflowExecutor.region",
        12,
        GOOD,
    ),
    (
        "scheme-mismatch",
        edit("  workflowExecutor:\n    scheme: aws", "  workflowExecutor:\n    scheme: local"),
        "scheduler.workflowExecutor.scheme",
        11,
        GOOD,
    ),
    (
        "scheme-case",
        edit("  eventScheduler:\n    scheme: aws", "  eventScheduler:\n    scheme: AWS"),
        "scheduler.eventScheduler.scheme",
        5,
        GOOD,
    ),
    (
        "scheme-not-aws",
        GOOD.replace("scheme: aws", "scheme: local"),
        "scheduler.eventScheduler.scheme",
        5,
        GOOD,
    ),
    (
        "target-not-arn",
        edit(
            "targetName: arn:aws:sqs:us-east-1:123456789012:flyte-schedules",
            "targetName: https://sqs.us-east-1.amazonaws.com/123456789012/flyte-schedules",
        ),
        "scheduler.eventScheduler.targetName",
        8,
        GOOD,
    ),
    (
        "target-queue-mismatch",
        edit("scheduleQueueName: flyte-schedules", "scheduleQueueName: flyte-schedules-v2"),
        "scheduler.eventScheduler.targetName",
        8,
        GOOD,
    ),
    (
        "target-account-mismatch",
        edit('accountId: "123456789012"', 'accountId: "210987654321"'),
        "scheduler.eventScheduler.targetName",
        8,
        GOOD,
    ),
    (
        "target-region-mismatch",
        edit("sqs:us-east-1", "sqs:us-west-2"),
        "scheduler.eventScheduler.targetName",
        8,
        GOOD,
    ),
    (
        "account-unquoted",
        edit('accountId: "123456789012"', "accountId: 123456789012"),
        "scheduler.workflowExecutor.accountId",
        14,
        GOOD,
    ),
    (
        "account-invalid",
        edit('accountId: "123456789012"', 'accountId: "1234"'),
        "scheduler.workflowExecutor.accountId",
        14,
        GOOD,
    ),
    (
        "account-missing",
        edit('    accountId: "123456789012"\n', ""),
        "scheduler.workflowExecutor.accountId",
        10,
        GOOD,
    ),
    (
        "prefix-invalid",
        edit("scheduleNamePrefix: flyte", "scheduleNamePrefix: " + "p" * 44),
        "scheduler.eventScheduler.scheduleNamePrefix",
        9,
        GOOD,
    ),
    (
        "role-invalid",
        edit(
            "scheduleRole: arn:aws:iam::123456789012:role/flyte-schedule-role", 'scheduleRole: ""'
        ),
        "scheduler.eventScheduler.scheduleRole",
        7,
        GOOD,
    ),
    (
        "queue-name-missing",
        edit("    scheduleQueueName: flyte-schedules\n", ""),
        "scheduler.workflowExecutor.scheduleQueueName",
        10,
        GOOD,
    ),
    (
        "unknown-key",
        edit(
            "scheduleNamePrefix: flyte", "scheduleNamePrefx: flyte\n    scheduleNamePrefix: flyte"
        ),
        "scheduler.eventScheduler.scheduleNamePrefx",
        9,
        GOOD,
    ),
    ("no-scheduler-block", "server:\n  httpPort: 8088\n", "scheduler", None, GOOD),
    (
        "chart-disabled",
        flyte_core_values(enabled="false", kind="aws"),
        "workflow_scheduler.enabled",
        2,
        flyte_core_values(enabled="true", kind="aws"),
    ),
    (
        "chart-type",
        flyte_core_values(enabled="true", kind="native"),
        "workflow_scheduler.type",
        3,
        flyte_core_values(enabled="true", kind="aws"),
    ),
]


S, E, W = "scheduler", "scheduler.eventScheduler", "scheduler.workflowExecutor"
# Broken configs that rightly report more than their own trap: exactly these, nothing else.
ALSO_REPORTED: dict[str, list[tuple[str, str, int | None]]] = {
    "nested-only": [
        ("nested-only", f"{E}.aws.region", 5),
        ("nested-only", f"{E}.aws.scheduleRole", 6),
        ("nested-only", f"{E}.aws.targetName", 7),
        ("nested-only", f"{E}.aws.scheduleNamePrefix", 8),
        ("nested-only", f"{W}.aws.region", 12),
        ("nested-only", f"{W}.aws.accountId", 14),
        ("nested-prefix-differs", f"{E}.aws.scheduleNamePrefix", 8),
        ("region-missing", f"{W}.region", 9),
        ("account-missing", f"{W}.accountId", 9),
        ("prefix-invalid", f"{E}.scheduleNamePrefix", 2),
        ("role-invalid", f"{E}.scheduleRole", 2),
        ("target-not-arn", f"{E}.targetName", 2),
    ],
    "scheme-case": [("scheme-mismatch", f"{E}.scheme", 5)],
    "account-invalid": [("target-account-mismatch", f"{E}.targetName", 8)],
}


@pytest.mark.parametrize(
    ("broken", "key", "line", "fixed"),
    [trap[1:] for trap in TRAPS],
    ids=[trap[0] for trap in TRAPS],
)
def test_each_trap_is_reported_with_key_line_and_fix(
    request: pytest.FixtureRequest, broken: str, key: str, line: int | None, fixed: str
) -> None:
    trap = request.node.callspec.id
    findings = lint_text(broken)
    reported = sorted([(finding.trap, finding.key, finding.line) for finding in findings], key=str)
    assert reported == sorted([(trap, key, line), *ALSO_REPORTED.get(trap, [])], key=str)
    assert all(finding.fix for finding in findings)
    assert lint_text(fixed) == []


@pytest.mark.skipif(
    "MUTANT_UNDER_TEST" in os.environ, reason="reads the linter's source, which mutmut rewrites"
)
def test_every_trap_the_linter_can_report_has_a_case() -> None:
    """The registry is the linter's own source: every Finding("<trap>", ...) it can produce."""
    source = (Path(config_lint.__file__)).read_text()
    registry = set(re.findall(r'Finding\(\s*"([a-z-]+)"', source))
    # native-scheduler-on and settings-mismatch have tests of their own below
    covered = {trap[0] for trap in TRAPS} | {"native-scheduler-on", "settings-mismatch"}
    assert registry and registry <= covered, sorted(registry - covered)
    assert len({trap[0] for trap in TRAPS}) == len(TRAPS)


FLYTE_BINARY = (
    "flyte-core-components:\n  admin:\n    disableScheduler: true\n"
    "configuration:\n  inline:\n" + "".join(f"    {line}\n" for line in GOOD.splitlines())
)


def test_flyte_binary_values_are_found() -> None:
    assert lint_text(FLYTE_BINARY) == []
    broken = FLYTE_BINARY.replace("scheme: aws", "scheme: local", 1)
    assert [f.trap for f in lint_text(broken)] == ["scheme-mismatch"]


@pytest.mark.parametrize(
    ("values", "line"),
    [
        (FLYTE_BINARY.replace("disableScheduler: true", "disableScheduler: false"), 3),
        (FLYTE_BINARY.replace("    disableScheduler: true\n", "    other: 1\n"), 2),
        ("configuration:" + FLYTE_BINARY.split("configuration:", 1)[1], None),
    ],
    ids=["false", "missing-in-admin", "no-components-section"],
)
def test_flyte_binary_with_the_native_scheduler_on_is_flagged(
    values: str, line: int | None
) -> None:
    findings = lint_text(values)
    assert [(f.trap, f.key, f.line) for f in findings] == [
        ("native-scheduler-on", "flyte-core-components.admin.disableScheduler", line)
    ]
    assert "disableScheduler: true" in findings[0].fix


def test_comparison_with_the_settings() -> None:
    expected = values_from_settings(scenario_environments("default")[0])
    assert lint_text(GOOD, expected) == []
    other = scenario_environments("kms")[0]
    findings = lint_text(GOOD, values_from_settings(other))
    assert {f.key for f in findings if f.trap == "settings-mismatch"} == {
        "scheduler.workflowExecutor.scheduleQueueName",
        "scheduler.eventScheduler.targetName",
        "scheduler.eventScheduler.scheduleRole",
        "scheduler.eventScheduler.scheduleNamePrefix",
    }


def test_unreadable_yaml_is_an_input_error() -> None:
    with pytest.raises(LintInputError):
        lint_text("scheduler: [\n")


def test_the_chart_switch_findings_say_what_and_how() -> None:
    findings = lint_text(flyte_core_values(enabled="false", kind="native"))
    assert [(f.trap, f.problem, f.fix) for f in findings] == [
        (
            "chart-disabled",
            "the flyte-core chart ignores workflow_scheduler.config unless enabled is true",
            "set workflow_scheduler.enabled: true",
        ),
        (
            "chart-type",
            "type is 'native': the chart only renders the AWS scheduler for type 'aws'",
            "set workflow_scheduler.type: aws",
        ),
    ]


def test_the_native_scheduler_finding_says_why_runs_double() -> None:
    (finding,) = lint_text(
        FLYTE_BINARY.replace("disableScheduler: true", "disableScheduler: false")
    )
    assert "two executions per tick, not deduplicated" in finding.problem
    assert finding.fix == "set flyte-core-components.admin.disableScheduler: true"
    assert finding.render("values.yaml") == (
        "values.yaml:3: flyte-core-components.admin.disableScheduler: "
        + finding.problem
        + "\n    fix: set flyte-core-components.admin.disableScheduler: true"
    )
