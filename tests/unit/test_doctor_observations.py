"""doctor's reads for what the emulator lacks, against stubbed AWS clients (botocore Stubber)."""

from __future__ import annotations

from typing import Any

import boto3
from botocore.stub import Stubber

from flyte_scheduler import naming
from flyte_scheduler.doctor_checks import run_checks
from flyte_scheduler.doctor_observations import RULES_QUOTA_CODE, observe
from tests.scenarios import FLYTEADMINS_CALLS, scenario_environments

ENV = scenario_environments("irsa")[0]
ARNS = naming.Arns(ENV)


class StubbedSession:
    """A boto3-session stand-in whose clients are real botocore clients behind Stubbers."""

    def __init__(self) -> None:
        kwargs: dict[str, Any] = {
            "region_name": ENV.region,
            "aws_access_key_id": "stub",
            "aws_secret_access_key": "stub",
        }
        self.clients = {
            name: boto3.client(name, **kwargs)
            for name in ("cloudformation", "sqs", "cloudwatch", "iam", "events", "service-quotas")
        }
        self.stubs = {name: Stubber(client) for name, client in self.clients.items()}

    def client(self, name: str, region_name: str) -> Any:
        return self.clients[name]

    def __enter__(self) -> StubbedSession:
        for stub in self.stubs.values():
            stub.activate()
        return self

    def __exit__(self, *exc: object) -> None:
        for stub in self.stubs.values():
            stub.deactivate()


def simulate(stub: Stubber, denied: set[str]) -> None:
    for action in FLYTEADMINS_CALLS:
        decision = "implicitDeny" if action in denied else "allowed"
        stub.add_response(
            "simulate_principal_policy",
            {"EvaluationResults": [{"EvalActionName": action, "EvalDecision": decision}]},
        )


def observe_with(denied: set[str], quota: float | None) -> Any:
    session = StubbedSession()
    stubs = session.stubs
    # Everything but IAM simulation and quotas fails here: those are what this test is about.
    stubs["cloudformation"].add_client_error("describe_stacks", "ValidationError")
    stubs["sqs"].add_client_error("get_queue_url", "AWS.SimpleQueueService.NonExistentQueue")
    stubs["cloudwatch"].add_client_error("get_metric_statistics", "AccessDenied")
    stubs["events"].add_client_error("list_rules", "AccessDeniedException")
    stubs["cloudwatch"].add_client_error("describe_alarms", "AccessDenied")
    stubs["iam"].add_client_error("get_role", "NoSuchEntity")
    simulate(stubs["iam"], denied)
    if quota is None:
        stubs["service-quotas"].add_client_error("get_service_quota", "NoSuchResourceException")
    else:
        stubs["service-quotas"].add_response(
            "get_service_quota",
            {"Quota": {"ServiceCode": "events", "QuotaCode": RULES_QUOTA_CODE, "Value": quota}},
            {"ServiceCode": "events", "QuotaCode": RULES_QUOTA_CODE},
        )
    with session:
        seen = observe(ENV, session)
        for stub in stubs.values():
            stub.assert_no_pending_responses()
    return seen


def test_simulate_principal_policy_decides_flyteadmins_permissions() -> None:
    seen = observe_with(denied={"iam:PassRole"}, quota=None)
    assert seen.flyteadmin_role == ARNS.flyteadmin_role
    assert seen.simulation is not None and seen.simulation["iam:PassRole"] == "implicitDeny"
    assert sum(decision == "allowed" for decision in seen.simulation.values()) == 7
    (permissions,) = [r for r in run_checks(ENV, seen) if r.name == "flyteadmin permissions"]
    assert (permissions.status, "iam:PassRole" in permissions.evidence) == ("fail", True)


def test_all_allowed_passes() -> None:
    seen = observe_with(denied=set(), quota=None)
    (permissions,) = [r for r in run_checks(ENV, seen) if r.name == "flyteadmin permissions"]
    assert permissions.status == "pass"


def test_the_service_quota_is_read_when_available() -> None:
    seen = observe_with(denied=set(), quota=500.0)
    assert (seen.rules_quota, seen.rules_quota_source) == (500.0, "Service Quotas")
    assert "quota" in observe_with(denied=set(), quota=None).errors


def test_what_cannot_be_read_is_reported_not_guessed() -> None:
    seen = observe_with(denied=set(), quota=None)
    assert seen.outputs is None and "stack" in seen.errors
    results = {r.name: r for r in run_checks(ENV, seen)}
    assert results["stack FlyteScheduler-irsa"].status == "fail"
    assert "could not read" in results["stack FlyteScheduler-irsa"].evidence
