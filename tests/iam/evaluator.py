"""A long-running real IAM policy evaluator (@cloud-copilot/iam-simulate under Node) for tests."""

from __future__ import annotations

import itertools
import json
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SERVER = Path(__file__).with_name("evaluate.mjs")
ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Request:
    """One API request and the policies that decide it."""

    principal: str
    action: str
    resource: str
    context: dict[str, str | list[str]] = field(default_factory=dict)
    identity_policies: tuple[dict[str, Any], ...] = ()
    resource_policy: dict[str, Any] | None = None

    def simulation(self) -> dict[str, Any]:
        resource_account = self.resource.split(":")[4] or _account_of(self.principal)
        simulation: dict[str, Any] = {
            "request": {
                "principal": self.principal,
                "action": self.action,
                "resource": {"resource": self.resource, "accountId": resource_account},
                "contextVariables": self.context,
            },
            "identityPolicies": [
                {"name": f"identity{index}", "policy": policy}
                for index, policy in enumerate(self.identity_policies)
            ],
            "serviceControlPolicies": [],
            "resourceControlPolicies": [],
        }
        if self.resource_policy is not None:
            simulation["resourcePolicy"] = self.resource_policy
        return simulation


@dataclass(frozen=True)
class Decision:
    decision: str
    why: Any

    @property
    def allowed(self) -> bool:
        return self.decision == "Allowed"


def _account_of(principal: str) -> str:
    parts = principal.split(":")
    return parts[4] if len(parts) > 4 else ""


class PolicyEvaluator:
    """Sends requests to one Node process; about a millisecond per decision."""

    def __init__(self) -> None:
        self._process = subprocess.Popen(
            ["node", str(SERVER)],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self._ids = itertools.count()

    def evaluate(self, request: Request) -> Decision:
        assert self._process.stdin and self._process.stdout
        request_id = next(self._ids)
        line = json.dumps({"id": request_id, "simulation": request.simulation()})
        self._process.stdin.write(line + "\n")
        self._process.stdin.flush()
        answer = json.loads(self._process.stdout.readline())
        assert answer["id"] == request_id
        if answer["decision"] == "Error":
            raise ValueError(f"the evaluator refused the request: {answer['why']}")
        return Decision(answer["decision"], answer["why"])

    def close(self) -> None:
        if self._process.stdin:
            self._process.stdin.close()
        self._process.wait(timeout=10)
