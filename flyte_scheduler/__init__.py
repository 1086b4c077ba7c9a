"""Pure-Python core of flyte-scheduler-infra.

Settings and their validation, resource naming, flyteadmin config rendering and the CLI.
Nothing here imports ``aws_cdk`` or ``jsii``: config generation stays fast and offline.
"""

__version__ = "0.1.0"
