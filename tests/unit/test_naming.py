"""Names and ARNs derived from settings, and flyteadmin's rule names (facts §3)."""

from __future__ import annotations

import pytest

from flyte_scheduler.naming import Arns, dead_letter_queue_name, queue_name, rule_name
from flyte_scheduler.options import (
    EnvironmentSettings,
    IdentityOptions,
    QueueOptions,
    SchedulerOptions,
)

OIDC = "arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/ABC"


def environment(region: str = "us-east-1", **options: object) -> EnvironmentSettings:
    return EnvironmentSettings(
        name="dev",
        account="123456789012",
        region=region,
        options=SchedulerOptions(schedule_name_prefix="flyte", **options),  # type: ignore[arg-type]
    )


@pytest.mark.parametrize(
    ("prefix", "project", "domain", "name", "expected"),
    [
        ("flyte", "project", "domain", "name", "flyte_16301494360130577061"),
        ("flyte", "flytesnacks", "production", "my_wf_daily", "flyte_16158393703659277889"),
        (
            "myorg-prod-flyte",
            "ml",
            "staging",
            "training.pipelines.nightly",
            "myorg-prod-flyte_16100441078596518475",
        ),
        ("", "flytesnacks", "development", "my_wf_daily", "15655698981754076547"),
    ],
)
def test_rule_names_match_flyteadmin(
    prefix: str, project: str, domain: str, name: str, expected: str
) -> None:
    assert rule_name(prefix, project, domain, name) == expected


def test_rule_name_is_fnv1_not_fnv1a() -> None:
    assert rule_name("", "project", "domain", "name") != "8804883029769783813"


def test_default_queue_names_derive_from_the_prefix_without_dots() -> None:
    options = SchedulerOptions(schedule_name_prefix="my.org")
    assert queue_name(options) == "my-org-schedules"
    assert dead_letter_queue_name(options) == "my-org-schedules-dlq"


def test_explicit_queue_name_wins() -> None:
    options = SchedulerOptions(schedule_name_prefix="p", queue=QueueOptions(name="q"))
    assert (queue_name(options), dead_letter_queue_name(options)) == ("q", "q-dlq")


def test_arns_of_the_default_environment() -> None:
    arns = Arns(environment())
    assert arns.queue == "arn:aws:sqs:us-east-1:123456789012:flyte-schedules"
    assert arns.dead_letter_queue == "arn:aws:sqs:us-east-1:123456789012:flyte-schedules-dlq"
    assert arns.queue_url == "https://sqs.us-east-1.amazonaws.com/123456789012/flyte-schedules"
    assert arns.schedule_role == "arn:aws:iam::123456789012:role/flyte-schedule-role"
    assert arns.flyteadmin_policy == "arn:aws:iam::123456789012:policy/flyte-flyteadmin-scheduler"
    assert arns.rule_pattern == "arn:aws:events:us-east-1:123456789012:rule/flyte_*"
    assert arns.flyteadmin_role is None


def test_arns_use_the_region_partition() -> None:
    arns = Arns(environment(region="cn-north-1"))
    assert arns.queue.startswith("arn:aws-cn:sqs:cn-north-1:")
    assert arns.queue_url.startswith("https://sqs.cn-north-1.amazonaws.com.cn/")
    assert Arns(environment(region="us-gov-west-1")).schedule_role.startswith("arn:aws-us-gov:")


def test_flyteadmin_role_arn_per_identity_mode() -> None:
    irsa = IdentityOptions(mode="irsa", oidc_provider_arn=OIDC)
    assert Arns(environment(flyteadmin=irsa)).flyteadmin_role == (
        "arn:aws:iam::123456789012:role/flyte-flyteadmin"
    )
    schedule_role = IdentityOptions(mode="schedule-role", oidc_provider_arn=OIDC)
    arns = Arns(environment(flyteadmin=schedule_role))
    assert arns.flyteadmin_role == arns.schedule_role
