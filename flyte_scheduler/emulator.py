"""A local AWS API emulator (LocalStack community, host mode) on 127.0.0.1, for demo and tests.

Started from its own virtual environment (it pins its own boto3), on a free loopback port, quiet
(no telemetry, no DNS server), with its state and log under a build folder. Its PID is recorded
and it is stopped on exit, on failure and on Ctrl-C; it is never killed by name.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

SERVICES = "sqs,events,iam,sts,s3,ssm,cloudformation,sns,cloudwatch,kms"
DEFAULT_PYTHON = Path(".venv-emulator/bin/python")
DEFAULT_STATE = Path("build/emulator")
S3_SCRATCH = Path("/tmp/localstack-s3-storage")  # written by LocalStack's S3 whatever is set
STARTUP_TIMEOUT_SECONDS = 90
STOP_TIMEOUT_SECONDS = 15
CLOSED_PORT = "http://127.0.0.1:9"  # telemetry and licence endpoints go nowhere
NOT_ENFORCED = (
    "queue policies on EventBridge deliveries (proven by the IAM policy matrix instead)",
    "IAM permissions and trust policies (proven by the IAM policy matrix instead)",
    "KMS key policies (proven by the IAM policy matrix instead)",
    "DeletionPolicy Retain on stack deletion (asserted on the synthesized template instead)",
)
"""What the emulator does not enforce: never reported as passed by a live check on it."""


class EmulatorError(RuntimeError):
    """The emulator could not be started, checked or stopped."""


@dataclass(frozen=True)
class Emulator:
    """A running emulator: where it listens and how to reach and stop it."""

    port: int
    pid: int
    state_dir: Path

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def aws_environment(self, account: str, region: str) -> dict[str, str]:
        """Environment variables that point the AWS SDKs and the CDK CLI at the emulator.

        The emulator uses a 12-digit access key id as the account id.
        """
        return {
            "AWS_ENDPOINT_URL": self.endpoint,
            "AWS_ACCESS_KEY_ID": account,
            "AWS_SECRET_ACCESS_KEY": "emulator",
            "AWS_REGION": region,
            "AWS_DEFAULT_REGION": region,
            "AWS_EC2_METADATA_DISABLED": "true",
        }


def start(state_dir: Path = DEFAULT_STATE, python: Path = DEFAULT_PYTHON) -> Emulator:
    """Start the emulator and wait until it is healthy and listens on loopback only."""
    if not python.exists():
        raise EmulatorError(f"{python} not found: run `make install-emulator` first")
    stop(state_dir)
    state_dir.mkdir(parents=True, exist_ok=True)
    scratch_existed = S3_SCRATCH.exists()
    port = _free_port()
    log = (state_dir / "emulator.log").open("w")
    process = subprocess.Popen(
        [str(python), "-m", "localstack.runtime.main"],
        env=_environment(port, state_dir),
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,  # Ctrl-C in a terminal reaches us, and we stop it cleanly
    )
    emulator = Emulator(port=port, pid=process.pid, state_dir=state_dir)
    _record(emulator, scratch_existed)
    try:
        _wait_healthy(emulator, process)
        _check_loopback_only(emulator)
    except BaseException:
        stop(state_dir)
        raise
    return emulator


def running(state_dir: Path = DEFAULT_STATE) -> Emulator | None:
    """The emulator recorded in ``state_dir`` if its process is still ours and alive."""
    record = _read_record(state_dir)
    if record is None or not _is_ours(record["pid"]):
        return None
    return Emulator(port=record["port"], pid=record["pid"], state_dir=state_dir)


def stop(state_dir: Path = DEFAULT_STATE) -> bool:
    """Stop the recorded emulator (SIGTERM, then SIGKILL); returns whether one was running."""
    record = _read_record(state_dir)
    if record is None:
        return False
    pid, was_running = record["pid"], False
    if _is_ours(pid):
        was_running = True
        _signal_group(pid, signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT_SECONDS
        while _alive(pid) and time.monotonic() < deadline:
            time.sleep(0.2)
        if _alive(pid):
            _signal_group(pid, signal.SIGKILL)
    (state_dir / "emulator.json").unlink(missing_ok=True)
    if not record.get("scratch_existed", True):
        shutil.rmtree(S3_SCRATCH, ignore_errors=True)
    return was_running


def _environment(port: int, state_dir: Path) -> dict[str, str]:
    keep = ("PATH", "HOME", "LANG", "LC_ALL", "TZ")
    env = {key: os.environ[key] for key in keep if key in os.environ}
    env.update(
        GATEWAY_LISTEN=f"127.0.0.1:{port}",
        GATEWAY_SERVER="hypercorn",  # the default server binds 0.0.0.0 despite GATEWAY_LISTEN
        LOCALSTACK_HOST=f"localhost:{port}",
        DNS_ADDRESS="0",
        SERVICES=SERVICES,
        DISABLE_EVENTS="1",
        SKIP_SSL_CERT_DOWNLOAD="1",
        API_ENDPOINT=CLOSED_PORT,
        ANALYTICS_API=CLOSED_PORT,
        SQS_ENDPOINT_STRATEGY="path",
        FILESYSTEM_ROOT=str(state_dir.resolve() / "filesystem"),
        TMPDIR=str(state_dir.resolve() / "tmp"),
    )
    (state_dir / "tmp").mkdir(parents=True, exist_ok=True)
    return env


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _record(emulator: Emulator, scratch_existed: bool) -> None:
    record = {"port": emulator.port, "pid": emulator.pid, "scratch_existed": scratch_existed}
    (emulator.state_dir / "emulator.json").write_text(json.dumps(record))


def _read_record(state_dir: Path) -> dict[str, int] | None:
    try:
        record = json.loads((state_dir / "emulator.json").read_text())
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) and "pid" in record else None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    status = Path(f"/proc/{pid}/stat")
    return not (status.exists() and ") Z" in status.read_text())  # a zombie is gone


def _is_ours(pid: int) -> bool:
    """Alive, and really the emulator we started (PIDs are reused)."""
    if not _alive(pid):
        return False
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    return b"localstack.runtime.main" in command


def _signal_group(pid: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signum)


def _wait_healthy(emulator: Emulator, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
    url = f"{emulator.endpoint}/_localstack/health"
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise EmulatorError(
                f"the emulator exited with code {process.returncode}; see "
                f"{emulator.state_dir / 'emulator.log'}"
            )
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.3)
    raise EmulatorError(f"the emulator did not answer {url} within {STARTUP_TIMEOUT_SECONDS} s")


def _check_loopback_only(emulator: Emulator) -> None:
    """Every listening TCP socket of the emulator's processes is bound to 127.0.0.1."""
    addresses = listening_addresses(emulator.pid)
    exposed = [a for a in addresses if not (a.startswith("127.") or a.startswith("[::1]"))]
    if exposed:
        raise EmulatorError(f"the emulator listens beyond loopback: {', '.join(exposed)}")


def listening_addresses(pid: int) -> list[str]:
    """``host:port`` of the TCP sockets the process group of ``pid`` listens on (IPv4 and IPv6)."""
    inodes: set[str] = set()
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            if os.getpgid(int(proc.name)) != pid:
                continue
            for fd in (proc / "fd").iterdir():
                target = os.readlink(fd)
                if target.startswith("socket:["):
                    inodes.add(target[8:-1])
        except OSError:
            continue
    addresses = []
    for table, width in (("/proc/net/tcp", 8), ("/proc/net/tcp6", 32)):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            local, state, inode = fields[1], fields[3], fields[9]
            if state == "0A" and inode in inodes:  # 0A = LISTEN
                addresses.append(_decode_address(local, width))
    return addresses


def _decode_address(local: str, width: int) -> str:
    host_hex, port_hex = local.split(":")
    port = int(port_hex, 16)
    if width == 8:
        host = ".".join(str(b) for b in reversed(bytes.fromhex(host_hex)))
        return f"{host}:{port}"
    raw = bytes.fromhex(host_hex)
    words = b"".join(raw[i : i + 4][::-1] for i in range(0, 16, 4))
    return f"[{socket.inet_ntop(socket.AF_INET6, words)}]:{port}"
