"""The demo CRM: deterministic, and holding every awkward case the sync has to handle."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from resources.crm.db import make_engine, session_factory, upgrade_head
from resources.crm.demo_data import (
    TABLES,
    generate,
    international_phone,
    iter_company_batches,
    main,
)
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
    User,
    UserRole,
)
from resources.crm.money import LineMoney, document_totals

POSTCODE_FORMATS = {
    "United Kingdom": re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]? [0-9][ABD-HJLNP-UW-Z]{2}$"),
    "Australia": re.compile(r"^[0-9]{4}$"),
    "New Zealand": re.compile(r"^[0-9]{4}$"),
    "United States": re.compile(r"^[0-9]{5}$"),
}


def _dump(engine: Engine) -> dict[str, list[tuple[object, ...]]]:
    with engine.connect() as connection:
        return {
            table.name: [
                tuple(row)
                for row in connection.execute(select(table).order_by(*table.primary_key.columns))
            ]
            for table in TABLES
        }


def _generated(url: str, companies: int, seed: int) -> dict[str, list[tuple[object, ...]]]:
    upgrade_head(url)
    engine = make_engine(url)
    try:
        with session_factory(engine)() as session:
            generate(session, companies=companies, seed=seed, batch_size=7)
            session.commit()
        return _dump(engine)
    finally:
        engine.dispose()


@pytest.fixture
def demo_session(demo_engine: Engine) -> Iterator[Session]:
    with session_factory(demo_engine)() as session:
        yield session


def test_same_seed_gives_identical_rows_and_another_seed_does_not(
    new_database_url: Callable[[], str],
) -> None:
    first = _generated(new_database_url(), companies=30, seed=42)
    again = _generated(new_database_url(), companies=30, seed=42)
    other = _generated(new_database_url(), companies=30, seed=43)
    assert first == again
    assert first["companies"] != other["companies"]
    assert first["invoices"] != other["invoices"]
    assert len(first["companies"]) == 30


def test_rows_do_not_depend_on_the_batch_size() -> None:
    def flatten(batch_size: int) -> dict[str, list[dict[str, object]]]:
        tables: dict[str, list[dict[str, object]]] = defaultdict(list)
        for batch in iter_company_batches(57, seed=7, batch_size=batch_size):
            for name, rows in batch.rows.items():
                tables[name].extend(rows)
        return dict(tables)

    assert flatten(1) == flatten(10) == flatten(1000)


def test_all_four_countries_with_real_postcode_formats(demo_session: Session) -> None:
    rows = demo_session.execute(select(Company.billing_country, Company.billing_postcode)).all()
    assert {country for country, _ in rows} == set(POSTCODE_FORMATS)
    for country, postcode in rows:
        assert POSTCODE_FORMATS[country].match(postcode), (country, postcode)


def test_leading_zero_postcodes_survive_in_au_nz_and_us(demo_session: Session) -> None:
    """B14: the postcodes a spreadsheet would mangle ("0800" -> "800") exist and are intact."""
    leading_zero = demo_session.execute(
        select(Company.billing_country, Company.billing_postcode).where(
            Company.billing_postcode.like("0%")
        )
    ).all()
    assert {country for country, _ in leading_zero} >= {
        "Australia",
        "New Zealand",
        "United States",
    }
    # And in the first few companies, so even a ten-company demo has them.
    first_four = demo_session.scalars(
        select(Company.billing_postcode).where(Company.crm_id.in_([2, 3, 4]))
    ).all()
    assert all(postcode.startswith("0") for postcode in first_four)


def test_some_companies_share_a_name_but_not_a_postcode(demo_session: Session) -> None:
    """B19: matching by name alone is ambiguous; the postcode breaks the tie."""
    postcodes: dict[str, list[str]] = defaultdict(list)
    for name, postcode in demo_session.execute(
        select(Company.account_name, Company.billing_postcode)
    ):
        postcodes[name].append(postcode)
    shared = {name: codes for name, codes in postcodes.items() if len(codes) > 1}
    assert shared
    for name, codes in shared.items():
        assert len(set(codes)) == len(codes), name
    first, fifth = demo_session.scalars(
        select(Company.account_name).where(Company.crm_id.in_([1, 5])).order_by(Company.crm_id)
    ).all()
    assert first == fifth


def test_phones_keep_their_parts_and_leading_zeros(demo_session: Session) -> None:
    """B13/B14: area codes keep the trunk zero; the joined phone is the international form."""
    companies = demo_session.scalars(select(Company)).all()
    by_country = {company.billing_country: company for company in companies}
    assert by_country["United Kingdom"].phone_area_code.startswith("0")  # type: ignore[union-attr]
    assert by_country["Australia"].phone_area_code.startswith("0")  # type: ignore[union-attr]
    assert by_country["New Zealand"].phone_area_code.startswith("0")  # type: ignore[union-attr]
    for company in companies:
        assert company.phone == international_phone(
            company.phone_country_code or "",
            company.phone_area_code or "",
            company.phone_number or "",
        )


def test_international_phone_drops_the_trunk_zero() -> None:
    assert international_phone("44", "020", "79460123") == "+44 20 7946 0123"
    assert international_phone("64", "04", "4721234") == "+64 4 472 1234"
    assert international_phone("1", "617", "5550123") == "+1 617 555 0123"


def test_each_company_has_exactly_one_primary_contact(demo_session: Session) -> None:
    """B36: a client is created with a primary person."""
    primaries = dict(
        demo_session.execute(
            select(Contact.company_id, func.count())
            .where(Contact.is_primary)
            .group_by(Contact.company_id)
        ).all()
    )
    company_ids = demo_session.scalars(select(Company.crm_id)).all()
    assert all(primaries.get(crm_id) == 1 for crm_id in company_ids)
    assert demo_session.scalar(select(func.count()).select_from(Contact)) > len(company_ids)


def test_tax_rates_are_mapped_except_one_deliberately_unmapped(demo_session: Session) -> None:
    """B5: an unmapped rate exists, so the clear-error path can be exercised."""
    mapping = {
        rate.name: (rate.rate, rate.xero_tax_type) for rate in demo_session.scalars(select(TaxRate))
    }
    assert mapping["UK VAT 20%"] == (Decimal("20"), "OUTPUT2")
    assert mapping["AU GST 10%"] == (Decimal("10"), "OUTPUT")
    assert mapping["NZ GST 15%"] == (Decimal("15"), "OUTPUT2")
    assert mapping["US No Tax"] == (Decimal("0"), "NONE")
    unmapped = [name for name, (_, tax_type) in mapping.items() if tax_type is None]
    assert unmapped == ["UK VAT Reduced 5%"]
    # A product carries it, but no generated invoice does, so "Send All Live" works.
    bad_product = demo_session.scalars(
        select(Product).join(TaxRate).where(TaxRate.xero_tax_type.is_(None))
    ).one()
    used = demo_session.scalar(
        select(func.count())
        .select_from(InvoiceLine)
        .where(InvoiceLine.product_id == bad_product.id)
    )
    assert used == 0


def test_users_hold_each_role(demo_session: Session) -> None:
    """B38: finance and admin may send; sales may not."""
    roles = dict(demo_session.execute(select(User.login, User.role)).all())
    assert roles == {
        "finance": UserRole.FINANCE,
        "admin": UserRole.ADMIN,
        "sales": UserRole.SALES,
    }


def test_invoice_statuses_are_spread_and_outstanding_fits_the_status(
    demo_session: Session,
) -> None:
    invoices = demo_session.scalars(select(Invoice)).all()
    assert {invoice.status for invoice in invoices} >= {
        InvoiceStatus.CREATED,
        InvoiceStatus.LIVE,
        InvoiceStatus.PENDING,
        InvoiceStatus.PART_PAID,
        InvoiceStatus.PAID,
    }
    for invoice in invoices:
        assert invoice.total > 0
        assert not invoice.sent_to_accounts and invoice.xero_invoice_id is None
        if invoice.status is InvoiceStatus.PART_PAID:
            assert 0 < invoice.amount_outstanding < invoice.total, invoice.number
        elif invoice.status in (InvoiceStatus.PAID, InvoiceStatus.CANCELLED):
            assert invoice.amount_outstanding == 0, invoice.number
        else:
            assert invoice.amount_outstanding == invoice.total, invoice.number


def test_invoice_totals_equal_xero_arithmetic_on_their_lines(demo_session: Session) -> None:
    """B39: the CRM total is what Xero will compute from the same lines, to the cent."""
    invoices = demo_session.scalars(select(Invoice)).all()
    discounted = 0
    for invoice in invoices:
        lines = [
            LineMoney(line.quantity, line.list_price, line.discount_percent, line.tax_rate.rate)
            for line in invoice.lines
        ]
        discounted += sum(1 for line in invoice.lines if line.discount_percent)
        assert lines
        assert document_totals(lines).total == invoice.total, invoice.number
    assert discounted > 0
    multi_line = [invoice for invoice in invoices if len(invoice.lines) > 1]
    assert multi_line


def test_company_balance_is_what_its_invoices_still_owe(demo_session: Session) -> None:
    owed: dict[int, Decimal] = defaultdict(Decimal)
    for company_id, status, outstanding in demo_session.execute(
        select(Invoice.company_id, Invoice.status, Invoice.amount_outstanding)
    ):
        if status is not InvoiceStatus.CANCELLED:
            owed[company_id] += outstanding
    for company in demo_session.scalars(select(Company)):
        assert company.balance == owed.get(company.crm_id, Decimal("0")), company.crm_id


def test_there_is_a_credit_note_with_a_discounted_line(demo_session: Session) -> None:
    """B40/B41: credit notes exist, one with a line discount the push must fold in."""
    notes = demo_session.scalars(select(CreditNote)).all()
    assert notes
    for note in notes:
        lines = [
            LineMoney(line.quantity, line.list_price, line.discount_percent, line.tax_rate.rate)
            for line in note.lines
        ]
        assert document_totals(lines).total == note.total == note.remaining_credit
    assert demo_session.scalar(
        select(func.count())
        .select_from(CreditNoteLine)
        .join(CreditNote)
        .where(CreditNote.company_id == 1, CreditNoteLine.discount_percent > 0)
    )


def test_new_rows_after_the_demo_get_fresh_ids(session: Session) -> None:
    """The demo writes explicit ids; PostgreSQL sequences are moved past them."""
    generate(session, companies=5, seed=1)
    session.commit()
    company = Company(account_name="Added Later Ltd")
    session.add(company)
    session.flush()
    assert company.crm_id == 6
    contact = Contact(company_id=company.crm_id, first_name="New", is_primary=True)
    session.add(contact)
    session.commit()
    assert contact.id > session.scalar(select(func.count()).select_from(Contact)) - 1


def test_generate_refuses_a_crm_that_already_has_data(session: Session) -> None:
    generate(session, companies=5, seed=1)
    session.commit()
    with pytest.raises(ValueError, match="empty CRM"):
        generate(session, companies=5, seed=1)


def test_command_line_migrates_and_fills(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    assert main(["--companies", "10", "--seed", "42", "--url", url]) == 0
    assert "companies 10" in capsys.readouterr().out
    engine = make_engine(url)
    try:
        with session_factory(engine)() as session:
            assert session.scalar(select(func.count()).select_from(Company)) == 10
    finally:
        engine.dispose()
    assert main(["--companies", "10", "--url", url]) == 1  # not twice into the same CRM
    assert "empty CRM" in capsys.readouterr().err


def test_command_line_reports_a_bad_url() -> None:
    assert main(["--url", "mysql://root@localhost/crm"]) == 2
