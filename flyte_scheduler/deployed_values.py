"""The values a flyteadmin scheduler config needs, from settings or from a deployed stack.

Offline, every name and ARN is derived from the settings. A deployed stack's outputs (read with boto3
or from ``cdk deploy --outputs-file``) must agree with them; any difference is reported.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path

from flyte_scheduler import files, naming
from flyte_scheduler.options import EnvironmentSettings
from flyte_scheduler.outputs import stack_name

MAX_OUTPUTS_BYTES = 1_000_000
"""Largest `cdk deploy --outputs-file` JSON read (ours is under 10 KB per stack)."""


class SourceError(RuntimeError):
    """A deployed source that cannot be read or lacks outputs."""


@dataclass(frozen=True)
class SchedulerValues:
    """Account, region, prefix, queue and roles of one deployment."""

    account: str
    region: str
    prefix: str
    queue_name: str
    queue_arn: str
    schedule_role_arn: str
    flyteadmin_role_arn: str | None

    def differences(self, other: SchedulerValues) -> list[str]:
        """One line per field whose value differs from ``other``'s."""
        return [
            f"{item.name}: {getattr(self, item.name)!r} != {getattr(other, item.name)!r}"
            for item in fields(self)
            if getattr(self, item.name) != getattr(other, item.name)
        ]


def values_from_settings(env: EnvironmentSettings) -> SchedulerValues:
    """The values the environment's stack will have, derived offline."""
    arns = naming.Arns(env)
    return SchedulerValues(
        account=env.account,
        region=env.region,
        prefix=env.prefix,
        queue_name=naming.queue_name(env.options),
        queue_arn=arns.queue,
        schedule_role_arn=arns.schedule_role,
        flyteadmin_role_arn=arns.flyteadmin_role,
    )


def values_from_outputs(outputs: Mapping[str, str], source: str) -> SchedulerValues:
    """The values a deployed stack reports in its outputs."""
    required = ("Account", "Region", "ScheduleNamePrefix", "QueueName", "QueueArn")
    missing = [key for key in (*required, "ScheduleRoleArn") if not outputs.get(key)]
    if missing:
        raise SourceError(f"{source}: missing stack outputs {', '.join(missing)}")
    return SchedulerValues(
        account=outputs["Account"],
        region=outputs["Region"],
        prefix=outputs["ScheduleNamePrefix"],
        queue_name=outputs["QueueName"],
        queue_arn=outputs["QueueArn"],
        schedule_role_arn=outputs["ScheduleRoleArn"],
        flyteadmin_role_arn=outputs.get("FlyteadminRoleArn") or None,
    )


def outputs_from_file(path: str | Path, environment: str) -> dict[str, str]:
    """The environment's stack outputs from a ``cdk deploy --outputs-file`` JSON file."""
    try:
        document = files.read_json(path, what="outputs file", max_bytes=MAX_OUTPUTS_BYTES)
    except files.InputError as error:
        raise SourceError(str(error)) from None
    name = stack_name(environment)
    if not isinstance(document, dict) or not isinstance(document.get(name), dict):
        raise SourceError(f"{path}: has no outputs for stack {name}")
    return {str(key): str(value) for key, value in document[name].items()}


def outputs_from_stack(env: EnvironmentSettings) -> dict[str, str]:
    """The environment's stack outputs, read with boto3 through the environment's ``aws:``
    settings (a profile, an assumed role, or the standard AWS environment and chain)."""
    from botocore.exceptions import BotoCoreError, ClientError

    from flyte_scheduler.aws_sessions import EnvironmentSession

    name = stack_name(env.name)
    try:
        client = EnvironmentSession(env).client("cloudformation")
        stacks = client.describe_stacks(StackName=name)["Stacks"]
    except (BotoCoreError, ClientError) as error:
        raise SourceError(f"stack {name} in {env.region}: {error}") from None
    return {item["OutputKey"]: item["OutputValue"] for item in stacks[0].get("Outputs", [])}
