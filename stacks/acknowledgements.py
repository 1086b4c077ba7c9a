"""Acknowledging a cdk-nag finding where it arises (needs only aws_cdk, not cdk-nag itself)."""

from __future__ import annotations

from aws_cdk import Acknowledgment, Validations
from constructs import Construct


def acknowledge(scope: Construct, rule_id: str, reason: str) -> None:
    """Acknowledge one (granular) finding on the construct that causes it, with a specific reason."""
    Validations.of(scope).acknowledge(Acknowledgment(id=rule_id, reason=reason))
