"""Validate sandbox replies against Xero's official Accounting OpenAPI spec (openapi-core).

``validate_response(method, path_with_query, status, body)`` raises AssertionError naming
every schema violation. Paths may be given with or without the ``/api.xro/2.0`` prefix.

The spec file (16.1.0, MIT, copied unmodified into tests/recorded/xero-openapi) fails
openapi-core's strict spec checks, so those are skipped (``spec_validator_cls=None``) and only
bodies are validated. Loading takes most of a second, so it happens once per session, on first
use. ``XERO_OPENAPI_SPEC`` points at another copy of the file.
"""

from __future__ import annotations

import json
import os
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import yaml
from openapi_core import Config, OpenAPI
from openapi_core.testing import MockRequest, MockResponse

BASE_PATH = "/api.xro/2.0"
_CANDIDATES = (
    Path(__file__).resolve().parents[1] / "recorded" / "xero-openapi" / "xero_accounting.yaml",
    Path("/work/shared/xero-openapi/xero_accounting.yaml"),
)


def spec_path() -> Path:
    override = os.environ.get("XERO_OPENAPI_SPEC")
    for candidate in ((Path(override),) if override else ()) + _CANDIDATES:
        if candidate.is_file():
            return candidate
    raise FileNotFoundError("xero_accounting.yaml not found; set XERO_OPENAPI_SPEC")


@lru_cache(maxsize=1)
def openapi() -> OpenAPI:
    with spec_path().open("rb") as handle:
        spec = yaml.load(handle, Loader=yaml.CSafeLoader)
    return OpenAPI.from_dict(spec, config=Config(spec_validator_cls=None))


def _describe(exc: BaseException) -> str:
    """The schema errors behind an openapi-core failure, without the (huge) body it quotes."""
    messages: list[str] = []
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        for error in getattr(current, "schema_errors", ()) or ():
            path = "/".join(str(p) for p in getattr(error, "absolute_path", ()) or ())
            messages.append(f"{path or '<body>'}: {getattr(error, 'message', error)}")
        current = current.__cause__ or current.__context__
    if not messages:
        text = str(exc)
        messages.append(text if len(text) < 500 else text[:500] + "...")
    return "; ".join(messages[:20])


def validate_response(method: str, path_with_query: str, status: int, body: Any) -> None:
    path, _, query = path_with_query.partition("?")
    if not path.startswith(BASE_PATH):
        path = BASE_PATH + path
    request = MockRequest("https://api.xero.com", method.lower(), path,
                          args=dict(parse_qsl(query, keep_blank_values=True)))
    response = MockResponse(json.dumps(body).encode(), status_code=status)
    try:
        openapi().validate_response(request, response)
    except Exception as exc:  # openapi-core raises a family of errors; all mean "not per spec"
        raise AssertionError(f"{method} {path_with_query} -> {status} does not match the "
                             f"spec: {_describe(exc)}") from None
