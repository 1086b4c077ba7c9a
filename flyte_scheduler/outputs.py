"""The stack's name and outputs: the contract between the CDK app and config rendering."""

from __future__ import annotations

STACK_NAME_PREFIX = "FlyteScheduler-"

OUTPUT_DESCRIPTIONS: dict[str, str] = {
    "Account": "Account that owns the queue (workflowExecutor.accountId)",
    "Region": "Region of the rules and the queue (workflowExecutor.region)",
    "ScheduleNamePrefix": "Rule name prefix (eventScheduler.scheduleNamePrefix)",
    "QueueName": "Schedule queue name (workflowExecutor.scheduleQueueName)",
    "QueueArn": "Schedule queue ARN (eventScheduler.targetName)",
    "QueueUrl": "Schedule queue URL",
    "DeadLetterQueueName": "Dead-letter queue name",
    "DeadLetterQueueArn": "Dead-letter queue ARN",
    "ScheduleRoleArn": "Role attached to each rule (eventScheduler.scheduleRole)",
    "FlyteadminPolicyArn": "Managed policy with flyteadmin's scheduler permissions",
    "FlyteadminIdentityMode": "How flyteadmin gets the policy (none, existing, irsa, schedule-role)",
    "FlyteadminRoleArn": "Role flyteadmin runs as (service account annotation eks.amazonaws.com/role-arn)",
    "AlarmTopicArn": "SNS topic the alarms notify",
}


def stack_name(environment: str) -> str:
    """The CloudFormation stack name of an environment."""
    return STACK_NAME_PREFIX + environment
