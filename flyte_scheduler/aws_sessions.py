"""One boto3 session per environment, from its ``aws:`` settings, for the live commands.

``aws.profile`` names a profile of the shared AWS config (boto3's own profile handling);
``aws.role_arn`` (with ``external_id``) is assumed with STS from that profile or the standard
environment. Neither set: the standard AWS environment and credential chain, as before. Every
client retries throttling with botocore's adaptive mode, so a fleet run slows down instead of
failing, and counts its API calls for ``--verbose``.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from typing import Any

from flyte_scheduler.options import EnvironmentSettings

SESSION_NAME = "flyte-scheduler"
DEFAULT_ATTEMPTS = 10


@dataclass
class CallCounter:
    """API calls made through a session, by ``service.Operation`` (thread-safe)."""

    calls: dict[str, int] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, model: Any, **_: Any) -> None:
        name = f"{model.service_model.service_name}.{model.name}"
        with self._lock:
            self.calls[name] = self.calls.get(name, 0) + 1

    @property
    def total(self) -> int:
        return sum(self.calls.values())


def retries() -> dict[str, Any]:
    """Adaptive retries, unless the standard AWS_RETRY_MODE / AWS_MAX_ATTEMPTS say otherwise."""
    attempts = os.environ.get("AWS_MAX_ATTEMPTS", "")
    return {
        "mode": os.environ.get("AWS_RETRY_MODE") or "adaptive",
        "max_attempts": int(attempts) if attempts.isdigit() else DEFAULT_ATTEMPTS,
    }


class EnvironmentSession:
    """A boto3 session for one environment: clients with adaptive retries, calls counted."""

    def __init__(self, env: EnvironmentSettings) -> None:
        import boto3  # live paths only

        self.env = env
        self.counter = CallCounter()
        base = boto3.session.Session(profile_name=env.aws.profile)
        self._count(base)
        if env.aws.role_arn:
            base = self._assumed(base)
        self.session = base

    def _assumed(self, base: Any) -> Any:
        import boto3

        request = {"RoleArn": self.env.aws.role_arn, "RoleSessionName": SESSION_NAME}
        if self.env.aws.external_id:
            request["ExternalId"] = self.env.aws.external_id
        credentials = self._client(base, "sts").assume_role(**request)["Credentials"]
        assumed = boto3.session.Session(
            aws_access_key_id=credentials["AccessKeyId"],
            aws_secret_access_key=credentials["SecretAccessKey"],
            aws_session_token=credentials["SessionToken"],
        )
        self._count(assumed)
        return assumed

    def _count(self, session: Any) -> None:
        session.events.register("before-call", self.counter.record)

    def _client(self, session: Any, service: str) -> Any:
        from botocore.config import Config

        return session.client(
            service, region_name=self.env.region, config=Config(retries=retries())
        )

    def client(self, service: str, region_name: str | None = None) -> Any:
        """A client in the environment's region (``region_name`` is accepted, as boto3 callers
        pass it, and ignored: an environment has one region)."""
        return self._client(self.session, service)
