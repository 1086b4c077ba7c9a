"""The schedule event message exactly as flyteadmin writes and reads it (facts §4).

The rule's target carries an InputTransformer whose template holds the launch plan's
``NamedEntityIdentifier`` as base64 protobuf; EventBridge fills in the event time.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import datetime

TIME_PLACEHOLDER = "<time>"
INPUT_PATHS = {"time": "$.time"}
_FIELDS = {1: "project", 2: "domain", 3: "name"}


@dataclass(frozen=True)
class LaunchPlanId:
    """flyteidl ``admin.NamedEntityIdentifier`` (org, field 4, is never set by flyteadmin)."""

    project: str
    domain: str
    name: str

    def to_protobuf(self) -> bytes:
        """Protobuf wire format: fields 1-3 as length-delimited strings, empty ones omitted."""
        out = bytearray()
        for number, attribute in _FIELDS.items():
            value = getattr(self, attribute).encode()
            if value:
                out.append(number << 3 | 2)
                out += _varint(len(value)) + value
        return bytes(out)

    @classmethod
    def from_protobuf(cls, data: bytes) -> LaunchPlanId:
        values = dict.fromkeys(_FIELDS.values(), "")
        position = 0
        while position < len(data):
            key, position = _read_varint(data, position)
            number, wire_type = key >> 3, key & 7
            if wire_type != 2:
                raise ValueError(f"unexpected protobuf wire type {wire_type} for field {number}")
            length, position = _read_varint(data, position)
            value = data[position : position + length]
            if len(value) != length:
                raise ValueError("truncated protobuf field")
            position += length
            if number in _FIELDS:
                values[_FIELDS[number]] = value.decode()
        return cls(**values)


@dataclass(frozen=True)
class ScheduledEvent:
    """A schedule event as flyteadmin's executor decodes it."""

    kickoff_time: datetime
    kickoff_time_arg: str
    launch_plan: LaunchPlanId


def input_template(launch_plan: LaunchPlanId, kickoff_time_arg: str = "") -> str:
    """The target's InputTemplate: JSON with the ``<time>`` placeholder deliberately unquoted.

    Byte for byte what flyteadmin's ``fmt.Sprintf`` writes: the kickoff argument's name is put
    between quotes as it is (raw UTF-8, no escaping), as is the base64 payload.
    """
    payload = base64.b64encode(launch_plan.to_protobuf()).decode()
    return (
        f'{{"time":{TIME_PLACEHOLDER},"kickoff_time_arg":"{kickoff_time_arg}",'
        f'"payload":"{payload}"}}'
    )


def parse_event(body: str) -> ScheduledEvent:
    """Decode a message body as flyteadmin does: JSON, RFC 3339 time, base64 protobuf payload."""
    document = json.loads(body)
    if not isinstance(document, dict):
        raise ValueError("the message is not a JSON object")
    time_text = document.get("time")
    if not isinstance(time_text, str):
        raise ValueError("'time' is not a string")
    kickoff = datetime.fromisoformat(time_text.replace("Z", "+00:00"))
    if kickoff.tzinfo is None:
        raise ValueError("'time' has no time zone (RFC 3339 requires one)")
    payload = base64.b64decode(document.get("payload", ""), validate=True)
    return ScheduledEvent(
        kickoff_time=kickoff,
        kickoff_time_arg=str(document.get("kickoff_time_arg", "")),
        launch_plan=LaunchPlanId.from_protobuf(payload),
    )


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def _read_varint(data: bytes, position: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        if position >= len(data):
            raise ValueError("truncated protobuf varint")
        byte = data[position]
        position += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, position
        shift += 7
