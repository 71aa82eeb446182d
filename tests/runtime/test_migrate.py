"""Upgrades and downgrades against real SQLite and PostgreSQL, read back with the inspector."""

from __future__ import annotations

import shutil

import pytest
import sqlalchemy as sa

from runner import command
from runner.config import Config
from runner.errors import MigrationError
from runner.runtime.engine import create_engine

from ..conftest import SAMPLE
from ..helpers import ACCOUNT, revision_text, write_project

HEADS = "e1f2a3b4c514"
EIGHTH = "e5f6a7b8c908"  # the tests below that look at columns stop at the 8th revision


@pytest.fixture
def shop(tmp_path, db_url):
    """A copy of the sample project pointed at the test database."""
    root = tmp_path / "shop"
    shutil.copytree(SAMPLE, root, ignore=shutil.ignore_patterns("*.db"))
    config = Config(str(root / "yamig.ini"))
    config.set_main_option("sqlalchemy.url", db_url)
    return config


def inspect(url):
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            insp = sa.inspect(conn)
            tables = {t: {c["name"]: c for c in insp.get_columns(t)} for t in insp.get_table_names()
                      if t != "yamig_history"}  # the applied history: tests/runtime/test_history.py
            indexes = {t: sorted(i["name"] for i in insp.get_indexes(t)) for t in tables}
            fks = {t: [(f["constrained_columns"], f["referred_table"], f["referred_columns"])
                       for f in insp.get_foreign_keys(t)] for t in tables}
            rows = []
            if "alembic_version" in tables:
                rows = sorted(conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalars())
            return tables, indexes, fks, rows
    finally:
        engine.dispose()


def test_sample_upgrades_and_downgrades(shop, db_url):
    command.upgrade(shop, EIGHTH)
    tables, indexes, fks, rows = inspect(db_url)
    assert set(tables) == {"alembic_version", "customer", "product", "orders", "order_item"}
    assert rows == [EIGHTH]
    assert list(tables["customer"]) == ["id", "email", "name", "created_at", "phone"]
    assert "ix_customer_phone" in indexes["customer"]
    assert "ux_product_sku" in indexes["product"]
    assert tables["product"]["active"]["nullable"] is False
    assert isinstance(tables["product"]["price"]["type"], sa.Numeric)
    assert (["customer_id"], "customer", ["id"]) in fks["orders"]
    assert sorted(fks["order_item"]) == [(["order_id"], "orders", ["id"]),
                                         (["product_id"], "product", ["id"])]
    engine = sa.create_engine(db_url)
    with engine.connect() as conn:
        names = conn.execute(sa.text("SELECT name, active FROM product ORDER BY sku")).all()
    engine.dispose()
    assert [n for n, _ in names] == ["Mug: large", "Green tea", "Black tea"]
    assert all(bool(active) for _, active in names)

    command.downgrade(shop, "-2")   # past the derived downgrade of drop_column
    tables, _, _, rows = inspect(db_url)
    assert rows == ["c0ffee123406"]
    assert "legacy_code" in tables["customer"]
    assert "active" not in tables["product"]
    assert tables["customer"]["legacy_code"]["type"].length == 20

    command.downgrade(shop, "base")
    tables, _, _, rows = inspect(db_url)
    assert set(tables) == {"alembic_version"} and rows == []

    command.upgrade(shop, "+3")
    tables, _, _, rows = inspect(db_url)
    assert rows == ["9e8d7c6b5a03"] and "orders" in tables and "order_item" not in tables
    command.upgrade(shop, "1a2b")   # a partial id
    assert inspect(db_url)[3] == ["1a2b3c4d5e04"]


def test_upgrade_to_where_it_is_changes_nothing(shop, db_url):
    command.upgrade(shop, "head")
    command.upgrade(shop, "head")
    assert inspect(db_url)[3] == [HEADS]


FAILING = {
    "a_first.yaml": revision_text("a1", None, """
        - create_table:
            table_name: account
            columns: [{name: id, type: Integer, primary_key: true}]
    """),
    "b_second.yaml": revision_text("b2", "a1", """
        - create_table:
            table_name: invoice
            columns: [{name: id, type: Integer, primary_key: true}]
        - add_column: {table_name: account, column: {name: note, type: Text}}
        - execute: "INSERT INTO no_such_table VALUES (1)"
    """, downgrade="[]"),
}


def test_failure_mid_revision_rolls_that_revision_back(tmp_path, db_url):
    config = write_project(tmp_path, FAILING, db_url)
    with pytest.raises(MigrationError) as info:
        command.upgrade(config, "head")
    message = str(info.value)
    assert message.startswith(f"{tmp_path}/versions/b_second.yaml:8:5: execute failed in revision b2:")
    assert "was rolled back" in message
    tables, _, _, rows = inspect(db_url)
    assert rows == ["a1"]                                   # a1 committed, b2 not recorded
    assert "invoice" not in tables                          # b2's DDL undone
    assert list(tables["account"]) == ["id"]


def test_whole_run_in_one_transaction(tmp_path, db_url):
    config = write_project(tmp_path, FAILING, db_url)
    config.set_main_option("transaction_per_migration", "false")
    with pytest.raises(MigrationError):
        command.upgrade(config, "head")
    tables, _, _, rows = inspect(db_url)
    assert "account" not in tables and rows == []


def test_shared_connection_two_commands_rolled_back_by_caller(shop, db_url):
    engine = create_engine(db_url)
    with engine.connect() as connection:
        transaction = connection.begin()
        shop.attributes["connection"] = connection
        command.upgrade(shop, "9e8d7c6b5a03")
        command.upgrade(shop, "head")
        assert sa.inspect(connection).has_table("order_line")
        rows = connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalars().all()
        assert rows == [HEADS]
        transaction.rollback()
    engine.dispose()
    tables, _, _, _ = inspect(db_url)
    assert tables == {}


def test_shared_connection_committed_by_caller(shop, db_url):
    engine = create_engine(db_url)
    with engine.begin() as connection:
        shop.attributes["connection"] = connection
        command.upgrade(shop, EIGHTH)
        command.downgrade(shop, "-1")
    engine.dispose()
    assert inspect(db_url)[3] == ["d1e2f3a4b507"]


def test_irreversible_revision_is_refused_before_anything_runs(tmp_path, db_url):
    config = write_project(tmp_path, {
        "a.yaml": revision_text("a1", None, """
            - create_table: {table_name: t, columns: [{name: id, type: Integer, primary_key: true}]}
        """),
        "b.yaml": revision_text("b2", "a1", """
            - execute: "INSERT INTO t (id) VALUES (1)"
        """),
    }, db_url)
    command.upgrade(config, "head")
    with pytest.raises(MigrationError) as info:
        command.downgrade(config, "base")
    assert "versions/b.yaml:4:5: `execute` cannot be reversed automatically" in str(info.value)
    assert "write a `downgrade:`" in str(info.value)
    assert inspect(db_url)[3] == ["b2"]


def test_unreachable_database(tmp_path):
    config = write_project(tmp_path, {"a.yaml": revision_text("a1", None)},
                           "postgresql+psycopg://nobody@127.0.0.1:1/none")
    with pytest.raises(MigrationError) as info:
        command.upgrade(config, "head")
    assert str(info.value).startswith("cannot connect to postgresql+psycopg://nobody@127.0.0.1:1/none")
    assert "check sqlalchemy.url" in str(info.value)


def test_version_table_of_alembic_is_read_as_it_is(shop, db_url):
    engine = sa.create_engine(db_url)
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL, "
                             "CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num))")
    engine.dispose()
    command.upgrade(shop, "head")
    assert inspect(db_url)[3] == [HEADS]


def test_custom_version_table(shop, db_url):
    shop.set_main_option("version_table", "shop_version")
    command.upgrade(shop, "+1")
    tables = inspect(db_url)[0]
    assert "shop_version" in tables and "alembic_version" not in tables


def test_database_at_an_unknown_revision(shop, db_url):
    command.upgrade(shop, "+1")
    engine = sa.create_engine(db_url)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE alembic_version SET version_num = 'feedbeef0000'"))
    engine.dispose()
    from runner.errors import ResolutionError

    for call in (lambda: command.upgrade(shop, "head"), lambda: command.current(shop)):
        with pytest.raises(ResolutionError) as info:
            call()
        assert "the database is at revision 'feedbeef0000', which no revision file defines" in str(info.value)
    assert inspect(db_url)[3] == ["feedbeef0000"]


def test_ensure_version(shop, db_url, capsys):
    command.ensure_version(shop)
    tables = inspect(db_url)[0]
    assert set(tables) == {"alembic_version"}
    command.ensure_version(shop)   # already there: nothing happens
    command.ensure_version(shop, sql=True)
    assert "CREATE TABLE alembic_version (" in capsys.readouterr().out


def _version_writes(run) -> list[str]:
    """The INSERT/UPDATE/DELETE statements on the version table while `run()` runs."""
    seen: list[str] = []

    def record(conn, cursor, statement, *args):
        if "alembic_version" in statement and statement.lstrip().upper().startswith(
                ("INSERT", "UPDATE", "DELETE")):
            seen.append(statement.lstrip().split()[0].upper())

    sa.event.listen(sa.engine.Engine, "before_cursor_execute", record)
    try:
        run()
    finally:
        sa.event.remove(sa.engine.Engine, "before_cursor_execute", record)
    return seen


def test_one_transaction_writes_only_the_net_version_change(shop, db_url):
    shop.set_main_option("transaction_per_migration", "false")
    assert _version_writes(lambda: command.upgrade(shop, "head")) == ["INSERT"]
    assert inspect(db_url)[3] == [HEADS]
    assert _version_writes(lambda: command.downgrade(shop, "9e8d7c6b5a03")) == ["UPDATE"]
    assert inspect(db_url)[3] == ["9e8d7c6b5a03"]
    assert _version_writes(lambda: command.downgrade(shop, "base")) == ["DELETE"]
    assert inspect(db_url)[3] == []


def test_per_revision_transactions_write_each_revision_as_alembic_does(shop, db_url):
    writes = _version_writes(lambda: command.upgrade(shop, "head"))
    assert writes[0] == "INSERT" and set(writes[1:]) == {"UPDATE"} and len(writes) > 2
    assert inspect(db_url)[3] == [HEADS]


# Regressions from the user trial (a new user trying every operation of the README on SQLite and
# PostgreSQL; tests/test_user_trial.py until issue 13): each failed before its fix.
def test_what_the_dialect_cannot_compile_is_an_error_at_the_operation(tmp_path, postgres_url):
    """An Enum without a name is fine on SQLite, but PostgreSQL needs one for its type: the
    CompileError came out as `yamig: internal error`, without the file or a rollback. (The
    checks before a run refuse it now, as `dialect-type`: runtime/test_run_check.py; this is
    the run behind them, with --no-check or for what they do not know.)"""
    enum = revision_text("a2", "a1", """
        - add_column: {table_name: account, column: {name: kind, type: "Enum('a', 'b')"}}
    """)
    cfg = write_project(tmp_path, {"a1_account.yaml": ACCOUNT, "a2_enum.yaml": enum}, postgres_url)
    with pytest.raises(MigrationError) as err:
        command.upgrade(cfg, "head", check=False)
    assert "a2_enum.yaml:4:5: add_column failed in revision a2: " in str(err.value)
    assert "Enum type requires a name" in str(err.value)
    with sa.create_engine(postgres_url).connect() as conn:
        assert conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar() == "a1"


def test_a_failure_in_one_transaction_for_the_run_says_the_whole_run_rolled_back(tmp_path, db_url):
    """With transaction_per_migration = false the revisions before the failing one are rolled back
    too, but the hint said only the failing revision was, as if the earlier ones had stayed."""
    failing = revision_text("a2", "a1", """
        - add_column: {table_name: account, column: {name: code, type: Integer}}
        - add_column: {table_name: account, column: {name: code, type: Integer}}
    """)
    cfg = write_project(tmp_path, {"a1_account.yaml": ACCOUNT, "a2_twice.yaml": failing}, db_url)
    cfg.set_main_option("transaction_per_migration", "false")
    with pytest.raises(MigrationError) as err:
        command.upgrade(cfg, "head", check=False)  # the database's answer, not the replay's
    assert "a2_twice.yaml:5:5: add_column failed in revision a2" in str(err.value)
    assert err.value.hint.startswith("the whole run was rolled back (transaction_per_migration = false)")
    assert not sa.inspect(sa.create_engine(db_url)).has_table("account")
