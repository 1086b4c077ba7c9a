"""The cdk-nag v3 rule packs every template must pass (imported only where they run)."""

from __future__ import annotations

from aws_cdk import Validations
from cdk_nag import (
    AwsSolutionsChecks,
    HIPAASecurityChecks,
    NagPack,
    NIST80053R5Checks,
    PCIDSS321Checks,
)
from constructs import Construct

PACKS = (AwsSolutionsChecks, HIPAASecurityChecks, NIST80053R5Checks, PCIDSS321Checks)


def compliance_packs() -> list[NagPack]:
    """Fresh instances of the packs: AwsSolutions, HIPAA.Security, NIST.800-53.R5, PCI.DSS.321."""
    return [pack() for pack in PACKS]


def add_compliance_checks(app: Construct) -> None:
    """Run every pack when the app synthesizes; an unacknowledged finding fails the synth."""
    for pack in PACKS:
        Validations.of(app).add_plugins(pack(app))
