"""B38: only finance and admin users may send to or update from Xero."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import Engine

from resources.crm.db import session_factory
from resources.crm.models import User, UserRole
from resources.crm.permissions import PermissionRefused, require_finance_or_admin
from resources.crm.xero_log import LogEntry, read_log, write_log


@pytest.fixture
def users(migrated_engine: Engine) -> Engine:
    with session_factory(migrated_engine)() as session:
        session.add_all([
            User(login="fiona", full_name="Fiona Finance", role=UserRole.FINANCE),
            User(login="adam", full_name="Adam Admin", role=UserRole.ADMIN),
            User(login="sam", full_name="Sam Sales", role=UserRole.SALES),
        ])
        session.commit()
    return migrated_engine


@pytest.mark.parametrize("login", ["fiona", "adam"])
def test_finance_and_admin_may_act(users: Engine, login: str):
    assert require_finance_or_admin(users, login, "send_invoices").login == login


@pytest.mark.parametrize(("login", "reason"), [
    ("sam", "role sales"), ("nobody", "not a CRM user"), ("  ", "requested_by is empty"),
])
def test_anyone_else_is_refused_with_the_reason(users: Engine, login: str, reason: str):
    with pytest.raises(PermissionRefused, match=reason):
        require_finance_or_admin(users, login, "send_invoices")


def test_log_rows_are_kept_per_run_in_order(users: Engine):
    """B34: one row per document per attempt, readable back for the run."""
    write_log(users, "run-1", [
        LogEntry("send_invoice", "success", "invoice", "INV-1", "x-1"),
        LogEntry("send_invoice", "error", "invoice", "INV-2", message="Invoice # must be unique."),
    ])
    write_log(users, "run-2", [LogEntry("send_invoice", "success", "invoice", "INV-3")])
    rows = read_log(users, "run-1")
    assert [(r["document_number"], r["outcome"]) for r in rows] == [("INV-1", "success"), ("INV-2", "error")]
    assert rows[1]["message"] == "Invoice # must be unique."
