"""Calling the accounting handlers directly, as the HTTP shell would (used by the ``acct``
fixture in conftest.py): one transaction per request, XeroApiError turned into a reply, and
every 200 body validated against Xero's OpenAPI spec."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode

from tests.sandbox.spec import validate_response
from xero_sandbox.accounting import ROUTES
from xero_sandbox.api import ApiRequest, Route
from xero_sandbox.clock import Clock
from xero_sandbox.errors import XeroApiError
from xero_sandbox.state import SandboxState

ACCT_TENANT = "7a1c0d4e-0000-4000-8000-000000000001"


@dataclass
class Reply:
    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)


def _match(route: Route, method: str, path: str) -> dict[str, str] | None:
    if route.method != method:
        return None
    want, got = route.path.strip("/").split("/"), path.strip("/").split("/")
    if len(want) != len(got):
        return None
    params: dict[str, str] = {}
    for w, g in zip(want, got, strict=True):
        if w.startswith("{") and w.endswith("}"):
            params[w[1:-1]] = g
        elif w.lower() != g.lower():
            return None
    return params


@dataclass
class AccountingClient:
    """Calls accounting handlers as the HTTP shell would: one transaction per request, errors
    turned into replies, and (here) every 200 body validated against the spec."""
    state: SandboxState
    clock: Clock
    tenant_id: str = ACCT_TENANT
    validate: bool = True

    def call(self, method: str, path: str, body: Any = None, query: dict[str, Any] | None = None,
             headers: dict[str, str] | None = None, tenant_id: str | None = None) -> Reply:
        method = method.upper()
        path_only, _, raw_query = path.partition("?")
        params = dict(parse_qsl(raw_query, keep_blank_values=True))
        params.update({k: str(v).lower() if isinstance(v, bool) else str(v)
                       for k, v in (query or {}).items()})
        for route in ROUTES:
            path_params = _match(route, method, path_only)
            if path_params is not None:
                break
        else:
            raise AssertionError(f"no accounting route for {method} {path_only}")
        request = ApiRequest(
            tenant_id=tenant_id or self.tenant_id, method=method, path_params=path_params,
            query=params, headers={k.lower(): v for k, v in (headers or {}).items()},
            body=body, state=self.state, clock=self.clock)
        try:
            with self.state.transaction():
                response = route.handler(request)
            reply = Reply(response.status, response.body, response.headers)
        except XeroApiError as error:
            reply = Reply(error.status, error.body, error.headers)
        if self.validate and reply.status == 200:
            shown = path_only + (f"?{urlencode(params)}" if params else "")
            validate_response(method, shown, reply.status, reply.body)
        return reply

    def get(self, path: str, **kwargs: Any) -> Reply:
        return self.call("GET", path, **kwargs)

    def put(self, path: str, body: Any, **kwargs: Any) -> Reply:
        return self.call("PUT", path, body, **kwargs)

    def post(self, path: str, body: Any, **kwargs: Any) -> Reply:
        return self.call("POST", path, body, **kwargs)

    def advance(self, seconds: float) -> None:
        self.clock.advance(seconds)
