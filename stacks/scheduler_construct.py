"""``FlyteSchedulerInfrastructure``: the AWS side of flyteadmin's ``scheme: aws`` scheduler.

A reusable L3 construct. It never reads files or the environment: everything comes from its props.
"""

from __future__ import annotations

from aws_cdk import ArnFormat, Duration, RemovalPolicy, Stack
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cloudwatch_actions
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from flyte_scheduler import naming
from flyte_scheduler.flyteadmin_permissions import CONSUMER_ACTIONS, PASS_ROLE, RULE_ACTIONS
from flyte_scheduler.options import SchedulerOptions, check_options
from flyte_scheduler.problems import Problem, SettingsError
from stacks.acknowledgements import acknowledge

EVENTS_PRINCIPAL = "events.amazonaws.com"
CLOUDWATCH_PRINCIPAL = "cloudwatch.amazonaws.com"
DLQ_RETENTION = Duration.days(14)


class FlyteSchedulerInfrastructure(Construct):
    """Schedule queue + DLQ, schedule role, flyteadmin's permissions and alarms.

    Every attribute below is created by the construct; optional ones are ``None`` when the
    options do not call for them.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        options: SchedulerOptions,
        existing_encryption_key: kms.IKey | None = None,
        existing_alarm_topic: sns.ITopic | None = None,
    ) -> None:
        """Create the resources.

        :param options: all settings, each field documented with its default on
            :class:`flyte_scheduler.options.SchedulerOptions`.
        :param existing_encryption_key: encrypt the queues with this customer key instead of a new
            one (needs ``encryption="kms"``). Its key policy must already let
            ``events.amazonaws.com`` use ``kms:GenerateDataKey`` and ``kms:Decrypt``: an imported
            key's policy cannot be changed here. Default: a new rotating key.
        :param existing_alarm_topic: notify this topic (needs ``alarms.topic="none"``, alarms
            enabled). Default: whatever ``options.alarms.topic`` says.

        Every broken rule, of the options and of these props, is reported at once in one
        :class:`flyte_scheduler.problems.SettingsError`.
        """
        super().__init__(scope, construct_id)
        problems = check_options(options)
        if existing_encryption_key is not None and options.encryption != "kms":
            problems.append(
                Problem("existing_encryption_key", "(a key)", "only with encryption 'kms'")
            )
        if existing_encryption_key is not None and options.kms_key_arn:
            problems.append(
                Problem(
                    "existing_encryption_key",
                    "(a key)",
                    "give the key either here or as options.kms_key_arn, not both",
                )
            )
        if existing_alarm_topic is not None and (
            options.alarms.topic != "none" or not options.alarms.enabled
        ):
            problems.append(
                Problem(
                    "existing_alarm_topic",
                    "(a topic)",
                    "only with alarms enabled and alarms.topic 'none' (the topic is given here)",
                )
            )
        if problems:
            raise SettingsError(problems, f"{self.node.path} options")
        self._existing_alarm_topic = existing_alarm_topic
        self.options = options
        stack = Stack.of(self)
        self._account = stack.account
        self.rule_arn_pattern: str = stack.format_arn(
            service="events", resource="rule", resource_name=f"{options.schedule_name_prefix}_*"
        )
        """ARN pattern of every rule flyteadmin may create: ``rule/<prefix>_*``."""
        self._custom_bus_rules = stack.format_arn(
            service="events", resource="rule", resource_name="*/*"
        )
        self._prefixed_bus_rules = stack.format_arn(
            service="events", resource="rule", resource_name=f"{options.schedule_name_prefix}_*/*"
        )
        removal = (
            RemovalPolicy.DESTROY if options.removal_policy == "destroy" else RemovalPolicy.RETAIN
        )

        if options.kms_key_arn:
            existing_encryption_key = kms.Key.from_key_arn(
                self, "ExternalQueueKey", options.kms_key_arn
            )
        self.encryption_key: kms.IKey | None = (
            (existing_encryption_key or self._queue_key(removal))
            if options.encryption == "kms"
            else None
        )
        """The customer key encrypting both queues (``encryption: kms``), created or given."""
        # Redrive allow policies: only the schedule queue may use the DLQ, and no queue may use
        # the schedule queue as its DLQ (SQS would move any queue's messages into it unasked).
        # The queue's ARN is built from its name, which keeps the template free of a cycle.
        schedule_queue_arn = stack.format_arn(
            service="sqs",
            resource=naming.queue_name(options),
            arn_format=ArnFormat.NO_RESOURCE_NAME,
        )
        self.dead_letter_queue: sqs.Queue = self._queue(
            "DeadLetterQueue",
            naming.dead_letter_queue_name(options),
            removal,
            DLQ_RETENTION,
            redrive_allow_policy=sqs.RedriveAllowPolicy(
                redrive_permission=sqs.RedrivePermission.BY_QUEUE,
                source_queues=[
                    sqs.Queue.from_queue_arn(self, "ScheduleQueueByName", schedule_queue_arn)
                ],
            ),
        )
        """Where poison messages land after ``max_receive_count`` receives."""
        self.queue: sqs.Queue = self._queue(
            "ScheduleQueue",
            naming.queue_name(options),
            removal,
            Duration.seconds(options.queue.message_retention_seconds),
            visibility_timeout=Duration.seconds(options.queue.visibility_timeout_seconds),
            dead_letter_queue=sqs.DeadLetterQueue(
                max_receive_count=options.queue.max_receive_count, queue=self.dead_letter_queue
            ),
            redrive_allow_policy=sqs.RedriveAllowPolicy(
                redrive_permission=sqs.RedrivePermission.DENY_ALL
            ),
        )
        """The standard queue EventBridge rules deliver to and flyteadmin consumes."""
        self._allow_eventbridge_delivery()

        self.schedule_role: iam.Role = self._schedule_role()
        if options.adopt.schedule_role:  # cdk import needs a DeletionPolicy on what it imports
            self.schedule_role.apply_removal_policy(RemovalPolicy.RETAIN)
        """The role flyteadmin puts on each rule (``scheduleRole``); trusted by EventBridge."""
        self.flyteadmin_role: iam.Role | None = self._flyteadmin_role()
        """The IRSA role created for flyteadmin (``irsa``), or the schedule role
        (``schedule-role``); ``None`` otherwise."""
        self.flyteadmin_policy: iam.ManagedPolicy = self._flyteadmin_policy()
        """flyteadmin's permissions, and nothing more (facts §2.3)."""

        if options.iam.permissions_boundary:
            iam.PermissionsBoundary.of(self).apply(self._boundary(options.iam.permissions_boundary))

        self.alarm_topic: sns.ITopic | None = self._alarm_topic(removal)
        """Where alarms notify: created, existing, or ``None``."""
        self.alarms: dict[str, cloudwatch.Alarm] = self._alarms()
        """The alarms by short name: ``executor-stalled``, ``poison-messages``,
        ``deliveries-failing``; empty when alarms are disabled."""

    # Queues -------------------------------------------------------------------------------

    def _queue_key(self, removal: RemovalPolicy) -> kms.Key:
        return self._service_key(
            "QueueKey",
            "Encrypts the flyteadmin schedule queues; EventBridge may use it",
            removal,
            sid="AllowEventBridgeToEncryptScheduleEvents",
            service=EVENTS_PRINCIPAL,
            actions=["kms:GenerateDataKey", "kms:Decrypt"],
            alias=naming.queue_key_alias(self.options),
        )

    def _service_key(
        self,
        construct_id: str,
        description: str,
        removal: RemovalPolicy,
        *,
        sid: str,
        service: str,
        actions: list[str],
        alias: str | None = None,
        source_arns: list[str] | None = None,
    ) -> kms.Key:
        """A rotating customer key one AWS service of this account may use (AWS-managed keys
        cannot grant that, so deliveries and notifications would fail silently)."""
        key = kms.Key(
            self,
            construct_id,
            alias=alias,
            description=description,
            enable_key_rotation=True,
            removal_policy=removal,
        )
        conditions: dict[str, object] = {"StringEquals": {"aws:SourceAccount": self._account}}
        if source_arns:
            conditions["ArnEquals"] = {"aws:SourceArn": source_arns}
        key.add_to_resource_policy(
            iam.PolicyStatement(
                sid=sid,
                principals=[iam.ServicePrincipal(service)],
                actions=actions,
                resources=["*"],
                conditions=conditions,
            )
        )
        return key

    def _queue(
        self,
        construct_id: str,
        name: str,
        removal: RemovalPolicy,
        retention: Duration,
        **extra: object,
    ) -> sqs.Queue:
        encryption = (
            sqs.QueueEncryption.KMS if self.encryption_key else sqs.QueueEncryption.SQS_MANAGED
        )
        return sqs.Queue(
            self,
            construct_id,
            queue_name=name,
            retention_period=retention,
            encryption=encryption,
            encryption_master_key=self.encryption_key,
            enforce_ssl=True,
            removal_policy=removal,
            **extra,  # type: ignore[arg-type]
        )

    def _allow_eventbridge_delivery(self) -> None:
        """Queue policy: only EventBridge rules ``<prefix>_*`` of this account may send.

        The allow lets EventBridge deliver; the denies stop everyone else, including
        same-account principals whose own policies allow ``sqs:SendMessage`` (they could
        otherwise forge schedule events that flyteadmin would launch).
        """
        events = iam.ServicePrincipal(EVENTS_PRINCIPAL)
        self.queue.add_to_resource_policy(
            iam.PolicyStatement(
                sid="AllowScheduleRulesToSend",
                principals=[events],
                actions=["sqs:SendMessage"],
                resources=[self.queue.queue_arn],
                conditions={
                    "ArnLike": {"aws:SourceArn": self.rule_arn_pattern},
                    "StringEquals": {"aws:SourceAccount": self._account},
                },
            )
        )
        self.queue.add_to_resource_policy(
            iam.PolicyStatement(
                sid="DenyRulesOnCustomEventBuses",
                effect=iam.Effect.DENY,
                principals=[events],
                actions=["sqs:SendMessage"],
                resources=[self.queue.queue_arn],
                conditions={"ArnLike": {"aws:SourceArn": self._custom_bus_rules}},
            )
        )
        only_rules: dict[str, object] = {"ArnNotLike": {"aws:SourceArn": self.rule_arn_pattern}}
        operators = list(self.options.queue.redrive_role_arns)
        if operators:
            only_rules["ArnNotLike"] = {
                "aws:SourceArn": self.rule_arn_pattern,
                "aws:PrincipalArn": operators,
            }
        self.queue.add_to_resource_policy(
            iam.PolicyStatement(
                sid="DenySendersOtherThanScheduleRules",
                effect=iam.Effect.DENY,
                principals=[iam.StarPrincipal()],
                actions=["sqs:SendMessage"],
                resources=[self.queue.queue_arn],
                conditions=only_rules,
            )
        )

    # IAM ----------------------------------------------------------------------------------

    @property
    def _role_path(self) -> str | None:
        """The roles' IAM path; none written for ``/``, so existing roles (created without a
        Path) are not replaced."""
        return None if self.options.iam.path == "/" else self.options.iam.path

    def _boundary(self, boundary: str) -> iam.IManagedPolicy:
        """The permissions boundary: a managed policy ARN, or a policy name in this account."""
        if boundary.startswith("arn:"):
            return iam.ManagedPolicy.from_managed_policy_arn(self, "PermissionsBoundary", boundary)
        return iam.ManagedPolicy.from_managed_policy_name(self, "PermissionsBoundary", boundary)

    def _events_principal(self) -> iam.IPrincipal:
        return iam.ServicePrincipal(
            EVENTS_PRINCIPAL, conditions={"StringEquals": {"aws:SourceAccount": self._account}}
        )

    def _service_account_principal(self) -> iam.IPrincipal:
        identity = self.options.flyteadmin
        arn = identity.oidc_provider_arn or ""
        issuer = arn.split(":oidc-provider/", 1)[1]
        subject = f"system:serviceaccount:{identity.namespace}:{identity.service_account}"
        return iam.FederatedPrincipal(
            arn,
            conditions={
                "StringEquals": {f"{issuer}:sub": subject, f"{issuer}:aud": "sts.amazonaws.com"}
            },
            assume_role_action="sts:AssumeRoleWithWebIdentity",
        )

    def _schedule_role(self) -> iam.Role:
        trusted: iam.IPrincipal = self._events_principal()
        if self.options.flyteadmin.mode == "schedule-role":
            trusted = iam.CompositePrincipal(trusted, self._service_account_principal())
        return iam.Role(
            self,
            "ScheduleRole",
            role_name=naming.schedule_role_name(self.options),
            path=self._role_path,
            assumed_by=trusted,
            description="Attached to flyteadmin's schedule rules; delivery to SQS is "
            "authorized by the queue policy",
        )

    def _flyteadmin_role(self) -> iam.Role | None:
        mode = self.options.flyteadmin.mode
        if mode == "schedule-role":
            return self.schedule_role
        if mode != "irsa":
            return None
        return iam.Role(
            self,
            "FlyteadminRole",
            role_name=naming.flyteadmin_role_name(self.options),
            path=self._role_path,
            assumed_by=self._service_account_principal(),
            description="flyteadmin's identity (IRSA) for the AWS workflow scheduler",
        )

    def _flyteadmin_policy(self) -> iam.ManagedPolicy:
        rules = [self.rule_arn_pattern]

        def deny(sid: str, actions: list[str], condition: dict[str, object]) -> iam.PolicyStatement:
            return iam.PolicyStatement(
                sid=sid,
                effect=iam.Effect.DENY,
                actions=actions,
                resources=rules,
                conditions=condition,
            )

        statements = [
            iam.PolicyStatement(
                sid="ManageScheduleRules",
                actions=list(RULE_ACTIONS),
                resources=rules,
            ),
            iam.PolicyStatement(
                sid="NoRulesOnCustomEventBuses",
                effect=iam.Effect.DENY,
                actions=list(RULE_ACTIONS),
                # rule/<prefix>_* also matches rule/<bus>/<name> of a bus named <prefix>_...;
                # denying only those leaves a shared role's other custom-bus rules alone.
                resources=[self._prefixed_bus_rules],
            ),
            # What flyteadmin never does, denied so that its credentials cannot do it either
            # (each condition key is EventBridge's own; see the README's security model).
            deny(
                "NoTargetsButTheScheduleQueue",
                ["events:PutTargets"],
                {"ForAnyValue:ArnNotEquals": {"events:TargetArn": self.queue.queue_arn}},
            ),
            deny(
                "NoRulesMatchingEventSources",
                ["events:PutRule"],
                {"Null": {"events:source": "false"}},
            ),
            deny(
                "NoRulesMatchingEventDetailTypes",
                ["events:PutRule"],
                {"Null": {"events:detail-type": "false"}},
            ),
            deny(
                "NoServiceManagedRules", list(RULE_ACTIONS), {"Null": {"events:ManagedBy": "false"}}
            ),
            iam.PolicyStatement(
                sid="PassScheduleRoleToEventBridge",
                actions=[PASS_ROLE],
                resources=[self.schedule_role.role_arn],
                conditions={"StringEquals": {"iam:PassedToService": EVENTS_PRINCIPAL}},
            ),
            iam.PolicyStatement(
                sid="ConsumeScheduleQueue",
                actions=list(CONSUMER_ACTIONS),
                resources=[self.queue.queue_arn],
            ),
        ]
        if self.encryption_key:
            stack = Stack.of(self)
            statements.append(
                iam.PolicyStatement(
                    sid="DecryptScheduleQueue",
                    actions=["kms:Decrypt"],
                    resources=[self.encryption_key.key_arn],
                    # KMS names services sqs.<region>.amazonaws.com in every partition.
                    conditions={
                        "StringEquals": {"kms:ViaService": f"sqs.{stack.region}.amazonaws.com"}
                    },
                )
            )
        identity = self.options.flyteadmin
        roles: list[iam.IRole] = [
            iam.Role.from_role_name(self, f"ExistingRole{index}", name)
            for index, name in enumerate(identity.role_names)
        ]
        if self.flyteadmin_role:
            roles.append(self.flyteadmin_role)
        policy = iam.ManagedPolicy(
            self,
            "FlyteadminPolicy",
            managed_policy_name=naming.flyteadmin_policy_name(self.options),
            path=self.options.iam.path,
            description="What flyteadmin calls for scheme: aws schedules, and nothing more",
            statements=statements,
            roles=roles or None,
        )
        acknowledge(
            policy,
            f"AwsSolutions-IAM5[Resource::{self._nag_arn(self.rule_arn_pattern)}]",
            "flyteadmin names each rule <prefix>_<FNV-1 hash of project:domain:name> at "
            "run time, so the rule ARN can only be bounded by the prefix wildcard",
        )
        return policy

    def _nag_arn(self, arn: str) -> str:
        """An ARN as cdk-nag prints it in granular finding ids (tokens as ``<AWS::...>``)."""
        return _render_for_nag(Stack.of(self).resolve(arn))

    # Alarms -------------------------------------------------------------------------------

    def _alarm_topic(self, removal: RemovalPolicy) -> sns.ITopic | None:
        alarms = self.options.alarms
        if self._existing_alarm_topic is not None:
            return self._existing_alarm_topic
        if alarms.topic == "existing" and alarms.topic_arn:
            return sns.Topic.from_topic_arn(self, "AlarmTopic", alarms.topic_arn)
        if alarms.topic != "create":
            return None
        key = self._service_key(
            "AlarmTopicKey",
            "Encrypts the flyteadmin scheduler alarm topic; CloudWatch may use it",
            removal,
            sid="AllowCloudWatchAlarmsToPublish",
            service=CLOUDWATCH_PRINCIPAL,
            actions=["kms:GenerateDataKey*", "kms:Decrypt"],
            source_arns=self._alarm_arns(),
        )
        topic = sns.Topic(
            self,
            "AlarmTopic",
            topic_name=naming.alarm_topic_name(self.options),
            master_key=key,
            enforce_ssl=True,
        )
        # A topic policy replaces SNS's default one, which let the account's services publish:
        # without this statement CloudWatch is denied sns:Publish and no alarm e-mail is sent.
        topic.add_to_resource_policy(
            iam.PolicyStatement(
                sid="AllowThisEnvironmentsAlarmsToPublish",
                principals=[iam.ServicePrincipal(CLOUDWATCH_PRINCIPAL)],
                actions=["sns:Publish"],
                resources=[topic.topic_arn],
                conditions={
                    "ArnEquals": {"aws:SourceArn": self._alarm_arns()},
                    "StringEquals": {"aws:SourceAccount": self._account},
                },
            )
        )
        for email in alarms.email_subscribers:
            topic.add_subscription(subscriptions.EmailSubscription(email))
        return topic

    def _alarm_arns(self) -> list[str]:
        """The ARNs of exactly this environment's alarms (a wildcard would also admit any alarm
        someone names ``<prefix>-scheduler-...``)."""
        return [
            Stack.of(self).format_arn(
                service="cloudwatch",
                resource="alarm",
                resource_name=naming.alarm_name(self.options, short_name),
                arn_format=ArnFormat.COLON_RESOURCE_NAME,
            )
            for short_name in naming.ALARMS
        ]

    def _alarms(self) -> dict[str, cloudwatch.Alarm]:
        alarms = self.options.alarms
        if not alarms.enabled:
            return {}
        definitions = {
            "executor-stalled": (
                self.queue.metric_approximate_age_of_oldest_message(
                    period=Duration.minutes(1), statistic="Maximum"
                ),
                alarms.oldest_message_age_seconds,
                3,
                "Schedule events wait unconsumed: flyteadmin's SQS executor is stopped or "
                "misconfigured (workflowExecutor.scheme/region/scheduleQueueName/accountId)",
            ),
            "poison-messages": (
                self.dead_letter_queue.metric_approximate_number_of_messages_visible(
                    period=Duration.minutes(5), statistic="Maximum"
                ),
                alarms.dead_letter_messages,
                1,
                "Schedule events flyteadmin could not process reached the dead-letter queue",
            ),
            "deliveries-failing": (
                cloudwatch.Metric(
                    namespace="AWS/Events",
                    metric_name="FailedInvocations",
                    period=Duration.minutes(5),
                    statistic="Sum",
                ),
                alarms.failed_invocations,
                1,
                "EventBridge failed to deliver rule targets in this account and region "
                "(check the queue policy, KMS key policy and that the queue exists)",
            ),
        }
        created: dict[str, cloudwatch.Alarm] = {}
        for short_name, (metric, threshold, periods, description) in definitions.items():
            alarm = metric.create_alarm(
                self,
                "".join(part.title() for part in short_name.split("-")) + "Alarm",
                alarm_name=naming.alarm_name(self.options, short_name),
                alarm_description=description,
                threshold=threshold,
                evaluation_periods=periods,
                comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
                treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            )
            if self.alarm_topic:
                action = cloudwatch_actions.SnsAction(self.alarm_topic)
                alarm.add_alarm_action(action)
                alarm.add_ok_action(action)
            else:
                for pack in ("HIPAA.Security", "NIST.800.53.R5"):
                    acknowledge(
                        alarm,
                        f"{pack}-CloudWatchAlarmAction",
                        "alarms.topic is 'none' in the settings: the alarm is visible in the "
                        "console and to `doctor` but notifies nobody; set alarms.topic to "
                        "'create' or 'existing' to be notified",
                    )
            created[short_name] = alarm
        return created


def _render_for_nag(value: object) -> str:
    """Render a resolved CloudFormation value the way cdk-nag names it in finding ids."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and "Fn::Join" in value:
        separator, parts = value["Fn::Join"]
        return str(separator).join(_render_for_nag(part) for part in parts)
    if isinstance(value, dict) and "Ref" in value:
        return f"<{value['Ref']}>"
    return str(value)
