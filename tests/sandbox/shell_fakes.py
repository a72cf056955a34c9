"""Tiny accounting routes for testing the sandbox's HTTP shell without the real handlers.

``/Widgets``: GET lists, PUT creates every element of ``{"Widgets": [{"Name": ...}]}``.
A widget named "bad" fails validation (400, nothing written); "slow" makes the handler
sleep, to hold a request in flight. Each handler run bumps an in-process counter (kept
outside the state so a rolled-back error run still counts), so a test can tell "the handler
ran once" from "the reply was replayed". The server runs in a thread of the test process.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections import Counter
from typing import Any

from xero_sandbox.api import ApiRequest, ApiResponse, Route
from xero_sandbox.errors import validation_exception
from xero_sandbox.state import SandboxState
from xero_sandbox.xero_json import envelope

KIND = "Widgets"


_RUNS: Counter[tuple[str, str]] = Counter()
_RUNS_LOCK = threading.Lock()


def _bump(request: ApiRequest, name: str) -> None:
    with _RUNS_LOCK:
        _RUNS[(request.state.path, name)] += 1


def handler_runs(state: SandboxState, name: str = "put_widgets") -> int:
    with _RUNS_LOCK:
        return _RUNS[(state.path, name)]


def list_widgets(request: ApiRequest) -> ApiResponse:
    docs = list(request.state.list_objects(request.tenant_id, KIND))
    return ApiResponse(200, envelope(KIND, docs, request.clock.now()))


def put_widgets(request: ApiRequest) -> ApiResponse:
    _bump(request, "put_widgets")
    body: Any = request.body or {}
    created = []
    for element in body.get(KIND, []):
        if element.get("Name") == "bad":
            raise validation_exception([{**element, "ValidationErrors": [
                {"Message": "A widget cannot be called bad"}]}])
        if element.get("Name") == "slow":
            time.sleep(0.5)
        doc = {"WidgetID": str(uuid.uuid4()), "Name": element.get("Name")}
        request.state.put_object(request.tenant_id, KIND, doc["WidgetID"], doc,
                                 updated_ms=int(request.clock.now().timestamp() * 1000),
                                 name=doc["Name"])
        created.append(doc)
    return ApiResponse(200, envelope(KIND, created, request.clock.now()),
                       headers={"X-Widget-Count": str(len(created))})


ROUTES = [
    Route("GET", "/Widgets", list_widgets, writes=False),
    Route("PUT", "/Widgets", put_widgets, writes=True),
]


def widget_count(state: SandboxState, tenant_id: str) -> int:
    return state.count_objects(tenant_id, KIND)
