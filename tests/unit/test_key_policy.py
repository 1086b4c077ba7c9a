"""The statements a central key's owners add, and the check doctor makes of a key policy."""

from __future__ import annotations

from typing import Any

import pytest

from flyte_scheduler.key_policy import (
    eventbridge_statement,
    flyteadmin_statement,
    lets_eventbridge_encrypt,
    required_statements,
)
from tests.scenarios import scenario_environments

GOVERNED = scenario_environments("governed")[0]
EXPECTED_EVENTBRIDGE = {
    "Sid": "AllowEventBridgeToEncryptFlyteSchedules",
    "Effect": "Allow",
    "Principal": {"Service": "events.amazonaws.com"},
    "Action": ["kms:GenerateDataKey", "kms:Decrypt"],
    "Resource": "*",
    "Condition": {"StringEquals": {"aws:SourceAccount": "123456789012"}},
}
EXPECTED_FLYTEADMIN = {
    "Sid": "AllowFlyteadminToReadFlyteSchedules",
    "Effect": "Allow",
    "Principal": {"AWS": "arn:aws:iam::123456789012:role/platform/flyte/flyte-gov-flyteadmin"},
    "Action": "kms:Decrypt",
    "Resource": "*",
    "Condition": {"StringEquals": {"kms:ViaService": "sqs.us-east-1.amazonaws.com"}},
}


def test_the_statements_are_exactly_these() -> None:
    assert eventbridge_statement(GOVERNED) == EXPECTED_EVENTBRIDGE
    assert flyteadmin_statement(GOVERNED) == EXPECTED_FLYTEADMIN
    assert required_statements(GOVERNED) == [EXPECTED_EVENTBRIDGE, EXPECTED_FLYTEADMIN]


def test_without_a_known_role_only_eventbridge_is_needed() -> None:
    default = scenario_environments("default")[0]  # mode none: the stack knows no role
    assert flyteadmin_statement(default) is None
    assert required_statements(default) == [
        {
            **EXPECTED_EVENTBRIDGE,
            "Condition": {"StringEquals": {"aws:SourceAccount": "123456789012"}},
        }
    ]


def statement(**fields: Any) -> dict[str, Any]:
    return {
        "Effect": "Allow",
        "Principal": {"Service": "events.amazonaws.com"},
        "Action": ["kms:GenerateDataKey", "kms:Decrypt"],
        **fields,
    }


@pytest.mark.parametrize(
    ("policy", "allowed"),
    [
        ({"Statement": [statement()]}, True),
        ({"Statement": statement()}, True),  # a single statement, not a list
        ({"Statement": [statement(Action="kms:*")]}, True),
        ({"Statement": [statement(Action=["KMS:GenerateDataKey", "kms:decrypt"])]}, True),
        (
            {
                "Statement": [
                    statement(Principal={"Service": ["sns.amazonaws.com", "events.amazonaws.com"]})
                ]
            },
            True,
        ),
        ({"Statement": [statement(Action="kms:Decrypt")]}, False),
        ({"Statement": [statement(Effect="Deny")]}, False),
        ({"Statement": [statement(Principal={"Service": "sns.amazonaws.com"})]}, False),
        ({"Statement": [statement(Principal="*")]}, False),
        ({"Statement": []}, False),
        ({}, False),
    ],
)
def test_doctor_reads_whether_eventbridge_may_use_the_key(
    policy: dict[str, Any], allowed: bool
) -> None:
    assert lets_eventbridge_encrypt(policy) is allowed
