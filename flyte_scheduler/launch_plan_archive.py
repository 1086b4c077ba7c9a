"""The launch plans of a ``pyflyte package`` archive, or of a folder of serialized ``.pb`` files.

flytekit writes each launch plan as ``<index>_<name>_3.pb`` holding a
``flyteidl.admin.launch_plan_pb2.LaunchPlan``. They are decoded with Flyte's own IDL package
(``flyteidl``, pinned), imported only here, so that ``config`` never pays for it. The archive is
read in memory, member by member, with the same kind of caps as every other input: nothing is
extracted to disk.
"""

from __future__ import annotations

import io
import tarfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flyte_scheduler import files
from flyte_scheduler.launch_plan_schedules import UNITS, LaunchPlanSchedule

LAUNCH_PLAN_SUFFIX = "_3.pb"
"""flytekit's serialize_helpers names launch plans ``{index}_{name}_3.pb``."""
MAX_ARCHIVE_BYTES = 100_000_000
MAX_MEMBER_BYTES = 10_000_000
MAX_MEMBERS = 20_000


@dataclass(frozen=True)
class LaunchPlan:
    """A serialized launch plan's name and schedule (``None`` when it has none)."""

    name: str
    source: str
    schedule: LaunchPlanSchedule | None


def read_launch_plans(path: str | Path) -> list[LaunchPlan]:
    """Every launch plan in an archive or folder, in file order. Raises files.InputError."""
    where = files.shown(path)
    if Path(path).is_dir():
        blobs = [
            (str(member), files.read_bytes(member, what="launch plan", max_bytes=MAX_MEMBER_BYTES))
            for member in sorted(Path(path).iterdir())
            if member.name.endswith(LAUNCH_PLAN_SUFFIX)
        ]
    else:
        blobs = _archive_members(path, where)
    return [_decode(source, blob) for source, blob in blobs]


def _archive_members(path: str | Path, where: str) -> list[tuple[str, bytes]]:
    data = files.read_bytes(path, what="package archive", max_bytes=MAX_ARCHIVE_BYTES)
    blobs: list[tuple[str, bytes]] = []
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:*") as archive:
            for count, member in enumerate(archive):
                if count >= MAX_MEMBERS:
                    raise files.InputError(where, f"more than {MAX_MEMBERS} archive members")
                name = Path(member.name).name
                if not member.isreg() or not name.endswith(LAUNCH_PLAN_SUFFIX):
                    continue
                if member.size > MAX_MEMBER_BYTES:
                    raise files.InputError(
                        where, f"{member.name} is larger than {MAX_MEMBER_BYTES} bytes"
                    )
                stream = archive.extractfile(member)
                if stream is not None:
                    blobs.append((f"{where}:{member.name}", stream.read(MAX_MEMBER_BYTES + 1)))
    except files.InputError:
        raise
    except (tarfile.TarError, EOFError, OSError, ValueError) as error:
        raise files.InputError(where, f"not a readable pyflyte package archive ({error})") from None
    return sorted(blobs, key=lambda blob: _index(blob[0]))


def _index(source: str) -> tuple[int, str]:
    """flytekit's file order: the leading index of ``<index>_<name>_3.pb``."""
    head = Path(source.rsplit(":", 1)[-1]).name.split("_", 1)[0]
    return (int(head) if head.isdigit() else -1, source)


def _decode(source: str, blob: bytes) -> LaunchPlan:
    from flyteidl.admin import launch_plan_pb2
    from google.protobuf.message import DecodeError

    plan = launch_plan_pb2.LaunchPlan()
    try:
        plan.ParseFromString(blob)
    except (DecodeError, RecursionError, ValueError) as error:
        raise files.InputError(source, f"not a serialized LaunchPlan ({error})") from None
    metadata = plan.spec.entity_metadata
    schedule = _schedule(metadata.schedule) if metadata.HasField("schedule") else None
    return LaunchPlan(plan.id.name, source, schedule)


def _schedule(message: Any) -> LaunchPlanSchedule:
    """The admin.Schedule oneof as our pure model."""
    kind = message.WhichOneof("ScheduleExpression")
    kickoff = message.kickoff_time_input_arg
    if kind == "rate":
        unit = UNITS[message.rate.unit] if message.rate.unit < len(UNITS) else "minute"
        return LaunchPlanSchedule(
            "rate", rate_value=message.rate.value, rate_unit=unit, kickoff_arg=kickoff
        )
    if kind == "cron_schedule":
        return LaunchPlanSchedule(
            "cron_schedule", message.cron_schedule.schedule, kickoff_arg=kickoff
        )
    if kind == "cron_expression":
        return LaunchPlanSchedule("cron_expression", message.cron_expression, kickoff_arg=kickoff)
    return LaunchPlanSchedule("rate", rate_value=0, kickoff_arg=kickoff)  # an empty Schedule
