"""The CRM documents a push works on, read once into plain frozen snapshots.

Everything the push decides (eligibility, product checks, payloads, the total pre-check) works
on these snapshots, never on live ORM objects, so the logic is pure and the CRM is only touched
twice: once to read, and once per Xero batch to record what Xero answered.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import Select, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, selectinload

from resources.crm.models import (
    Company,
    Contact,
    CreditNote,
    CreditNoteLine,
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    Product,
    TaxRate,
)


class DocumentKind(enum.StrEnum):
    """Invoices go to Xero as ACCREC invoices, credit notes as ACCRECCREDIT credit notes."""

    INVOICE = "invoice"
    CREDIT_NOTE = "credit_note"

    @property
    def collection(self) -> str:
        return "Invoices" if self is DocumentKind.INVOICE else "CreditNotes"

    @property
    def xero_type(self) -> str:
        return "ACCREC" if self is DocumentKind.INVOICE else "ACCRECCREDIT"

    @property
    def id_field(self) -> str:
        return "InvoiceID" if self is DocumentKind.INVOICE else "CreditNoteID"

    @property
    def number_field(self) -> str:
        return "InvoiceNumber" if self is DocumentKind.INVOICE else "CreditNoteNumber"

    @property
    def operation(self) -> str:
        """The xero_log operation name."""
        return "send_invoice" if self is DocumentKind.INVOICE else "send_credit_note"

    @property
    def label(self) -> str:
        return "invoice" if self is DocumentKind.INVOICE else "credit note"


@dataclass(frozen=True)
class Person:
    """A person as Xero holds one: a contact's primary person or one of its ContactPersons."""

    first_name: str
    last_name: str
    email: str

    def same_as(self, other: Person | None) -> bool:
        """The same human: by email when both have one, else by full name (case-insensitive)."""
        if other is None:
            return False
        if self.email and other.email:
            return self.email.lower() == other.email.lower()
        return (self.first_name.lower(), self.last_name.lower()) == (
            other.first_name.lower(),
            other.last_name.lower(),
        )

    @property
    def is_empty(self) -> bool:
        return not (self.first_name or self.last_name or self.email)

    @property
    def display(self) -> str:
        name = f"{self.first_name} {self.last_name}".strip()
        return f"{name} <{self.email}>" if self.email else name


@dataclass(frozen=True)
class Address:
    street: str
    city: str
    region: str
    postcode: str
    country: str

    @property
    def is_empty(self) -> bool:
        return not any((self.street, self.city, self.region, self.postcode, self.country))


@dataclass(frozen=True)
class CompanySnapshot:
    crm_id: int
    name: str
    xero_reference: str | None
    billing: Address
    shipping: Address
    phone_country_code: str
    phone_area_code: str
    phone_number: str
    email: str
    primary_person: Person | None


@dataclass(frozen=True)
class ProductSnapshot:
    id: int
    code: str
    name: str
    unit_price: Decimal | None
    account_code: str | None
    tax_rate_name: str | None
    xero_tax_type: str | None


@dataclass(frozen=True)
class LineSnapshot:
    position: int
    product_id: int | None
    product_code: str | None
    account_code: str | None  # the product's; free-text lines take the configured default
    description: str
    quantity: Decimal
    list_price: Decimal
    discount_percent: Decimal
    tax_rate_id: int
    tax_rate_name: str
    tax_rate_percent: Decimal
    xero_tax_type: str | None


@dataclass(frozen=True)
class DocumentSnapshot:
    kind: DocumentKind
    id: int
    number: str
    company_id: int
    person: Person | None  # the document's person, else the company's primary person
    status: InvoiceStatus
    issue_date: date
    due_date: date | None
    currency: str
    reference: str | None
    total: Decimal
    amount_outstanding: Decimal
    xero_id: str | None
    lines: tuple[LineSnapshot, ...]

    @property
    def key(self) -> tuple[str, int]:
        return (self.kind.value, self.id)


@dataclass(frozen=True)
class CrmSnapshot:
    """Documents with the companies and products they refer to."""

    documents: tuple[DocumentSnapshot, ...]
    companies: dict[int, CompanySnapshot]
    products: dict[int, ProductSnapshot]


def _person(contact: Contact | None) -> Person | None:
    if contact is None:
        return None
    person = Person(
        first_name=(contact.first_name or "").strip(),
        last_name=(contact.last_name or "").strip(),
        email=(contact.email or "").strip(),
    )
    return None if person.is_empty else person


def _address(street: str | None, city: str | None, region: str | None, postcode: str | None,
             country: str | None) -> Address:
    return Address(*((value or "").strip() for value in (street, city, region, postcode, country)))


def _company(company: Company) -> CompanySnapshot:
    primary = next((c for c in sorted(company.contacts, key=lambda c: c.id) if c.is_primary), None)
    return CompanySnapshot(
        crm_id=company.crm_id,
        name=company.account_name.strip(),
        xero_reference=company.xero_reference,
        billing=_address(company.billing_street, company.billing_city, company.billing_state,
                         company.billing_postcode, company.billing_country),
        shipping=_address(company.shipping_street, company.shipping_city, company.shipping_state,
                          company.shipping_postcode, company.shipping_country),
        phone_country_code=(company.phone_country_code or "").strip(),
        phone_area_code=(company.phone_area_code or "").strip(),
        phone_number=(company.phone_number or "").strip(),
        email=(company.email or "").strip(),
        primary_person=_person(primary),
    )


def _product(product: Product) -> ProductSnapshot:
    rate: TaxRate | None = product.tax_rate
    return ProductSnapshot(
        id=product.id,
        code=product.code,
        name=product.name,
        unit_price=product.unit_price,
        account_code=product.account_code,
        tax_rate_name=rate.name if rate is not None else None,
        xero_tax_type=rate.xero_tax_type if rate is not None else None,
    )


def _line(line: InvoiceLine | CreditNoteLine) -> LineSnapshot:
    product = line.product
    return LineSnapshot(
        position=line.position,
        product_id=line.product_id,
        product_code=product.code if product is not None else None,
        account_code=product.account_code if product is not None else None,
        description=(line.description or "").strip() or (product.name if product is not None else ""),
        quantity=line.quantity,
        list_price=line.list_price,
        discount_percent=line.discount_percent or Decimal(0),
        tax_rate_id=line.tax_rate_id,
        tax_rate_name=line.tax_rate.name,
        tax_rate_percent=line.tax_rate.rate,
        xero_tax_type=line.tax_rate.xero_tax_type,
    )


def _document(kind: DocumentKind, doc: Invoice | CreditNote, company: CompanySnapshot) -> DocumentSnapshot:
    xero_id = doc.xero_invoice_id if isinstance(doc, Invoice) else doc.xero_credit_note_id
    return DocumentSnapshot(
        kind=kind,
        id=doc.id,
        number=doc.number,
        company_id=doc.company_id,
        person=_person(doc.contact) or company.primary_person,
        status=InvoiceStatus(doc.status),
        issue_date=doc.issue_date,
        due_date=doc.due_date,
        currency=doc.currency,
        reference=doc.reference,
        total=doc.total,
        amount_outstanding=doc.amount_outstanding,
        xero_id=xero_id,
        lines=tuple(_line(line) for line in sorted(doc.lines, key=lambda ln: ln.position)),
    )


def _invoice_query() -> Select[tuple[Invoice]]:
    return select(Invoice).options(
        selectinload(Invoice.lines).selectinload(InvoiceLine.product).selectinload(Product.tax_rate),
        selectinload(Invoice.lines).selectinload(InvoiceLine.tax_rate),
        selectinload(Invoice.contact),
        selectinload(Invoice.company).selectinload(Company.contacts),
    )


def _credit_note_query() -> Select[tuple[CreditNote]]:
    return select(CreditNote).options(
        selectinload(CreditNote.lines).selectinload(CreditNoteLine.product).selectinload(Product.tax_rate),
        selectinload(CreditNote.lines).selectinload(CreditNoteLine.tax_rate),
        selectinload(CreditNote.contact),
        selectinload(CreditNote.company).selectinload(Company.contacts),
    )


def document_queries() -> tuple[Select[tuple[Invoice]], Select[tuple[CreditNote]]]:
    """Base queries (with everything a snapshot needs eagerly loaded) for callers to filter."""
    return _invoice_query(), _credit_note_query()


def load_snapshot(engine: Engine, invoice_query: Select[tuple[Invoice]] | None,
                  credit_note_query: Select[tuple[CreditNote]] | None) -> CrmSnapshot:
    """Run the (filtered) queries and freeze the result: invoices first, then credit notes,
    each by issue date and number, which is the order documents are sent in."""
    companies: dict[int, CompanySnapshot] = {}
    products: dict[int, ProductSnapshot] = {}
    documents: list[DocumentSnapshot] = []

    def take(kind: DocumentKind, rows: Iterable[Invoice | CreditNote]) -> None:
        for row in sorted(rows, key=lambda d: (d.issue_date, d.number)):
            company = companies.get(row.company_id)
            if company is None:
                company = companies[row.company_id] = _company(row.company)
            for line in row.lines:
                if line.product is not None and line.product_id not in products:
                    products[line.product.id] = _product(line.product)
            documents.append(_document(kind, row, company))

    with Session(engine) as session:
        if invoice_query is not None:
            take(DocumentKind.INVOICE, session.scalars(invoice_query).unique())
        if credit_note_query is not None:
            take(DocumentKind.CREDIT_NOTE, session.scalars(credit_note_query).unique())
    return CrmSnapshot(tuple(documents), companies, products)
