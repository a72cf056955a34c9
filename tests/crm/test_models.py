"""What the database itself guarantees: exact money, known statuses, UTC timestamps, keys."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import Engine, insert, select, text
from sqlalchemy.exc import IntegrityError, StatementError
from sqlalchemy.orm import Session

from resources.crm.db import session_factory
from resources.crm.models import (
    AuthKind,
    Company,
    Contact,
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    Product,
    TaxRate,
    User,
    UserRole,
    XeroConnection,
)


def _company(session: Session, crm_id: int = 1, **fields: object) -> Company:
    company = Company(crm_id=crm_id, account_name=f"Company {crm_id}", **fields)
    session.add(company)
    session.flush()
    return company


def _invoice(session: Session, number: str = "INV-1", **fields: object) -> Invoice:
    values: dict[str, object] = {
        "number": number,
        "company_id": 1,
        "issue_date": date(2025, 3, 1),
        "currency": "GBP",
        "total": Decimal("0.30"),
        "amount_outstanding": Decimal("0.30"),
    }
    values.update(fields)
    invoice = Invoice(**values)
    session.add(invoice)
    session.flush()
    return invoice


def _reread(engine: Engine, model: type, key: object) -> object:
    # A fresh session, so values come from the database and not the identity map.
    with session_factory(engine)() as fresh:
        return fresh.get(model, key)


def test_money_round_trips_as_exact_decimal(session: Session, migrated_engine: Engine) -> None:
    _company(session, balance=Decimal("0.10") + Decimal("0.20"))
    session.commit()
    stored = _reread(migrated_engine, Company, 1)
    assert isinstance(stored, Company)
    assert stored.balance == Decimal("0.30")
    assert isinstance(stored.balance, Decimal)
    assert str(stored.balance) == "0.30"


def test_four_decimal_place_columns_keep_every_digit(
    session: Session, migrated_engine: Engine
) -> None:
    session.add(TaxRate(id=1, name="UK VAT 20%", rate=Decimal("20.0000"), xero_tax_type="OUTPUT2"))
    session.add(Product(id=1, code="BIG", name="Big", unit_price=Decimal("12345678.9999")))
    session.commit()
    stored = _reread(migrated_engine, Product, 1)
    assert isinstance(stored, Product)
    assert stored.unit_price == Decimal("12345678.9999")
    assert str(stored.unit_price) == "12345678.9999"


def test_large_money_values_are_exact(
    session: Session, migrated_engine: Engine, backend: str
) -> None:
    """SQLite keeps 15 significant digits (it stores NUMERIC as REAL); PostgreSQL all 18."""
    largest = Decimal("9999999999999.99") if backend == "sqlite" else Decimal("9999999999999999.99")
    _company(session, balance=largest)
    session.commit()
    stored = _reread(migrated_engine, Company, 1)
    assert isinstance(stored, Company)
    assert stored.balance == largest


def test_invalid_invoice_status_is_rejected_by_the_database(session: Session) -> None:
    """The CHECK constraint stops statuses the CRM does not know, even from raw SQL."""
    _company(session)
    session.commit()
    with pytest.raises(IntegrityError, match="ck_invoices_invoice_status"):
        session.execute(
            text(
                "INSERT INTO invoices (number, company_id, status, issue_date, currency, total,"
                " amount_outstanding, sent_to_accounts, created_at, updated_at) VALUES"
                " ('INV-X', 1, 'Overdue', '2025-01-01', 'GBP', 1, 1, false,"
                " CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
            )
        )
    session.rollback()


def test_every_status_is_stored_as_its_display_string(session: Session) -> None:
    _company(session)
    for index, status in enumerate(InvoiceStatus):
        _invoice(session, number=f"INV-{index}", status=status)
    session.commit()
    stored = session.execute(text("SELECT status FROM invoices ORDER BY id")).scalars().all()
    assert stored == ["Created", "Pending", "Live", "Part Paid", "Paid", "Cancelled"]
    assert session.scalars(select(Invoice.status).where(Invoice.number == "INV-3")).one() is (
        InvoiceStatus.PART_PAID
    )


def test_unknown_status_string_is_refused_before_reaching_the_database(session: Session) -> None:
    _company(session)
    session.commit()
    with pytest.raises(StatementError, match="Overdue"):
        session.execute(
            insert(Invoice).values(
                number="INV-Y",
                company_id=1,
                status="Overdue",
                issue_date=date(2025, 1, 1),
                currency="GBP",
                total=Decimal(1),
                amount_outstanding=Decimal(1),
            )
        )
    session.rollback()


def test_user_roles_are_checked(session: Session) -> None:
    """B38: finance, admin and sales are the only roles."""
    session.add_all(
        User(login=role.value, full_name=role.value.title(), role=role) for role in UserRole
    )
    session.commit()
    with pytest.raises(IntegrityError):
        session.execute(
            text("INSERT INTO users (login, full_name, role) VALUES ('x', 'X', 'superuser')")
        )
    session.rollback()


def test_timestamps_come_back_timezone_aware_utc(session: Session, migrated_engine: Engine) -> None:
    sent = datetime(2025, 6, 1, 12, 30, tzinfo=timezone(timedelta(hours=12)))  # NZST
    _company(session)
    _invoice(session, sent_to_accounts=True, sent_to_accounts_date=sent)
    session.commit()
    with session_factory(migrated_engine)() as fresh:
        invoice = fresh.scalars(select(Invoice)).one()
        assert invoice.sent_to_accounts_date == sent
        assert invoice.sent_to_accounts_date.utcoffset() == timedelta(0)
        assert invoice.created_at.tzinfo is not None


def test_naive_datetimes_are_refused(session: Session) -> None:
    _company(session)
    with pytest.raises(StatementError, match="naive datetime"):
        _invoice(session, sent_to_accounts_date=datetime(2025, 6, 1, 12, 30))
    session.rollback()


def test_xero_reference_is_unique_but_may_be_missing_on_many(session: Session) -> None:
    """B7/B8: one CRM company per Xero contact; companies not yet in Xero have none."""
    _company(session, 1)
    _company(session, 2)
    _company(session, 3, xero_reference="0f8a2c4e-1111-4c4c-9d9d-123456789abc")
    session.commit()
    with pytest.raises(IntegrityError):
        _company(session, 4, xero_reference="0f8a2c4e-1111-4c4c-9d9d-123456789abc")
    session.rollback()


def test_foreign_keys_are_enforced(session: Session) -> None:
    session.add(Contact(company_id=999, first_name="Nobody"))
    with pytest.raises(IntegrityError):
        session.flush()
    session.rollback()


def test_invoice_lines_load_in_position_order(session: Session, migrated_engine: Engine) -> None:
    session.add(TaxRate(id=1, name="AU GST 10%", rate=Decimal(10), xero_tax_type="OUTPUT"))
    _company(session)
    invoice = _invoice(session)
    for position in (3, 1, 2):
        session.add(
            InvoiceLine(
                invoice_id=invoice.id,
                position=position,
                description=f"line {position}",
                quantity=Decimal(1),
                list_price=Decimal("1.0000"),
                tax_rate_id=1,
            )
        )
    session.commit()
    with session_factory(migrated_engine)() as fresh:
        stored = fresh.get(Invoice, invoice.id)
        assert stored is not None
        assert [line.position for line in stored.lines] == [1, 2, 3]
        assert stored.lines[0].discount_percent == Decimal("0")


def test_connection_row_keeps_sealed_token_set_and_tenants(migrated_engine: Engine) -> None:
    """One connection row holds the sealed token set and the tenants it covers (B3)."""
    factory = session_factory(migrated_engine)
    with factory() as setup:
        setup.add(
            XeroConnection(
                name="default",
                auth_kind=AuthKind.AUTHORIZATION_CODE,
                tenants_json='[{"tenantId": "t-1"}, {"tenantId": "t-2"}]',
                encrypted_token_set="gAAAA-sealed",
                access_token_expires_at=datetime(2025, 1, 1, tzinfo=UTC),
            )
        )
        setup.commit()
    with factory() as check:
        stored = check.get(XeroConnection, "default")
        assert stored is not None
        assert stored.version == 1
        assert stored.auth_kind is AuthKind.AUTHORIZATION_CODE
        assert stored.access_token_expires_at == datetime(2025, 1, 1, tzinfo=UTC)
        assert "t-2" in stored.tenants_json
