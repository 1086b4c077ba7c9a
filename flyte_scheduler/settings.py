"""The settings file (``flyte-scheduler.yaml``): read, parse, validate, all problems at once.

The CDK app and the CLI both call :func:`load_settings`; neither ever sees invalid settings.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar, cast

import yaml

from flyte_scheduler import files, naming
from flyte_scheduler.options import (
    EXTERNAL_ID_PATTERN,
    KMS_KEY_ARN_PATTERN,
    PROFILE_PATTERN,
    QUALIFIER_PATTERN,
    ROLE_ARN_PATTERN,
    SYNTHESIZERS,
    AdoptOptions,
    AlarmOptions,
    AwsAccess,
    EnvironmentSettings,
    IamOptions,
    IdentityOptions,
    QueueOptions,
    SchedulerOptions,
    check_options,
)
from flyte_scheduler.problems import MISSING, Problem, SettingsError
from flyte_scheduler.regions import ALL_REGIONS

DEFAULT_SETTINGS_FILE = "flyte-scheduler.yaml"
MAX_FILE_BYTES = 1_000_000
ENV_NAME_PATTERN = re.compile(r"[A-Za-z][A-Za-z0-9-]{0,63}")
ACCOUNT_PATTERN = re.compile(r"\d{12}")
TAG_KEY_MAX, TAG_VALUE_MAX = 128, 256
RECONNECT_ATTEMPTS_MAX, RECONNECT_DELAY_MAX = 100, 3_600

T = TypeVar("T")


@dataclass(frozen=True)
class Settings:
    """All environments of a settings file, by name, in file order."""

    environments: Mapping[str, EnvironmentSettings]
    source: str

    def select(self, name: str | None) -> list[EnvironmentSettings]:
        """One named environment, or all of them when ``name`` is None."""
        if name is None:
            return list(self.environments.values())
        if name not in self.environments:
            known = ", ".join(self.environments) or "(none)"
            raise SettingsError(
                [Problem("environments", name, f"no such environment; known: {known}")],
                self.source,
            )
        return [self.environments[name]]


def load_settings(path: str | Path) -> Settings:
    """Read and validate a settings file; raise :class:`SettingsError` listing every problem."""
    source = files.shown(path)
    try:
        text = files.read_text(path, what="settings file", max_bytes=MAX_FILE_BYTES)
    except files.InputError as error:
        raise SettingsError([Problem("(file)", source, error.reason)], source) from None
    return parse_settings(text, source)


def parse_settings(text: str, source: str = "settings") -> Settings:
    """Parse and validate settings YAML text."""
    try:
        document = files.parse_bounded(
            lambda t: yaml.load(t, Loader=_StrictLoader), text, "settings file"
        )
    except files.InputError as error:
        raise SettingsError([Problem("(file)", source, error.reason)], source) from None
    except yaml.YAMLError as error:
        problem = getattr(error, "problem", None) or str(error)
        rule = f"must be valid YAML without anchors or duplicate keys: {problem}"
        raise SettingsError([Problem("(file)", _yaml_where(error), rule)], source) from None
    problems: list[Problem] = []
    environments = _parse_document(document, problems)
    problems += _check_across_environments(list(environments.values()))
    if problems:
        raise SettingsError(problems, source)
    return Settings(environments, source)


class _StrictLoader(files.BoundedSafeLoader):
    """Safe YAML without anchors/aliases (no alias bombs) and without duplicate keys."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()  # type: ignore[no-untyped-call]
            raise yaml.composer.ComposerError(
                None, None, "anchors and aliases are not allowed", event.start_mark
            )
        return super().compose_node(parent, index)

    def construct_mapping(self, node: Any, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            if isinstance(key, (list, dict)) or key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate or unhashable key {key!r}", key_node.start_mark
                )
            seen.add(key)
        return cast(dict[Any, Any], super().construct_mapping(node, deep))


def _yaml_where(error: yaml.YAMLError) -> str:
    mark = getattr(error, "problem_mark", None)
    return f"line {mark.line + 1}, column {mark.column + 1}" if mark else "(unparsable)"


class _Section:
    """A mapping being read: typed getters that record problems instead of raising."""

    def __init__(self, raw: object, path: str, problems: list[Problem], env: str | None) -> None:
        self.path, self.problems, self.env = path, problems, env
        self.raw: dict[Any, Any] = {}
        if isinstance(raw, dict):
            self.raw = raw
        elif raw is not None:
            self.fail("", raw, "must be a mapping")
        self.used: set[str] = set()

    def fail(self, key: str, value: object, rule: str) -> None:
        field = ".".join(part for part in (self.path, key) if part) or "(top level)"
        self.problems.append(Problem(field, value, rule, self.env))

    def _take(self, key: str, default: T, check: Callable[[object], bool], rule: str) -> T:
        self.used.add(key)
        if key not in self.raw:
            if default is MISSING:
                self.fail(key, MISSING, f"required; {rule}")
            return default
        value = self.raw[key]
        if not check(value):
            self.fail(key, value, rule)
            return default
        return cast(T, value)

    def text(self, key: str, default: Any = MISSING, rule: str = "must be a string") -> Any:
        return self._take(key, default, lambda v: isinstance(v, str), rule)

    def optional_text(self, key: str) -> str | None:
        value: str | None = self._take(
            key, None, lambda v: v is None or isinstance(v, str), "must be a string"
        )
        return value

    def integer(self, key: str, default: int) -> int:
        return self._take(
            key, default, lambda v: type(v) is int, "must be a whole number (no quotes, no unit)"
        )

    def boolean(self, key: str, default: bool) -> bool:
        return self._take(key, default, lambda v: type(v) is bool, "must be true or false")

    def optional_boolean(self, key: str) -> bool | None:
        value: bool | None = self._take(
            key, None, lambda v: v is None or type(v) is bool, "must be true or false"
        )
        return value

    def texts(self, key: str) -> tuple[str, ...]:
        values: list[str] = self._take(
            key,
            [],
            lambda v: isinstance(v, list) and all(isinstance(x, str) for x in v),
            "must be a list of strings",
        )
        return tuple(values)

    def section(self, key: str) -> _Section:
        self.used.add(key)
        path = f"{self.path}.{key}" if self.path else key
        return _Section(self.raw.get(key), path, self.problems, self.env)

    def finish(self) -> None:
        for key in self.raw:
            if key not in self.used:
                known = ", ".join(sorted(self.used))
                self.fail(str(key), self.raw[key], f"unknown key; known keys here: {known}")


def _parse_document(document: object, problems: list[Problem]) -> dict[str, EnvironmentSettings]:
    top = _Section(document, "", problems, None)
    if document is None:
        top.fail("", None, "the file is empty; it needs an 'environments:' mapping")
        return {}
    envs_raw = top.raw.get("environments")
    top.used.add("environments")
    top.finish()
    if not isinstance(envs_raw, dict) or not envs_raw:
        top.fail(
            "environments",
            MISSING if envs_raw is None else envs_raw,
            "required: a mapping of environment name to settings",
        )
        return {}
    environments: dict[str, EnvironmentSettings] = {}
    for name, raw in envs_raw.items():
        if not isinstance(name, str) or not ENV_NAME_PATTERN.fullmatch(name):
            problems.append(
                Problem(
                    "environments",
                    name,
                    "environment names are 1-64 ASCII letters, digits and '-', starting with a "
                    "letter (they become stack names FlyteScheduler-<env>)",
                )
            )
            continue
        env = _parse_environment(name, raw, problems)
        if env is not None:
            environments[name] = env
    return environments


def _parse_environment(
    name: str, raw: object, problems: list[Problem]
) -> EnvironmentSettings | None:
    before = len(problems)
    top = _Section(raw, "", problems, name)
    if raw is None:
        top.fail("", None, "must be a mapping with at least account, region, schedule_name_prefix")
        return None
    account = top.text("account", rule="must be a quoted string of 12 digits, e.g. '123456789012'")
    region = top.text("region", rule="must be an AWS region name such as us-east-1")
    prefix = top.text("schedule_name_prefix", rule="must be a string (1-43 chars, A-Za-z0-9._-)")
    options = SchedulerOptions(
        schedule_name_prefix=prefix if isinstance(prefix, str) else "",
        queue=_parse_queue(top.section("queue")),
        encryption=top.text("encryption", "sqs-managed"),
        kms_key_arn=top.optional_text("kms_key_arn"),
        iam=_parse_iam(top.section("iam")),
        adopt=_parse_adopt(top.section("adopt")),
        schedule_role_name=top.optional_text("schedule_role_name"),
        flyteadmin=_parse_identity(top.section("flyteadmin")),
        alarms=_parse_alarms(top.section("alarms")),
        removal_policy=top.text("removal_policy", "retain"),
    )
    cdk = top.section("cdk")
    qualifier = cdk.optional_text("qualifier")
    synthesizer = cdk.text("synthesizer", "default")
    cdk.finish()
    protection = top.optional_boolean("termination_protection")
    access = _parse_aws(top.section("aws"), account)
    reconnect_attempts = top.integer("reconnect_attempts", 10)
    reconnect_delay = top.integer("reconnect_delay_seconds", 30)
    tags = _parse_tags(top.section("tags"))
    top.finish()
    if isinstance(account, str) and not ACCOUNT_PATTERN.fullmatch(account):
        top.fail("account", account, "must be exactly 12 digits")
    if isinstance(region, str) and region not in ALL_REGIONS:
        top.fail("region", region, "must be an AWS region name such as us-east-1")
    if not 0 <= reconnect_attempts <= RECONNECT_ATTEMPTS_MAX:
        top.fail("reconnect_attempts", reconnect_attempts, f"from 0 to {RECONNECT_ATTEMPTS_MAX}")
    if not 0 <= reconnect_delay <= RECONNECT_DELAY_MAX:
        top.fail("reconnect_delay_seconds", reconnect_delay, f"from 0 to {RECONNECT_DELAY_MAX}")
    if isinstance(prefix, str):
        problems += [problem.within(name) for problem in check_options(options)]
    for index, arn in enumerate(options.queue.redrive_role_arns):
        match = ROLE_ARN_PATTERN.fullmatch(arn)
        if match and isinstance(account, str) and match.group(2) != account:
            top.fail(
                f"queue.redrive_role_arns[{index}]",
                arn,
                f"must be a role of the environment's account {account} (the queue policy "
                "exempts same-account roles only)",
            )
    if qualifier is not None and not QUALIFIER_PATTERN.fullmatch(qualifier):
        cdk.fail(
            "qualifier", qualifier, "a CDK bootstrap qualifier: 1-10 lower-case letters and digits"
        )
    if synthesizer not in SYNTHESIZERS:
        cdk.fail("synthesizer", synthesizer, f"must be one of {', '.join(SYNTHESIZERS)}")
    key = KMS_KEY_ARN_PATTERN.fullmatch(options.kms_key_arn or "")
    if key and isinstance(region, str) and key.group(2) != region:
        top.fail(
            "kms_key_arn",
            options.kms_key_arn,
            f"must be a key in the environment's region {region} (SQS uses keys of its region)",
        )
    if len(problems) > before:
        return None
    return EnvironmentSettings(
        name=name,
        account=account,
        region=region,
        options=options,
        reconnect_attempts=reconnect_attempts,
        reconnect_delay_seconds=reconnect_delay,
        tags=tags,
        cdk_qualifier=qualifier,
        cdk_synthesizer=synthesizer,
        termination_protection=protection,
        aws=access,
    )


def _parse_aws(section: _Section, account: object) -> AwsAccess:
    access = AwsAccess(
        profile=section.optional_text("profile"),
        role_arn=section.optional_text("role_arn"),
        external_id=section.optional_text("external_id"),
    )
    section.finish()
    if access.profile is not None and not PROFILE_PATTERN.fullmatch(access.profile):
        section.fail("profile", access.profile, "a profile name of the shared AWS config")
    role = ROLE_ARN_PATTERN.fullmatch(access.role_arn or "")
    if access.role_arn is not None and (role is None or "*" in access.role_arn):
        section.fail(
            "role_arn", access.role_arn, "an IAM role ARN, arn:aws:iam::<account>:role/<name>"
        )
    elif role and isinstance(account, str) and role.group(2) != account:
        section.fail(
            "role_arn",
            access.role_arn,
            f"must be a role of the environment's account {account} (the checks read that account)",
        )
    if access.external_id is not None:
        if access.role_arn is None:
            section.fail("external_id", access.external_id, "only with role_arn")
        elif not EXTERNAL_ID_PATTERN.fullmatch(access.external_id):
            section.fail(
                "external_id",
                access.external_id,
                "2-1224 characters of letters, digits and +=,.@:/-",
            )
    return access


def _parse_adopt(section: _Section) -> AdoptOptions:
    adopt = AdoptOptions(
        queue=section.boolean("queue", False),
        dead_letter_queue=section.boolean("dead_letter_queue", False),
        schedule_role=section.boolean("schedule_role", False),
    )
    section.finish()
    return adopt


def _parse_iam(section: _Section) -> IamOptions:
    iam = IamOptions(
        path=section.text("path", IamOptions().path),
        permissions_boundary=section.optional_text("permissions_boundary"),
    )
    section.finish()
    return iam


def _parse_queue(section: _Section) -> QueueOptions:
    defaults = QueueOptions()
    queue = QueueOptions(
        name=section.optional_text("name"),
        message_retention_seconds=section.integer(
            "message_retention_seconds", defaults.message_retention_seconds
        ),
        visibility_timeout_seconds=section.integer(
            "visibility_timeout_seconds", defaults.visibility_timeout_seconds
        ),
        max_receive_count=section.integer("max_receive_count", defaults.max_receive_count),
        redrive_role_arns=section.texts("redrive_role_arns"),
    )
    section.finish()
    return queue


def _parse_identity(section: _Section) -> IdentityOptions:
    defaults = IdentityOptions()
    identity = IdentityOptions(
        mode=section.text("mode", defaults.mode),
        role_names=section.texts("role_names"),
        oidc_provider_arn=section.optional_text("oidc_provider_arn"),
        namespace=section.text("namespace", defaults.namespace),
        service_account=section.text("service_account", defaults.service_account),
        role_name=section.optional_text("role_name"),
    )
    section.finish()
    return identity


def _parse_alarms(section: _Section) -> AlarmOptions:
    defaults = AlarmOptions()
    alarms = AlarmOptions(
        enabled=section.boolean("enabled", defaults.enabled),
        oldest_message_age_seconds=section.integer(
            "oldest_message_age_seconds", defaults.oldest_message_age_seconds
        ),
        dead_letter_messages=section.integer("dead_letter_messages", defaults.dead_letter_messages),
        failed_invocations=section.integer("failed_invocations", defaults.failed_invocations),
        topic=section.text("topic", defaults.topic),
        topic_arn=section.optional_text("topic_arn"),
        email_subscribers=section.texts("email_subscribers"),
    )
    section.finish()
    return alarms


def _parse_tags(section: _Section) -> dict[str, str]:
    tags: dict[str, str] = {}
    for key, value in section.raw.items():
        if not isinstance(key, str) or not 1 <= len(key) <= TAG_KEY_MAX:
            section.fail(str(key), key, f"tag keys are strings of 1-{TAG_KEY_MAX} characters")
        elif key.lower().startswith("aws:"):
            section.fail(key, key, "tag keys must not start with 'aws:' (reserved)")
        elif not isinstance(value, str) or len(value) > TAG_VALUE_MAX:
            section.fail(key, value, f"tag values are strings of at most {TAG_VALUE_MAX} chars")
        else:
            tags[key] = value
    return tags


def _check_across_environments(envs: list[EnvironmentSettings]) -> list[Problem]:
    """Environments sharing an account (and region) must not collide on names or rules.

    Indexed by account and region, so thousands of environments take linear time; each clash is
    reported on the later environment, naming the first one that holds the name.
    """
    problems: list[Problem] = []
    by_prefix: dict[tuple[str, str, str], EnvironmentSettings] = {}
    by_queue: dict[tuple[str, str, str], EnvironmentSettings] = {}
    by_iam_name: dict[tuple[str, str, str], EnvironmentSettings] = {}
    order = {env.name: index for index, env in enumerate(envs)}
    for env in envs:
        by_prefix.setdefault((env.account, env.region, env.prefix), env)
    for env in envs:
        problems += _prefix_overlaps(env, by_prefix, order)
        queue = naming.queue_name(env.options)
        other = by_queue.setdefault((env.account, env.region, queue), env)
        if other is not env:
            problems.append(
                Problem(
                    "queue.name", queue, f"{_clash(other, env)} and region {env.region}", env.name
                )
            )
        for (kind, field), name in _iam_names(env).items():
            other = by_iam_name.setdefault((env.account, kind, name), env)
            if other is not env:
                rule = f"{_clash(other, env)} (IAM {kind} names are unique per account)"
                problems.append(Problem(field, name, rule, env.name))
    return problems


def _clash(other: EnvironmentSettings, env: EnvironmentSettings) -> str:
    return f"also used by environment '{other.name}' in account {env.account}"


def _prefix_overlaps(
    env: EnvironmentSettings,
    by_prefix: dict[tuple[str, str, str], EnvironmentSettings],
    order: dict[str, int],
) -> list[Problem]:
    """Clashes of ``env``'s prefix with an earlier environment's in its account and region: the
    same prefix, or one that is the other's ``<prefix>_...`` (then ``<prefix>_*`` covers both)."""
    mine = env.prefix
    problems = []
    first = by_prefix[(env.account, env.region, mine)]
    if first is not env:
        rule = (
            f"also used by environment '{first.name}' in the same account and region: "
            "each would overwrite and retarget the other's rules"
        )
        problems.append(Problem("schedule_name_prefix", mine, rule, env.name))
    shorter = [mine[:cut] for cut, char in enumerate(mine) if char == "_" and cut]
    for theirs in shorter:
        other = by_prefix.get((env.account, env.region, theirs))
        if other is None:
            continue
        later, earlier = (env, other) if order[env.name] > order[other.name] else (other, env)
        rule = (
            f"overlaps prefix '{earlier.prefix}' of environment '{earlier.name}' in the same "
            "account and region: the rule pattern <prefix>_* of one covers the other's rules"
        )
        problems.append(Problem("schedule_name_prefix", later.prefix, rule, later.name))
    return problems


def _iam_names(env: EnvironmentSettings) -> dict[tuple[str, str], str]:
    """IAM names by (kind, field): roles and managed policies each share one namespace."""
    options = env.options
    names = {
        ("role", "schedule_role_name"): naming.schedule_role_name(options),
        ("policy", "schedule_name_prefix (managed policy name)"): naming.flyteadmin_policy_name(
            options
        ),
    }
    if options.flyteadmin.mode == "irsa":
        names[("role", "flyteadmin.role_name")] = naming.flyteadmin_role_name(options)
    return names
