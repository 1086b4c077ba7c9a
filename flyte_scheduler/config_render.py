"""Render flyteadmin's ``scheduler:`` block and Helm values from :class:`SchedulerValues`.

Only the flat keys are emitted: every flyteadmin version reads them, and leaving out the nested
``aws:`` blocks keeps the prefix used for adding rules equal to the one used for removing them
(facts §1.2-1.5).
"""

from __future__ import annotations

import json
from typing import Any

import yaml

from flyte_scheduler.deployed_values import SchedulerValues

FORMATS = ("scheduler", "flyte-core", "flyte-binary", "json")
ROLE_ANNOTATION = "eks.amazonaws.com/role-arn"


def scheduler_block(
    values: SchedulerValues, reconnect_attempts: int, reconnect_delay_seconds: int
) -> dict[str, Any]:
    """The ``scheduler:`` block flyteadmin reads (flat keys, both schemes ``aws``)."""
    return {
        "reconnectAttempts": reconnect_attempts,
        "reconnectDelaySeconds": reconnect_delay_seconds,
        "eventScheduler": {
            "scheme": "aws",
            "region": values.region,
            "scheduleRole": values.schedule_role_arn,
            "targetName": values.queue_arn,
            "scheduleNamePrefix": values.prefix,
        },
        "workflowExecutor": {
            "scheme": "aws",
            "region": values.region,
            "scheduleQueueName": values.queue_name,
            "accountId": values.account,
        },
    }


def config_document(values: SchedulerValues, block: dict[str, Any], fmt: str) -> dict[str, Any]:
    """The whole document of one format around the scheduler block."""
    annotations = (
        {"annotations": {ROLE_ANNOTATION: values.flyteadmin_role_arn}}
        if values.flyteadmin_role_arn
        else None
    )
    if fmt in ("scheduler", "json"):
        return {"scheduler": block}
    if fmt == "flyte-core":
        document: dict[str, Any] = {
            "workflow_scheduler": {"enabled": True, "type": "aws", "config": {"scheduler": block}}
        }
        if annotations:
            document["flyteadmin"] = {"serviceAccount": annotations}
        return document
    if fmt == "flyte-binary":
        # The single binary starts the native scheduler unless this is set (cmd/single/start.go).
        document = {
            "flyte-core-components": {"admin": {"disableScheduler": True}},
            "configuration": {"inline": {"scheduler": block}},
        }
        if annotations:
            document["serviceAccount"] = annotations
        return document
    raise ValueError(f"unknown format {fmt!r}; one of {', '.join(FORMATS)}")


def render(document: dict[str, Any], fmt: str, header: str) -> str:
    """Text of the document: JSON, or YAML in key order under a comment header."""
    if fmt == "json":
        return json.dumps(document, indent=2) + "\n"
    comment = "".join(f"# {line}\n" for line in header.splitlines())
    return comment + yaml.safe_dump(document, sort_keys=False, default_flow_style=False)
