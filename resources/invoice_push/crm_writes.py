"""What the push writes back to the CRM, one short transaction per Xero batch.

Writing right after each Xero reply (not once at the end) means a run stopped midway keeps
everything Xero confirmed: the rerun updates those documents in place instead of guessing.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import select, update
from sqlalchemy.engine import Engine

from resources.crm.models import Company, CreditNote, Invoice

from .documents import DocumentKind


def store_references(engine: Engine, links: Sequence[tuple[int, str]]) -> dict[int, str]:
    """Set each company's Xero Reference (B7). Returns {crm_id: why} for links not stored
    because another company already holds that ContactID (the column is unique)."""
    if not links:
        return {}
    refused: dict[int, str] = {}
    with engine.begin() as db:
        wanted = {contact_id.lower(): crm_id for crm_id, contact_id in links}
        holders = db.execute(
            select(Company.crm_id, Company.xero_reference).where(Company.xero_reference.in_(
                [contact_id for _, contact_id in links]))
        )
        for holder_id, reference in holders:
            crm_id = wanted.get(str(reference).lower())
            if crm_id is not None and crm_id != holder_id:
                refused[crm_id] = (f"Xero contact {reference} is already the Xero Reference of CRM company "
                                   f"{holder_id}; one Xero contact cannot stand for two companies")
        for crm_id, contact_id in links:
            if crm_id not in refused:
                db.execute(update(Company).where(Company.crm_id == crm_id).values(xero_reference=contact_id))
    return refused


def mark_sent(engine: Engine, kind: DocumentKind, sent: Sequence[tuple[int, str]],
              when: datetime | None = None) -> None:
    """Store each document's Xero id and mark it Sent to Accounts with the send's date (B33)."""
    if not sent:
        return
    when = when or datetime.now(UTC)
    model = Invoice if kind is DocumentKind.INVOICE else CreditNote
    id_column = "xero_invoice_id" if kind is DocumentKind.INVOICE else "xero_credit_note_id"
    with engine.begin() as db:
        for document_id, xero_id in sent:
            db.execute(
                update(model).where(model.id == document_id).values(
                    {id_column: xero_id, "sent_to_accounts": True, "sent_to_accounts_date": when}
                )
            )
