"""Reconciliation: what the CRM says each company owes, against what Xero says, document by document.

The comparison is built from the documents themselves, not from Xero's contact Balances:
- Balances count only approved documents, while the push sends drafts by default (B35), so a
  company with a draft invoice would always "differ";
- Balances also count documents that never came from the CRM (typed straight into Xero);
- Xero does not bump a contact's UpdatedDateUTC when its balance moves, so Balances could not be
  read incrementally anyway (reference/xero-api.md section 2).
So for every CRM invoice and credit note linked to Xero (any status), the CRM side is its
amount outstanding (remaining credit for a credit note, counted negative; nothing for a
Cancelled one) and the Xero side is AmountDue (RemainingCredit; nothing once voided or
deleted, and nothing when Xero no longer has it). Per company and currency the two totals
must agree. This catches what the refresh by design does not look at: a payment removed in
Xero from an invoice the CRM already marks Paid, a document voided after the CRM cancelled
it or the other way round, a change If-Modified-Since did not report, a CRM edit by hand.

Xero is read fresh, with the same planner as the refresh and no cursor: every page of sales
documents, or the linked documents by id, whichever costs fewer calls.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

import pandas as pd
from sqlalchemy import Engine, select

from resources.crm.models import Company, InvoiceStatus
from resources.xero.api import XeroApi

from .documents import IN_CHUNK, CrmDocument, DocKind, chunks, linked_documents
from .fetch import DocumentFetcher
from .xero_answer import parse_batch

ZERO = Decimal("0.00")
COLUMNS = ["company_id", "account_name", "currency", "crm_outstanding", "xero_outstanding", "difference",
           "documents", "differing_documents"]


@dataclass(frozen=True)
class CompanyReconciliation:
    company_id: int
    account_name: str
    currency: str
    crm_outstanding: Decimal
    xero_outstanding: Decimal
    documents: int
    differing_documents: tuple[str, ...]

    @property
    def difference(self) -> Decimal:
        return self.crm_outstanding - self.xero_outstanding


@dataclass
class ReconciliationReport:
    rows: list[CompanyReconciliation] = field(default_factory=list)
    documents: int = 0
    missing_in_xero: list[str] = field(default_factory=list)
    api_calls: int = 0
    plans: list[str] = field(default_factory=list)

    @property
    def differing(self) -> list[CompanyReconciliation]:
        return [r for r in self.rows if r.difference != ZERO]

    def frame(self) -> pd.DataFrame:
        records = [{
            "company_id": r.company_id, "account_name": r.account_name, "currency": r.currency,
            "crm_outstanding": r.crm_outstanding, "xero_outstanding": r.xero_outstanding,
            "difference": r.difference, "documents": r.documents,
            "differing_documents": ", ".join(r.differing_documents),
        } for r in self.rows]
        return pd.DataFrame.from_records(records, columns=COLUMNS)


def _crm_value(doc: CrmDocument) -> Decimal:
    if doc.status is InvoiceStatus.CANCELLED:
        return ZERO
    if doc.kind is DocKind.INVOICE:
        return doc.amount_outstanding
    return -(doc.remaining_credit or ZERO)


def reconcile_balances(api: XeroApi, engine: Engine, tenant_ids: Sequence[str], *,
                       progress: Callable[[str], None] | None = None) -> ReconciliationReport:
    """Compare, per company and currency, the CRM's outstanding total with Xero's."""
    report = ReconciliationReport()
    say = progress or (lambda _m: None)
    calls_before = api.stats.calls
    xero_value: dict[tuple[DocKind, str], Decimal] = {}
    documents: list[CrmDocument] = []
    for kind in DocKind:
        docs = {d.key: d for d in linked_documents(engine, kind) if d.key}
        documents.extend(docs.values())
        unresolved = set(docs)
        for tenant_id in tenant_ids:
            if not unresolved:
                break
            fetcher = DocumentFetcher(api, tenant_id, kind, set(unresolved), set(), None)
            for batch in fetcher.batches():
                for found in parse_batch(kind, batch.documents):  # an answer it cannot read stops the check
                    sign = Decimal(1) if kind is DocKind.INVOICE else Decimal(-1)
                    xero_value[(kind, found.key)] = ZERO if found.gone else sign * (found.due or ZERO)
                say(f"reconciliation: {kind.label}s in tenant {tenant_id}, {batch.source}: {len(batch.documents)} read")
            report.plans.append(f"{kind.label}s in {tenant_id}: {fetcher.plan}")
            unresolved -= fetcher.seen
        report.missing_in_xero.extend(f"{kind.label} {docs[k].number}" for k in sorted(unresolved))
    names = _company_names(engine, {d.company_id for d in documents})
    groups: dict[tuple[int, str], list[CrmDocument]] = {}
    for doc in documents:
        groups.setdefault((doc.company_id, doc.currency), []).append(doc)
    for (company_id, currency), docs_of in sorted(groups.items()):
        crm_total = xero_total = ZERO
        differing = []
        for doc in docs_of:
            crm = _crm_value(doc)
            xero = xero_value.get((doc.kind, doc.key or ""), ZERO)
            crm_total += crm
            xero_total += xero
            if crm != xero:
                differing.append(f"{doc.number} (CRM {crm}, Xero {xero})")
        report.rows.append(CompanyReconciliation(company_id, names.get(company_id, ""), currency, crm_total,
                                                 xero_total, len(docs_of), tuple(differing)))
    report.rows.sort(key=lambda r: (-abs(r.difference), r.company_id, r.currency))
    report.documents = len(documents)
    report.api_calls = api.stats.calls - calls_before
    return report


def _company_names(engine: Engine, ids: set[int]) -> dict[int, str]:
    companies = Company.__table__
    names: dict[int, str] = {}
    with engine.connect() as db:
        for chunk in chunks(sorted(ids), IN_CHUNK):
            rows = db.execute(select(companies.c.crm_id, companies.c.account_name).where(companies.c.crm_id.in_(chunk)))
            names.update((crm_id, name) for crm_id, name in rows)
    return names
