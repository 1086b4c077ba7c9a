"""Settings scenarios shared by the unit and infra tiers (pure: no aws_cdk import)."""

from __future__ import annotations

from flyte_scheduler.options import EnvironmentSettings
from flyte_scheduler.settings import parse_settings

ACCOUNT = "123456789012"
FLYTEADMINS_CALLS = (  # what flyteadmin's scheduler needs: its seven calls' actions and PassRole
    "events:PutRule",
    "events:PutTargets",
    "events:RemoveTargets",
    "events:DeleteRule",
    "iam:PassRole",
    "sqs:GetQueueUrl",
    "sqs:ReceiveMessage",
    "sqs:DeleteMessage",
)
OIDC_ISSUER = "oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE"
OIDC_ARN = f"arn:aws:iam::{ACCOUNT}:oidc-provider/{OIDC_ISSUER}"
CENTRAL_KEY = "arn:aws:kms:us-east-1:210987654321:key/0c7f2f8a-3b1e-4d2a-9a55-6f1e2d3c4b5a"

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
    cdk: {{qualifier: platform1}}
""",
    "existing": f"""
environments:
  existing:
    account: "{ACCOUNT}"
    region: us-east-1
    schedule_name_prefix: flyte-existing
    flyteadmin: {{mode: existing, role_names: [flyteadmin-node-role, flyteadmin-pod-role]}}
    queue: {{redrive_role_arns: ["arn:aws:iam::{ACCOUNT}:role/platform/oncall-redrive"]}}
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
    # A locked-down enterprise account: boundary and path on every IAM resource, a custom
    # bootstrap qualifier, no bootstrap stack at all, a central team's key.
    "governed": f"""
environments:
  governed:
    account: "{ACCOUNT}"
    region: us-east-1
    schedule_name_prefix: flyte-gov
    encryption: kms
    kms_key_arn: "{CENTRAL_KEY}"
    iam: {{path: /platform/flyte/, permissions_boundary: platform-boundary}}
    cdk: {{qualifier: platform1, synthesizer: cli-credentials}}
    flyteadmin: {{mode: irsa, oidc_provider_arn: "{OIDC_ARN}"}}
""",
    # A set-up made by hand from the upstream doc, taken over with `cdk import`.
    "adopted": f"""
environments:
  adopted:
    account: "{ACCOUNT}"
    region: us-east-1
    schedule_name_prefix: flyte-hand
    queue: {{name: flyte-hand-queue}}
    schedule_role_name: flyte-hand-cloudwatch-role
    adopt: {{queue: true, schedule_role: true}}
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


def scenario_environments(scenario: str) -> list[EnvironmentSettings]:
    """The validated environments of one scenario."""
    return list(parse_settings(SCENARIOS[scenario], scenario).environments.values())
