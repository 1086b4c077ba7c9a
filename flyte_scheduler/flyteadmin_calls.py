"""flyteadmin's own AWS call sequence for one scheduled launch plan, run against a deployment.

Add (PutRule with the schedule role, PutTargets with the input transformer), consume (GetQueueUrl,
ReceiveMessage, parse, DeleteMessageBatch) and remove (RemoveTargets, DeleteRule), exactly as facts
§2 and §4 describe. The rule is always removed, also on failure or Ctrl-C.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flyte_scheduler.deployed_values import SchedulerValues
from flyte_scheduler.flyteadmin_messages import (
    INPUT_PATHS,
    LaunchPlanId,
    ScheduledEvent,
    input_template,
    parse_event,
)
from flyte_scheduler.naming import rule_name

SCHEDULE = "rate(1 minute)"
KICKOFF_ARG = "kickoff_time"
RECEIVE_WAIT_SECONDS = 5
MAX_MESSAGES = 10


@dataclass
class Step:
    """One call (or check) and its outcome."""

    name: str
    ok: bool
    detail: str


@dataclass
class CallSequenceResult:
    """What happened, step by step; ``ok`` when a scheduled event was received and parsed."""

    rule: str
    steps: list[Step] = field(default_factory=list)
    event: ScheduledEvent | None = None
    waited_seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.event is not None and all(step.ok for step in self.steps)

    def record(self, name: str, ok: bool, detail: str) -> None:
        self.steps.append(Step(name, ok, detail))


def synthetic_launch_plan() -> LaunchPlanId:
    """A launch plan no real deployment has, unique per run so rules never collide."""
    return LaunchPlanId("flyte-scheduler-infra", "smoke", f"smoke_{time.time_ns()}")


def run_call_sequence(
    values: SchedulerValues,
    events: Any,
    sqs: Any,
    *,
    launch_plan: LaunchPlanId,
    timeout_seconds: float,
    progress: Callable[[float], None] = lambda waited: None,
) -> CallSequenceResult:
    """Add a ``rate(1 minute)`` rule, wait for its real delivery, consume it, always clean up."""
    name = rule_name(values.prefix, launch_plan.project, launch_plan.domain, launch_plan.name)
    result = CallSequenceResult(rule=name)
    try:
        _add_schedule(values, events, launch_plan, name, result)
        _consume(values, sqs, launch_plan, timeout_seconds, progress, result)
    finally:
        _remove_schedule(events, name, result)
    return result


def _add_schedule(
    values: SchedulerValues,
    events: Any,
    launch_plan: LaunchPlanId,
    name: str,
    result: CallSequenceResult,
) -> None:
    response = add_schedule(values, events, launch_plan, SCHEDULE)
    result.record("PutRule", True, f"{name} {SCHEDULE} RoleArn={values.schedule_role_arn}")
    failed = response.get("FailedEntryCount", 0)
    result.record("PutTargets", failed == 0, f"target {values.queue_arn}, failed entries {failed}")
    if failed:
        raise RuntimeError(f"PutTargets failed: {response.get('FailedEntries')}")


def add_schedule(
    values: SchedulerValues, events: Any, launch_plan: LaunchPlanId, expression: str
) -> Any:
    """flyteadmin's AddSchedule: PutRule with the schedule role, then PutTargets with its input
    transformer; returns the PutTargets response."""
    name = rule_name(values.prefix, launch_plan.project, launch_plan.domain, launch_plan.name)
    events.put_rule(
        Name=name,
        ScheduleExpression=expression,
        Description=(
            f"Schedule for Project:{launch_plan.project} Domain:{launch_plan.domain} "
            f"Name:{launch_plan.name} launch plan"
        ),
        RoleArn=values.schedule_role_arn,
        State="ENABLED",
    )
    return events.put_targets(
        Rule=name,
        Targets=[
            {
                "Id": name,
                "Arn": values.queue_arn,
                "InputTransformer": {
                    "InputPathsMap": INPUT_PATHS,
                    "InputTemplate": input_template(launch_plan, KICKOFF_ARG),
                },
            }
        ],
    )


def _consume(
    values: SchedulerValues,
    sqs: Any,
    launch_plan: LaunchPlanId,
    timeout_seconds: float,
    progress: Callable[[float], None],
    result: CallSequenceResult,
) -> None:
    url = sqs.get_queue_url(QueueName=values.queue_name, QueueOwnerAWSAccountId=values.account)[
        "QueueUrl"
    ]
    result.record("GetQueueUrl", True, url)
    started = time.monotonic()
    others: set[str] = set()
    while (waited := time.monotonic() - started) < timeout_seconds:
        progress(waited)
        messages = sqs.receive_message(
            QueueUrl=url, MaxNumberOfMessages=MAX_MESSAGES, WaitTimeSeconds=RECEIVE_WAIT_SECONDS
        ).get("Messages", [])
        for message in messages:
            event = _ours(message["Body"], launch_plan)
            if event is None:
                # Another launch plan's event (a live flyteadmin's): left alone, it reappears
                # after the queue's visibility timeout. Handing it back at once would let every
                # poll receive it again, raising its receive count towards the DLQ.
                others.add(message.get("MessageId", message["ReceiptHandle"]))
                continue
            sqs.delete_message_batch(
                QueueUrl=url, Entries=[{"Id": "0", "ReceiptHandle": message["ReceiptHandle"]}]
            )
            result.waited_seconds = time.monotonic() - started
            result.event = event
            result.record(
                "ReceiveMessage",
                True,
                f"after {result.waited_seconds:.0f} s: kickoff {event.kickoff_time:%Y-%m-%dT%H:%M:%SZ}",
            )
            result.record(
                "Parse", True, f"{launch_plan.project}/{launch_plan.domain}/{launch_plan.name}"
            )
            result.record(
                "DeleteMessageBatch", True, "deleted, as flyteadmin does after processing"
            )
            _report_others(others, result)
            return
    result.waited_seconds = time.monotonic() - started
    result.record("ReceiveMessage", False, f"no scheduled delivery within {timeout_seconds:.0f} s")
    _report_others(others, result)


def _report_others(others: set[str], result: CallSequenceResult) -> None:
    if others:
        result.record(
            "Other events",
            True,
            f"{len(others)} event(s) of other launch plans received and left for flyteadmin "
            "(visible again after the queue's visibility timeout)",
        )


def _ours(body: str, launch_plan: LaunchPlanId) -> ScheduledEvent | None:
    try:
        event = parse_event(body)
    except (ValueError, KeyError):
        return None
    return (
        event
        if event.launch_plan == launch_plan and event.kickoff_time_arg == KICKOFF_ARG
        else None
    )


def _remove_schedule(events: Any, name: str, result: CallSequenceResult) -> None:
    """RemoveTargets then DeleteRule, tolerating ResourceNotFound like flyteadmin."""
    calls: tuple[tuple[str, Callable[[], object]], ...] = (
        ("RemoveTargets", lambda: events.remove_targets(Rule=name, Ids=[name])),
        ("DeleteRule", lambda: events.delete_rule(Name=name)),
    )
    for step, call in calls:
        try:
            call()
            result.record(step, True, name)
        except Exception as error:
            code = getattr(error, "response", {}).get("Error", {}).get("Code", "")
            result.record(step, code == "ResourceNotFoundException", f"{name}: {error}")
