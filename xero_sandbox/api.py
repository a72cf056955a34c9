"""The contract between the HTTP shell (app.py) and the accounting handlers.

Accounting handlers are plain functions ``(ApiRequest) -> ApiResponse``: no Starlette, no
auth, no rate limits. The shell authenticates, picks the tenant, applies rate limits, faults
and Idempotency-Key replay, then calls the handler inside one state transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .clock import Clock
from .state import SandboxState


@dataclass
class ApiRequest:
    tenant_id: str
    method: str  # GET, PUT, POST, DELETE
    path_params: Mapping[str, str]
    query: Mapping[str, str]  # single-valued query parameters, as sent
    headers: Mapping[str, str]  # lower-case names
    body: Any  # parsed JSON body, or None
    state: SandboxState
    clock: Clock

    def flag(self, name: str, default: bool = False) -> bool:
        """A boolean query parameter (``summarizeErrors=false``); case-insensitive names."""
        for key, value in self.query.items():
            if key.lower() == name.lower():
                return value.strip().lower() in ("true", "1", "yes")
        return default

    def param(self, name: str) -> str | None:
        for key, value in self.query.items():
            if key.lower() == name.lower():
                return value
        return None


@dataclass
class ApiResponse:
    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)


Handler = Callable[[ApiRequest], ApiResponse]


@dataclass(frozen=True)
class Route:
    method: str
    path: str  # Starlette path under /api.xro/2.0, e.g. "/Contacts/{ContactID}"
    handler: Handler
    writes: bool  # True for PUT/POST/DELETE that change state (Idempotency-Key applies)
