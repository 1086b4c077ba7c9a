"""The schedule message as flyteadmin writes and reads it (facts §4; flyteadmin's test vectors)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from flyte_scheduler.flyteadmin_messages import LaunchPlanId, input_template, parse_event

UPSTREAM = LaunchPlanId("project", "domain", "name")


def test_input_template_matches_flyteadmins_serialization() -> None:
    assert input_template(UPSTREAM, "kickoff time arg") == (
        '{"time":<time>,"kickoff_time_arg":"kickoff time arg","payload":"Cgdwcm9qZWN0EgZkb21haW4aBG5hbWU="}'
    )
    assert '"kickoff_time_arg":""' in input_template(UPSTREAM)


def test_the_template_becomes_valid_json_once_eventbridge_fills_in_the_time() -> None:
    body = input_template(UPSTREAM, "t").replace("<time>", '"2026-01-01T10:00:00Z"')
    assert json.loads(body)["time"] == "2026-01-01T10:00:00Z"


def test_parse_the_upstream_message() -> None:
    body = '{"time":"2017-12-22T18:43:48Z","kickoff_time_arg":"kickoff time arg","payload":"Cgdwcm9qZWN0EgZkb21haW4aBG5hbWU="}'
    event = parse_event(body)
    assert event.launch_plan == UPSTREAM
    assert event.kickoff_time == datetime(2017, 12, 22, 18, 43, 48, tzinfo=UTC)
    assert event.kickoff_time_arg == "kickoff time arg"


def test_the_facts_example_round_trips() -> None:
    launch_plan = LaunchPlanId("flytesnacks", "production", "my_wf_daily")
    body = input_template(launch_plan, "kickoff_time").replace("<time>", '"2026-01-01T10:00:00Z"')
    assert json.loads(body)["payload"] == "CgtmbHl0ZXNuYWNrcxIKcHJvZHVjdGlvbhoLbXlfd2ZfZGFpbHk="
    assert parse_event(body).launch_plan == launch_plan


def test_long_and_unicode_names_use_multi_byte_varints() -> None:
    launch_plan = LaunchPlanId("p" * 200, "dömain", "n")
    assert LaunchPlanId.from_protobuf(launch_plan.to_protobuf()) == launch_plan


@pytest.mark.parametrize(
    "body",
    [
        "not json",
        '["a list"]',
        '{"time":12,"payload":""}',
        '{"time":"2026-01-01 10:00:00","payload":""}',
        '{"time":"2026-01-01T10:00:00Z","payload":"%%%"}',
        '{"time":"2026-01-01T10:00:00Z","payload":"CAE="}',
    ],
)
def test_poison_bodies_are_rejected(body: str) -> None:
    with pytest.raises(ValueError):
        parse_event(body)
