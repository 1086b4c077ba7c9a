"""The AWS actions flyteadmin's identity needs for ``scheme: aws`` (facts §2.3), and nothing more.

Shared by the CDK construct (which grants them) and ``doctor`` (which simulates them).
"""

from __future__ import annotations

RULE_ACTIONS = ("events:PutRule", "events:PutTargets", "events:RemoveTargets", "events:DeleteRule")
"""On ``rule/<prefix>_*`` of the default bus."""
PASS_ROLE = "iam:PassRole"
"""On the schedule role, only to ``events.amazonaws.com``."""
CONSUMER_ACTIONS = ("sqs:GetQueueUrl", "sqs:ReceiveMessage", "sqs:DeleteMessage")
"""On the schedule queue (``DeleteMessage`` also authorizes ``DeleteMessageBatch``)."""
