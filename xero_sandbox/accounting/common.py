"""Plumbing shared by the accounting handlers: money, request bodies, batches, lists, rendering.

Documents are stored as the JSON Xero would return, except that money is kept as decimal
strings ("800.00") so no amount ever passes through a float inside the sandbox. ``render``
turns those strings into JSON numbers at the edge, which is the only place floats appear.
"""

from __future__ import annotations

import math
import re
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from ..api import ApiRequest, ApiResponse
from ..clock import Clock
from ..errors import XeroApiError, bad_request, validation_exception
from ..state import SandboxState
from ..xero_json import envelope, parse_if_modified_since, parse_msdate, parse_xero_date, to_msdate

ZERO_UUID = "00000000-0000-0000-0000-000000000000"
CENT = Decimal("0.01")
MAX_PAGE_SIZE = 1000
DEFAULT_PAGE_SIZE = 100

# Keys whose values are money or rates: stored as decimal strings, sent as JSON numbers.
NUMERIC_KEYS = frozenset({
    "Quantity", "UnitAmount", "LineAmount", "TaxAmount", "DiscountRate", "DiscountAmount",
    "SubTotal", "TotalTax", "Total", "TotalDiscount", "AmountDue", "AmountPaid", "AmountCredited",
    "CurrencyRate", "RemainingCredit", "AppliedAmount", "Amount", "BankAmount", "UnitPrice",
    "Rate", "DisplayTaxRate", "EffectiveRate", "TotalCostPool", "QuantityOnHand", "Outstanding",
    "Overdue", "Discount", "CISDeduction", "CISRate",
})
# Unit prices honour ?unitdp=4; everything else is shown as stored.
UNIT_KEYS = frozenset({"UnitAmount", "UnitPrice"})

_GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


class ElementError(Exception):
    """One element of a PUT/POST failed validation; it carries Xero's messages."""

    def __init__(self, *messages: str) -> None:
        super().__init__("; ".join(messages))
        self.messages = list(messages)


# -- money ---------------------------------------------------------------------------------
def dec(value: Any, field: str) -> Decimal:
    """A request number (JSON number or numeric string, as the Ruby samples send) as Decimal."""
    if isinstance(value, bool) or value is None:
        raise ElementError(f"{field} must be a number")
    try:
        # str() first: Decimal(0.1) would carry the float's binary error into the books.
        result = Decimal(str(value).strip())
    except InvalidOperation:
        raise ElementError(f"{field} '{value}' is not a valid number") from None
    if not result.is_finite():
        raise ElementError(f"{field} '{value}' is not a valid number")
    return result


def stored_dec(value: Any) -> Decimal:
    """A number read back from a stored document (string, or float for recorded fixtures)."""
    if value is None or value == "":
        return Decimal("0")
    return Decimal(str(value))


def round_to(value: Decimal, places: int) -> Decimal:
    """Half-up rounding, as Xero rounds line amounts and tax (not Python's banker's rounding)."""
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def q2(value: Decimal) -> Decimal:
    return round_to(value, 2)


def money_str(value: Decimal, places: int = 2) -> str:
    return str(round_to(value, places))


# -- ids, dates, text ------------------------------------------------------------------------
def new_id() -> str:
    return str(uuid.uuid4())


def is_guid(text: Any) -> bool:
    return isinstance(text, str) and bool(_GUID.match(text.strip()))


def same_id(a: Any, b: Any) -> bool:
    return isinstance(a, str) and isinstance(b, str) and a.strip().lower() == b.strip().lower()


def now_stamp(clock: Clock) -> tuple[datetime, int]:
    """The moment of a write: a UTC datetime and its epoch milliseconds."""
    moment = clock.now().astimezone(UTC)
    return moment, int(moment.timestamp() * 1000)


def stamp(doc: dict[str, Any], clock: Clock, *, with_string: bool = False) -> int:
    """Set UpdatedDateUTC (and the ISO companion Xero added in spec 16.1) and return its ms."""
    moment, ms = now_stamp(clock)
    doc["UpdatedDateUTC"] = f"/Date({ms}+0000)/"
    if with_string:
        doc["UpdatedDateUTCString"] = moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    return ms


def updated_ms(doc: dict[str, Any], clock: Clock) -> int:
    """The ms of a document's UpdatedDateUTC (recorded fixtures keep theirs), else now."""
    value = doc.get("UpdatedDateUTC")
    if isinstance(value, str):
        try:
            return int(parse_msdate(value).timestamp() * 1000)
        except ValueError:
            pass
    return now_stamp(clock)[1]


def request_date(value: Any, field: str) -> date:
    """A body date: ``YYYY-MM-DD``, ``YYYY-MM-DDT00:00:00`` or ``/Date(ms)/`` (xero-python)."""
    try:
        return parse_xero_date(value, field)
    except ValueError as exc:
        raise ElementError(str(exc)) from None



def amount_and_date(req: ApiRequest, element: dict[str, Any], errors: list[str], *,
                    missing: str, not_positive: str) -> tuple[Decimal, date]:
    """The Amount (2 dp, above zero) and Date (today when absent) of a payment or allocation;
    problems are appended to ``errors`` so every one is reported at once, as Xero does."""
    amount = Decimal("0")
    if element.get("Amount") in (None, ""):
        errors.append(missing)
    else:
        try:
            amount = q2(dec(element["Amount"], "Amount"))
            if amount <= 0:
                errors.append(not_positive)
        except ElementError as exc:
            errors.extend(exc.messages)
    day = req.clock.now().date()
    if element.get("Date") not in (None, ""):
        try:
            day = request_date(element["Date"], "Date")
        except ElementError as exc:
            errors.extend(exc.messages)
    return amount, day

def doc_date(value: Any) -> date | None:
    """A stored ``/Date(ms+0000)/`` (or ISO string) as a date, for filters and balances."""
    if not isinstance(value, str) or not value:
        return None
    try:
        return parse_xero_date(value)
    except ValueError:
        return None


def msdate(day: date) -> str:
    return to_msdate(day)


def text_field(element: dict[str, Any], field: str, max_len: int | None = None,
               label: str | None = None) -> str | None:
    """An optional string field, with Xero's length limit checked."""
    if field not in element or element[field] is None:
        return None
    value = element[field]
    if not isinstance(value, str):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ElementError(f"{label or field} must be a string")
        value = str(value)
    if max_len is not None and len(value) > max_len:
        raise ElementError(f"{label or field} must not be more than {max_len} characters long.")
    return value


def bool_field(element: dict[str, Any], field: str) -> bool | None:
    value = element.get(field)
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise ElementError(f"{field} must be true or false")


# -- rendering -------------------------------------------------------------------------------
def render(value: Any, unitdp: int = 2) -> Any:
    """A stored document as JSON for the wire: decimal strings become numbers."""
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, item in value.items():
            if key in NUMERIC_KEYS and isinstance(item, str) and item != "":
                number = Decimal(item)
                if key in UNIT_KEYS:
                    number = round_to(number, unitdp)
                out[key] = _json_number(number)
            else:
                out[key] = render(item, unitdp)
        return out
    if isinstance(value, list):
        return [render(item, unitdp) for item in value]
    return value


def _json_number(number: Decimal) -> float | int:
    # The spec types every amount as a double; xero-python and the Ruby samples read floats.
    return float(number)


def unitdp(req: ApiRequest) -> int:
    raw = req.param("unitdp")
    if raw is None:
        return 2
    try:
        value = int(raw)
    except ValueError:
        raise bad_request(f"unitdp '{raw}' is not a whole number") from None
    # Xero only offers 2 (default) and 4 decimal places for unit amounts.
    return 4 if value >= 4 else 2


# -- request bodies --------------------------------------------------------------------------
def body_elements(req: ApiRequest, collection: str) -> list[dict[str, Any]]:
    """The elements of a PUT/POST body: ``{"Contacts":[...]}`` (any key case), a bare list,
    or one object without the wrapper, all of which Xero accepts."""
    body = req.body
    if body is None:
        raise bad_request("The request body is empty; send JSON with a "
                          f"\"{collection}\" array")
    items: Any = body
    if isinstance(body, dict):
        for key, value in body.items():
            if key.lower() == collection.lower():
                items = value
                break
        else:
            items = [body]
    if isinstance(items, dict):
        items = [items]
    if not isinstance(items, list) or not all(isinstance(x, dict) for x in items):
        raise bad_request(f"\"{collection}\" must be an array of objects")
    if not items:
        raise bad_request(f"\"{collection}\" must contain at least one element")
    return items


@dataclass(frozen=True)
class Echo:
    """How a failed element is echoed back: its id key and which error flags its schema has."""
    id_key: str
    flags: tuple[str, ...] = ("HasValidationErrors",)


def failed_element(element: dict[str, Any], messages: list[str], echo: Echo) -> dict[str, Any]:
    """Xero's echo of a refused element: what was sent, plus its errors."""
    out = dict(element)
    if echo.id_key and not out.get(echo.id_key):
        # Xero answers a refused create with the all-zero id (spec 400 example, Contacts).
        out[echo.id_key] = ZERO_UUID
    for flag in echo.flags:
        out[flag] = True
    out["StatusAttributeString"] = "ERROR"
    out["ValidationErrors"] = [{"Message": m} for m in messages]
    return out


def write_batch(req: ApiRequest, collection: str, elements: list[dict[str, Any]],
                write_one: Callable[[dict[str, Any]], dict[str, Any]], echo: Echo,
                *, extra_headers: dict[str, str] | None = None) -> ApiResponse:
    """Apply ``write_one`` to each element under Xero's summarizeErrors rules.

    ``summarizeErrors=false``: every element is tried on its own savepoint; failures are
    undone and echoed with their errors, successes kept, and the reply is always 200.
    Default (absent or true): if any element fails, the reply is a 400 ValidationException
    listing the failed elements and NOTHING is saved. Xero reportedly may keep the valid
    elements of a failed batch; the sandbox is atomic here on purpose, so that a test can
    reason about state after a 400.

    ``write_one`` returns the rendered element or raises ElementError; an XeroApiError (e.g.
    404 for an unknown id in the element itself) aborts the whole request.
    """
    summarize = req.flag("summarizeErrors", default=True)
    state = req.state
    results: list[dict[str, Any]] = []
    failures: list[dict[str, Any]] = []
    with state.savepoint():
        for element in elements:
            try:
                with state.savepoint():
                    done = write_one(element)
            except ElementError as exc:
                echoed = failed_element(element, exc.messages, echo)
                results.append(echoed)
                failures.append(echoed)
                continue
            done = dict(done)
            done["StatusAttributeString"] = "OK"
            results.append(done)
        if failures and summarize:
            # Raised inside the outer savepoint, so the good elements are undone too.
            raise validation_exception(failures)
    return ApiResponse(200, envelope(collection, results, req.clock.now()),
                       dict(extra_headers or {}))


def element_error_to_exception(exc: ElementError, element: dict[str, Any],
                               echo: Echo) -> XeroApiError:
    """For single-object writes outside a batch (admin record_payment)."""
    return validation_exception([failed_element(element, exc.messages, echo)])


# -- list queries ----------------------------------------------------------------------------
@dataclass
class Paging:
    page: int
    page_size: int


def paging(req: ApiRequest) -> Paging | None:
    """``page``/``pageSize``. Paging is on only when ``page`` is given (a bare ``pageSize`` is
    ignored, as the spec ties it to paging). pageSize defaults to 100 and is clamped to
    1000, Xero's stated maximum since July 2024; page < 1 reads as page 1."""
    raw_page = req.param("page")
    if raw_page is None or raw_page.strip() == "":
        return None
    try:
        page = int(raw_page)
    except ValueError:
        raise bad_request(f"page '{raw_page}' is not a whole number") from None
    raw_size = req.param("pageSize")
    size = DEFAULT_PAGE_SIZE
    if raw_size is not None and raw_size.strip() != "":
        try:
            size = int(raw_size)
        except ValueError:
            raise bad_request(f"pageSize '{raw_size}' is not a whole number") from None
        if size < 1:
            raise bad_request(f"pageSize must be between 1 and {MAX_PAGE_SIZE}")
    return Paging(page=max(page, 1), page_size=min(size, MAX_PAGE_SIZE))


def pagination(pg: Paging, total: int) -> dict[str, int]:
    return {"page": pg.page, "pageSize": pg.page_size,
            "pageCount": math.ceil(total / pg.page_size) if total else 0, "itemCount": total}


def modified_since_ms(req: ApiRequest) -> int | None:
    raw = req.headers.get("if-modified-since")
    if raw is None or raw.strip() == "":
        return None
    try:
        moment = parse_if_modified_since(raw)
    except (ValueError, TypeError):
        raise bad_request(f"If-Modified-Since '{raw}' is not a valid date-time") from None
    return int(moment.timestamp() * 1000)


def csv_param(req: ApiRequest, name: str) -> list[str] | None:
    """A comma-separated list parameter (``IDs``, ``Statuses``...); quotes around items, as in
    the spec's examples, are dropped."""
    raw = req.param(name)
    if raw is None:
        return None
    values = [v.strip().strip('"').strip() for v in raw.split(",")]
    return [v for v in values if v]


def order_docs(docs: list[dict[str, Any]], order: str | None,
               key_of: Callable[[dict[str, Any], str], Any]) -> list[dict[str, Any]]:
    """``order=Name ASC, UpdatedDateUTC DESC``: a stable sort on each named field."""
    if not order or not order.strip():
        return docs
    terms = []
    for part in order.split(","):
        bits = part.strip().split()
        if not bits:
            continue
        if len(bits) > 2 or (len(bits) == 2 and bits[1].upper() not in ("ASC", "DESC")):
            raise bad_request(f"order '{order}' is not understood; use e.g. 'Name ASC'")
        terms.append((bits[0], len(bits) == 2 and bits[1].upper() == "DESC"))
    for field, descending in reversed(terms):
        present = [d for d in docs if key_of(d, field) is not None]
        missing = [d for d in docs if key_of(d, field) is None]
        present.sort(key=lambda d, f=field: key_of(d, f), reverse=descending)
        docs = present + missing
    return docs


def list_documents(req: ApiRequest, kind: str, *, ids: list[str] | None = None,
                   keys: list[str] | None = None, statuses: list[str] | None = None,
                   exclude_statuses: list[str] | None = None,
                   keep: Callable[[dict[str, Any]], bool] | None = None,
                   order_key: Callable[[dict[str, Any], str], Any] | None = None,
                   pageable: bool = True, modified_since: bool = True,
                   ) -> tuple[list[dict[str, Any]], dict[str, int] | None]:
    """Documents of one kind for a GET list, with If-Modified-Since, SQL-side column filters,
    an optional Python filter (``where``/``searchTerm``), order, and paging.

    Without a Python filter or order, a page is fetched with LIMIT/OFFSET in SQL. Collections
    Xero does not page (Items, TaxRates) pass ``pageable=False``; TaxRates also ignore
    If-Modified-Since (``modified_since=False``), as Xero's spec gives them no such header."""
    state, tenant = req.state, req.tenant_id
    since = modified_since_ms(req) if modified_since else None
    pg = paging(req) if pageable else None
    order = req.param("order")
    filters = {"modified_since_ms": since, "ids": ids, "keys": keys, "statuses": statuses,
               "exclude_statuses": exclude_statuses}
    if keep is None and not (order and order.strip()):
        if pg is None:
            return state.query_objects(tenant, kind, **filters), None
        total = state.count_query(tenant, kind, **filters)
        docs = state.query_objects(tenant, kind, limit=pg.page_size,
                                   offset=(pg.page - 1) * pg.page_size, **filters)
        return docs, pagination(pg, total)
    docs = state.query_objects(tenant, kind, **filters)
    if keep is not None:
        docs = [d for d in docs if keep(d)]
    if order_key is not None:
        docs = order_docs(docs, order, order_key)
    if pg is None:
        return docs, None
    start = (pg.page - 1) * pg.page_size
    return docs[start:start + pg.page_size], pagination(pg, len(docs))


def field_value(doc: dict[str, Any], path: str) -> Any:
    """``Contact.ContactID`` -> doc["Contact"]["ContactID"], case-insensitive keys."""
    current: Any = doc
    for part in path.split("."):
        if not isinstance(current, dict):
            return None
        if part in current:
            current = current[part]
            continue
        lowered = part.lower()
        for key, value in current.items():
            if key.lower() == lowered:
                current = value
                break
        else:
            return None
    return current


def sort_key(doc: dict[str, Any], field: str) -> Any:
    """A comparable value for ``order``: dates by time, numbers as Decimal, text folded."""
    value = field_value(doc, field)
    if value is None:
        return None
    if isinstance(value, bool):
        return (0, int(value))
    if isinstance(value, int | float):
        return (1, Decimal(str(value)))
    if isinstance(value, str):
        if value.startswith("/Date("):
            try:
                return (2, parse_msdate(value).timestamp())
            except ValueError:
                pass
        if field.split(".")[-1] in NUMERIC_KEYS:
            try:
                return (1, Decimal(value))
            except InvalidOperation:
                pass
        return (3, value.casefold())
    return None


def search_match(doc: dict[str, Any], term: str, fields: Iterable[str]) -> bool:
    folded = term.casefold()
    return any(isinstance(v, str) and folded in v.casefold()
               for v in (field_value(doc, f) for f in fields))


def ok(collection: str, items: list[dict[str, Any]], req: ApiRequest,
       page_info: dict[str, int] | None = None,
       warnings: list[dict[str, Any]] | None = None) -> ApiResponse:
    return ApiResponse(200, envelope(collection, items, req.clock.now(), page_info, warnings))


def storage_id(object_id: str) -> str:
    """Xero ids are GUIDs compared without regard to case; rows are keyed by the lower-case
    form so an id typed in capitals (or recorded that way) finds the same document."""
    return object_id.lower() if is_guid(object_id) else object_id


def get_doc(state: SandboxState, tenant_id: str, kind: str,
            object_id: Any) -> dict[str, Any] | None:
    if not isinstance(object_id, str) or not object_id:
        return None
    return state.get_object(tenant_id, kind, storage_id(object_id.strip()))


def put_doc(state: SandboxState, tenant_id: str, kind: str, object_id: str, doc: dict[str, Any],
            clock: Clock, *, natural_key: str | None = None, name: str | None = None,
            status: str | None = None) -> None:
    state.put_object(tenant_id, kind, storage_id(object_id), doc,
                     updated_ms=updated_ms(doc, clock), natural_key=natural_key, name=name,
                     status=status)
