"""The sample shop project: the revisions after the first eight, and the commands the README shows.

tests/runtime/test_migrate.py covers the first eight revisions; here, the later ones (a data migration,
...) on real SQLite and PostgreSQL, and `yamig -c sample_migrations/yamig.ini ...` on a fresh copy.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from decimal import Decimal

import pytest
import sqlalchemy as sa

from runner import command
from runner.config import Config

from ..conftest import SAMPLE
from ..helpers import EVERY_DATABASE

HEAD = "e1f2a3b4c514"


@pytest.fixture
def shop(tmp_path, db_url):
    root = tmp_path / "shop"
    shutil.copytree(SAMPLE, root, ignore=shutil.ignore_patterns("*.db", ".yamig-cache"))
    config = Config(str(root / "yamig.ini"))
    config.set_main_option("sqlalchemy.url", db_url)
    return config


def query(url: str, sql: str) -> list:
    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            result = conn.execute(sa.text(sql))
            return result.all() if result.returns_rows else []
    finally:
        engine.dispose()


def columns(url: str, table: str) -> list[str]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return [c["name"] for c in sa.inspect(conn).get_columns(table)]
    finally:
        engine.dispose()


@pytest.mark.parametrize("db_url", EVERY_DATABASE, indirect=True)
def test_data_migration_counts_existing_items_and_its_downgrade(shop, db_url):
    command.upgrade(shop, "e5f6a7b8c908")
    query(db_url, "INSERT INTO customer (id, email, name) VALUES (1, 'a@example.com', 'A')")
    query(db_url, "INSERT INTO orders (id, customer_id) VALUES (10, 1), (11, 1)")
    query(db_url, "INSERT INTO order_item (order_id, product_id, unit_price) "
                  "SELECT 10, id, price FROM product")
    command.upgrade(shop, "f1a2b3c4d509")
    assert query(db_url, "SELECT id, item_count FROM orders ORDER BY id") == [(10, 3), (11, 0)]
    command.downgrade(shop, "e5f6a7b8c908")
    assert "item_count" not in columns(db_url, "orders")
    assert query(db_url, "SELECT count(*) FROM orders") == [(2,)]


def inspector_view(url: str, table: str) -> tuple:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            insp = sa.inspect(conn)
            if not insp.has_table(table):
                return None
            return ({c["name"]: c for c in insp.get_columns(table)},
                    sorted(i["name"] for i in insp.get_indexes(table)),
                    sorted((f["constrained_columns"][0], f["referred_table"])
                           for f in insp.get_foreign_keys(table)))
    finally:
        engine.dispose()


@pytest.mark.parametrize("db_url", EVERY_DATABASE, indirect=True)
def test_alter_column_and_rename_table_keep_rows_keys_and_references(shop, db_url):
    command.upgrade(shop, "f1a2b3c4d509")
    query(db_url, "INSERT INTO customer (id, email, name) VALUES (1, 'a@example.com', 'A')")
    query(db_url, "INSERT INTO orders (id, customer_id) VALUES (10, 1)")
    query(db_url, "INSERT INTO order_item (order_id, product_id, unit_price) "
                  "SELECT 10, id, price FROM product")
    command.upgrade(shop, "a7b8c9d0e110")   # on SQLite, a rebuild of product
    product_columns, product_indexes, _ = inspector_view(db_url, "product")
    assert product_columns["name"]["type"].length == 300 and product_columns["name"]["nullable"] is False
    assert product_indexes == ["ux_product_sku"]
    assert query(db_url, "SELECT count(*) FROM product") == [(3,)]
    command.upgrade(shop, "b8c9d0e1f211")
    assert inspector_view(db_url, "order_item") is None
    _, _, references = inspector_view(db_url, "order_line")
    assert references == [("order_id", "orders"), ("product_id", "product")]
    assert query(db_url, "SELECT count(*) FROM order_line") == [(3,)]

    command.downgrade(shop, "f1a2b3c4d509")   # both derived
    assert inspector_view(db_url, "order_line") is None
    assert query(db_url, "SELECT count(*) FROM order_item") == [(3,)]
    assert inspector_view(db_url, "product")[0]["name"]["type"].length == 200


@pytest.mark.parametrize("db_url", EVERY_DATABASE, indirect=True)
def test_shipping_methods_constraints_and_comment(shop, db_url):
    command.upgrade(shop, "head")
    rows = query(db_url, "SELECT code, fee FROM shipping_method ORDER BY id")
    assert [(code, Decimal(str(fee))) for code, fee in rows] == [  # SQLite gives floats back
        ("standard", Decimal("4.9")), ("express", Decimal("9.9")), ("pickup", Decimal("0"))]
    engine = sa.create_engine(db_url)
    with engine.connect() as conn:
        insp = sa.inspect(conn)
        assert [u["name"] for u in insp.get_unique_constraints("shipping_method")] == \
            ["uq_shipping_method_code"]
        assert [c["name"] for c in insp.get_check_constraints("product")] == ["ck_product_price"]
        fk = next(f for f in insp.get_foreign_keys("orders") if f["referred_table"] == "shipping_method")
        assert (fk["name"], fk["constrained_columns"], fk["options"]) == \
            ("fk_orders_shipping_method", ["shipping_method_id"], {"ondelete": "SET NULL"})
        if conn.dialect.name != "sqlite":
            assert insp.get_table_comment("product")["text"] == "what the shop sells"
    engine.dispose()
    assert query(db_url, "SELECT count(*) FROM product") == [(3,)]   # SQLite rebuilt it, rows kept
    with pytest.raises((sa.exc.IntegrityError, sa.exc.OperationalError)):  # MariaDB: 4025
        query(db_url, "UPDATE product SET price = -1")

    command.downgrade(shop, "b8c9d0e1f211")   # derived, then written (bulk_insert)
    assert "shipping_method_id" not in columns(db_url, "orders")
    engine = sa.create_engine(db_url)
    with engine.connect() as conn:
        insp = sa.inspect(conn)
        assert not insp.has_table("shipping_method") and insp.get_check_constraints("product") == []
    engine.dispose()


@pytest.mark.parametrize("db_url", EVERY_DATABASE, indirect=True)
def test_composite_index_and_renamed_column(shop, db_url):
    command.upgrade(shop, "d0e1f2a3b413")
    query(db_url, "INSERT INTO customer (id, email, name) VALUES (1, 'a@example.com', 'A')")
    query(db_url, "INSERT INTO orders (id, customer_id, placed_at) VALUES (10, 1, '2026-11-30 10:00:00')")
    command.upgrade(shop, "e1f2a3b4c514")
    orders = columns(db_url, "orders")
    assert "ordered_at" in orders and "placed_at" not in orders
    assert query(db_url, "SELECT count(*) FROM orders WHERE ordered_at IS NOT NULL") == [(1,)]
    assert orders_indexes(db_url) == ["ix_orders_customer_status"]
    command.downgrade(shop, "d0e1f2a3b413")   # derived: the old name and index come back
    assert "placed_at" in columns(db_url, "orders")
    assert orders_indexes(db_url) == ["ix_orders_customer_id"]


def orders_indexes(url: str) -> list[str]:
    """Without the index InnoDB makes for fk_orders_shipping_method (MariaDB)."""
    return [name for name in inspector_view(url, "orders")[1] if name != "fk_orders_shipping_method"]


@pytest.mark.parametrize("db_url", EVERY_DATABASE, indirect=True)
def test_head_and_back_to_base(shop, db_url):
    command.upgrade(shop, "head")
    assert query(db_url, "SELECT version_num FROM alembic_version") == [(HEAD,)]
    command.downgrade(shop, "base")
    engine = sa.create_engine(db_url)
    with engine.connect() as conn:
        assert sorted(sa.inspect(conn).get_table_names()) == ["alembic_version", "yamig_history"]
    engine.dispose()


def test_readme_commands_on_a_fresh_copy(tmp_path):
    """`yamig -c sample_migrations/yamig.ini ...` from the directory above, on the default SQLite URL."""
    shutil.copytree(SAMPLE, tmp_path / "sample_migrations",
                    ignore=shutil.ignore_patterns("*.db", ".yamig-cache"))
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}

    def yamig(*argv: str) -> subprocess.CompletedProcess:
        result = subprocess.run([sys.executable, "-m", "runner", "-c", "sample_migrations/yamig.ini", *argv],
                                cwd=tmp_path, capture_output=True, text=True, env=env)
        assert result.returncode == 0, result.stderr
        return result

    yamig("upgrade", "head")
    assert (tmp_path / "sample_migrations" / "shop.db").exists()
    assert yamig("current").stdout == f"{HEAD} (head)\n"
    yamig("downgrade", "base")
    assert yamig("current").stdout == ""
    script = yamig("upgrade", "head", "--sql").stdout
    count = len(list((SAMPLE / "versions").glob("*.yaml")))
    assert script.count("-- Running upgrade") == count
    assert script.startswith("BEGIN;\n\nCREATE TABLE alembic_version (")
    assert script.endswith(f"UPDATE alembic_version SET version_num='{HEAD}' "
                           f"WHERE alembic_version.version_num = 'd0e1f2a3b413';\n\nCOMMIT;\n\n")
    assert yamig("validate").stdout == "0 error(s), 0 warning(s)\n"
