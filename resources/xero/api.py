"""The Xero Accounting API over httpx: paging, batched writes, rate limits, retries, idempotency.

Every call goes through ``request``:
- the tenant's throttle holds one of 5 in-flight slots and a place in the 60-a-minute window;
- 500/502/503/504, timeouts and dropped connections are retried with exponential backoff by
  tenacity, and a write is retried with the *same* Idempotency-Key, so a write whose reply was
  lost after Xero committed it is answered from Xero's idempotency store, not done twice;
- a minute 429 blocks the tenant for Retry-After, then the call is retried;
- a day 429 stops at once with the time the quota resets (retrying would extend the block);
- a 401 makes the token provider refresh once, then the call is retried.
Errors never carry a header or a token: only method, path, status and Xero's message.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

import httpx
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential_jitter,
)

from .errors import XeroDayLimitError, XeroHttpError, XeroNotConnectedError
from .settings import XeroSettings
from .throttle import TenantThrottle

log = logging.getLogger(__name__)

RETRYABLE_STATUS = frozenset({500, 502, 503, 504})
MAX_PAGE_SIZE = 1000  # Xero's ceiling since July 2024; the default of 100 costs 10x the calls
MAX_BATCH = 50  # Xero's recommended ceiling of elements per write

# Which field names the id of each collection's elements.
ID_FIELDS = {
    "Contacts": "ContactID",
    "Items": "ItemID",
    "Invoices": "InvoiceID",
    "CreditNotes": "CreditNoteID",
    "Payments": "PaymentID",
    "TaxRates": "TaxType",
}


class TokenProvider(Protocol):
    def access_token(self, tenant_id: str) -> str: ...

    def invalidate(self, tenant_id: str) -> None: ...


class _RetryableError(Exception):
    """A failure worth another try; carries no request headers.

    ``immediate`` skips the backoff: after a 429 the throttle already waits out Retry-After,
    and after a 401 the refreshed token needs no pause.
    """

    def __init__(self, message: str, *, immediate: bool = False) -> None:
        super().__init__(message)
        self.immediate = immediate


@dataclass
class ElementOutcome:
    """What Xero said about one element of a batched write (summarizeErrors=false)."""

    index: int  # position in the caller's sequence
    ok: bool
    xero_id: str | None
    messages: list[str]
    element: dict[str, Any]


@dataclass
class CallStats:
    calls: int = 0
    retries: int = 0
    by_status: dict[int, int] = field(default_factory=dict)


def idempotency_key(method: str, path: str, params: Mapping[str, Any] | None, body: bytes) -> str:
    """Derived from what is sent, so a retry of the same write reuses it and another write cannot."""
    digest = hashlib.sha256()
    digest.update(method.upper().encode())
    digest.update(b"\0" + path.encode())
    digest.update(b"\0" + json.dumps(sorted((params or {}).items()), default=str).encode())
    digest.update(b"\0" + body)
    return f"crm-xero-sync-{digest.hexdigest()}"


def _error_detail(response: httpx.Response) -> str:
    """Xero's own words from an error body, without echoing anything we sent in headers."""
    try:
        body = response.json()
    except ValueError:
        return response.text[:300] or response.reason_phrase
    if isinstance(body, dict):
        messages = [
            err.get("Message", "")
            for element in body.get("Elements") or []
            for err in element.get("ValidationErrors") or []
        ]
        if messages:
            return "; ".join(m for m in messages if m)
        for key in ("Detail", "Message", "error_description", "error", "Title"):
            if body.get(key):
                return str(body[key])
    return json.dumps(body)[:300]


def _outcomes(collection: str, sent: Sequence[dict[str, Any]], reply: list[dict[str, Any]],
              offset: int) -> list[ElementOutcome]:
    id_field = ID_FIELDS.get(collection, "")
    outcomes = []
    for i, element in enumerate(reply):
        errors = [e.get("Message", "") for e in element.get("ValidationErrors") or []]
        failed = bool(
            errors or element.get("HasErrors") or element.get("HasValidationErrors")
            or element.get("StatusAttributeString") == "ERROR"
        )
        outcomes.append(ElementOutcome(
            index=offset + i,
            ok=not failed,
            xero_id=element.get(id_field) if not failed else None,
            messages=errors,
            element=element if i >= len(sent) or not failed else {**sent[i], **element},
        ))
    return outcomes


class XeroApi:
    """One tenant-aware Xero API client. Thread-safe; share one per process."""

    def __init__(self, settings: XeroSettings, tokens: TokenProvider, *,
                 http: httpx.Client | None = None, minute_seconds: float = 60.0,
                 max_attempts: int = 8, backoff_max: float = 30.0) -> None:
        self.settings = settings
        self.tokens = tokens
        self.http = http or httpx.Client(timeout=settings.timeout_seconds)
        self.minute_seconds = minute_seconds
        self.max_attempts = max_attempts
        self.backoff_max = backoff_max
        self._throttles: dict[str, TenantThrottle] = {}
        self.stats = CallStats()

    def close(self) -> None:
        self.http.close()

    def throttle(self, tenant_id: str) -> TenantThrottle:
        if tenant_id not in self._throttles:
            self._throttles.setdefault(tenant_id, TenantThrottle(minute_seconds=self.minute_seconds))
        return self._throttles[tenant_id]

    # -- one call ---------------------------------------------------------------------------
    def request(self, method: str, path: str, tenant_id: str, *,
                params: Mapping[str, Any] | None = None, json_body: Any = None,
                if_modified_since: datetime | None = None) -> httpx.Response:
        """Call ``/api.xro/2.0{path}`` for a tenant; returns the successful response."""
        method = method.upper()
        body = json.dumps(json_body, separators=(",", ":"), default=str).encode() if json_body is not None else b""
        headers = {"Accept": "application/json", "xero-tenant-id": tenant_id}
        if json_body is not None:
            headers["Content-Type"] = "application/json"
        if method in ("PUT", "POST"):
            headers["Idempotency-Key"] = idempotency_key(method, path, params, body)
        if if_modified_since is not None:
            headers["If-Modified-Since"] = if_modified_since.astimezone(UTC).isoformat(timespec="seconds")
        url = f"{self.settings.accounting_url}{path}"
        throttle = self.throttle(tenant_id)
        state = {"refreshed": False}

        def attempt() -> httpx.Response:
            with throttle.call():
                token = self.tokens.access_token(tenant_id)
                try:
                    response = self.http.request(
                        method, url, params=params, content=body or None,
                        headers={**headers, "Authorization": f"Bearer {token}"},
                    )
                except (httpx.TimeoutException, httpx.TransportError) as exc:
                    # The exception text names the URL only; the request headers stay out of it.
                    raise _RetryableError(f"{method} {path}: {type(exc).__name__}") from None
            self.stats.calls += 1
            self.stats.by_status[response.status_code] = self.stats.by_status.get(response.status_code, 0) + 1
            remaining = response.headers.get("X-MinLimit-Remaining")
            throttle.observe(int(remaining) if remaining and remaining.isdigit() else None)
            return self._judge(response, method, path, tenant_id, throttle, state)

        retrying = Retrying(
            retry=retry_if_exception(lambda e: isinstance(e, _RetryableError)),
            wait=self._wait,
            stop=stop_after_attempt(self.max_attempts),
            before_sleep=self._before_sleep,
            reraise=True,
        )
        try:
            return retrying(attempt)
        except _RetryableError as exc:
            raise XeroHttpError(method, path, 0, f"gave up after {self.max_attempts} attempts ({exc})") from None

    def _judge(self, response: httpx.Response, method: str, path: str, tenant_id: str,
               throttle: TenantThrottle, state: dict[str, bool]) -> httpx.Response:
        status = response.status_code
        if status < 400:
            return response
        if status == 401:
            if state["refreshed"]:
                raise XeroNotConnectedError(f"Xero refused the access token for tenant {tenant_id} after a refresh")
            state["refreshed"] = True
            self.tokens.invalidate(tenant_id)
            raise _RetryableError(f"{method} {path}: 401, token refreshed", immediate=True)
        if status == 429:
            retry_after = float(response.headers.get("Retry-After") or 60)
            problem = (response.headers.get("X-Rate-Limit-Problem") or "").lower()
            if problem.startswith("day"):
                raise XeroDayLimitError(tenant_id, datetime.now(UTC) + timedelta(seconds=retry_after))
            throttle.block_for(retry_after)  # the next attempt waits in throttle.call()
            raise _RetryableError(
                f"{method} {path}: 429 {problem or 'minute'} limit, waiting {retry_after:g}s", immediate=True
            )
        if status in RETRYABLE_STATUS:
            raise _RetryableError(f"{method} {path}: {status}")
        raise XeroHttpError(method, path, status, _error_detail(response))

    def _wait(self, retry_state: RetryCallState) -> float:
        exc = retry_state.outcome.exception() if retry_state.outcome else None
        if isinstance(exc, _RetryableError) and exc.immediate:
            return 0.0
        backoff = wait_exponential_jitter(multiplier=0.2, max=self.backoff_max, jitter=min(1.0, self.backoff_max))
        return backoff(retry_state)

    def _before_sleep(self, retry_state: RetryCallState) -> None:
        self.stats.retries += 1
        exc = retry_state.outcome.exception() if retry_state.outcome else None
        log.warning("Xero call retried (attempt %d): %s", retry_state.attempt_number, exc)

    # -- reads ------------------------------------------------------------------------------
    def get_pages(self, collection: str, tenant_id: str, *, params: Mapping[str, Any] | None = None,
                  if_modified_since: datetime | None = None,
                  page_size: int = MAX_PAGE_SIZE) -> Iterator[list[dict[str, Any]]]:
        """Yield each page of a paged collection until a short page says there is no more."""
        page = 1
        while True:
            response = self.request(
                "GET", f"/{collection}", tenant_id,
                params={**(params or {}), "page": page, "pageSize": page_size},
                if_modified_since=if_modified_since,
            )
            payload = response.json()
            items = payload.get(collection) or []
            if items:
                yield items
            pagination = payload.get("pagination") or {}
            page_count = pagination.get("pageCount")
            if len(items) < page_size or (page_count is not None and page >= page_count):
                return
            page += 1

    def get_all(self, collection: str, tenant_id: str, *,
                params: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
        """An unpaged collection (Items, TaxRates)."""
        return self.request("GET", f"/{collection}", tenant_id, params=params).json().get(collection) or []

    def connections(self) -> list[dict[str, Any]]:
        """The tenants this connection may use (GET /connections); no tenant header needed."""
        token = self.tokens.access_token("")
        response = self.http.get(
            f"{self.settings.api_base_url}/connections",
            headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
        )
        if response.status_code >= 400:
            raise XeroHttpError("GET", "/connections", response.status_code, _error_detail(response))
        return response.json()

    # -- writes -----------------------------------------------------------------------------
    def write_batches(self, collection: str, tenant_id: str, elements: Iterable[dict[str, Any]], *,
                      method: str = "POST", batch_size: int = MAX_BATCH,
                      params: Mapping[str, Any] | None = None) -> Iterator[list[ElementOutcome]]:
        """Send elements in batches of at most 50 with summarizeErrors=false; yield each batch's
        per-element outcomes as soon as Xero answers, so callers record progress batch by batch.
        ``params`` adds query parameters to every call (e.g. ``{"unitdp": 4}`` for 4 dp prices)."""
        if not 1 <= batch_size <= MAX_BATCH:
            raise ValueError(f"batch_size must be 1..{MAX_BATCH}, got {batch_size}")
        batch: list[dict[str, Any]] = []
        offset = 0
        for element in elements:
            batch.append(element)
            if len(batch) == batch_size:
                yield self._write(collection, tenant_id, batch, method, offset, params)
                offset += len(batch)
                batch = []
        if batch:
            yield self._write(collection, tenant_id, batch, method, offset, params)

    def _write(self, collection: str, tenant_id: str, batch: list[dict[str, Any]], method: str,
               offset: int, params: Mapping[str, Any] | None = None) -> list[ElementOutcome]:
        response = self.request(
            method, f"/{collection}", tenant_id,
            params={**(params or {}), "summarizeErrors": "false"}, json_body={collection: batch},
        )
        return _outcomes(collection, batch, response.json().get(collection) or [], offset)
