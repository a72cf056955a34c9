"""When the nightly refresh runs and how often the background poll looks, from the environment.

Read once, when the definitions load (the daemon reloads them when code changes):
- BALANCE_REFRESH_CRON (default ``0 2 * * *``) and BALANCE_REFRESH_TIMEZONE (default
  ``Europe/London``, an IANA name, so 02:00 stays 02:00 across the clock change);
- BALANCE_POLL_SECONDS (default 300): the sensor's minimum interval. Each poll costs two Xero
  calls per tenant (one for invoices, one for credit notes), so 300 s spends 576 of the 5,000
  calls a day a tenant is allowed; 60 s would spend 2,880;
- BALANCE_POLL_SEND_AS (default empty): the CRM login (finance or admin) the poll names as
  ``requested_by`` when it asks the invoice push to send newly Live invoices, because that job
  requires a person. Empty: the poll refreshes but does not ask for sends.
A bad value stops the definitions from loading with a message naming the variable, instead of
a schedule that silently never fires.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_CRON = "0 2 * * *"
DEFAULT_TIMEZONE = "Europe/London"
DEFAULT_POLL_SECONDS = 300
MIN_POLL_SECONDS = 30


@dataclass(frozen=True)
class RefreshSchedule:
    cron: str = DEFAULT_CRON
    timezone: str = DEFAULT_TIMEZONE
    poll_seconds: int = DEFAULT_POLL_SECONDS
    send_as: str = ""


def schedule_from_env(env: Mapping[str, str] | None = None) -> RefreshSchedule:
    env = os.environ if env is None else env
    cron = (env.get("BALANCE_REFRESH_CRON") or DEFAULT_CRON).strip()
    if len(cron.split()) != 5:
        raise ValueError(f"BALANCE_REFRESH_CRON must be a 5-field cron expression such as '0 2 * * *', got {cron!r}")
    timezone = (env.get("BALANCE_REFRESH_TIMEZONE") or DEFAULT_TIMEZONE).strip()
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError("BALANCE_REFRESH_TIMEZONE must be an IANA time zone such as 'Europe/London', "
                         f"got {timezone!r}") from None
    raw = (env.get("BALANCE_POLL_SECONDS") or str(DEFAULT_POLL_SECONDS)).strip()
    try:
        seconds = int(raw)
    except ValueError:
        raise ValueError(f"BALANCE_POLL_SECONDS must be a whole number of seconds, got {raw!r}") from None
    if seconds < MIN_POLL_SECONDS:
        raise ValueError(f"BALANCE_POLL_SECONDS must be at least {MIN_POLL_SECONDS}, got {seconds}")
    return RefreshSchedule(cron, timezone, seconds, (env.get("BALANCE_POLL_SEND_AS") or "").strip())
