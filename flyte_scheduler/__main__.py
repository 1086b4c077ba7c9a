"""``python -m flyte_scheduler``: the same CLI as ``flyte-scheduler``."""

from flyte_scheduler.cli import main

raise SystemExit(main())
