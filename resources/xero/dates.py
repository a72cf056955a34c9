"""Xero's JSON dates: ``/Date(1539955199549+0000)/`` (UTC milliseconds, optional offset)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

_MSDATE = re.compile(r"^/Date\((-?\d+)([+-]\d{4})?\)/$")


def parse_xero_datetime(value: str) -> datetime:
    """An aware UTC datetime from Xero's /Date(ms)/ form, or from an ISO-8601 string."""
    text = value.strip()
    match = _MSDATE.match(text)
    if match:
        return datetime.fromtimestamp(int(match.group(1)) / 1000, tz=UTC)
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
