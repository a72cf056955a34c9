"""The CRM's tables as SQLAlchemy 2.0 typed models.

Conventions that the rest of the code relies on:

- Money, quantities and percentages are ``Numeric`` and come back as ``Decimal``; nothing is a
  float. Money is 2 dp (Xero's totals), unit prices and quantities 4 dp (Xero's ``unitdp=4``),
  percentages 4 dp.
- Every timestamp is timezone-aware UTC in Python (see ``UtcDateTime``); naive datetimes are
  refused rather than guessed at.
- Statuses and roles are Python enums stored as their plain string values with a CHECK
  constraint, so the database itself rejects a status the CRM does not know.
- Constraint names come from ``NAMING_CONVENTION`` so Alembic's batch mode (SQLite) can find
  and recreate them.

On SQLite, ``NUMERIC`` columns keep 15 significant digits (SQLite stores them as 8-byte REAL),
e.g. 9,999,999,999,999.99 in a 2 dp column; PostgreSQL keeps the full NUMERIC(18, x).
"""

from __future__ import annotations

import enum
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    Dialect,
    Enum,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
    func,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING_CONVENTION: dict[str, str] = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Column sizes shared with the migration; change both together.
MONEY = Numeric(18, 2)
UNIT = Numeric(18, 4)  # unit prices and quantities: Xero's unitdp=4
PERCENT = Numeric(9, 4)
XERO_ID = 36  # Xero IDs are GUIDs: 8-4-4-4-12 hex digits


def utc_now() -> datetime:
    return datetime.now(UTC)


class UtcDateTime(TypeDecorator[datetime]):
    """A timestamp that is always timezone-aware UTC on the Python side.

    PostgreSQL stores ``timestamptz``. SQLite has no time zone type, so values are stored as
    UTC without an offset and given UTC back on the way out. Naive datetimes are refused: the
    code that made one did not know which clock it read.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value!r}: pass a timezone-aware datetime")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class InvoiceStatus(enum.StrEnum):
    """CRM invoice (and credit note) statuses, spelt exactly as the original CRM shows them."""

    CREATED = "Created"
    PENDING = "Pending"
    LIVE = "Live"
    PART_PAID = "Part Paid"
    PAID = "Paid"
    CANCELLED = "Cancelled"


class UserRole(enum.StrEnum):
    """Only finance and admin users may send to or update from Xero (B38)."""

    FINANCE = "finance"
    ADMIN = "admin"
    SALES = "sales"


class AuthKind(enum.StrEnum):
    """How a Xero connection was made: the OAuth2 code flow, or a custom connection (B4)."""

    AUTHORIZATION_CODE = "authorization_code"
    CLIENT_CREDENTIALS = "client_credentials"


def _string_enum(enum_cls: type[enum.StrEnum], name: str, length: int) -> Enum:
    """A VARCHAR enum with a named CHECK constraint, stored as the members' values.

    A fresh type per column: the CHECK belongs to the column's table, and sharing one Enum
    object between tables would tie the constraints together.
    """
    return Enum(
        enum_cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        validate_strings=True,
        length=length,
        values_callable=lambda members: [member.value for member in members],
    )


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(
        UtcDateTime(), default=utc_now, server_default=func.now()
    )
    updated_at: Mapped[datetime] = mapped_column(
        UtcDateTime(), default=utc_now, onupdate=utc_now, server_default=func.now()
    )


class Company(TimestampMixin, Base):
    """A CRM company: one Xero contact, linked both ways (B7).

    ``crm_id`` goes to Xero as ContactNumber; ``xero_reference`` holds Xero's ContactID.
    The phone is kept as its parts as well as joined, because the parts carry the leading
    zeros (area code "020", "04") that a joined string in a spreadsheet loses (B13, B14).
    """

    __tablename__ = "companies"

    crm_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_name: Mapped[str] = mapped_column(String(255), index=True)
    # NULLs never collide in a unique index (SQLite and PostgreSQL alike), so "unique where
    # set" needs no partial index.
    xero_reference: Mapped[str | None] = mapped_column(String(XERO_ID), unique=True, index=True)

    billing_street: Mapped[str | None] = mapped_column(String(500))
    billing_city: Mapped[str | None] = mapped_column(String(100))
    billing_state: Mapped[str | None] = mapped_column(String(100))
    billing_postcode: Mapped[str | None] = mapped_column(String(20))
    billing_country: Mapped[str | None] = mapped_column(String(100))
    shipping_street: Mapped[str | None] = mapped_column(String(500))
    shipping_city: Mapped[str | None] = mapped_column(String(100))
    shipping_state: Mapped[str | None] = mapped_column(String(100))
    shipping_postcode: Mapped[str | None] = mapped_column(String(20))
    shipping_country: Mapped[str | None] = mapped_column(String(100))

    phone: Mapped[str | None] = mapped_column(String(50))
    phone_country_code: Mapped[str | None] = mapped_column(String(20))
    phone_area_code: Mapped[str | None] = mapped_column(String(10))
    phone_number: Mapped[str | None] = mapped_column(String(50))
    email: Mapped[str | None] = mapped_column(String(255))
    balance: Mapped[Decimal] = mapped_column(MONEY, default=Decimal("0.00"), server_default="0")

    contacts: Mapped[list[Contact]] = relationship(back_populates="company")
    invoices: Mapped[list[Invoice]] = relationship(back_populates="company")
    credit_notes: Mapped[list[CreditNote]] = relationship(back_populates="company")


class Contact(TimestampMixin, Base):
    """A person at a company; the primary one becomes Xero's main contact person (B36)."""

    __tablename__ = "contacts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    company_id: Mapped[int] = mapped_column(
        ForeignKey("companies.crm_id", ondelete="CASCADE"), index=True
    )
    first_name: Mapped[str | None] = mapped_column(String(100))
    last_name: Mapped[str | None] = mapped_column(String(100))
    email: Mapped[str | None] = mapped_column(String(255))
    phone: Mapped[str | None] = mapped_column(String(50))
    is_primary: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    company: Mapped[Company] = relationship(back_populates="contacts")


class TaxRate(Base):
    """A CRM tax rate and the Xero TaxType it maps to (B5); None means not mapped yet."""

    __tablename__ = "tax_rates"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    rate: Mapped[Decimal] = mapped_column(PERCENT)  # a percentage: 20 means 20 %
    xero_tax_type: Mapped[str | None] = mapped_column(String(50))


class Product(TimestampMixin, Base):
    """A product; ``code`` is Xero's Item Code, the key the push upserts by."""

    __tablename__ = "products"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(30), unique=True)  # Xero caps Item Code at 30
    name: Mapped[str] = mapped_column(String(255))
    unit_price: Mapped[Decimal] = mapped_column(UNIT)
    tax_rate_id: Mapped[int | None] = mapped_column(ForeignKey("tax_rates.id"), index=True)
    account_code: Mapped[str | None] = mapped_column(String(10))  # text: "090" keeps its zero

    tax_rate: Mapped[TaxRate | None] = relationship()


class _Document(TimestampMixin):
    """What an invoice and a credit note hold alike: ``number`` is Xero's document number (the
    upsert key), the company it belongs to and its person, dates, currency and money (B22, B41).
    Each document class adds its status (its own enum type name), its Xero id and its lines."""

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(50), unique=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.crm_id"), index=True)
    contact_id: Mapped[int | None] = mapped_column(
        ForeignKey("contacts.id", ondelete="SET NULL"), index=True
    )
    issue_date: Mapped[date] = mapped_column(Date)
    due_date: Mapped[date | None] = mapped_column(Date)
    currency: Mapped[str] = mapped_column(String(3))
    reference: Mapped[str | None] = mapped_column(String(255))
    total: Mapped[Decimal] = mapped_column(MONEY)
    amount_outstanding: Mapped[Decimal] = mapped_column(MONEY)
    sent_to_accounts: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    sent_to_accounts_date: Mapped[datetime | None] = mapped_column(UtcDateTime())


class _DocumentLine:
    """What an invoice line and a credit note line hold alike; each adds the key to its document."""

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id"), index=True)
    description: Mapped[str] = mapped_column(Text)
    quantity: Mapped[Decimal] = mapped_column(UNIT)
    list_price: Mapped[Decimal] = mapped_column(UNIT)
    discount_percent: Mapped[Decimal] = mapped_column(
        PERCENT, default=Decimal("0"), server_default="0"
    )
    tax_rate_id: Mapped[int] = mapped_column(ForeignKey("tax_rates.id"), index=True)


class Invoice(_Document, Base):
    """A CRM sales invoice; ``number`` is Xero's InvoiceNumber, the upsert key."""

    __tablename__ = "invoices"

    status: Mapped[InvoiceStatus] = mapped_column(
        _string_enum(InvoiceStatus, "invoice_status", 20),
        default=InvoiceStatus.CREATED,
        index=True,
    )
    xero_invoice_id: Mapped[str | None] = mapped_column(String(XERO_ID), unique=True, index=True)

    company: Mapped[Company] = relationship(back_populates="invoices")
    contact: Mapped[Contact | None] = relationship()
    lines: Mapped[list[InvoiceLine]] = relationship(
        back_populates="invoice",
        order_by="InvoiceLine.position",
        cascade="all, delete-orphan",
    )


class InvoiceLine(_DocumentLine, Base):
    """One invoice line; the discount is a percentage, sent to Xero as DiscountRate (B39)."""

    __tablename__ = "invoice_lines"
    __table_args__ = (UniqueConstraint("invoice_id", "position"),)

    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id", ondelete="CASCADE"))

    invoice: Mapped[Invoice] = relationship(back_populates="lines")
    product: Mapped[Product | None] = relationship()
    tax_rate: Mapped[TaxRate] = relationship()


class CreditNote(_Document, Base):
    """A CRM credit note; ``remaining_credit`` mirrors Xero's RemainingCredit (B41)."""

    __tablename__ = "credit_notes"

    status: Mapped[InvoiceStatus] = mapped_column(
        _string_enum(InvoiceStatus, "credit_note_status", 20),
        default=InvoiceStatus.CREATED,
        index=True,
    )
    remaining_credit: Mapped[Decimal] = mapped_column(MONEY)
    xero_credit_note_id: Mapped[str | None] = mapped_column(
        String(XERO_ID), unique=True, index=True
    )

    company: Mapped[Company] = relationship(back_populates="credit_notes")
    contact: Mapped[Contact | None] = relationship()
    lines: Mapped[list[CreditNoteLine]] = relationship(
        back_populates="credit_note",
        order_by="CreditNoteLine.position",
        cascade="all, delete-orphan",
    )


class CreditNoteLine(_DocumentLine, Base):
    """One credit note line. Xero takes no discount on credit notes, so the push folds
    ``discount_percent`` into the unit price (B40)."""

    __tablename__ = "credit_note_lines"
    __table_args__ = (UniqueConstraint("credit_note_id", "position"),)

    credit_note_id: Mapped[int] = mapped_column(ForeignKey("credit_notes.id", ondelete="CASCADE"))

    credit_note: Mapped[CreditNote] = relationship(back_populates="lines")
    product: Mapped[Product | None] = relationship()
    tax_rate: Mapped[TaxRate] = relationship()


class User(Base):
    """A CRM user; ``role`` decides who may send to and update from Xero (B38)."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    login: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[UserRole] = mapped_column(_string_enum(UserRole, "user_role", 20))


class XeroLog(Base):
    """One row per document per attempt, success or error (B34)."""

    __tablename__ = "xero_log"
    __table_args__ = (Index(None, "document_type", "document_number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(
        UtcDateTime(), default=utc_now, server_default=func.now(), index=True
    )
    run_id: Mapped[str | None] = mapped_column(String(64), index=True)  # the Dagster run
    operation: Mapped[str] = mapped_column(String(50))
    document_type: Mapped[str | None] = mapped_column(String(30))
    document_number: Mapped[str | None] = mapped_column(String(50))
    outcome: Mapped[str] = mapped_column(String(20))
    xero_id: Mapped[str | None] = mapped_column(String(XERO_ID))
    message: Mapped[str | None] = mapped_column(Text)


class SyncState(Base):
    """A named cursor (e.g. an If-Modified-Since timestamp) kept between runs."""

    __tablename__ = "sync_state"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    cursor: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(
        UtcDateTime(), default=utc_now, onupdate=utc_now, server_default=func.now()
    )


class XeroConnection(Base):
    """The one Xero connection shared by every run and user (B3), token set encrypted at rest.

    One row per connection, not per tenant: an authorisation-code token set covers every
    tenant the user granted, and Xero rotates its refresh token on each use, so the set must
    live in exactly one place. ``tenants_json`` lists the tenants from /connections.
    ``version`` is bumped by each refresh, which happens under a write lock on this row
    (resources/xero/token_store.py), so two runs refreshing at once never keep different tokens.
    """

    __tablename__ = "xero_connection"

    name: Mapped[str] = mapped_column(String(50), primary_key=True)
    auth_kind: Mapped[AuthKind] = mapped_column(_string_enum(AuthKind, "auth_kind", 30))
    tenants_json: Mapped[str] = mapped_column(Text, default="[]", server_default="[]")
    encrypted_token_set: Mapped[str] = mapped_column(Text)  # Fernet token (ASCII)
    access_token_expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    refresh_token_used_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    updated_at: Mapped[datetime] = mapped_column(
        UtcDateTime(), default=utc_now, onupdate=utc_now, server_default=func.now()
    )


class XeroContactSnapshot(Base):
    """The latest copy of every Xero contact, per tenant, as the xero_contacts extract last saw it.

    Kept so each run asks Xero only for what changed (If-Modified-Since) and still yields the
    whole contact list. The changed rows and the extract's cursor in sync_state are written in
    one transaction, so a run killed midway leaves the previous consistent snapshot and cursor.
    """

    __tablename__ = "xero_contact_snapshot"

    tenant_id: Mapped[str] = mapped_column(String(XERO_ID), primary_key=True)
    contact_id: Mapped[str] = mapped_column(String(XERO_ID), primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    contact_number: Mapped[str | None] = mapped_column(String(50))
    contact_status: Mapped[str | None] = mapped_column(String(20))
    updated_utc: Mapped[datetime] = mapped_column(UtcDateTime())
    document: Mapped[str] = mapped_column(Text)  # the contact as Xero returned it (JSON)
