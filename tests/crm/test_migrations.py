"""The Alembic migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect

from resources.crm.db import downgrade_base, make_engine, upgrade_head
from resources.crm.models import Base

CRM_TABLES = set(Base.metadata.tables)


def _tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        return set(inspect(engine).get_table_names()) - {"alembic_version"}
    finally:
        engine.dispose()


def _schema_diff(engine: Engine) -> list[object]:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, Base.metadata))


def test_upgrade_downgrade_upgrade_on_an_empty_database(empty_db_url: str) -> None:
    upgrade_head(empty_db_url)
    assert _tables(empty_db_url) == CRM_TABLES
    downgrade_base(empty_db_url)
    assert _tables(empty_db_url) == set()
    upgrade_head(empty_db_url)
    assert _tables(empty_db_url) == CRM_TABLES


def test_upgrade_head_twice_is_a_no_op(empty_db_url: str) -> None:
    upgrade_head(empty_db_url)
    upgrade_head(empty_db_url)
    assert _tables(empty_db_url) == CRM_TABLES


def test_migrated_schema_matches_the_models(migrated_engine: Engine) -> None:
    """autogenerate finds nothing to do: no missing table, column, index, or type drift."""
    assert _schema_diff(migrated_engine) == []


def test_constraint_names_follow_the_naming_convention(migrated_engine: Engine) -> None:
    """Batch migrations on SQLite find constraints by name, so none may be anonymous."""
    inspector = inspect(migrated_engine)
    foreign_keys = inspector.get_foreign_keys("invoice_lines")
    assert {fk["name"] for fk in foreign_keys} == {
        "fk_invoice_lines_invoice_id_invoices",
        "fk_invoice_lines_product_id_products",
        "fk_invoice_lines_tax_rate_id_tax_rates",
    }
    checks = {check["name"] for check in inspector.get_check_constraints("invoices")}
    assert "ck_invoices_invoice_status" in checks
