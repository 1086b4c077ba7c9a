"""Every key the settings parser reads: the registry that the docs and the invalid-settings table
are checked against (recorded while the real parser runs, not typed by hand)."""

from __future__ import annotations

from typing import Any

from flyte_scheduler import settings as settings_module

MINIMAL = (
    "environments:\n  dev: {account: '123456789012', region: us-east-1, "
    "schedule_name_prefix: flyte}\n"
)


def settings_keys() -> set[str]:
    """Dotted keys (``queue.name``) the parser asks for; ``tags`` as a whole (free-form keys)."""
    read: set[str] = set()
    section = settings_module._Section
    take, open_section = section._take, section.section

    def recording_take(self: Any, key: str, *args: Any) -> Any:
        read.add(".".join(part for part in (self.path, key) if part))
        return take(self, key, *args)

    def recording_section(self: Any, key: str) -> Any:
        if key == "tags":
            read.add("tags")
        return open_section(self, key)

    section._take, section.section = recording_take, recording_section  # type: ignore[method-assign, assignment]
    try:
        settings_module.parse_settings(MINIMAL)
    finally:
        section._take, section.section = take, open_section  # type: ignore[method-assign]
    return read
