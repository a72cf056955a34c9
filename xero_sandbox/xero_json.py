"""Xero's JSON conventions: /Date(ms+0000)/ dates, the response envelope, request date parsing.

Xero answers with Microsoft .NET JSON dates and accepts either ``YYYY-MM-DD`` or ``/Date(ms)/``
in request bodies (xero-python sends the latter), so both are parsed here.
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

_MSDATE = re.compile(r"^/Date\((-?\d+)([+-]\d{4})?\)/$")


def to_msdate(moment: datetime | date) -> str:
    """A datetime (UTC assumed when naive) or a date as Xero's ``/Date(ms+0000)/``."""
    if not isinstance(moment, datetime):
        moment = datetime(moment.year, moment.month, moment.day, tzinfo=UTC)
    elif moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    ms = int(moment.timestamp() * 1000)
    return f"/Date({ms}+0000)/"


def parse_xero_date(value: Any, field: str = "Date") -> date:
    """Parse a request-body date in either form Xero accepts; raise ValueError naming the field."""
    if isinstance(value, str):
        text = value.strip()
        match = _MSDATE.match(text)
        if match:
            return parse_msdate(text).date()
        try:
            return datetime.fromisoformat(text).date()
        except ValueError:
            pass
    raise ValueError(f"{field} '{value}' is not a valid date (use YYYY-MM-DD or /Date(ms)/)")


def parse_msdate(text: str) -> datetime:
    """``/Date(ms[+hhmm])/`` to an aware UTC datetime. The offset only shifts local display."""
    match = _MSDATE.match(text.strip())
    if not match:
        raise ValueError(f"'{text}' is not a /Date(ms)/ value")
    return datetime.fromtimestamp(int(match.group(1)) / 1000, tz=UTC)


def parse_if_modified_since(value: str) -> datetime:
    """The If-Modified-Since header: ISO-8601 (xero-python) or an RFC 1123 HTTP date."""
    text = value.strip()
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        from email.utils import parsedate_to_datetime

        moment = parsedate_to_datetime(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def date_string(day: date) -> str:
    """The readable companion Xero sends beside a date, e.g. ``2019-03-11T00:00:00``."""
    return f"{day.isoformat()}T00:00:00"


def money(value: Decimal) -> float:
    """JSON number for a 2dp money amount (the spec types amounts as double)."""
    return float(value)


def envelope(collection: str, items: list[dict[str, Any]], now: datetime,
             pagination: dict[str, int] | None = None,
             warnings: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """Xero's reply shape: ``{"Id","Status","ProviderName","DateTimeUTC",[pagination],<Collection>}``."""
    body: dict[str, Any] = {
        "Id": str(uuid.uuid4()),
        "Status": "OK",
        "ProviderName": "crm-xero-sync sandbox",
        "DateTimeUTC": to_msdate(now).replace("+0000", ""),
    }
    if pagination is not None:
        body["pagination"] = pagination
    if warnings:
        body["Warnings"] = warnings
    body[collection] = items
    return body


def days(n: int) -> timedelta:
    return timedelta(days=n)
