"""``python -m xero_sandbox serve`` as a real process: ready line, tokens, connections, restart."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from xero_sandbox import accounting
from xero_sandbox.config import DEMO_TENANT_ID, tenant_from_name

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]
CLIENT = ("cli-client", "cli-secret")


@contextmanager
def serve(state: Path, *extra: str) -> Iterator[str]:
    """Start the server on a free port; yield its base URL once it says it is listening."""
    env = {**os.environ, "PYTHONPATH": str(REPO), "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "xero_sandbox", "serve", "--port", "0", "--state", str(state),
         "--client-id", CLIENT[0], "--client-secret", CLIENT[1], "--log-level", "warning",
         *extra],
        cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    first_line: list[str] = []
    reader = threading.Thread(target=lambda: first_line.append(proc.stdout.readline()))
    reader.start()
    reader.join(timeout=20)
    try:
        match = re.search(r"http://\S+", first_line[0]) if first_line else None
        if match is None:
            proc.kill()
            raise AssertionError(f"no ready line; stderr: {proc.communicate(timeout=5)[1]}")
        yield match.group(0)
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        proc.stdout.close()
        proc.stderr.close()


def _token(base_url: str) -> str:
    reply = httpx.post(f"{base_url}/connect/token", auth=CLIENT,
                       data={"grant_type": "client_credentials"})
    assert reply.status_code == 200, reply.text
    return reply.json()["access_token"]


def test_served_process_issues_tokens_lists_connections_and_keeps_state(tmp_path):
    state = tmp_path / "sandbox.sqlite"
    with serve(state, "--clock-scale", "60") as base_url:
        assert base_url.startswith("http://127.0.0.1:")
        token = _token(base_url)
        connections = httpx.get(f"{base_url}/connections",
                                headers={"Authorization": f"Bearer {token}"})

        assert connections.status_code == 200
        assert [(c["tenantId"], c["tenantName"]) for c in connections.json()] == [
            (DEMO_TENANT_ID, "Demo Company (UK)")]
        assert "x-appminlimit-remaining" in connections.headers

    assert state.exists()
    with serve(state) as base_url:
        again = httpx.get(f"{base_url}/connections", headers={"Authorization": f"Bearer {token}"})
    assert again.status_code == 200  # the token was kept in the state file


@pytest.mark.skipif(not getattr(accounting, "ROUTES", None),
                    reason="xero_sandbox.accounting has no ROUTES yet")
def test_served_process_answers_a_paged_contacts_read(tmp_path):
    with serve(tmp_path / "sandbox.sqlite") as base_url:
        token = _token(base_url)
        reply = httpx.get(f"{base_url}/api.xro/2.0/Contacts", params={"page": 1},
                          headers={"Authorization": f"Bearer {token}", "xero-tenant-id": "",
                                   "Accept": "application/json"})

    assert reply.status_code == 200, reply.text
    assert "Contacts" in reply.json()
    assert reply.json()["pagination"]["page"] == 1
    assert reply.headers["x-minlimit-remaining"] == "59"


def test_cli_flags_set_tenants_faults_and_lifetimes(tmp_path):
    with serve(tmp_path / "s.sqlite", "--tenant-name", "Acme Ltd", "--tenant-name", "Beta LLC",
               "--token-lifetime", "600", "--fault-fail-next", "2", "--fault-fail-status",
               "500", "--fault-seed", "9") as base_url:
        health = httpx.get(f"{base_url}/sandbox/health").json()
        faults = httpx.get(f"{base_url}/sandbox/faults").json()
        token = httpx.post(f"{base_url}/connect/token", auth=CLIENT,
                           data={"grant_type": "client_credentials"}).json()

    assert [(t["tenant_id"], t["tenant_name"]) for t in health["tenants"]] == [
        (tenant_from_name("Acme Ltd").tenant_id, "Acme Ltd"),
        (tenant_from_name("Beta LLC").tenant_id, "Beta LLC")]
    assert faults["seed"] == 9
    assert [(r["count"], r["status"]) for r in faults["fail_next"]] == [(2, 500)]
    assert token["expires_in"] == 600


def test_bad_flag_values_exit_with_a_message(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "xero_sandbox", "serve", "--port", "0",
         "--state", str(tmp_path / "s.sqlite"), "--fault-rate-500", "1.5"],
        cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)}, capture_output=True, text=True,
        timeout=30)

    assert result.returncode == 2
    assert "rate_500" in result.stderr
