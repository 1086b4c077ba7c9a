"""AWS region names (commercial, China and GovCloud partitions) and their partitions."""

from __future__ import annotations

COMMERCIAL_REGIONS = frozenset(
    {
        "af-south-1",
        "ap-east-1",
        "ap-east-2",
        "ap-northeast-1",
        "ap-northeast-2",
        "ap-northeast-3",
        "ap-south-1",
        "ap-south-2",
        "ap-southeast-1",
        "ap-southeast-2",
        "ap-southeast-3",
        "ap-southeast-4",
        "ap-southeast-5",
        "ap-southeast-6",
        "ap-southeast-7",
        "ca-central-1",
        "ca-west-1",
        "eu-central-1",
        "eu-central-2",
        "eu-north-1",
        "eu-south-1",
        "eu-south-2",
        "eu-west-1",
        "eu-west-2",
        "eu-west-3",
        "il-central-1",
        "me-central-1",
        "me-south-1",
        "mx-central-1",
        "sa-east-1",
        "us-east-1",
        "us-east-2",
        "us-west-1",
        "us-west-2",
    }
)
CHINA_REGIONS = frozenset({"cn-north-1", "cn-northwest-1"})
GOVCLOUD_REGIONS = frozenset({"us-gov-east-1", "us-gov-west-1"})
ALL_REGIONS = COMMERCIAL_REGIONS | CHINA_REGIONS | GOVCLOUD_REGIONS


def partition_of(region: str) -> str:
    """The ARN partition (``aws``, ``aws-cn`` or ``aws-us-gov``) a region belongs to."""
    if region in CHINA_REGIONS:
        return "aws-cn"
    if region in GOVCLOUD_REGIONS:
        return "aws-us-gov"
    return "aws"


def url_suffix_of(region: str) -> str:
    """The DNS suffix of a region's service endpoints."""
    return "amazonaws.com.cn" if region in CHINA_REGIONS else "amazonaws.com"
