#!/usr/bin/env python3
"""CDK app: one ``FlyteScheduler-<env>`` stack per environment of the settings file.

Context: ``-c settings=PATH`` (default ``flyte-scheduler.yaml``), ``-c env=NAME`` (one environment),
``-c compliance=false`` (skip the cdk-nag packs for a faster synth; the tests always run them).
Invalid settings print every problem and exit 2 before the CDK starts, so nothing is written.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any

from flyte_scheduler.options import EnvironmentSettings
from flyte_scheduler.problems import SettingsError
from flyte_scheduler.settings import DEFAULT_SETTINGS_FILE, load_settings


def selected_environments(context: dict[str, Any]) -> list[EnvironmentSettings]:
    """The validated environments the context asks for."""
    settings = load_settings(context.get("settings") or DEFAULT_SETTINGS_FILE)
    return settings.select(context.get("env"))


def main() -> None:
    # The CDK CLI passes -c values and cdk.json's context in CDK_CONTEXT_JSON.
    context = json.loads(os.environ.get("CDK_CONTEXT_JSON") or "{}")
    try:
        environments = selected_environments(context)
    except SettingsError as error:
        print(error, file=sys.stderr)
        sys.exit(2)

    import aws_cdk as cdk

    from stacks.scheduler_stack import FlyteSchedulerStack

    app = cdk.App()
    for environment in environments:
        FlyteSchedulerStack(app, settings=environment)
    if str(context.get("compliance", "true")).lower() != "false":
        from stacks.compliance import add_compliance_checks

        add_compliance_checks(app)
    app.synth()


if __name__ == "__main__":
    main()
