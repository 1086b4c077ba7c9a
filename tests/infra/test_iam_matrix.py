"""Least privilege, proven: the synthesized policies evaluated by a real IAM policy evaluator.

Policies come from the synthesized templates with every intrinsic function resolved; requests are
decided by @cloud-copilot/iam-simulate (identity, resource and trust policies with conditions).
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import Any

import pytest

from flyte_scheduler import key_policy
from tests.cfn_resolve import TemplateResolver
from tests.iam.evaluator import PolicyEvaluator, Request
from tests.infra.conftest import Synthesized

pytestmark = pytest.mark.infra

OTHER_ACCOUNT = "999999999999"
EVENTS = "events.amazonaws.com"
HASH = "16301494360130577061"
IDENTITY_SCENARIOS = ("default", "existing", "irsa", "schedule-role", "kms")
MATRIX_SCENARIOS = (*IDENTITY_SCENARIOS, "topic", "governed")
TARGET_ARN = "events:TargetArn"
CLOUDTRAIL = "AWS API Call via CloudTrail"


def allow_everything_on(service: str) -> dict[str, Any]:
    """What a careless administrator attaches: every action of one service on every resource."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "*" if service == "*" else f"{service}:*",
                "Resource": "*",
            }
        ],
    }


@pytest.fixture(scope="module")
def evaluator() -> Iterator[PolicyEvaluator]:
    server = PolicyEvaluator()
    yield server
    server.close()


@dataclass(frozen=True)
class Deployment:
    """One scenario's resolved policies and the ARNs the requests name."""

    account: str
    region: str
    prefix: str
    flyteadmin_policy: dict[str, Any]
    queue_policy: dict[str, Any]
    dlq_policy: dict[str, Any]
    schedule_trust: dict[str, Any]
    flyteadmin_trust: dict[str, Any] | None
    key_policy: dict[str, Any] | None
    topic_policy: dict[str, Any] | None
    topic_key_policy: dict[str, Any] | None
    topic: str | None
    redrive_roles: tuple[str, ...]
    queue: str
    dlq: str
    schedule_role: str
    flyteadmin: str
    key: str | None
    oidc_provider: str | None
    oidc_issuer: str | None

    def rule(self, name: str, account: str | None = None, region: str | None = None) -> str:
        return f"arn:aws:events:{region or self.region}:{account or self.account}:rule/{name}"

    def arn(self, service: str, resource: str, region: str = "") -> str:
        return f"arn:aws:{service}:{region}:{self.account}:{resource}"


def deployment_of(synthesized: Synthesized, scenario: str) -> Deployment:
    stack = synthesized.stack(scenario)
    template = synthesized.templates[stack.stack_name].to_json()
    resolver = TemplateResolver(template, stack.account, stack.region)
    raw: dict[str, Any] = template["Resources"]
    resolved: dict[str, Any] = resolver.resolve(raw)
    outputs = resolver.resolved_outputs()

    def properties(kind: str) -> dict[str, dict[str, Any]]:
        return {lid: resolved[lid]["Properties"] for lid, r in raw.items() if r["Type"] == kind}

    queue_policies = {
        raw[queue["Ref"]]["Properties"]["QueueName"]: resolved[lid]["Properties"]["PolicyDocument"]
        for lid, resource in raw.items()
        if resource["Type"] == "AWS::SQS::QueuePolicy"
        for queue in resource["Properties"]["Queues"]
    }
    roles = {
        p["RoleName"]: p["AssumeRolePolicyDocument"] for p in properties("AWS::IAM::Role").values()
    }
    (managed,) = properties("AWS::IAM::ManagedPolicy").values()
    keys = properties("AWS::KMS::Key")
    queue_keys = {
        r["Properties"]["KmsMasterKeyId"]["Fn::GetAtt"][0]
        for r in raw.values()
        if r["Type"] == "AWS::SQS::Queue"
        and isinstance(r["Properties"].get("KmsMasterKeyId"), dict)
    }
    key_id = next(iter(queue_keys), None)
    topics = {lid: r for lid, r in raw.items() if r["Type"] == "AWS::SNS::Topic"}
    topic_id = next(iter(topics), None)
    topic_key_id = (
        topics[topic_id]["Properties"]["KmsMasterKeyId"]["Fn::GetAtt"][0] if topic_id else None
    )
    topic_policies = [
        p["PolicyDocument"]
        for p in properties("AWS::SNS::TopicPolicy").values()
        if topic_id and p["Topics"] == [resolver.resolve({"Ref": topic_id})]
    ]
    options = stack.settings.options
    # A central team's key: its policy is the one the README tells its owners to add.
    central_key_policy = (
        {"Version": "2012-10-17", "Statement": key_policy.required_statements(stack.settings)}
        if options.kms_key_arn
        else None
    )
    identity = options.flyteadmin
    flyteadmin = outputs.get(
        "FlyteadminRoleArn", f"arn:aws:iam::{stack.account}:role/flyteadmin-pod"
    )
    issuer = (
        identity.oidc_provider_arn.split(":oidc-provider/")[1]
        if identity.oidc_provider_arn
        else None
    )
    return Deployment(
        account=stack.account,
        region=stack.region,
        prefix=outputs["ScheduleNamePrefix"],
        flyteadmin_policy=managed["PolicyDocument"],
        queue_policy=queue_policies[outputs["QueueName"]],
        dlq_policy=queue_policies[outputs["DeadLetterQueueName"]],
        schedule_trust=roles[outputs["ScheduleRoleArn"].split("/")[-1]],
        flyteadmin_trust=roles.get(flyteadmin.split("/")[-1]),
        key_policy=keys[key_id]["KeyPolicy"] if key_id else central_key_policy,
        topic_policy=topic_policies[0] if topic_policies else None,
        topic_key_policy=keys[topic_key_id]["KeyPolicy"] if topic_key_id else None,
        topic=resolver.resolve({"Ref": topic_id}) if topic_id else None,
        redrive_roles=stack.settings.options.queue.redrive_role_arns,
        queue=outputs["QueueArn"],
        dlq=outputs["DeadLetterQueueArn"],
        schedule_role=outputs["ScheduleRoleArn"],
        flyteadmin=flyteadmin,
        key=resolver.resolve({"Fn::GetAtt": [key_id, "Arn"]}) if key_id else options.kms_key_arn,
        oidc_provider=identity.oidc_provider_arn,
        oidc_issuer=issuer,
    )


@dataclass(frozen=True)
class Case:
    name: str
    request: Request
    allowed: bool


def flyteadmin_request(
    d: Deployment,
    action: str,
    resource: str,
    *also: dict[str, Any],
    **context: str | list[str],
) -> Request:
    """A call by flyteadmin's identity (with ``also`` attached next to our policy); for SQS and
    KMS the resource's own policy applies too."""
    resource_policy = None
    if resource == d.queue:
        resource_policy = d.queue_policy
    elif resource == d.dlq:
        resource_policy = d.dlq_policy
    elif d.key and resource == d.key:
        resource_policy = d.key_policy
    return Request(
        principal=d.flyteadmin,
        action=action,
        resource=resource,
        context={"aws:SecureTransport": "true", **context},
        identity_policies=(d.flyteadmin_policy, *also),
        resource_policy=resource_policy,
    )


def delivery(
    d: Deployment, resource: str | None = None, principal: str = EVENTS, **context: str
) -> Request:
    """EventBridge (or another principal) sending to a queue, decided by its queue policy."""
    values: dict[str, str | list[str]] = {
        "aws:SecureTransport": "true",
        "aws:SourceArn": d.rule(f"{d.prefix}_{HASH}"),
        "aws:SourceAccount": d.account,
        **context,
    }
    values = {key: value for key, value in values.items() if value != "<absent>"}
    target = resource or d.queue
    policy = d.dlq_policy if target == d.dlq else d.queue_policy
    return Request(principal, "sqs:SendMessage", target, values, resource_policy=policy)


def assume(
    d: Deployment, principal: str, trust: dict[str, Any], role: str, **context: str
) -> Request:
    web = ":oidc-provider/" in principal
    action = "sts:AssumeRoleWithWebIdentity" if web else "sts:AssumeRole"
    return Request(principal, action, role, dict(context), resource_policy=trust)


def web_identity(
    namespace: str = "flyte",
    service_account: str = "flyteadmin",
    aud: str = "sts.amazonaws.com",
) -> dict[str, str]:
    issuer = KNOWN_OIDC_PROVIDER
    return {
        f"{issuer}:sub": f"system:serviceaccount:{namespace}:{service_account}",
        f"{issuer}:aud": aud,
    }


# The evaluator only knows the web-identity condition keys of named providers (Google, Cognito) and
# silently drops others, such as an EKS issuer's <issuer>:sub. So the issuer's keys are renamed to
# Google's in both the trust policy and the request: the same StringEquals logic is evaluated.
KNOWN_OIDC_PROVIDER = "accounts.google.com"


def evaluable_trust(trust: dict[str, Any], issuer: str) -> dict[str, Any]:
    """The trust policy with the issuer's condition keys renamed to the known provider's."""
    trust = copy.deepcopy(trust)
    renamed = 0
    for statement in trust["Statement"]:
        for operator, pairs in statement.get("Condition", {}).items():
            keys = {key: key.replace(issuer + ":", KNOWN_OIDC_PROVIDER + ":") for key in pairs}
            renamed += sum(old != new for old, new in keys.items())
            statement["Condition"][operator] = {keys[key]: value for key, value in pairs.items()}
    assert renamed, "the trust policy has no condition on the issuer's keys"
    return trust


def cases(d: Deployment) -> list[Case]:
    own_rule = d.rule(f"{d.prefix}_{HASH}")
    rule_actions = [
        "events:PutRule",
        "events:PutTargets",
        "events:RemoveTargets",
        "events:DeleteRule",
    ]
    result = [
        Case(f"flyteadmin may {a} its rules", flyteadmin_request(d, a, own_rule), True)
        for a in rule_actions
        if a != "events:PutTargets"
    ]
    result.append(
        Case(
            "flyteadmin may put the queue as its rule's one target",
            flyteadmin_request(d, "events:PutTargets", own_rule, **{TARGET_ARN: [d.queue]}),
            True,
        )
    )
    result += [
        Case(
            "flyteadmin may not touch other prefixes' rules",
            flyteadmin_request(d, "events:PutRule", d.rule(f"other_{HASH}")),
            False,
        ),
        Case(
            "flyteadmin may not create rules in another region",
            flyteadmin_request(
                d, "events:PutRule", d.rule(f"{d.prefix}_{HASH}", region="eu-central-1")
            ),
            False,
        ),
        Case(
            "flyteadmin may not create rules in another account",
            flyteadmin_request(
                d, "events:PutRule", d.rule(f"{d.prefix}_{HASH}", account=OTHER_ACCOUNT)
            ),
            False,
        ),
        Case(
            "flyteadmin may not create rules on a custom bus",
            flyteadmin_request(d, "events:PutRule", d.rule(f"{d.prefix}_bus/{d.prefix}_{HASH}")),
            False,
        ),
        Case(
            "flyteadmin may not disable rules (never called)",
            flyteadmin_request(d, "events:DisableRule", own_rule),
            False,
        ),
        Case(
            "flyteadmin may pass the schedule role to EventBridge",
            flyteadmin_request(
                d, "iam:PassRole", d.schedule_role, **{"iam:PassedToService": EVENTS}
            ),
            True,
        ),
        Case(
            "flyteadmin may not pass the schedule role to Lambda",
            flyteadmin_request(
                d,
                "iam:PassRole",
                d.schedule_role,
                **{"iam:PassedToService": "lambda.amazonaws.com"},
            ),
            False,
        ),
        Case(
            "flyteadmin may not pass another role",
            flyteadmin_request(
                d, "iam:PassRole", d.arn("iam", "role/admin"), **{"iam:PassedToService": EVENTS}
            ),
            False,
        ),
        Case(
            "flyteadmin may not pass the role without a target service",
            flyteadmin_request(d, "iam:PassRole", d.schedule_role),
            False,
        ),
    ]
    for action in ("sqs:GetQueueUrl", "sqs:ReceiveMessage", "sqs:DeleteMessage"):
        result.append(
            Case(
                f"flyteadmin may {action} on the queue",
                flyteadmin_request(d, action, d.queue),
                True,
            )
        )
    for action in (
        "sqs:SendMessage",
        "sqs:DeleteQueue",
        "sqs:PurgeQueue",
        "sqs:ChangeMessageVisibility",
        "sqs:SetQueueAttributes",
    ):
        result.append(
            Case(f"flyteadmin may not {action}", flyteadmin_request(d, action, d.queue), False)
        )
    result += [
        Case(
            "flyteadmin may not read another queue",
            flyteadmin_request(d, "sqs:ReceiveMessage", d.arn("sqs", "payments", d.region)),
            False,
        ),
        Case(
            "flyteadmin may not read the DLQ",
            flyteadmin_request(d, "sqs:ReceiveMessage", d.dlq),
            False,
        ),
        Case(
            "flyteadmin may not read without TLS",
            flyteadmin_request(
                d, "sqs:ReceiveMessage", d.queue, **{"aws:SecureTransport": "false"}
            ),
            False,
        ),
        Case("EventBridge may deliver from a prefixed rule of this account", delivery(d), True),
        Case(
            "EventBridge may not deliver from another account",
            delivery(
                d,
                **{
                    "aws:SourceArn": d.rule(f"{d.prefix}_{HASH}", account=OTHER_ACCOUNT),
                    "aws:SourceAccount": OTHER_ACCOUNT,
                },
            ),
            False,
        ),
        Case(
            "EventBridge may not deliver for another prefix",
            delivery(d, **{"aws:SourceArn": d.rule(f"other_{HASH}")}),
            False,
        ),
        Case(
            "EventBridge may not deliver without aws:SourceArn",
            delivery(d, **{"aws:SourceArn": "<absent>"}),
            False,
        ),
        Case(
            "EventBridge may not deliver without TLS",
            delivery(d, **{"aws:SecureTransport": "false"}),
            False,
        ),
        Case(
            "EventBridge may not deliver from a custom bus",
            delivery(d, **{"aws:SourceArn": d.rule(f"{d.prefix}_bus/{d.prefix}_{HASH}")}),
            False,
        ),
        Case("SNS may not deliver", delivery(d, principal="sns.amazonaws.com"), False),
        Case("EventBridge may not send to the DLQ", delivery(d, resource=d.dlq), False),
        Case(
            "another account may not send",
            delivery(d, principal=f"arn:aws:iam::{OTHER_ACCOUNT}:root"),
            False,
        ),
        Case(
            "EventBridge of this account may assume the schedule role",
            assume(
                d, EVENTS, d.schedule_trust, d.schedule_role, **{"aws:SourceAccount": d.account}
            ),
            True,
        ),
        Case(
            "EventBridge of another account may not assume it",
            assume(
                d, EVENTS, d.schedule_trust, d.schedule_role, **{"aws:SourceAccount": OTHER_ACCOUNT}
            ),
            False,
        ),
        Case(
            "EventBridge without a source account may not assume it",
            assume(d, EVENTS, d.schedule_trust, d.schedule_role),
            False,
        ),
        Case(
            "flyteadmin may not assume the schedule role",
            assume(d, d.flyteadmin, d.schedule_trust, d.schedule_role),
            False,
        ),
        Case(
            "EventBridge may not read the queue",
            Request(
                EVENTS,
                "sqs:ReceiveMessage",
                d.queue,
                {"aws:SecureTransport": "true"},
                resource_policy=d.queue_policy,
            ),
            False,
        ),
        Case(
            "flyteadmin may not read a same-named queue of another account",
            flyteadmin_request(d, "sqs:ReceiveMessage", d.queue.replace(d.account, OTHER_ACCOUNT)),
            False,
        ),
        Case(
            "flyteadmin may not create a rule without the prefix's separator",
            flyteadmin_request(d, "events:PutRule", d.rule(f"{d.prefix}{HASH}")),
            False,
        ),
        Case(
            "Lambda may not assume the schedule role",
            assume(
                d,
                "lambda.amazonaws.com",
                d.schedule_trust,
                d.schedule_role,
                **{"aws:SourceAccount": d.account},
            ),
            False,
        ),
    ]
    if d.flyteadmin_trust is not None and d.oidc_provider and d.oidc_issuer:
        trust = evaluable_trust(d.flyteadmin_trust, d.oidc_issuer)
        provider = d.oidc_provider
        result += [
            Case(
                "the service account may assume flyteadmin's role",
                assume(d, provider, trust, d.flyteadmin, **web_identity()),
                True,
            ),
            Case(
                "another namespace may not",
                assume(d, provider, trust, d.flyteadmin, **web_identity(namespace="default")),
                False,
            ),
            Case(
                "another service account may not",
                assume(d, provider, trust, d.flyteadmin, **web_identity(service_account="default")),
                False,
            ),
            Case(
                "another audience may not",
                assume(d, provider, trust, d.flyteadmin, **web_identity(aud="sts.example.com")),
                False,
            ),
            Case(
                "another OIDC provider may not",
                assume(
                    d, provider.replace("/id/", "/id/OTHER"), trust, d.flyteadmin, **web_identity()
                ),
                False,
            ),
        ]
    if d.key and d.key_policy:

        def key_request(principal: str, action: str, **context: str | list[str]) -> Request:
            return Request(principal, action, str(d.key), context, resource_policy=d.key_policy)

        result += [
            Case(
                "EventBridge may generate data keys",
                key_request(EVENTS, "kms:GenerateDataKey", **{"aws:SourceAccount": d.account}),
                True,
            ),
            Case(
                "EventBridge may decrypt",
                key_request(EVENTS, "kms:Decrypt", **{"aws:SourceAccount": d.account}),
                True,
            ),
            Case(
                "EventBridge of another account may not use the key",
                key_request(EVENTS, "kms:GenerateDataKey", **{"aws:SourceAccount": OTHER_ACCOUNT}),
                False,
            ),
            Case(
                "EventBridge may not schedule the key's deletion",
                key_request(EVENTS, "kms:ScheduleKeyDeletion", **{"aws:SourceAccount": d.account}),
                False,
            ),
            Case(
                "flyteadmin may decrypt through SQS",
                flyteadmin_request(
                    d, "kms:Decrypt", d.key, **{"kms:ViaService": f"sqs.{d.region}.amazonaws.com"}
                ),
                True,
            ),
            Case(
                "flyteadmin may not decrypt directly (a stolen credential decrypting elsewhere)",
                flyteadmin_request(d, "kms:Decrypt", d.key),
                False,
            ),
            Case(
                "flyteadmin may not decrypt through another service",
                flyteadmin_request(
                    d, "kms:Decrypt", d.key, **{"kms:ViaService": f"s3.{d.region}.amazonaws.com"}
                ),
                False,
            ),
            Case(
                "flyteadmin may not decrypt through SQS of another region",
                flyteadmin_request(
                    d, "kms:Decrypt", d.key, **{"kms:ViaService": "sqs.eu-central-1.amazonaws.com"}
                ),
                False,
            ),
            Case(
                "flyteadmin may not encrypt",
                flyteadmin_request(d, "kms:GenerateDataKey", d.key),
                False,
            ),
        ]
    return result + attack_cases(d)


def attack_cases(d: Deployment) -> list[Case]:
    """What a stolen flyteadmin credential or a careless same-account principal would try."""
    own_rule = d.rule(f"{d.prefix}_{HASH}")
    lambda_function = d.arn("lambda", "function:collect", d.region)
    elsewhere = {
        "another account's event bus": f"arn:aws:events:{d.region}:{OTHER_ACCOUNT}:event-bus/default",
        "a Lambda function": lambda_function,
        "an SNS topic": d.arn("sns", "alerts", d.region),
        "another queue": d.arn("sqs", "payments", d.region),
        "another account's queue": f"arn:aws:sqs:{d.region}:{OTHER_ACCOUNT}:loot",
        "the dead-letter queue": d.dlq,
        "a log group": d.arn("logs", "log-group:/aws/events/loot", d.region),
    }
    result = [
        Case(
            f"flyteadmin may not target {what}",
            flyteadmin_request(d, "events:PutTargets", own_rule, **{TARGET_ARN: [arn]}),
            False,
        )
        for what, arn in elsewhere.items()
    ]
    patterns = {
        "a CloudTrail detail-type": {"events:detail-type": [CLOUDTRAIL]},
        "an event source": {"events:source": ["aws.iam"]},
        "both": {"events:source": ["aws.iam"], "events:detail-type": [CLOUDTRAIL]},
    }
    result += [
        Case(
            f"flyteadmin may not create a rule whose pattern matches {what}",
            flyteadmin_request(d, "events:PutRule", own_rule, **keys),
            False,
        )
        for what, keys in patterns.items()
    ]
    managed = {"events:ManagedBy": "ssm.amazonaws.com"}
    result += [
        Case(
            f"flyteadmin may not {action} a service-managed rule",
            flyteadmin_request(
                d,
                action,
                own_rule,
                **managed,
                **({TARGET_ARN: [d.queue]} if action == "events:PutTargets" else {}),
            ),
            False,
        )
        for action in (
            "events:PutRule",
            "events:PutTargets",
            "events:RemoveTargets",
            "events:DeleteRule",
        )
    ]
    events_admin = (allow_everything_on("events"),)
    result += [
        Case(
            "flyteadmin may not target the queue and a Lambda function at once",
            flyteadmin_request(
                d, "events:PutTargets", own_rule, **{TARGET_ARN: [d.queue, lambda_function]}
            ),
            False,
        ),
        Case(
            "events:* attached beside our policy still cannot target another account's bus "
            "under the prefix",
            flyteadmin_request(
                d,
                "events:PutTargets",
                own_rule,
                *events_admin,
                **{TARGET_ARN: [elsewhere["another account's event bus"]]},
            ),
            False,
        ),
        Case(
            "events:* attached beside our policy still cannot create a pattern rule under the "
            "prefix",
            flyteadmin_request(
                d, "events:PutRule", own_rule, *events_admin, **{"events:detail-type": [CLOUDTRAIL]}
            ),
            False,
        ),
        Case(
            "a shared role keeps its other custom-bus rules (our deny covers only buses named "
            "like the prefix)",
            flyteadmin_request(d, "events:PutRule", d.rule("orders/nightly"), *events_admin),
            True,
        ),
        Case(
            "events:* attached beside our policy still allows flyteadmin's own calls",
            flyteadmin_request(
                d, "events:PutTargets", own_rule, *events_admin, **{TARGET_ARN: [d.queue]}
            ),
            True,
        ),
    ]
    careless = f"arn:aws:iam::{d.account}:role/ci-runner"

    def same_account_send(principal: str, policy: dict[str, Any]) -> Request:
        return Request(
            principal,
            "sqs:SendMessage",
            d.queue,
            {"aws:SecureTransport": "true", "aws:PrincipalArn": principal},
            identity_policies=(policy,),
            resource_policy=d.queue_policy,
        )

    result += [
        Case(
            "a same-account role allowed sqs:* on * may not forge schedule events",
            same_account_send(careless, allow_everything_on("sqs")),
            False,
        ),
        Case(
            "a same-account administrator may not send forged schedule events",
            same_account_send(f"arn:aws:iam::{d.account}:role/Admin", allow_everything_on("*")),
            False,
        ),
    ]
    result += [
        Case(
            f"operator role {role} (queue.redrive_role_arns) may send, to redrive the DLQ",
            same_account_send(role, allow_everything_on("sqs")),
            True,
        )
        for role in d.redrive_roles
    ]
    if d.topic and d.topic_policy and d.topic_key_policy:
        result += alarm_cases(d, d.topic, d.topic_policy, d.topic_key_policy)
    return result


def alarm_cases(
    d: Deployment, topic: str, topic_policy: dict[str, Any], key_policy: dict[str, Any]
) -> list[Case]:
    """CloudWatch may publish this environment's alarms to the created topic, nothing else."""
    ours = d.arn("cloudwatch", f"alarm:{d.prefix}-scheduler-executor-stalled", d.region)
    theirs = d.arn("cloudwatch", "alarm:billing-high", d.region)
    lookalike = d.arn("cloudwatch", f"alarm:{d.prefix}-scheduler-phish", d.region)
    foreign = ours.replace(d.account, OTHER_ACCOUNT)

    def publish(principal: str, source_arn: str | None, account: str = d.account) -> Request:
        context: dict[str, str | list[str]] = {
            "aws:SecureTransport": "true",
            "aws:SourceAccount": account,
        }
        if source_arn:
            context["aws:SourceArn"] = source_arn
        return Request(principal, "sns:Publish", topic, context, resource_policy=topic_policy)

    def key_use(source_arn: str, account: str = d.account) -> Request:
        context: dict[str, str | list[str]] = {
            "aws:SourceArn": source_arn,
            "aws:SourceAccount": account,
        }
        return Request(
            "cloudwatch.amazonaws.com",
            "kms:GenerateDataKey",
            d.arn("kms", "key/topic", d.region),
            context,
            resource_policy=key_policy,
        )

    return [
        Case(
            "CloudWatch may publish this environment's alarms",
            publish("cloudwatch.amazonaws.com", ours),
            True,
        ),
        Case(
            "CloudWatch may not publish another alarm of the account",
            publish("cloudwatch.amazonaws.com", theirs),
            False,
        ),
        Case(
            "CloudWatch may not publish an alarm someone named like ours",
            publish("cloudwatch.amazonaws.com", lookalike),
            False,
        ),
        Case(
            "CloudWatch may not publish another account's alarm",
            publish("cloudwatch.amazonaws.com", foreign, OTHER_ACCOUNT),
            False,
        ),
        Case(
            "CloudWatch may not publish without a source alarm",
            publish("cloudwatch.amazonaws.com", None),
            False,
        ),
        Case("EventBridge may not publish to the alarm topic", publish(EVENTS, ours), False),
        Case(
            "CloudWatch may not publish without TLS",
            replace(
                publish("cloudwatch.amazonaws.com", ours),
                context={
                    "aws:SecureTransport": "false",
                    "aws:SourceArn": ours,
                    "aws:SourceAccount": d.account,
                },
            ),
            False,
        ),
        Case("CloudWatch may encrypt this environment's alarms", key_use(ours), True),
        Case("CloudWatch may not encrypt another alarm with the key", key_use(theirs), False),
    ]


def failures(evaluator: PolicyEvaluator, d: Deployment) -> list[str]:
    found = []
    for case in cases(d):
        decision = evaluator.evaluate(case.request)
        if decision.allowed != case.allowed:
            found.append(
                f"{case.name}: expected {'Allowed' if case.allowed else 'Denied'}, got {decision.decision} because {decision.why}"
            )
    return found


@pytest.mark.parametrize("scenario", MATRIX_SCENARIOS)
def test_the_allow_deny_matrix(
    synthesized: Synthesized, evaluator: PolicyEvaluator, scenario: str
) -> None:
    deployment = deployment_of(synthesized, scenario)
    assert failures(evaluator, deployment) == []


# Mutations: weakening any policy one way must flip at least one case -------------------------


def without_condition(policy: dict[str, Any], key: str) -> dict[str, Any]:
    policy = copy.deepcopy(policy)
    for statement in policy["Statement"]:
        for operator in list(statement.get("Condition", {})):
            statement["Condition"][operator].pop(key, None)
            if not statement["Condition"][operator]:
                del statement["Condition"][operator]
        if statement.get("Condition") == {}:
            del statement["Condition"]
    return policy


def without_statement(policy: dict[str, Any], sid: str) -> dict[str, Any]:
    policy = copy.deepcopy(policy)
    policy["Statement"] = [s for s in policy["Statement"] if s.get("Sid") != sid]
    return policy


POLICY_FIELDS = (
    "flyteadmin_policy",
    "queue_policy",
    "dlq_policy",
    "schedule_trust",
    "flyteadmin_trust",
    "key_policy",
    "topic_policy",
    "topic_key_policy",
)


def named_statements(d: Deployment) -> list[tuple[str, str]]:
    """(policy field, Sid) of every statement we wrote (CDK's own statements carry no Sid,
    except the topic's TLS deny)."""
    return [
        (field, statement["Sid"])
        for field in POLICY_FIELDS
        if getattr(d, field) is not None
        for statement in getattr(d, field)["Statement"]
        if statement.get("Sid")
    ]


@pytest.mark.parametrize("scenario", MATRIX_SCENARIOS)
def test_removing_any_statement_flips_a_case(
    synthesized: Synthesized, evaluator: PolicyEvaluator, scenario: str
) -> None:
    deployment = deployment_of(synthesized, scenario)
    statements = named_statements(deployment)
    assert statements
    unnoticed = [
        f"{field}: {sid}"
        for field, sid in statements
        if not failures(
            evaluator,
            with_field(deployment, field, without_statement(getattr(deployment, field), sid)),
        )
    ]
    assert unnoticed == [], "no case depends on these statements"


def with_field(d: Deployment, field: str, policy: dict[str, Any]) -> Deployment:
    """The deployment with one of its policies swapped."""
    changes: dict[str, Any] = {field: policy}
    return replace(d, **changes)


def without_deny(policy: dict[str, Any]) -> dict[str, Any]:
    policy = copy.deepcopy(policy)
    policy["Statement"] = [s for s in policy["Statement"] if s["Effect"] != "Deny"]
    return policy


def wildcard_resources(policy: dict[str, Any]) -> dict[str, Any]:
    policy = copy.deepcopy(policy)
    for statement in policy["Statement"]:
        if statement["Effect"] == "Allow":
            statement["Resource"] = "*"
    return policy


MUTATIONS: dict[str, Callable[[Deployment], Deployment]] = {
    "flyteadmin policy: wildcard resources": lambda d: replace(
        d, flyteadmin_policy=wildcard_resources(d.flyteadmin_policy)
    ),
    "flyteadmin policy: no PassedToService": lambda d: replace(
        d, flyteadmin_policy=without_condition(d.flyteadmin_policy, "iam:PassedToService")
    ),
    "flyteadmin policy: no custom-bus deny": lambda d: replace(
        d, flyteadmin_policy=without_deny(d.flyteadmin_policy)
    ),
    "queue policy: no SourceArn": lambda d: replace(
        d, queue_policy=without_condition(d.queue_policy, "aws:SourceArn")
    ),
    "queue policy: no SourceAccount nor SourceArn": lambda d: replace(
        d,
        queue_policy=without_condition(
            without_condition(d.queue_policy, "aws:SourceAccount"), "aws:SourceArn"
        ),
    ),
    "queue policy: no TLS or bus deny": lambda d: replace(
        d, queue_policy=without_deny(d.queue_policy)
    ),
    "queue policy: wildcard resources": lambda d: replace(
        d, dlq_policy=wildcard_resources(d.queue_policy)
    ),
    "schedule trust: no SourceAccount": lambda d: replace(
        d, schedule_trust=without_condition(d.schedule_trust, "aws:SourceAccount")
    ),
}


@pytest.mark.parametrize("mutation", MUTATIONS)
def test_every_weakening_flips_a_case(
    synthesized: Synthesized, evaluator: PolicyEvaluator, mutation: str
) -> None:
    weakened = MUTATIONS[mutation](deployment_of(synthesized, "default"))
    assert failures(evaluator, weakened), f"no case noticed: {mutation}"


def drop(field: str, key: str) -> Callable[[Deployment], Deployment]:
    return lambda d: with_field(d, field, without_condition(getattr(d, field), key))


# (scenario, weakening): conditions of the attack-path statements, each needed by some case.
CONDITION_MUTATIONS: dict[str, tuple[str, Callable[[Deployment], Deployment]]] = {
    "flyteadmin decrypt: no kms:ViaService": ("kms", drop("flyteadmin_policy", "kms:ViaService")),
    "queue policy: no operator exemption": ("existing", drop("queue_policy", "aws:PrincipalArn")),
    "topic policy: no SourceArn": ("topic", drop("topic_policy", "aws:SourceArn")),
    "topic key: no SourceArn": ("topic", drop("topic_key_policy", "aws:SourceArn")),
    "flyteadmin policy: no TargetArn condition": (
        "default",
        drop("flyteadmin_policy", TARGET_ARN),
    ),
}


@pytest.mark.parametrize("mutation", CONDITION_MUTATIONS)
def test_every_attack_path_condition_flips_a_case(
    synthesized: Synthesized, evaluator: PolicyEvaluator, mutation: str
) -> None:
    scenario, weaken = CONDITION_MUTATIONS[mutation]
    assert failures(evaluator, weaken(deployment_of(synthesized, scenario))), mutation


def test_irsa_and_kms_mutations_flip_cases(
    synthesized: Synthesized, evaluator: PolicyEvaluator
) -> None:
    irsa = deployment_of(synthesized, "irsa")
    assert irsa.flyteadmin_trust and irsa.oidc_issuer
    sub = f"{irsa.oidc_issuer}:sub"
    assert failures(
        evaluator, replace(irsa, flyteadmin_trust=without_condition(irsa.flyteadmin_trust, sub))
    )
    kms = deployment_of(synthesized, "kms")
    assert kms.key_policy
    assert failures(
        evaluator, replace(kms, key_policy=without_condition(kms.key_policy, "aws:SourceAccount"))
    )
