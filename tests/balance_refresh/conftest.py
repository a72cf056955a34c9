"""A demo CRM whose chosen documents are already in the sandbox, as the invoice push leaves them.

Documents reach the sandbox through its own HTTP API (``sandbox.api_client()``), not through
the invoice push, so these tests stand on their own. Each is one line, tax NONE, priced at the
CRM total, so Xero's Total equals the CRM's; the CRM row is then marked sent with its Xero id
and the moment it was sent, exactly the fields the push writes.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update
from sqlalchemy.engine import Engine

from resources.crm.db import make_engine, session_factory, upgrade_head
from resources.crm.demo_data import generate
from resources.crm.models import Company, CreditNote, Invoice, InvoiceStatus, XeroLog
from resources.xero.api import XeroApi
from resources.xero.settings import XeroSettings
from resources.xero.token_store import DbTokenProvider, TokenCipher
from tests.conftest import CrmXero
from xero_sandbox.pytest_plugin import TEST_CLOCK_SCALE

AN_HOUR_AGO = datetime.now(UTC) - timedelta(hours=1)


@dataclass
class Books:
    """The CRM, the sandbox, a client of ours, and a plain HTTP client standing in for Xero users."""

    env: CrmXero
    api: XeroApi
    http: httpx.Client

    @property
    def engine(self) -> Engine:
        return self.env.engine

    @property
    def tenant(self) -> str:
        return self.env.sandbox.tenant_id

    # -- putting documents in Xero ------------------------------------------------------------
    def contact_for(self, company_id: int) -> str:
        with self.engine.connect() as db:
            company = db.execute(select(Company.__table__).where(Company.crm_id == company_id)).one()
        found = self.http.get(f"/Contacts/{company_id}")
        if found.status_code == 200:
            return found.json()["Contacts"][0]["ContactID"]
        reply = self.http.put("/Contacts", json={"Contacts": [{"Name": f"{company.account_name} #{company_id}",
                                                               "ContactNumber": str(company_id)}]})
        assert reply.status_code == 200, reply.text
        return reply.json()["Contacts"][0]["ContactID"]

    def send(self, invoice_numbers: Sequence[str] = (), credit_note_numbers: Sequence[str] = (), *,
             status: str = "AUTHORISED", mark_sent: bool = True) -> dict[str, str]:
        """Put the documents in Xero and mark them sent in the CRM; number -> Xero id."""
        ids: dict[str, str] = {}
        for model, numbers, collection, id_field, number_field, doc_type in (
            (Invoice, invoice_numbers, "Invoices", "InvoiceID", "InvoiceNumber", "ACCREC"),
            (CreditNote, credit_note_numbers, "CreditNotes", "CreditNoteID", "CreditNoteNumber", "ACCRECCREDIT"),
        ):
            if not numbers:
                continue
            table = model.__table__
            with self.engine.connect() as db:
                rows = db.execute(select(table).where(table.c.number.in_(list(numbers)))).all()
            contacts = {r.company_id: self.contact_for(r.company_id) for r in rows}
            for start in range(0, len(rows), 50):
                chunk = rows[start:start + 50]
                body = {collection: [{
                    "Type": doc_type, "Contact": {"ContactID": contacts[r.company_id]}, number_field: r.number,
                    "Date": r.issue_date.isoformat(), "CurrencyCode": r.currency, "Status": status,
                    "LineItems": [{"Description": f"CRM {r.number}", "Quantity": 1, "UnitAmount": str(r.total),
                                   "AccountCode": "200", "TaxType": "NONE"}],
                } for r in chunk]}
                reply = self.http.put(f"/{collection}", json=body, params={"summarizeErrors": "false"})
                assert reply.status_code == 200, reply.text
                for element in reply.json()[collection]:
                    assert not element.get("ValidationErrors"), element
                    ids[element[number_field]] = element[id_field]
            if mark_sent:
                self.mark_sent(model, {r.number: ids[r.number] for r in rows})
        return ids

    def mark_sent(self, model: Any, ids: dict[str, str], when: datetime | None = None) -> None:
        table = model.__table__
        column = "xero_invoice_id" if model is Invoice else "xero_credit_note_id"
        with self.engine.begin() as db:
            for number, xero_id in ids.items():
                db.execute(update(table).where(table.c.number == number).values(
                    sent_to_accounts=True, sent_to_accounts_date=when or datetime.now(UTC), **{column: xero_id}))

    def load(self, numbers: Sequence[str], *, first_id: int = 1, status: str = "AUTHORISED",
             changes: dict[str, dict[str, Any]] | None = None, updated: datetime | None = None,
             mark_sent: bool = True, sent_at: datetime | None = None) -> dict[str, str]:
        """Recorded invoices (sandbox fixtures, exactly as given) for CRM invoices; ids chosen in
        order from ``first_id`` so tests know which page each lands on. number -> Xero id."""
        table = Invoice.__table__
        with self.engine.connect() as db:
            rows = {r.number: r for r in db.execute(select(table).where(table.c.number.in_(list(numbers))))}
        docs, ids = [], {}
        for offset, number in enumerate(numbers):
            row = rows[number]
            xero_id = fixed_id(first_id + offset)
            ids[number] = xero_id
            doc = {
                "InvoiceID": xero_id, "Type": "ACCREC", "InvoiceNumber": number,
                "Contact": {"ContactID": contact_id_for(row.company_id), "Name": f"Company {row.company_id}"},
                "Date": "/Date(1735689600000+0000)/", "Status": status, "LineAmountTypes": "Exclusive",
                "SubTotal": str(row.total), "TotalTax": "0.00", "Total": str(row.total),
                "AmountDue": str(row.total), "AmountPaid": "0.00", "AmountCredited": "0.00",
                "CurrencyCode": row.currency, "Payments": [], "CreditNotes": [], "LineItems": [],
            }
            if updated is not None:
                doc["UpdatedDateUTC"] = f"/Date({int(updated.timestamp() * 1000)}+0000)/"
            for key, value in (changes or {}).get(number, {}).items():
                if value is None:
                    doc.pop(key, None)
                else:
                    doc[key] = value
            docs.append(doc)
        self.env.sandbox.load_fixture("Invoices", docs)
        if mark_sent:
            self.mark_sent(Invoice, ids, sent_at)
        return ids

    def pay(self, xero_id: str, amount: str | Decimal) -> None:
        self.env.sandbox.record_payment({"InvoiceID": xero_id, "Amount": str(amount), "Date": "2025-06-01"})

    def set_status(self, collection: str, xero_id: str, status: str) -> None:
        reply = self.http.post(f"/{collection}/{xero_id}", json={collection: [{"Status": status}]})
        assert reply.status_code == 200, reply.text

    # -- reading the CRM ------------------------------------------------------------------------
    def invoice(self, number: str) -> Any:
        with self.engine.connect() as db:
            return db.execute(select(Invoice.__table__).where(Invoice.number == number)).one()

    def credit_note(self, number: str) -> Any:
        with self.engine.connect() as db:
            return db.execute(select(CreditNote.__table__).where(CreditNote.number == number)).one()

    def company(self, company_id: int) -> Any:
        with self.engine.connect() as db:
            return db.execute(select(Company.__table__).where(Company.crm_id == company_id)).one()

    def numbers(self, status: InvoiceStatus, limit: int = 100) -> list[str]:
        with self.engine.connect() as db:
            return list(db.execute(select(Invoice.number).where(Invoice.status == status)
                                   .order_by(Invoice.id).limit(limit)).scalars())

    def log(self, **filters: Any) -> list[Any]:
        table = XeroLog.__table__
        query = select(table).order_by(table.c.id)
        for key, value in filters.items():
            query = query.where(table.c[key] == value)
        with self.engine.connect() as db:
            return db.execute(query).all()

    def statuses(self, numbers: Sequence[str]) -> dict[str, InvoiceStatus]:
        return {n: InvoiceStatus(self.invoice(n).status) for n in numbers}

    def created_invoices(self) -> list[str]:
        """Every open invoice made Created in the CRM (so each visibly changes to Live) and put in
        Xero as an hour-old recorded invoice, sent an hour ago; ids in CRM order."""
        with self.engine.begin() as db:
            numbers = list(db.execute(select(Invoice.number).where(
                Invoice.status.not_in([InvoiceStatus.PAID, InvoiceStatus.CANCELLED])).order_by(Invoice.id)).scalars())
            db.execute(update(Invoice.__table__).where(Invoice.number.in_(numbers)).values(
                status=InvoiceStatus.CREATED, amount_outstanding=Invoice.total))
        self.load(numbers, updated=AN_HOUR_AGO, sent_at=AN_HOUR_AGO)
        return numbers


def fixed_id(n: int) -> str:
    return f"00000000-0000-4000-8000-{n:012d}"


def contact_id_for(company_id: int) -> str:
    return f"c0000000-0000-4000-8000-{company_id:012d}"


def make_api(env: CrmXero, **options: Any) -> XeroApi:
    settings = XeroSettings(client_id=env.sandbox.config.client_id, client_secret=env.sandbox.config.client_secret,
                            api_base_url=env.sandbox.base_url, identity_base_url=env.sandbox.base_url,
                            timeout_seconds=10)
    tokens = DbTokenProvider(env.engine, settings, TokenCipher(env.token_key))
    return XeroApi(settings, tokens, **{"minute_seconds": 60 / TEST_CLOCK_SCALE, "backoff_max": 0.2, **options})


@pytest.fixture
def crm(tmp_path: Path) -> Iterator[Engine]:
    """A demo CRM without Xero, for rules that only read the CRM."""
    url = f"sqlite:///{tmp_path / 'crm.sqlite'}"
    upgrade_head(url)
    engine = make_engine(url)
    with session_factory(engine)() as session:
        generate(session, companies=8, seed=7)
        session.commit()
    yield engine
    engine.dispose()


@pytest.fixture
def books(crm_xero: CrmXero) -> Iterator[Books]:
    with session_factory(crm_xero.engine)() as session:
        generate(session, companies=8, seed=7)
        session.commit()
    api = make_api(crm_xero)
    http = crm_xero.sandbox.api_client()
    yield Books(crm_xero, api, http)
    http.close()
    api.close()
