"""What the key policy of an existing KMS key (``kms_key_arn``) must allow, and whether it does.

A stack cannot change the policy of a key it did not create, so these statements are for the
key's owners (printed in the README and by ``doctor``), and ``doctor`` checks the live policy.
"""

from __future__ import annotations

from typing import Any

from flyte_scheduler import naming
from flyte_scheduler.options import EnvironmentSettings

EVENTBRIDGE_ACTIONS = ("kms:GenerateDataKey", "kms:Decrypt")


def eventbridge_statement(env: EnvironmentSettings) -> dict[str, Any]:
    """Lets EventBridge of the environment's account encrypt schedule events for the queue."""
    return {
        "Sid": "AllowEventBridgeToEncryptFlyteSchedules",
        "Effect": "Allow",
        "Principal": {"Service": "events.amazonaws.com"},
        "Action": list(EVENTBRIDGE_ACTIONS),
        "Resource": "*",
        "Condition": {"StringEquals": {"aws:SourceAccount": env.account}},
    }


def flyteadmin_statement(env: EnvironmentSettings) -> dict[str, Any] | None:
    """Lets flyteadmin's role decrypt through SQS; needed when the key lives in another account
    (a same-account key that delegates to IAM needs only flyteadmin's own policy)."""
    role = naming.Arns(env).flyteadmin_role
    if role is None:
        return None
    return {
        "Sid": "AllowFlyteadminToReadFlyteSchedules",
        "Effect": "Allow",
        "Principal": {"AWS": role},
        "Action": "kms:Decrypt",
        "Resource": "*",
        "Condition": {"StringEquals": {"kms:ViaService": f"sqs.{env.region}.amazonaws.com"}},
    }


def required_statements(env: EnvironmentSettings) -> list[dict[str, Any]]:
    """The statements the key's owners add."""
    flyteadmin = flyteadmin_statement(env)
    return [eventbridge_statement(env), *([flyteadmin] if flyteadmin else [])]


def lets_eventbridge_encrypt(policy: dict[str, Any]) -> bool:
    """Whether some Allow statement gives events.amazonaws.com both actions on the key."""
    statements = policy.get("Statement", [])
    for statement in statements if isinstance(statements, list) else [statements]:
        principal = statement.get("Principal", {})
        services = principal.get("Service", []) if isinstance(principal, dict) else []
        services = services if isinstance(services, list) else [services]
        actions = statement.get("Action", [])
        actions = actions if isinstance(actions, list) else [actions]
        granted = {action.lower() for action in actions}
        if (
            statement.get("Effect") == "Allow"
            and "events.amazonaws.com" in services
            and ("kms:*" in granted or all(a.lower() in granted for a in EVENTBRIDGE_ACTIONS))
        ):
            return True
    return False
