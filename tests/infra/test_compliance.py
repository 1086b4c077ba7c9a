"""cdk-nag v3 packs and cfn-lint: zero unacknowledged findings on every scenario."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from stacks.compliance import compliance_packs
from tests.infra.conftest import Synthesized
from tests.scenarios import SCENARIOS

pytestmark = pytest.mark.infra


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_cdk_nag_packs_report_no_unacknowledged_finding(
    synthesized: Synthesized, scenario: str
) -> None:
    for stack in synthesized.stacks[scenario]:
        for pack in compliance_packs():
            report = pack.validate_scope(stack)
            findings = [
                f"{violation.rule_name}: {violation.description[:120]} at "
                + ", ".join(r.resource_logical_id or "" for r in violation.violating_resources)
                for violation in report.violations
            ]
            assert findings == [], f"{pack.name} on {stack.stack_name}"


def test_every_pack_reports_planted_violations() -> None:
    """The packs really run: a queue without TLS, a silent alarm, an unrotated key are reported."""
    import aws_cdk as cdk
    from aws_cdk import aws_cloudwatch as cloudwatch
    from aws_cdk import aws_kms as kms
    from aws_cdk import aws_sqs as sqs

    stack = cdk.Stack(cdk.App(), "Planted")
    sqs.Queue(stack, "Plain", enforce_ssl=False)
    cloudwatch.Alarm(
        stack,
        "Silent",
        metric=cloudwatch.Metric(namespace="Test", metric_name="Test"),
        threshold=1,
        evaluation_periods=1,
    )
    kms.Key(stack, "Unrotated", enable_key_rotation=False)
    for pack in compliance_packs():
        assert pack.validate_scope(stack).violations, pack.name


def test_cfn_lint_is_clean_on_every_template(synthesized: Synthesized) -> None:
    templates: list[Path] = [
        synthesized.template_file(stack)
        for stacks in synthesized.stacks.values()
        for stack in stacks
    ]
    assert len(templates) == sum(len(stacks) for stacks in synthesized.stacks.values())
    result = subprocess.run(
        [Path(sys.executable).with_name("cfn-lint"), *map(str, templates)],
        capture_output=True,
        text=True,
    )
    assert (result.returncode, result.stdout) == (0, "")
