"""One SQLite rebuild for a run of operations on one table, online and offline, as Alembic's batch
mode would do them: the same schema and rows as one rebuild per operation, and errors still
located at the operation they come from."""

from __future__ import annotations

import io
import re
import sqlite3
from contextlib import contextmanager

import pytest
import sqlalchemy as sa

from runner import command
from runner.errors import MigrationError

from ...helpers import revision_text, write_project

BASE = revision_text("a1", None, """
    - create_table:
        table_name: parent
        columns: [{name: id, type: Integer, primary_key: true}]
    - create_table:
        table_name: item
        columns:
          - {name: id, type: Integer, primary_key: true}
          - {name: code, type: String(20), unique: true}
          - {name: price, type: "Numeric(10, 2)"}
          - {name: qty, type: Integer}
          - {name: note, type: Text, index: true}
          - {name: parent_id, type: Integer, foreign_key: {column: parent.id, ondelete: CASCADE}}
        constraints:
          - {check: "price >= 0", name: ck_item_price}
    - create_index: {index_name: ix_item_qty_code, table_name: item, columns: [qty, code]}
    - bulk_insert: {table_name: parent, rows: [{id: 1}]}
    - bulk_insert:
        table_name: item
        rows: [{id: 1, code: a, price: 2.5, qty: 3, note: x, parent_id: 1},
               {id: 2, code: b, price: 4, qty: 5, note: y, parent_id: 1}]
""")

BATCH = """
    - alter_column: {table_name: item, column_name: price, nullable: false}
    - alter_column: {table_name: item, column_name: qty, new_column_name: quantity, type: BigInteger}
    - create_check_constraint: {constraint_name: ck_item_quantity, table_name: item,
                                condition: "quantity >= 0"}
    - drop_constraint: {constraint_name: ck_item_price, table_name: item, type: check}
    - create_unique_constraint: {constraint_name: uq_item_parent_quantity, table_name: item,
                                 columns: [parent_id, quantity]}
    - drop_column: {table_name: item, column_name: note}     # indexed: SQLite cannot drop it in place
"""


def project(root, url, upgrade=BATCH):
    return write_project(root, {"a1_base.yaml": BASE,
                                "b2_batch.yaml": revision_text("b2", "a1", upgrade)}, url)


@contextmanager
def executed():
    """The SQL statements every engine runs meanwhile."""
    seen: list[str] = []

    def record(conn, cursor, statement, *args):
        seen.append(statement)

    sa.event.listen(sa.engine.Engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        sa.event.remove(sa.engine.Engine, "before_cursor_execute", record)


def rebuilds(statements: list[str] | str) -> list[str]:
    text = statements if isinstance(statements, str) else "\n".join(statements)
    return re.findall(r"CREATE TABLE _yamig_tmp\w*", text)


def snapshot(url: str) -> dict:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            insp = sa.inspect(conn)
            return {
                "columns": [(c["name"], str(c["type"]), c["nullable"]) for c in insp.get_columns("item")],
                "indexes": sorted((i["name"], tuple(i["column_names"])) for i in insp.get_indexes("item")),
                "uniques": sorted((u["name"] or "", tuple(u["column_names"]))
                                  for u in insp.get_unique_constraints("item")),
                "auto": sorted(tuple(i["column_names"]) for i in insp.get_indexes(
                    "item", include_auto_indexes=True) if i["name"].startswith("sqlite_autoindex")),
                "checks": sorted(c["name"] for c in insp.get_check_constraints("item")),
                "fks": [(f["referred_table"], f["options"]) for f in insp.get_foreign_keys("item")],
                "rows": conn.execute(sa.text("SELECT * FROM item ORDER BY id")).all(),
                "tables": sorted(set(insp.get_table_names()) - {"yamig_history"}),
            }
    finally:
        engine.dispose()


def test_a_run_of_operations_on_one_table_rebuilds_it_once(tmp_path, sqlite_url):
    config = project(tmp_path, sqlite_url)
    command.upgrade(config, "a1")
    before = snapshot(sqlite_url)
    with executed() as statements:
        command.upgrade(config, "head")
    assert rebuilds(statements) == ["CREATE TABLE _yamig_tmp_item"]
    after = snapshot(sqlite_url)
    assert after["columns"] == [("id", "INTEGER", False), ("code", "VARCHAR(20)", True),
                                ("price", "NUMERIC(10, 2)", False), ("quantity", "BIGINT", True),
                                ("parent_id", "INTEGER", True)]
    assert after["indexes"] == [("ix_item_qty_code", ("quantity", "code"))]
    assert after["uniques"] == [("", ("code",)), ("uq_item_parent_quantity", ("parent_id", "quantity"))]
    assert after["checks"] == ["ck_item_quantity"]
    assert after["fks"] == [("parent", {"ondelete": "CASCADE"})]
    assert after["rows"] == [(1, "a", 2.5, 3, 1), (2, "b", 4, 5, 1)]
    assert after["tables"] == ["alembic_version", "item", "parent"]
    with executed() as statements:
        command.downgrade(config, "a1")                     # derived: one rebuild back
    assert rebuilds(statements) == ["CREATE TABLE _yamig_tmp_item"]
    restored = snapshot(sqlite_url)   # the dropped column comes back last
    assert sorted(restored.pop("columns")) == sorted(before.pop("columns"))
    assert [{**r._asdict(), "note": None} for r in before.pop("rows")] == \
        [r._asdict() for r in restored.pop("rows")]          # the rest of each row kept throughout
    assert restored == before


def test_offline_the_same_single_rebuild_does_what_online_does(tmp_path):
    online, offline = tmp_path / "online", tmp_path / "offline"
    for folder in (online, offline):
        command.upgrade(project(folder, f"sqlite:///{folder}/db.sqlite"), "a1")
    command.upgrade(project(online, f"sqlite:///{online}/db.sqlite"), "head")
    config = project(offline, "sqlite://")
    out = config.stdout = io.StringIO()
    command.upgrade(config, "a1:b2", sql=True)
    script = out.getvalue()
    assert rebuilds(script) == ["CREATE TABLE _yamig_tmp_item"]
    with sqlite3.connect(offline / "db.sqlite") as db:
        db.executescript(script)
    assert snapshot(f"sqlite:///{offline}/db.sqlite") == snapshot(f"sqlite:///{online}/db.sqlite")


def test_another_table_in_between_ends_the_run(tmp_path, sqlite_url):
    config = project(tmp_path, sqlite_url, """
        - alter_column: {table_name: item, column_name: price, nullable: false}
        - create_check_constraint: {constraint_name: ck_parent_id, table_name: parent, condition: "id > 0"}
        - alter_column: {table_name: item, column_name: qty, nullable: false}
        - alter_column: {table_name: item, column_name: qty, new_column_name: quantity}   # in place
        - drop_constraint: {constraint_name: ck_item_price, table_name: item, type: check}
    """)
    command.upgrade(config, "a1")
    with executed() as statements:
        command.upgrade(config, "head")
    assert rebuilds(statements) == ["CREATE TABLE _yamig_tmp_item", "CREATE TABLE _yamig_tmp_parent",
                                    "CREATE TABLE _yamig_tmp_item", "CREATE TABLE _yamig_tmp_item"]
    left = snapshot(sqlite_url)
    assert left["rows"] == [(1, "a", 2.5, 3, "x", 1), (2, "b", 4, 5, "y", 1)]
    assert left["tables"] == ["alembic_version", "item", "parent"]


def test_errors_point_at_the_operation_in_the_run(tmp_path, sqlite_url):
    config = project(tmp_path, sqlite_url, """
        - alter_column: {table_name: item, column_name: price, type: "Numeric(12, 2)"}
        - drop_constraint: {constraint_name: ck_nope, table_name: item, type: check}
    """)
    command.upgrade(config, "a1")
    with pytest.raises(MigrationError) as info:
        command.upgrade(config, "head", check=False)  # the rebuild's own refusal
    assert info.value.location.endswith("b2_batch.yaml:5:5")
    assert info.value.message == "table item has no constraint named ck_nope"

    (tmp_path / "versions" / "b2_batch.yaml").write_text(revision_text("b2", "a1", """
        - alter_column: {table_name: item, column_name: price, type: "Numeric(12, 2)"}
        - create_check_constraint: {constraint_name: ck_item_big, table_name: item, condition: "qty > 4"}
        - alter_column: {table_name: item, column_name: note, type: String(10)}
    """))
    with pytest.raises(MigrationError) as info:
        command.upgrade(config, "head")
    assert info.value.location.endswith("b2_batch.yaml:5:5")   # the check the rows break
    assert info.value.message.startswith("create_check_constraint failed in revision b2: "
                                         "CHECK constraint failed: ck_item_big")
    assert info.value.message.endswith("(SQLite rebuilt table item once for 3 operations)")
    left = snapshot(sqlite_url)
    assert left["rows"] == [(1, "a", 2.5, 3, "x", 1), (2, "b", 4, 5, "y", 1)]
    assert left["tables"] == ["alembic_version", "item", "parent"]


def test_an_added_unique_column_joins_the_run(tmp_path, sqlite_url):
    config = project(tmp_path, sqlite_url, """
        - add_column: {table_name: item, column: {name: sku, type: String(10), unique: true}}
        - alter_column: {table_name: item, column_name: sku, new_column_name: ref, type: String(20)}
    """)
    command.upgrade(config, "a1")
    with executed() as statements:
        command.upgrade(config, "head")
    assert rebuilds(statements) == ["CREATE TABLE _yamig_tmp_item"]
    after = snapshot(sqlite_url)
    assert after["columns"][-1] == ("ref", "VARCHAR(20)", True)
    assert ("uq_item_sku", ("ref",)) in after["uniques"]
    assert [r[:6] for r in after["rows"]] == [(1, "a", 2.5, 3, "x", 1), (2, "b", 4, 5, "y", 1)]
