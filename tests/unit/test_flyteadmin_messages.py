"""The schedule message as flyteadmin writes and reads it (facts §4; flyteadmin's test vectors)."""

from __future__ import annotations

import json
import re
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


IDENTIFIERS = [
    ("flytesnacks", "production", "my_wf_daily"),
    ("p", "", "n"),  # proto3 omits an empty string: flyteadmin's bytes have no field 2
    ("", "", ""),
    ("ml", "staging", "é" * 200),  # multi-byte length varint
]


@pytest.mark.parametrize(("project", "domain", "name"), IDENTIFIERS)
def test_payload_bytes_equal_flyteidls_own_serialization(
    project: str, domain: str, name: str
) -> None:
    from flyteidl.admin.common_pb2 import NamedEntityIdentifier

    real = NamedEntityIdentifier(project=project, domain=domain, name=name).SerializeToString()
    assert LaunchPlanId(project, domain, name).to_protobuf() == real
    assert LaunchPlanId.from_protobuf(real) == LaunchPlanId(project, domain, name)


def test_a_field_of_another_wire_type_is_refused() -> None:
    # field 1 as a varint (wire type 0), which NamedEntityIdentifier never carries
    with pytest.raises(ValueError, match="unexpected protobuf wire type 0 for field 1"):
        LaunchPlanId.from_protobuf(b"\x08\x01")


def test_unknown_fields_are_skipped_like_protobuf_does() -> None:
    from flyteidl.admin.common_pb2 import NamedEntityIdentifier

    with_org = NamedEntityIdentifier(
        project="p", domain="d", name="n", org="acme"
    ).SerializeToString()
    assert LaunchPlanId.from_protobuf(with_org) == LaunchPlanId("p", "d", "n")


@pytest.mark.parametrize(
    ("body", "why"),
    [
        ("[]", "the message is not a JSON object"),
        ('{"payload": ""}', "'time' is not a string"),
        ('{"time": 5}', "'time' is not a string"),
        ('{"time": "2026-01-01T10:00:00"}', "'time' has no time zone (RFC 3339 requires one)"),
        ('{"time": "yesterday"}', "Invalid isoformat string"),
        ('{"time": "2026-01-01T10:00:00Z", "payload": "not base64!"}', "Only base64 data"),
    ],
)
def test_each_poison_body_says_why(body: str, why: str) -> None:
    with pytest.raises(ValueError, match=re.escape(why)):
        parse_event(body)


def test_a_body_without_kickoff_or_payload_names_an_empty_launch_plan() -> None:
    event = parse_event('{"time": "2026-01-01T10:00:00Z"}')
    assert (event.kickoff_time_arg, event.launch_plan) == ("", LaunchPlanId("", "", ""))
    assert event.kickoff_time == datetime(2026, 1, 1, 10, tzinfo=UTC)
