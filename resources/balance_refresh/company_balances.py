"""Company balances: what each company still owes on its invoices (B25, B30).

The definition is the CRM's own (the demo data builds balances the same way): the sum of the
amount outstanding of the company's invoices that are not Cancelled. Unused credit stays on
the credit notes (remaining credit) and is compared with Xero by the reconciliation instead,
so a balance means the same thing before and after a refresh.

Only the update-all job recomputes balances (the original's "at the end"); it also recomputes
the companies a batch touched inside that batch's transaction, so a run stopped midway never
leaves a written invoice and its company's balance disagreeing. Sums are done in Python on
Decimals: SQLite would add NUMERIC columns as floats.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import Connection, select, update

from resources.crm.models import Company, Invoice, InvoiceStatus
from resources.crm.xero_log import LogEntry

from .documents import IN_CHUNK, chunks

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class BalanceChange:
    company_id: int
    account_name: str
    before: Decimal
    after: Decimal

    def log_entry(self, actor: str) -> LogEntry:
        return LogEntry(operation="recompute_balance", outcome="changed", document_type="company",
                        document_number=str(self.company_id),
                        message=f"{self.account_name}: balance {self.before} -> {self.after} (by {actor})")


def balance_changes(db: Connection, company_ids: Collection[int] | None = None,
                    overrides: Mapping[int, tuple[InvoiceStatus, Decimal]] | None = None) -> list[BalanceChange]:
    """Companies whose stored balance differs from what their invoices owe.

    ``company_ids`` None means every company. ``overrides`` (invoice id -> status, outstanding)
    stands in for writes a dry run did not make, so it reports the balances a real run would set.
    """
    companies = Company.__table__
    invoices = Invoice.__table__
    overrides = overrides or {}
    groups = [None] if company_ids is None else list(chunks(sorted(set(company_ids)), IN_CHUNK))
    changes: list[BalanceChange] = []
    for group in groups:
        owed: dict[int, Decimal] = {}
        query = select(invoices.c.id, invoices.c.company_id, invoices.c.status, invoices.c.amount_outstanding)
        held = select(companies.c.crm_id, companies.c.account_name, companies.c.balance).order_by(companies.c.crm_id)
        if group is not None:
            query = query.where(invoices.c.company_id.in_(group))
            held = held.where(companies.c.crm_id.in_(group))
        for row in db.execute(query):
            status, outstanding = overrides.get(row.id, (InvoiceStatus(row.status), row.amount_outstanding))
            if status is not InvoiceStatus.CANCELLED:
                owed[row.company_id] = owed.get(row.company_id, ZERO) + outstanding
        for row in db.execute(held):
            after = owed.get(row.crm_id, ZERO)
            if after != row.balance:
                changes.append(BalanceChange(row.crm_id, row.account_name, row.balance, after))
    return changes


def apply_balance_changes(db: Connection, changes: Collection[BalanceChange]) -> None:
    companies = Company.__table__
    for change in changes:
        db.execute(update(companies).where(companies.c.crm_id == change.company_id).values(balance=change.after))
