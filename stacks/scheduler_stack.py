"""``FlyteSchedulerStack``: one environment of the settings file, with the outputs config needs."""

from __future__ import annotations

from aws_cdk import (
    CfnOutput,
    CliCredentialsStackSynthesizer,
    DefaultStackSynthesizer,
    Environment,
    IStackSynthesizer,
    Stack,
    Tags,
)
from constructs import Construct

from flyte_scheduler.options import EnvironmentSettings
from flyte_scheduler.outputs import OUTPUT_DESCRIPTIONS, stack_name
from stacks.scheduler_construct import FlyteSchedulerInfrastructure


def synthesizer_for(settings: EnvironmentSettings) -> IStackSynthesizer:
    """``default``: deploy through the bootstrap stack's roles (``cdk.qualifier`` names which
    bootstrap); ``cli-credentials``: deploy with the caller's own credentials, no bootstrap."""
    qualifier = settings.cdk_qualifier
    if settings.cdk_synthesizer == "cli-credentials":
        return CliCredentialsStackSynthesizer(qualifier=qualifier)
    return DefaultStackSynthesizer(qualifier=qualifier)


class FlyteSchedulerStack(Stack):
    """Deploys :class:`FlyteSchedulerInfrastructure` for one environment, in its account/region."""

    def __init__(self, scope: Construct, *, settings: EnvironmentSettings) -> None:
        """:param settings: one validated environment of the settings file."""
        super().__init__(
            scope,
            stack_name(settings.name),
            env=Environment(account=settings.account, region=settings.region),
            description=f"flyteadmin AWS scheduler infrastructure ({settings.name}, "
            f"prefix {settings.prefix})",
            synthesizer=synthesizer_for(settings),
            termination_protection=settings.protected,
        )
        self.settings = settings
        self.scheduler = FlyteSchedulerInfrastructure(self, "Scheduler", options=settings.options)
        for key, value in settings.tags.items():
            Tags.of(self).add(key, value)
        self._add_outputs()

    def _add_outputs(self) -> None:
        scheduler = self.scheduler
        values: dict[str, str | None] = {
            "Account": self.account,
            "Region": self.region,
            "ScheduleNamePrefix": self.settings.prefix,
            "QueueName": scheduler.queue.queue_name,
            "QueueArn": scheduler.queue.queue_arn,
            "QueueUrl": scheduler.queue.queue_url,
            "DeadLetterQueueName": scheduler.dead_letter_queue.queue_name,
            "DeadLetterQueueArn": scheduler.dead_letter_queue.queue_arn,
            "ScheduleRoleArn": scheduler.schedule_role.role_arn,
            "FlyteadminPolicyArn": scheduler.flyteadmin_policy.managed_policy_arn,
            "FlyteadminIdentityMode": self.settings.options.flyteadmin.mode,
            "FlyteadminRoleArn": (
                scheduler.flyteadmin_role.role_arn if scheduler.flyteadmin_role else None
            ),
            "AlarmTopicArn": scheduler.alarm_topic.topic_arn if scheduler.alarm_topic else None,
        }
        for key, value in values.items():
            if value is not None:
                CfnOutput(self, key, value=value, description=OUTPUT_DESCRIPTIONS[key])
