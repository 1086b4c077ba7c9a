"""Every file the package reads or writes goes through here.

Reading: regular files only (never a device, FIFO or directory, which could block or never end),
at most a stated number of bytes, strict UTF-8, and a bounded nesting depth once parsed. Writing:
atomically into place, keeping the mode of the file replaced; straight through to a character
device or a pipe (``-o /dev/stdout``); never over a directory or another special file. Every
failure is an :class:`InputError` or :class:`OutputError` naming the path and the reason.
"""

from __future__ import annotations

import errno
import json
import os
import stat
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

MAX_DEPTH = 64
"""Deepest nesting accepted in any input document (ours are at most 5 levels deep)."""


class InputError(ValueError):
    """A file that cannot be taken as input; the message names it and the rule."""

    def __init__(self, where: str, reason: str) -> None:
        super().__init__(f"{where}: {reason}" if where else reason)
        self.reason = reason


class OutputError(OSError):
    """A file that cannot be written; the message names it and the reason."""


def shown(path: str | Path) -> str:
    """A path as it can always be printed (undecodable bytes as escapes)."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")


def read_text(path: str | Path, *, what: str, max_bytes: int) -> str:
    """The UTF-8 text of a regular file of at most ``max_bytes`` bytes."""
    data = read_bytes(path, what=what, max_bytes=max_bytes)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise InputError(
            shown(path), f"the {what} is not UTF-8 (byte {error.start}: {error.reason})"
        ) from None


def read_bytes(path: str | Path, *, what: str, max_bytes: int) -> bytes:
    """The bytes of a regular file of at most ``max_bytes`` bytes."""
    where = shown(path)
    try:
        # O_NONBLOCK: opening a FIFO with no writer must not hang before we can refuse it.
        handle = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as error:
        raise InputError(where, f"cannot open the {what} ({error.strerror})") from None
    try:
        kind = stat.S_IFMT(os.fstat(handle).st_mode)
        if kind != stat.S_IFREG:
            raise InputError(where, f"the {what} must be a regular file, not {_kind(kind)}")
        data = _read_at_most(handle, max_bytes + 1)
    except OSError as error:
        raise InputError(where, f"cannot read the {what} ({error.strerror})") from None
    finally:
        os.close(handle)
    if len(data) > max_bytes:
        raise InputError(where, f"the {what} is larger than the limit of {max_bytes} bytes")
    return data


def _read_at_most(handle: int, limit: int) -> bytes:
    chunks, size = [], 0
    while size < limit:
        chunk = os.read(handle, min(65_536, limit - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


def _kind(mode: int) -> str:
    return {
        stat.S_IFDIR: "a directory",
        stat.S_IFCHR: "a character device",
        stat.S_IFBLK: "a block device",
        stat.S_IFIFO: "a FIFO",
        stat.S_IFSOCK: "a socket",
        stat.S_IFLNK: "a symbolic link",
    }.get(mode, "a special file")


class BoundedSafeLoader(yaml.SafeLoader):
    """PyYAML's safe loader that stops composing at :data:`MAX_DEPTH` levels, before its
    recursive composer gets anywhere near Python's stack limit."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise RecursionError
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def compose_yaml(text: str) -> Any:
    """The YAML node tree of ``text`` (for linting with line numbers), depth-bounded."""
    return yaml.compose(text, Loader=BoundedSafeLoader)


def parse_bounded(parse: Callable[[str], Any], text: str, what: str) -> Any:
    """``parse(text)``, with nesting deeper than :data:`MAX_DEPTH` refused as an InputError
    (also when the parser itself runs out of stack first)."""
    try:
        document = parse(text)
    except RecursionError:
        raise InputError("", _too_deep(what)) from None
    if depth(document) > MAX_DEPTH:
        raise InputError("", _too_deep(what))
    return document


def _too_deep(what: str) -> str:
    return f"the {what} nests deeper than {MAX_DEPTH} levels"


def depth(document: Any) -> int:
    """Nesting depth of parsed JSON/YAML data or of a composed YAML node tree (iteratively)."""
    deepest, stack = 0, [(document, 1)]
    seen: set[int] = set()
    while stack:
        item, level = stack.pop()
        if id(item) in seen:
            continue
        children = _children(item)
        if children is None:
            continue
        seen.add(id(item))
        deepest = max(deepest, level)
        stack += [(child, level + 1) for child in children]
    return deepest


def _children(item: Any) -> list[Any] | None:
    if isinstance(item, dict):
        return [*item.keys(), *item.values()]
    if isinstance(item, list | tuple):
        return list(item)
    if isinstance(item, yaml.MappingNode):
        return [part for pair in item.value for part in pair]
    if isinstance(item, yaml.SequenceNode):
        return list(item.value)
    return None


def read_json(path: str | Path, *, what: str, max_bytes: int) -> Any:
    """A JSON document from a regular file, size- and depth-bounded."""
    text = read_text(path, what=what, max_bytes=max_bytes)
    try:
        return parse_bounded(json.loads, text, what)
    except ValueError as error:
        if isinstance(error, InputError):
            raise
        raise InputError(shown(path), f"the {what} is not valid JSON ({error})") from None


def write_text(path: str | Path, text: str) -> None:
    """Write ``text`` to ``path``: atomically for a regular file (keeping its mode), straight
    through for a character device or a pipe; refuse anything else."""
    where = shown(path)
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        mode = None
    except OSError as error:
        raise OutputError(f"{where}: cannot write there ({error.strerror})") from None
    if mode is not None and stat.S_IFMT(mode) in (stat.S_IFCHR, stat.S_IFIFO):
        _write_through(path, text, where)
    elif mode is not None and not stat.S_ISREG(mode):
        raise OutputError(f"{where}: refusing to replace {_kind(stat.S_IFMT(mode))}")
    else:
        _write_atomically(Path(os.path.realpath(path)), text, mode, where)


def _write_through(path: str | Path, text: str, where: str) -> None:
    try:
        handle = os.open(path, os.O_WRONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as error:
        reason = "nothing reads that pipe" if error.errno == errno.ENXIO else error.strerror
        raise OutputError(f"{where}: cannot write there ({reason})") from None
    os.set_blocking(handle, True)
    with os.fdopen(handle, "w", encoding="utf-8") as stream:
        stream.write(text)


def _write_atomically(target: Path, text: str, mode: int | None, where: str) -> None:
    """A temporary file beside ``target``, renamed into place: a reader never sees half a file,
    and a failure leaves none."""
    try:
        handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    except OSError as error:
        raise OutputError(f"{where}: cannot write there ({error.strerror})") from None
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.chmod(temporary, stat.S_IMODE(mode) if mode is not None else 0o666 & ~_umask())
        os.replace(temporary, target)
    except BaseException as error:
        Path(temporary).unlink(missing_ok=True)
        if isinstance(error, OSError):
            raise OutputError(f"{where}: cannot write there ({error.strerror})") from None
        raise


def _umask() -> int:
    current = os.umask(0o022)
    os.umask(current)
    return current
