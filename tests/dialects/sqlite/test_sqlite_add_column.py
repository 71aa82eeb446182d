"""add_column on SQLite where ADD COLUMN in place would lose what the column declares.

A named foreign key (or one with ON DELETE / ON UPDATE / DEFERRABLE) and a UNIQUE column are
added by rebuilding the table, online and offline, as Alembic's batch block does; rows are kept.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from runner import command
from runner.errors import MigrationError

from ...helpers import revision_text, write_project

BASE = revision_text("r1", None, """
    - create_table:
        table_name: account
        columns: [{name: id, type: Integer, primary_key: true}, {name: email, type: String(50)}]
    - create_table:
        table_name: item
        columns:
          - {name: id, type: Integer, primary_key: true}
          - {name: account_id, type: Integer, foreign_key: {column: account.id}}
    - create_index: {index_name: ix_item_account_id, table_name: item, columns: [account_id]}
    - bulk_insert: {table_name: account, rows: [{id: 1, email: a@x}, {id: 2, email: b@x}]}
    - bulk_insert: {table_name: item, rows: [{id: 10, account_id: 1}, {id: 11, account_id: 2}]}
    """)


def _project(tmp_path, url, upgrade: str):
    return write_project(tmp_path, {"r1.yaml": BASE, "r2.yaml": revision_text("r2", "r1", upgrade)}, url)


def _offline(config, capsys) -> str:
    capsys.readouterr()
    command.upgrade(config, "r1:r2", sql=True)
    return capsys.readouterr().out


OWNER = "- add_column: {table_name: item, column: {name: owner_id, type: Integer, foreign_key: %s}}"


def test_named_foreign_key_rebuilds_the_table(tmp_path, sqlite_url):
    config = _project(tmp_path, sqlite_url,
                      OWNER % "{column: account.id, name: fk_item_owner, ondelete: SET NULL}")
    command.upgrade(config, "head")
    engine = sa.create_engine(sqlite_url)
    with engine.connect() as conn:
        insp = sa.inspect(conn)
        fks = sorted((fk["name"] or "", fk["constrained_columns"], fk["options"])
                     for fk in insp.get_foreign_keys("item"))
        assert fks == [("", ["account_id"], {}), ("fk_item_owner", ["owner_id"], {"ondelete": "SET NULL"})]
        assert [ix["name"] for ix in insp.get_indexes("item")] == ["ix_item_account_id"]
        assert conn.execute(sa.text("SELECT id, account_id, owner_id FROM item ORDER BY id")).all() == \
            [(10, 1, None), (11, 2, None)]
        conn.exec_driver_sql("PRAGMA foreign_keys = ON")  # and the ON DELETE is the database's own
        conn.exec_driver_sql("UPDATE item SET owner_id = 2")
        conn.exec_driver_sql("DELETE FROM item WHERE id = 11")
        conn.exec_driver_sql("DELETE FROM account WHERE id = 2")
        assert conn.execute(sa.text("SELECT owner_id FROM item")).all() == [(None,)]
        conn.commit()
    command.downgrade(config, "r1")  # derived drop_column: a rebuild too, the foreign key goes
    with engine.connect() as conn:
        insp = sa.inspect(conn)
        assert [c["name"] for c in insp.get_columns("item")] == ["id", "account_id"]
        assert [fk["constrained_columns"] for fk in insp.get_foreign_keys("item")] == [["account_id"]]
    engine.dispose()


def test_named_foreign_key_offline_rebuilds_from_the_state(tmp_path, capsys):
    config = _project(tmp_path, "sqlite://", OWNER % "{column: account.id, name: fk_item_owner}")
    out = _offline(config, capsys)
    assert "CONSTRAINT fk_item_owner FOREIGN KEY(owner_id) REFERENCES account (id)" in out
    assert "INSERT INTO _yamig_tmp_item (id, account_id) SELECT item.id, item.account_id" in out
    assert "ALTER TABLE _yamig_tmp_item RENAME TO item;" in out
    assert "ADD COLUMN" not in out


def test_plain_foreign_key_is_added_in_place(tmp_path, sqlite_url, capsys):
    """Nothing of an unnamed reference without actions is lost inline: no copy of the rows."""
    config = _project(tmp_path, sqlite_url, OWNER % "{column: account.id}")
    out = _offline(config, capsys)
    assert "ALTER TABLE item ADD COLUMN owner_id INTEGER REFERENCES account (id);" in out
    assert "_yamig_tmp_item" not in out
    command.upgrade(config, "head")
    engine = sa.create_engine(sqlite_url)
    with engine.connect() as conn:
        fks = sorted(fk["constrained_columns"] for fk in sa.inspect(conn).get_foreign_keys("item"))
        assert fks == [["account_id"], ["owner_id"]]
    engine.dispose()


HANDLE = "- add_column: {table_name: account, column: {name: handle, type: String(30), unique: true}}"


def test_unique_column_rebuilds_the_table_with_a_unique_constraint(tmp_path, sqlite_url):
    config = write_project(tmp_path, {
        "r1.yaml": BASE, "r2.yaml": revision_text("r2", "r1", HANDLE),
        "r3.yaml": revision_text("r3", "r2", "- drop_column: {table_name: account, column_name: email}"),
    }, sqlite_url)
    command.upgrade(config, "r2")
    engine = sa.create_engine(sqlite_url)
    with engine.connect() as conn:
        insp = sa.inspect(conn)
        assert insp.get_unique_constraints("account") == [{"name": "uq_account_handle",
                                                           "column_names": ["handle"]}]
        assert insp.get_indexes("account") == []
        assert conn.execute(sa.text("SELECT id, email, handle FROM account ORDER BY id")).all() == \
            [(1, "a@x", None), (2, "b@x", None)]
        assert [fk["referred_table"] for fk in insp.get_foreign_keys("item")] == ["account"]
        conn.exec_driver_sql("UPDATE account SET handle = 'h' WHERE id = 1")
        try:
            conn.exec_driver_sql("UPDATE account SET handle = 'h' WHERE id = 2")
            raise AssertionError("the UNIQUE constraint did not hold")
        except sa.exc.IntegrityError:
            conn.rollback()
    command.upgrade(config, "r3")  # a later rebuild of the table keeps the named constraint
    with engine.connect() as conn:
        insp = sa.inspect(conn)
        assert [c["name"] for c in insp.get_columns("account")] == ["id", "handle"]
        assert insp.get_unique_constraints("account") == [{"name": "uq_account_handle",
                                                           "column_names": ["handle"]}]
    command.downgrade(config, "r1")  # r3's and r2's derived downgrades
    with engine.connect() as conn:
        insp = sa.inspect(conn)
        assert [c["name"] for c in insp.get_columns("account")] == ["id", "email"]
        assert insp.get_unique_constraints("account") == []
        assert conn.execute(sa.text("SELECT count(*) FROM account")).scalar() == 2
    engine.dispose()


def test_unique_column_offline_rebuilds_from_the_state(tmp_path, capsys):
    config = _project(tmp_path, "sqlite://", HANDLE)
    out = _offline(config, capsys)
    assert "CONSTRAINT uq_account_handle UNIQUE (handle)" in out
    assert "INSERT INTO _yamig_tmp_account (id, email) SELECT account.id, account.email" in out
    assert "ADD COLUMN" not in out and "CREATE UNIQUE INDEX" not in out


def test_rebuild_refuses_a_column_the_table_has(tmp_path, sqlite_url):
    """As ADD COLUMN would: the rebuild must not silently replace the existing column."""
    config = _project(tmp_path, sqlite_url, "- execute: \"ALTER TABLE account ADD COLUMN handle TEXT\"\n"
                      + HANDLE)
    with pytest.raises(MigrationError) as info:
        command.upgrade(config, "head")
    assert str(info.value).startswith(
        f"{tmp_path}/versions/r2.yaml:5:5: table account already has a column named handle")
    engine = sa.create_engine(sqlite_url)
    with engine.connect() as conn:
        assert [c["name"] for c in sa.inspect(conn).get_columns("account")] == ["id", "email"]
        assert conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalars().all() == ["r1"]
    engine.dispose()


def test_named_foreign_key_on_a_table_the_state_does_not_know(tmp_path, capsys):
    """Offline, a table made by raw SQL has no definition to rebuild from: the reference goes
    inline in ADD COLUMN, its name kept in the table's SQL."""
    config = _project(tmp_path, "sqlite://", "- execute: \"CREATE TABLE thing (id INTEGER PRIMARY KEY)\"\n"
                      + OWNER.replace("item", "thing")
                      % "{column: account.id, name: fk_thing_owner, ondelete: CASCADE}")
    out = _offline(config, capsys)
    assert ("ALTER TABLE thing ADD COLUMN owner_id INTEGER CONSTRAINT fk_thing_owner "
            "REFERENCES account (id) ON DELETE CASCADE;") in out
    assert "_yamig_tmp" not in out
