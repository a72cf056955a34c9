"""Who a refresh runs for: a finance or admin person, or the Dagster daemon (B38).

A person launching update_selected_invoices or update_all_invoice_balances names themselves in
``requested_by`` and must hold the finance or admin role, checked before anything is read.
The nightly schedule and the background sensor have no person behind them. Their runs carry
the tags Dagster itself puts on every run a schedule or sensor launches
(``dagster/schedule_name``, ``dagster/sensor_name``), so an empty ``requested_by`` on such a run
is a system run, recorded in xero_log as ``schedule:<name>`` or ``sensor:<name>``. An empty
``requested_by`` on any other run is refused. Anyone who can launch runs can also type those
tags into the launchpad; Dagster OSS has no user accounts, so the launchpad itself is the
boundary, and xero_log shows which identity every change was made under.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import Engine

from resources.crm.permissions import require_finance_or_admin

SYSTEM_TAGS = {"dagster/schedule_name": "schedule", "dagster/sensor_name": "sensor"}


@dataclass(frozen=True)
class Requester:
    label: str  # the CRM login, or "schedule:<name>" / "sensor:<name>"
    is_system: bool


def resolve_requester(engine: Engine, requested_by: str, run_tags: Mapping[str, str], action: str) -> Requester:
    """The identity a run acts under; PermissionRefused when a person may not, or nobody is named."""
    if (requested_by or "").strip():
        user = require_finance_or_admin(engine, requested_by, action)
        return Requester(user.login, is_system=False)
    for tag, kind in SYSTEM_TAGS.items():
        if run_tags.get(tag):
            return Requester(f"{kind}:{run_tags[tag]}", is_system=True)
    require_finance_or_admin(engine, "", action)  # raises the standard "requested_by is empty" refusal
    raise AssertionError("unreachable")
