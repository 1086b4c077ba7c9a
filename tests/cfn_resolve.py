"""Resolve a synthesized template's intrinsic functions to the strings CloudFormation would produce.

Only what our templates use: ``Ref`` (pseudo parameters and resources), ``Fn::GetAtt`` (``Arn``,
``QueueName``) and ``Fn::Join``. Physical names come from the resources' own name properties; a
KMS key id, which CloudFormation generates, is a fixed stand-in derived from its logical id.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from flyte_scheduler.regions import partition_of, url_suffix_of


class TemplateResolver:
    """Resolves values of one template deployed to ``account`` and ``region``."""

    def __init__(self, template: Mapping[str, Any], account: str, region: str) -> None:
        self.resources: dict[str, Any] = template["Resources"]
        self.outputs: dict[str, Any] = template.get("Outputs", {})
        self.account, self.region = account, region
        self.partition = partition_of(region)

    def resolve(self, value: Any) -> Any:
        """``value`` with every intrinsic function replaced by its string."""
        if isinstance(value, list):
            return [self.resolve(item) for item in value]
        if not isinstance(value, dict):
            return value
        if "Ref" in value:
            return self._ref(value["Ref"])
        if "Fn::GetAtt" in value:
            logical_id, attribute = value["Fn::GetAtt"]
            return self._get_att(logical_id, attribute)
        if "Fn::Join" in value:
            separator, parts = value["Fn::Join"]
            return separator.join(str(self.resolve(part)) for part in parts)
        return {key: self.resolve(item) for key, item in value.items()}

    def resolved_outputs(self) -> dict[str, str]:
        """Every stack output's value, as ``describe_stacks`` would report it."""
        return {key: str(self.resolve(output["Value"])) for key, output in self.outputs.items()}

    def _arn(self, service: str, region: str, resource: str) -> str:
        return f"arn:{self.partition}:{service}:{region}:{self.account}:{resource}"

    def _ref(self, name: str) -> str:
        pseudo = {
            "AWS::Partition": self.partition,
            "AWS::Region": self.region,
            "AWS::AccountId": self.account,
            "AWS::URLSuffix": url_suffix_of(self.region),
        }
        if name in pseudo:
            return pseudo[name]
        resource = self.resources[name]
        properties = resource.get("Properties", {})
        kind = resource["Type"]
        if kind == "AWS::SQS::Queue":
            host = f"sqs.{self.region}.{url_suffix_of(self.region)}"
            return f"https://{host}/{self.account}/{properties['QueueName']}"
        if kind == "AWS::IAM::Role":
            return str(properties["RoleName"])
        if kind == "AWS::IAM::ManagedPolicy":
            path = properties.get("Path", "/")
            return self._arn("iam", "", f"policy{path}{properties['ManagedPolicyName']}")
        if kind == "AWS::SNS::Topic":
            return self._arn("sns", self.region, properties["TopicName"])
        if kind == "AWS::KMS::Key":
            return self._key_id(name)
        raise KeyError(f"no Ref rule for {kind} ({name})")

    def _get_att(self, logical_id: str, attribute: str) -> str:
        resource = self.resources[logical_id]
        properties = resource.get("Properties", {})
        kind = resource["Type"]
        if kind == "AWS::SQS::Queue":
            name = properties["QueueName"]
            return name if attribute == "QueueName" else self._arn("sqs", self.region, name)
        if kind == "AWS::IAM::Role" and attribute == "Arn":
            return self._arn(
                "iam", "", f"role{properties.get('Path', '/')}{properties['RoleName']}"
            )
        if kind == "AWS::KMS::Key" and attribute == "Arn":
            return self._arn("kms", self.region, f"key/{self._key_id(logical_id)}")
        if kind == "AWS::SNS::Topic" and attribute == "TopicArn":
            return self._arn("sns", self.region, properties["TopicName"])
        raise KeyError(f"no GetAtt rule for {kind}.{attribute} ({logical_id})")

    @staticmethod
    def _key_id(logical_id: str) -> str:
        return str(uuid.uuid5(uuid.NAMESPACE_URL, logical_id))
