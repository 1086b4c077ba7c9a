"""The cdk-nag v3 rule packs every template must pass."""

from __future__ import annotations

from aws_cdk import Acknowledgment, Validations
from cdk_nag import (
    AwsSolutionsChecks,
    HIPAASecurityChecks,
    NagPack,
    NIST80053R5Checks,
    PCIDSS321Checks,
)
from constructs import Construct


def compliance_packs() -> list[NagPack]:
    """Fresh instances of the packs: AwsSolutions, HIPAA.Security, NIST.800-53.R5, PCI.DSS.321."""
    return [AwsSolutionsChecks(), HIPAASecurityChecks(), NIST80053R5Checks(), PCIDSS321Checks()]


def add_compliance_checks(app: Construct) -> None:
    """Run every pack when the app synthesizes; an unacknowledged finding fails the synth."""
    for pack_type in (AwsSolutionsChecks, HIPAASecurityChecks, NIST80053R5Checks, PCIDSS321Checks):
        Validations.of(app).add_plugins(pack_type(app))


def acknowledge(scope: Construct, rule_id: str, reason: str) -> None:
    """Acknowledge one (granular) finding on the construct that causes it, with a specific reason."""
    Validations.of(scope).acknowledge(Acknowledgment(id=rule_id, reason=reason))
