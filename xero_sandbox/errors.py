"""Xero's error replies, raised by handlers and turned into HTTP responses by the shell."""

from __future__ import annotations

import uuid
from typing import Any


class XeroApiError(Exception):
    """An error reply: HTTP status, JSON body, extra headers."""

    def __init__(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        super().__init__(f"{status}: {body}")
        self.status = status
        self.body = body
        self.headers = headers or {}


def validation_exception(elements: list[dict[str, Any]],
                         message: str = "A validation exception occurred") -> XeroApiError:
    """Xero's summarised 400: every element echoed back with its ValidationErrors."""
    return XeroApiError(400, {
        "ErrorNumber": 10,
        "Type": "ValidationException",
        "Message": message,
        "Elements": elements,
    })


def bad_request(message: str) -> XeroApiError:
    """A 400 that is not about one element (malformed body, bad query, reused Idempotency-Key)."""
    return XeroApiError(400, {"ErrorNumber": 10, "Type": "ValidationException", "Message": message, "Elements": []})


def problem(status: int, title: str, detail: str) -> XeroApiError:
    """The RFC-7807-like body Xero's gateway uses for 401/403."""
    return XeroApiError(status, {
        "Type": None, "Title": title, "Status": status, "Detail": detail,
        "Instance": str(uuid.uuid4()), "Extensions": {},
    })


def not_found(what: str) -> XeroApiError:
    return XeroApiError(404, {"Type": None, "Title": "NotFound", "Status": 404,
                              "Detail": f"The resource you're looking for cannot be found: {what}"})
