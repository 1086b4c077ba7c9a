"""Synthesize every settings scenario once per test session, in one CDK app."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

import aws_cdk as cdk
from aws_cdk.assertions import Template

from flyte_scheduler.options import EnvironmentSettings
from flyte_scheduler.settings import parse_settings
from stacks.scheduler_stack import FlyteSchedulerStack

ACCOUNT = "123456789012"
OIDC_ISSUER = "oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE"
OIDC_ARN = f"arn:aws:iam::{ACCOUNT}:oidc-provider/{OIDC_ISSUER}"

# Scenario name -> settings YAML (environment names are unique across scenarios, so all
# stacks live in one app and one synth).
SCENARIOS: dict[str, str] = {
    "default": f"""
environments:
  default: {{account: "{ACCOUNT}", region: us-east-1, schedule_name_prefix: flyte}}
""",
    "kms": f"""
environments:
  kms:
    account: "{ACCOUNT}"
    region: us-east-1
    schedule_name_prefix: flyte-kms
    encryption: kms
""",
    "existing": f"""
environments:
  existing:
    account: "{ACCOUNT}"
    region: us-east-1
    schedule_name_prefix: flyte-existing
    flyteadmin: {{mode: existing, role_names: [flyteadmin-node-role, flyteadmin-pod-role]}}
""",
    "irsa": f"""
environments:
  irsa:
    account: "{ACCOUNT}"
    region: us-east-1
    schedule_name_prefix: flyte-irsa
    flyteadmin: {{mode: irsa, oidc_provider_arn: "{OIDC_ARN}", namespace: flyte,
                 service_account: flyteadmin}}
""",
    "schedule-role": f"""
environments:
  schedulerole:
    account: "{ACCOUNT}"
    region: us-east-1
    schedule_name_prefix: flyte-sr
    flyteadmin: {{mode: schedule-role, oidc_provider_arn: "{OIDC_ARN}"}}
""",
    "topic": f"""
environments:
  topic:
    account: "{ACCOUNT}"
    region: us-east-1
    schedule_name_prefix: flyte-topic
    alarms: {{topic: create, email_subscribers: [oncall@example.com]}}
    removal_policy: destroy
    tags: {{team: platform}}
""",
    "multi": """
environments:
  multi-prod: {account: "210987654321", region: eu-west-1, schedule_name_prefix: flyte-prod}
  multi-staging: {account: "210987654321", region: eu-west-1, schedule_name_prefix: flyte-stg}
""",
    # Same prefix and identity as "default", every tunable changed: names and ids must not move.
    "tuned": f"""
environments:
  tuned:
    account: "{ACCOUNT}"
    region: us-east-1
    schedule_name_prefix: flyte
    queue: {{message_retention_seconds: 86400, visibility_timeout_seconds: 300,
            max_receive_count: 3}}
    alarms: {{oldest_message_age_seconds: 900, dead_letter_messages: 5, failed_invocations: 3}}
    reconnect_attempts: 3
""",
}


@dataclass
class Synthesized:
    """Every scenario's stacks, and the cloud assembly they were written to."""

    stacks: dict[str, list[FlyteSchedulerStack]]
    templates: dict[str, Template]
    assembly_dir: Path

    def stack(self, scenario: str) -> FlyteSchedulerStack:
        return self.stacks[scenario][0]

    def template(self, scenario: str) -> Template:
        return self.templates[self.stack(scenario).stack_name]

    def template_file(self, stack: FlyteSchedulerStack) -> Path:
        return self.assembly_dir / stack.template_file


def scenario_environments(scenario: str) -> list[EnvironmentSettings]:
    return list(parse_settings(SCENARIOS[scenario], scenario).environments.values())


@pytest.fixture(scope="session")
def synthesized(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Synthesized]:
    outdir = tmp_path_factory.mktemp("cdk.out")
    app = cdk.App(outdir=str(outdir))
    stacks = {
        scenario: [
            FlyteSchedulerStack(app, settings=env) for env in scenario_environments(scenario)
        ]
        for scenario in SCENARIOS
    }
    app.synth()
    templates = {
        stack.stack_name: Template.from_stack(stack)
        for scenario_stacks in stacks.values()
        for stack in scenario_stacks
    }
    yield Synthesized(stacks, templates, outdir)
