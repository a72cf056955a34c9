"""Run a sandbox on a real socket from Python (tests, benchmarks, notebooks).

``run_sandbox(config, state_path)`` starts uvicorn in a background thread on a free loopback
port and yields a SandboxHandle; leaving the ``with`` block stops the server and closes the
state file. The socket is bound before the server starts, so the port is known up front and
no other process can take it in between.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from starlette.applications import Starlette

from .api import Route
from .app import API_PREFIX, Sandbox, build_app, install_quiet_drops
from .clock import Clock
from .config import SandboxConfig
from .state import SandboxState


@dataclass
class SandboxHandle:
    """A running sandbox: where it listens, its config and state, and admin helpers.

    The helpers go through the HTTP admin API (as an outside process would), except
    ``state``/``clock``/``sandbox``, which give direct access for assertions.
    """

    base_url: str
    config: SandboxConfig
    state: SandboxState
    clock: Clock
    app: Starlette

    @property
    def api_url(self) -> str:
        """The accounting base URL (XERO_API_BASE_URL for a client)."""
        return self.base_url + API_PREFIX

    @property
    def sandbox(self) -> Sandbox:
        return self.app.state.sandbox

    @property
    def tenant_id(self) -> str:
        return self.config.first_tenant()

    def admin(self, method: str, path: str, json: Any = None, **params: Any) -> Any:
        """Call ``/sandbox/<path>``; raise on an error status; return the JSON reply."""
        reply = httpx.request(method, f"{self.base_url}/sandbox/{path.lstrip('/')}", json=json,
                              params={k: v for k, v in params.items() if v is not None}, timeout=30)
        reply.raise_for_status()
        return reply.json()

    def reset(self, keep_auth: bool = True) -> None:
        self.admin("POST", "reset", {"keep_auth": keep_auth})

    def set_faults(self, settings: dict[str, Any] | None = None, **fields: Any) -> dict[str, Any]:
        """Replace the fault config, e.g. ``set_faults(fail_next=[{"count": 2, "status": 503}])``."""
        return self.admin("POST", "faults", {**(settings or {}), **fields})

    def advance(self, seconds: float) -> None:
        """Move the sandbox clock (token expiry, refresh grace, idempotency, rate windows)."""
        self.admin("POST", "clock/advance", {"seconds": seconds})

    def load_fixture(self, kind: str, documents: list[dict[str, Any]],
                     tenant_id: str | None = None) -> int:
        reply = self.admin("POST", f"fixtures/{kind}", {"documents": documents},
                           tenant_id=tenant_id)
        return int(reply["loaded"])

    def record_payment(self, payload: dict[str, Any], tenant_id: str | None = None) -> Any:
        return self.admin("POST", "payments", payload, tenant_id=tenant_id)

    def counters(self) -> list[dict[str, Any]]:
        return self.admin("GET", "counters")["requests"]

    def request_count(self, endpoint: str, method: str | None = None,
                      status: int | None = None) -> int:
        """Requests seen for a route template (e.g. "/Contacts"), optionally by method/status."""
        return sum(row["count"] for row in self.counters()
                   if row["endpoint"] == endpoint
                   and (method is None or row["method"] == method.upper())
                   and (status is None or row["status"] == status))

    def client_credentials_token(self, client_id: str | None = None,
                                 client_secret: str | None = None) -> dict[str, Any]:
        """A custom-connection token from /connect/token (form-encoded credentials)."""
        reply = httpx.post(f"{self.base_url}/connect/token", data={
            "grant_type": "client_credentials",
            "client_id": client_id or self.config.client_id,
            "client_secret": client_secret or self.config.client_secret,
        }, timeout=30)
        reply.raise_for_status()
        return reply.json()

    def api_client(self, access_token: str | None = None, tenant_id: str | None = None,
                   **kwargs: Any) -> httpx.Client:
        """An httpx client on the accounting base URL with Bearer, tenant and Accept headers."""
        token = access_token or self.client_credentials_token()["access_token"]
        headers = {"Authorization": f"Bearer {token}", "Accept": "application/json",
                   "xero-tenant-id": tenant_id or self.tenant_id}
        headers.update(kwargs.pop("headers", {}))
        return httpx.Client(base_url=self.api_url, headers=headers,
                            timeout=kwargs.pop("timeout", 30), **kwargs)


def bind_socket(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.set_inheritable(True)
    return sock


def make_server(app: Starlette, *, log_level: str = "warning",
                log_config: dict[str, Any] | None = None) -> uvicorn.Server:
    """A uvicorn server for the app; lifespan off (the app has no startup work)."""
    server_config = uvicorn.Config(app, lifespan="off", log_level=log_level,
                                   log_config=log_config, timeout_graceful_shutdown=2)
    # After uvicorn's logging set-up, which would otherwise drop our filter.
    install_quiet_drops()
    return uvicorn.Server(server_config)


ResponseObserver = Callable[[str, str, int, bytes], None]


class _ObservingApp:
    """Hands every complete accounting reply (method, path?query, status, body) to an observer.

    Used by the test suite to validate each reply the sandbox gives against Xero's spec.
    A reply cut short (the drop-after-commit fault) never completes and is not observed."""

    def __init__(self, app: Any, observer: ResponseObserver) -> None:
        self.app = app
        self.observer = observer

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or not scope["path"].lower().startswith("/api.xro/2.0"):
            await self.app(scope, receive, send)
            return
        status = 0
        chunks: list[bytes] = []

        async def capture(message: Any) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
                if not message.get("more_body", False):
                    query = scope.get("query_string", b"").decode()
                    target = scope["path"] + (f"?{query}" if query else "")
                    self.observer(scope["method"], target, status, b"".join(chunks))
            await send(message)

        await self.app(scope, receive, capture)


@contextmanager
def run_sandbox(config: SandboxConfig | None = None, state_path: str | Path | None = None, *,
                routes: Sequence[Route] | None = None, clock: Clock | None = None,
                log_level: str = "warning",
                observer: ResponseObserver | None = None) -> Iterator[SandboxHandle]:
    """Serve a sandbox in a background thread for the duration of the ``with`` block.

    ``state_path`` None keeps the state in memory; ``routes`` replaces the accounting
    routes (see build_app); ``config.port`` 0 (the default) picks a free port;
    ``observer`` sees every complete accounting reply (the suite validates them).
    """
    config = config or SandboxConfig()
    state = SandboxState(state_path or ":memory:")
    clock = clock or Clock(scale=config.clock_scale)
    sock: socket.socket | None = None
    try:
        app = build_app(config, state, clock, routes)
        sock = bind_socket(config.host, config.port)
        host, port = sock.getsockname()[:2]
        server = make_server(_ObservingApp(app, observer) if observer else app,  # type: ignore[arg-type]
                             log_level=log_level)
        thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]},
                                  name=f"xero-sandbox-{port}", daemon=True)
        thread.start()
        deadline = time.monotonic() + 15
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                server.should_exit = True
                raise RuntimeError("the sandbox server did not start")
            time.sleep(0.01)
        shown = f"[{host}]" if ":" in host else host
        try:
            yield SandboxHandle(f"http://{shown}:{port}", config, state, clock, app)
        finally:
            server.should_exit = True
            thread.join(timeout=10)
    finally:
        if sock is not None:
            sock.close()
        state.close()
