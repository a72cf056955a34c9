"""The benchmark's CRM: N live invoices for C companies and P products, deterministic from a seed.

UK VAT 20 % mapped to OUTPUT2 (the sandbox's rate), GBP, one to three lines an invoice, a quarter
of the lines discounted, some prices with 4 places; totals computed the way Xero computes them,
so every invoice passes the pre-check and the benchmark measures the send, not the refusals.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import insert
from sqlalchemy.engine import Engine

from resources.crm.models import Company, Contact, Invoice, InvoiceLine, InvoiceStatus, Product, TaxRate, User, UserRole
from resources.crm.money import LineMoney, document_totals

VAT = Decimal("20")


def fill(engine: Engine, *, invoices: int = 1000, companies: int = 200, products: int = 50, seed: int = 7) -> None:
    rng = random.Random(seed)
    stamp = datetime(2025, 1, 1, tzinfo=UTC)
    prices = [Decimal(rng.randint(100, 250_000)) / (100 if i % 3 else 10_000) for i in range(products)]
    company_rows = []
    contact_rows = []
    for c in range(1, companies + 1):
        company_rows.append({
            "crm_id": c, "account_name": f"Bench Client {c:04d} Ltd", "billing_street": f"{c} High Street",
            "billing_city": "London", "billing_postcode": f"EC1A {c % 10}AB", "billing_country": "United Kingdom",
            "phone_country_code": "44", "phone_area_code": "020", "phone_number": f"7946{c:04d}",
            "email": f"accounts@client{c}.example", "created_at": stamp, "updated_at": stamp,
        })
        contact_rows.append({"id": c, "company_id": c, "first_name": "Pat", "last_name": f"Client{c}",
                             "email": f"pat@client{c}.example", "is_primary": True,
                             "created_at": stamp, "updated_at": stamp})
    invoice_rows = []
    line_rows = []
    line_id = 0
    for i in range(1, invoices + 1):
        company = (i - 1) % companies + 1
        lines = []
        for position in range(1, rng.choice((1, 2, 3)) + 1):
            line_id += 1
            product = rng.randrange(products)
            lines.append({
                "id": line_id, "invoice_id": i, "position": position, "product_id": product + 1,
                "description": f"Bench product {product + 1}", "quantity": Decimal(rng.choice((1, 2, 3, 5, 10))),
                "list_price": prices[product],
                "discount_percent": Decimal(rng.choice(("0", "0", "0", "5", "10", "12.5"))), "tax_rate_id": 1,
            })
        total = document_totals(LineMoney(ln["quantity"], ln["list_price"], ln["discount_percent"], VAT)
                                for ln in lines).total
        issue = date(2025, 1, 1) + timedelta(days=i % 300)
        invoice_rows.append({
            "id": i, "number": f"BINV-{i:06d}", "company_id": company, "contact_id": company,
            "status": InvoiceStatus.LIVE, "issue_date": issue, "due_date": issue + timedelta(days=30),
            "currency": "GBP", "reference": f"PO-{i}", "total": total, "amount_outstanding": total,
            "created_at": stamp, "updated_at": stamp,
        })
        line_rows += lines
    with engine.begin() as db:
        db.execute(insert(TaxRate), [{"id": 1, "name": "UK VAT 20%", "rate": VAT, "xero_tax_type": "OUTPUT2"}])
        db.execute(insert(User), [{"id": 1, "login": "finance", "full_name": "Bench Finance",
                                   "role": UserRole.FINANCE}])
        db.execute(insert(Product), [
            {"id": p + 1, "code": f"BENCH-{p + 1:03d}", "name": f"Bench product {p + 1}", "unit_price": prices[p],
             "tax_rate_id": 1, "account_code": "200", "created_at": stamp, "updated_at": stamp}
            for p in range(products)])
        db.execute(insert(Company), company_rows)
        db.execute(insert(Contact), contact_rows)
        db.execute(insert(Invoice), invoice_rows)
        db.execute(insert(InvoiceLine), line_rows)
