"""`dagster dev` as a subprocess, started the way a user starts it and stopped without leftovers.

`dagster dev` runs a webserver, a daemon and a code server, and each run gets its own worker
process. All of them start in the session we create (start_new_session=True), so teardown
signals the whole process group; it also records every descendant first and checks each one
by pid afterwards, in case a child moved to a group of its own.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import httpx
import pytest

REPO = Path(__file__).resolve().parents[2]
VENV_BIN = REPO / ".venv" / "bin"
READY_TIMEOUT = 90.0
STOP_TIMEOUT = 20.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def prepare_dagster_home(home: Path) -> Path:
    """DAGSTER_HOME must be an existing absolute path holding the instance config (dagster#2920)."""
    home = home.resolve()
    home.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(REPO / "dagster.yaml", home / "dagster.yaml")
    return home


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:  # exited while we looked
            continue
        # The command name in parentheses may hold spaces; the parent pid is the 2nd field after it.
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        tree.setdefault(ppid, []).append(int(entry.name))
    return tree


def descendants(pid: int) -> set[int]:
    tree = _children()
    found: set[int] = set()
    stack = [pid]
    while stack:
        for child in tree.get(stack.pop(), []):
            if child not in found:
                found.add(child)
                stack.append(child)
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"  # a zombie has exited; only its parent's wait is missing


def tail(path: Path, lines: int = 60) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


@dataclass
class DagsterDev:
    port: int
    process: subprocess.Popen[bytes]
    log_path: Path

    def log_tail(self, lines: int = 60) -> str:
        return f"--- last {lines} lines of {self.log_path} ---\n{tail(self.log_path, lines)}"

    def wait_until_ready(self, timeout: float = READY_TIMEOUT) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"dagster dev exited with {self.process.returncode}\n{self.log_tail()}")
            try:
                if httpx.get(f"http://127.0.0.1:{self.port}/server_info", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.5)
        raise RuntimeError(f"dagster dev was not ready within {timeout:g} s\n{self.log_tail()}")

    def stop(self) -> list[int]:
        """Stop dagster dev and everything it started; returns the pids still alive (should be none)."""
        pids = descendants(self.process.pid) | {self.process.pid}
        # SIGINT is what Ctrl-C sends to the terminal's process group: dagster dev's own clean path.
        _signal_group(self.process.pid, signal.SIGINT)
        try:
            self.process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            _signal_group(self.process.pid, signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=5)
        # dagster dev can exit before the code server and run workers it spawned (Dagster's own
        # dagster dev test waits for them), so give them a moment, then kill whatever is left.
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and any(alive(p) for p in pids):
            time.sleep(0.2)
        for pid in pids:
            if alive(pid):
                _kill(pid)
        _signal_group(self.process.pid, signal.SIGKILL)
        if self.process.poll() is None:
            self.process.wait(timeout=5)
        time.sleep(0.5)
        return sorted(p for p in pids if alive(p))


def _signal_group(pgid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):  # the group is already empty
        os.killpg(pgid, sig)


def _kill(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)


DagsterDevFactory = Callable[[dict[str, str], Path], DagsterDev]


@pytest.fixture
def dagster_dev_factory() -> Iterator[DagsterDevFactory]:
    """``start(env, log_dir)`` runs ``dagster dev`` on workspace.yaml from the repo root on a free port.

    ``env`` is the whole environment of the process (plus PATH), so nothing from the caller's
    shell (another DAGSTER_HOME, real Xero credentials) leaks in.
    """
    started: list[DagsterDev] = []
    logs: list[IO[bytes]] = []

    def start(env: dict[str, str], log_dir: Path) -> DagsterDev:
        port = free_port()
        log_path = log_dir / "dagster-dev.log"
        log = log_path.open("wb")
        logs.append(log)
        process = subprocess.Popen(
            [str(VENV_BIN / "dagster"), "dev", "-w", "workspace.yaml", "-h", "127.0.0.1", "-p", str(port)],
            cwd=REPO,
            env={"PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}", **env},
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        server = DagsterDev(port, process, log_path)
        started.append(server)
        return server

    yield start
    leftovers: dict[int, list[int]] = {}
    for server in started:
        remaining = server.stop()
        if remaining:
            leftovers[server.process.pid] = remaining
    for log in logs:
        log.close()
    assert not leftovers, f"dagster processes still alive after teardown: {leftovers}"
