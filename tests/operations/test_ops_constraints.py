"""Constraint and table-comment operations on real SQLite and PostgreSQL, read back with the
inspector, undone by written and derived downgrades; their offline SQL against Alembic's."""

from __future__ import annotations

import io
import subprocess
import sys

import pytest
import sqlalchemy as sa

from runner import command
from runner.errors import MigrationError, RevisionFileError

from ..helpers import offline_script, revision_text, validate_code, write_project

BASE = revision_text("a1", None, """
    - create_table:
        table_name: parent
        columns: [{name: id, type: Integer, primary_key: true}]
    - create_table:
        table_name: item
        columns:
          - {name: id, type: Integer, nullable: false}
          - {name: sku, type: String(20), unique: true}
          - {name: qty, type: Integer, nullable: false, server_default: "0"}
          - {name: parent_id, type: Integer}
        constraints:
          - {check: "qty >= 0", name: ck_item_qty}
    - create_index: {index_name: ix_item_qty, table_name: item, columns: [qty]}
    - bulk_insert: {table_name: parent, rows: [{id: 1}, {id: 2}]}
    - bulk_insert:
        table_name: item
        rows: [{id: 1, sku: a, qty: 1, parent_id: 1}, {id: 2, sku: b, qty: 2, parent_id: 2}]
""", downgrade="[]")

# operation (YAML), its written downgrade, and what the inspector shows after the upgrade
CASES = {
    "unique": ("create_unique_constraint: {constraint_name: uq_item_qty, table_name: item, columns: [qty]}",
               "drop_constraint: {constraint_name: uq_item_qty, table_name: item, type: unique}",
               lambda s: ("uq_item_qty", ("qty",)) in s["unique"]),
    "primary": ("create_primary_key: {constraint_name: pk_item, table_name: item, columns: [id]}",
                "drop_constraint: {constraint_name: pk_item, table_name: item, type: primary}",
                lambda s: s["pk"] == ("pk_item", ("id",))),
    "foreign": ("create_foreign_key: {constraint_name: fk_item_parent, source_table: item, "
                "referent_table: parent, local_cols: [parent_id], remote_cols: [id], "
                "ondelete: CASCADE, onupdate: CASCADE}",
                "drop_constraint: {constraint_name: fk_item_parent, table_name: item, type: foreignkey}",
                lambda s: s["fks"] == [("fk_item_parent", ("parent_id",), "parent", ("id",),
                                        "CASCADE", "CASCADE")]),
    "check": ("create_check_constraint: {constraint_name: ck_item_id, table_name: item, condition: 'id > 0'}",
              "drop_constraint: {constraint_name: ck_item_id, table_name: item, type: check}",
              lambda s: s["checks"] == ["ck_item_id", "ck_item_qty"]),
    "drop": ("drop_constraint: {constraint_name: ck_item_qty, table_name: item, type: check}",
             "create_check_constraint: {constraint_name: ck_item_qty, table_name: item, "
             "condition: 'qty >= 0'}",
             lambda s: s["checks"] == []),
    "comment": ("create_table_comment: {table_name: item, comment: what we sell}",
                "drop_table_comment: {table_name: item}",
                lambda s: s["comment"] == ("what we sell" if s["dialect"] == "postgresql" else None)),
}


def snapshot(url: str, table: str = "item", schema: str | None = None) -> dict:
    """The table's constraints, indexes, comment and rows, as the database reports them."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            insp = sa.inspect(conn)
            sqlite = conn.dialect.name == "sqlite"
            pk = insp.get_pk_constraint(table, schema=schema)
            uniques = [(u["name"], tuple(u["column_names"]))
                       for u in insp.get_unique_constraints(table, schema=schema)]
            if sqlite:  # SQLAlchemy's parse misses inline UNIQUE after VARCHAR(n): SQLite's indexes show it
                uniques = [u for u in uniques if u[0]] + [
                    (None, tuple(i["column_names"]))
                    for i in insp.get_indexes(table, schema=schema, include_auto_indexes=True)
                    if i["name"].startswith("sqlite_autoindex")
                    and tuple(i["column_names"]) not in {u[1] for u in uniques if u[0]}]
            else:
                uniques = [(None if n and n.endswith("_key") else n, c) for n, c in uniques]
            fks = [(f["name"], tuple(f["constrained_columns"]), f["referred_table"],
                    tuple(f["referred_columns"]), f["options"].get("ondelete"), f["options"].get("onupdate"))
                   for f in insp.get_foreign_keys(table, schema=schema)]
            qualified = f"{schema}.{table}" if schema else table
            return {
                "dialect": conn.dialect.name,
                "columns": [(c["name"], c["nullable"]) for c in insp.get_columns(table, schema=schema)],
                "pk": (pk.get("name") if pk.get("constrained_columns") else None,
                       tuple(pk.get("constrained_columns") or ())),
                "unique": sorted(uniques, key=repr),
                "fks": sorted(fks, key=repr),
                "checks": sorted(c["name"] for c in insp.get_check_constraints(table, schema=schema)),
                "indexes": sorted(i["name"] for i in insp.get_indexes(table, schema=schema)
                                  if "duplicates_constraint" not in i),
                "comment": None if sqlite else insp.get_table_comment(table, schema=schema)["text"],
                "rows": conn.execute(sa.text(f"SELECT id, qty FROM {qualified} ORDER BY id")).all(),
            }
    finally:
        engine.dispose()


@pytest.mark.parametrize("downgrade", ["derived", "written"])
@pytest.mark.parametrize("case", sorted(CASES))
def test_operation_upgrades_and_downgrades(tmp_path, db_url, case, downgrade):
    operation, undo, shows = CASES[case]
    written = f"- {undo}" if downgrade == "written" else None
    second = revision_text("b2", "a1", f"- {operation}", downgrade=written)
    config = write_project(tmp_path, {"a.yaml": BASE, "b.yaml": second}, db_url)
    command.upgrade(config, "a1")
    before = snapshot(db_url)
    assert before["rows"] == [(1, 1), (2, 2)]
    assert before["pk"][1] == () and before["checks"] == ["ck_item_qty"]
    assert (None, ("sku",)) in before["unique"]

    command.upgrade(config, "head")
    after = snapshot(db_url)
    assert shows(after), after
    assert after["rows"] == before["rows"]                  # a SQLite rebuild keeps the rows,
    assert after["indexes"] == ["ix_item_qty"]              # the indexes
    assert (None, ("sku",)) in after["unique"]              # and the other constraints
    if case != "drop":
        assert "ck_item_qty" in after["checks"]

    command.downgrade(config, "a1")
    assert snapshot(db_url) == before


def test_a_rebuilt_table_still_enforces_its_constraints(tmp_path, sqlite_url):
    second = revision_text("b2", "a1", """
        - create_foreign_key: {constraint_name: fk_item_parent, source_table: item, referent_table: parent,
                               local_cols: [parent_id], remote_cols: [id], ondelete: CASCADE}
    """)
    config = write_project(tmp_path, {"a.yaml": BASE, "b.yaml": second}, sqlite_url)
    command.upgrade(config, "head")
    engine = sa.create_engine(sqlite_url)
    with engine.connect() as conn:
        for bad in ("INSERT INTO item (id, sku, qty) VALUES (3, 'a', 1)",     # sku is still unique
                    "INSERT INTO item (id, sku, qty) VALUES (3, 'c', -1)"):   # the check still holds
            with pytest.raises(sa.exc.IntegrityError):
                conn.exec_driver_sql(bad)
            conn.rollback()
        conn.exec_driver_sql("PRAGMA foreign_keys = ON")
        conn.exec_driver_sql("DELETE FROM parent WHERE id = 1")          # the new key cascades
        assert conn.exec_driver_sql("SELECT id FROM item").scalars().all() == [2]
    engine.dispose()


def test_constraints_in_a_postgresql_schema(tmp_path, postgres_url):
    engine = sa.create_engine(postgres_url)
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE SCHEMA app")
    engine.dispose()
    first = revision_text("a1", None, """
        - create_table:
            table_name: parent
            schema: app
            columns: [{name: id, type: Integer, primary_key: true}]
        - create_table:
            table_name: item
            schema: app
            columns:
              - {name: id, type: Integer, nullable: false}
              - {name: qty, type: Integer, nullable: false}
              - {name: parent_id, type: Integer}
              - {name: sku, type: String(20), unique: true}
        - bulk_insert: {table_name: parent, schema: app, rows: [{id: 1}]}
        - bulk_insert: {table_name: item, schema: app, rows: [{id: 1, qty: 3, parent_id: 1}]}
    """, downgrade="[]")
    second = revision_text("b2", "a1", """
        - create_primary_key: {constraint_name: pk_item, table_name: item, columns: [id], schema: app}
        - create_unique_constraint: {constraint_name: uq_item_qty, table_name: item, columns: [qty],
                                     schema: app}
        - create_foreign_key: {constraint_name: fk_item_parent, source_table: item, referent_table: parent,
                               local_cols: [parent_id], remote_cols: [id], ondelete: SET NULL,
                               source_schema: app, referent_schema: app}
        - create_check_constraint: {constraint_name: ck_item_qty, table_name: item, condition: "qty > 0",
                                    schema: app}
        - create_table_comment: {table_name: item, comment: items, schema: app}
        - drop_constraint: {constraint_name: item_sku_key, table_name: item, type: unique, schema: app}
    """)
    config = write_project(tmp_path, {"a.yaml": first, "b.yaml": second}, postgres_url)
    command.upgrade(config, "a1")
    before = snapshot(postgres_url, schema="app")
    command.upgrade(config, "head")
    after = snapshot(postgres_url, schema="app")
    assert after["pk"] == ("pk_item", ("id",))
    assert after["unique"] == [("uq_item_qty", ("qty",))]           # item_sku_key dropped
    assert after["fks"] == [("fk_item_parent", ("parent_id",), "parent", ("id",), "SET NULL", None)]
    assert after["checks"] == ["ck_item_qty"] and after["comment"] == "items"
    command.downgrade(config, "a1")      # derived, from the state of the tables in schema app
    assert snapshot(postgres_url, schema="app") == before


def test_derived_downgrades_from_the_state(tmp_path, db_url):
    """drop_constraint of a constraint defined by create_table comes back as it was."""
    second = revision_text("b2", "a1", """
        - create_foreign_key: {constraint_name: fk_item_parent, source_table: item, referent_table: parent,
                               local_cols: [parent_id], remote_cols: [id], ondelete: CASCADE}
        - create_table_comment: {table_name: item, comment: first}
    """, downgrade="[]")
    third = revision_text("c3", "b2", """
        - drop_constraint: {constraint_name: fk_item_parent, table_name: item, type: foreignkey}
        - drop_constraint: {constraint_name: ck_item_qty, table_name: item}
        - create_table_comment: {table_name: item, comment: second}
    """)
    config = write_project(tmp_path, {"a.yaml": BASE, "b.yaml": second, "c.yaml": third}, db_url)
    command.upgrade(config, "b2")
    before = snapshot(db_url)
    command.upgrade(config, "head")
    assert snapshot(db_url)["fks"] == [] and snapshot(db_url)["checks"] == []
    command.downgrade(config, "b2")
    assert snapshot(db_url) == before


def test_dropping_a_constraint_no_revision_defines_cannot_be_derived(tmp_path):
    second = revision_text("b2", "a1", "- drop_constraint: {constraint_name: nope, table_name: item}")
    config = write_project(tmp_path, {"a.yaml": BASE, "b.yaml": second})
    with pytest.raises(MigrationError) as info:
        command.downgrade(config, "b2:a1", sql=True)
    assert str(info.value).startswith(f"{tmp_path}/versions/b.yaml:4:5: cannot derive the downgrade of "
                                      "drop_constraint nope")
    assert "hint: write a `downgrade:`" in str(info.value)


def test_mismatched_foreign_key_columns_point_at_the_file(tmp_path):
    second = revision_text("b2", "a1", """
        - create_foreign_key: {constraint_name: fk, source_table: item, referent_table: parent,
                               local_cols: [parent_id, qty], remote_cols: [id]}
    """)
    config = write_project(tmp_path, {"a.yaml": BASE, "b.yaml": second})
    with pytest.raises(RevisionFileError) as info:
        command.upgrade(config, "a1:b2", sql=True)
    assert str(info.value).startswith(f"{tmp_path}/versions/b.yaml:")
    assert "2 local_cols but 1 remote_cols" in str(info.value)


def test_mysql_needs_the_type_of_a_constraint_to_drop(tmp_path, capsys):
    second = revision_text("b2", "a1", "- drop_constraint: {constraint_name: ck_item_qty, table_name: item}",
                           downgrade="[]")
    config = write_project(tmp_path, {"a.yaml": BASE, "b.yaml": second}, "mysql://")
    with pytest.raises(MigrationError) as info:
        command.upgrade(config, "a1:b2", sql=True)
    assert str(info.value).startswith(f"{tmp_path}/versions/b.yaml:4")
    assert "needs its `type`" in str(info.value)


def test_the_state_reports_missing_and_duplicate_constraints():
    from runner.operations.constraints import CreateUniqueConstraint, DropConstraint
    from runner.operations.tables import CreateTable
    from runner.schema.state import SchemaState

    state = SchemaState()
    CreateTable({"table_name": "t", "columns": [{"name": "a", "type": "Integer", "unique": True}]}
                ).state_forwards(state)
    for columns in (["a"], ["b"]):
        CreateUniqueConstraint({"constraint_name": "uq", "table_name": "t", "columns": columns}
                               ).state_forwards(state)
    DropConstraint({"constraint_name": "nope", "table_name": "t"}).state_forwards(state)
    DropConstraint({"constraint_name": "uq", "table_name": "t", "type": "check"}).state_forwards(state)
    DropConstraint({"constraint_name": "t_a_key", "table_name": "t"}).state_forwards(state)  # PostgreSQL's
    assert [p.message for p in state.problems] == [
        "constraint uq already exists on table t",
        "column t.b does not exist",
        "constraint nope does not exist on table t",
        "constraint uq is of type unique, not check",
    ]
    assert state.table("t").columns["a"]["unique"] is False


# -- offline SQL against Alembic's ----------------------------------------------------------------

OFFLINE = revision_text("b2", "a1", """
    - create_unique_constraint: {constraint_name: uq_item_qty, table_name: item, columns: [qty, sku]}
    - create_primary_key: {constraint_name: pk_item, table_name: item, columns: [id]}
    - create_foreign_key: {constraint_name: fk_item_parent, source_table: item, referent_table: parent,
                           local_cols: [parent_id], remote_cols: [id], ondelete: CASCADE,
                           deferrable: true, initially: DEFERRED}
    - create_check_constraint: {constraint_name: ck_item_id, table_name: item, condition: "id > 0"}
    - drop_constraint: {constraint_name: ck_item_qty, table_name: item, type: check}
    - drop_constraint: {constraint_name: uq_item_qty, table_name: item, type: unique}
    - drop_constraint: {constraint_name: fk_item_parent, table_name: item, type: foreignkey}
    - drop_constraint: {constraint_name: pk_item, table_name: item, type: primary}
    - create_table_comment: {table_name: item, comment: "it's stock"}
    - drop_table_comment: {table_name: item, existing_comment: "it's stock"}
    - create_unique_constraint: {constraint_name: uq_s, table_name: item, columns: [qty], schema: app}
    - create_foreign_key: {constraint_name: fk_s, source_table: item, referent_table: parent,
                           local_cols: [parent_id], remote_cols: [id], source_schema: app,
                           referent_schema: ref}
    - create_check_constraint: {constraint_name: ck_s, table_name: item, condition: "qty > 1", schema: app}
    - drop_constraint: {constraint_name: uq_s, table_name: item, type: unique, schema: app}
    - create_table_comment: {table_name: item, comment: stock, schema: app}
    - drop_table_comment: {table_name: item, schema: app}
""", downgrade="[]")


def alembic_calls(op) -> None:
    op.create_unique_constraint("uq_item_qty", "item", ["qty", "sku"])
    op.create_primary_key("pk_item", "item", ["id"])
    op.create_foreign_key("fk_item_parent", "item", "parent", ["parent_id"], ["id"], ondelete="CASCADE",
                          deferrable=True, initially="DEFERRED")
    op.create_check_constraint("ck_item_id", "item", "id > 0")
    op.drop_constraint("ck_item_qty", "item", type_="check")
    op.drop_constraint("uq_item_qty", "item", type_="unique")
    op.drop_constraint("fk_item_parent", "item", type_="foreignkey")
    if op.get_context().dialect.name == "mysql":  # InnoDB keeps the index it made for the key:
        op.drop_index("fk_item_parent", "item")   # yamig drops it too (runner.schema.key_indexes)
    op.drop_constraint("pk_item", "item", type_="primary")
    op.create_table_comment("item", "it's stock")
    op.drop_table_comment("item", existing_comment="it's stock")
    op.create_unique_constraint("uq_s", "item", ["qty"], schema="app")
    op.create_foreign_key("fk_s", "item", "parent", ["parent_id"], ["id"], source_schema="app",
                          referent_schema="ref")
    op.create_check_constraint("ck_s", "item", "qty > 1", schema="app")
    op.drop_constraint("uq_s", "item", type_="unique", schema="app")
    op.create_table_comment("item", "stock", schema="app")
    op.drop_table_comment("item", schema="app")


def alembic_statements(dialect: str, calls) -> list[str]:
    from alembic.migration import MigrationContext
    from alembic.operations import Operations

    buffer = io.StringIO()
    context = MigrationContext.configure(dialect_name=dialect, opts={"as_sql": True, "output_buffer": buffer})
    if dialect == "mssql":
        context.dialect.default_schema_name = "dbo"  # as yamig's offline mode assumes
    calls(Operations(context))
    parts = [p.strip().rstrip(";").strip() for p in buffer.getvalue().split("\n\n")]
    return [p for p in parts if p and p not in ("GO", "/")]


def yamig_statements(out: str) -> list[str]:
    """The statements of the b2 step, without transaction and version-table lines."""
    body = out.split("-- Running upgrade a1 -> b2\n", 1)[1]
    parts = [p.strip().rstrip(";").strip() for p in body.split("\n\n")]  # GO and / separate batches
    return [p for p in parts if p and p not in ("BEGIN", "BEGIN TRANSACTION", "COMMIT", "GO", "/")
            and "alembic_version" not in p]


@pytest.mark.parametrize("dialect", ["postgresql", "mysql", "mssql", "oracle"])
def test_offline_sql_matches_alembic(tmp_path, dialect):
    write_project(tmp_path, {"a.yaml": BASE, "b.yaml": OFFLINE}, f"{dialect}://")
    assert yamig_statements(offline(tmp_path)) == alembic_statements(dialect, alembic_calls)


def offline(root) -> str:
    """`yamig upgrade a1:b2 --sql` in a process of its own: importing Alembic (as these tests do)
    replaces SQLAlchemy's MySQL DROP CONSTRAINT compiler with one of its own. (--no-check: the
    schema-qualified operations name tables the revisions never create.)"""
    result = subprocess.run([sys.executable, "-m", "runner", "upgrade", "a1:b2", "--sql", "--no-check"],
                            cwd=root, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_offline_sqlite_rebuilds_for_constraints(tmp_path, capsys):
    second = revision_text("b2", "a1", """
        - create_unique_constraint: {constraint_name: uq_item_qty, table_name: item, columns: [qty]}
    """)
    config = write_project(tmp_path, {"a.yaml": BASE, "b.yaml": second}, "sqlite://")
    command.upgrade(config, "a1:b2", sql=True)
    out = capsys.readouterr().out
    assert "CONSTRAINT uq_item_qty UNIQUE (qty)" in out and "CONSTRAINT ck_item_qty CHECK (qty >= 0)" in out
    assert "ADD CONSTRAINT" not in out and "CREATE INDEX ix_item_qty ON item (qty);" in out
    command.downgrade(config, "b2:a1", sql=True)
    out = capsys.readouterr().out
    assert "CONSTRAINT uq_item_qty" not in out and "DROP CONSTRAINT" not in out
    assert "CONSTRAINT ck_item_qty CHECK (qty >= 0)" in out


def test_sqlite_refuses_to_drop_a_constraint_the_table_lacks(tmp_path, sqlite_url):
    second = revision_text("b2", "a1", "- drop_constraint: {constraint_name: nope, table_name: item}",
                           downgrade="[]")
    config = write_project(tmp_path, {"a.yaml": BASE, "b.yaml": second}, sqlite_url)
    command.upgrade(config, "a1")
    with pytest.raises(MigrationError) as info:
        command.upgrade(config, "head", check=False)  # the rebuild's own refusal
    assert str(info.value).startswith(f"{tmp_path}/versions/b.yaml:4:5: table item has no constraint "
                                      "named nope")


def test_validate_reports_what_the_state_contradicts(tmp_path):
    second = revision_text("b2", "a1", """
        - create_unique_constraint: {constraint_name: uq, table_name: item, columns: [nope]}
        - create_foreign_key: {constraint_name: fk, source_table: item, referent_table: ghost,
                               local_cols: [parent_id], remote_cols: [id]}
        - drop_constraint: {constraint_name: ck_item_qty, table_name: item, type: unique}
        - bulk_insert: {table_name: item, rows: [{id: 3, colour: red}]}
    """, downgrade="[]")
    config = write_project(tmp_path, {"a1_x.yaml": BASE, "b2_x.yaml": second})
    out = io.StringIO()
    config.stdout = out
    assert validate_code(config) == 1
    lines = [line for line in out.getvalue().splitlines() if ": error state: " in line]
    assert [line.split("b2_x.yaml:", 1)[1] for line in lines] == [
        "4:5: error state: column item.nope does not exist",
        "5:5: error state: table ghost does not exist at this point",
        "7:5: error state: constraint ck_item_qty is of type check, not unique",
        "8:60: error state: column item.colour does not exist",   # at its value
    ]


def test_sqlite_names_a_table_it_cannot_rebuild(tmp_path, sqlite_url):
    second = revision_text("b2", "a1", """
        - create_check_constraint: {constraint_name: ck, table_name: ghost, condition: "a > 0"}
    """, downgrade="[]")
    config = write_project(tmp_path, {"a.yaml": BASE, "b.yaml": second}, sqlite_url)
    with pytest.raises(MigrationError) as info:
        command.upgrade(config, "head", check=False)  # the rebuild's own refusal
    assert str(info.value).startswith(f"{tmp_path}/versions/b.yaml:4:5: SQLite cannot create a constraint "
                                      "in place, and table ghost is not there to rebuild")


def test_a_second_primary_key_is_a_state_problem():
    from runner.operations.constraints import CreatePrimaryKey
    from runner.operations.tables import CreateTable
    from runner.schema.state import SchemaState

    state = SchemaState()
    CreateTable({"table_name": "t", "columns": [{"name": "a", "type": "Integer", "primary_key": True}]}
                ).state_forwards(state)
    CreatePrimaryKey({"constraint_name": "pk", "table_name": "t", "columns": ["a"]}).state_forwards(state)
    assert [p.message for p in state.problems] == ["table t already has a primary key"]


def test_a_derived_drop_column_downgrade_restores_the_constraints_on_it(tmp_path, db_url):
    second = revision_text("b2", "a1", """
        - create_unique_constraint: {constraint_name: uq_item_qty_sku, table_name: item, columns: [qty, sku]}
        - drop_column: {table_name: item, column_name: qty}
    """)
    config = write_project(tmp_path, {"a.yaml": BASE, "b.yaml": second}, db_url)
    command.upgrade(config, "a1")
    before = snapshot(db_url)
    command.upgrade(config, "head")
    command.downgrade(config, "a1")
    after = snapshot(db_url)
    assert after["checks"] == ["ck_item_qty"] and after["indexes"] == ["ix_item_qty"]
    for snap in (before, after):   # a column added back comes last
        snap["columns"] = sorted(snap["columns"])
    assert {k: v for k, v in after.items() if k != "rows"} == {k: v for k, v in before.items() if k != "rows"}
    assert after["rows"] == [(1, 0), (2, 0)]      # the column comes back with its server default


def test_comment_reversal_uses_existing_comment_then_the_state(tmp_path):
    from runner.operations.tables import CreateTable, CreateTableComment, DropTableComment
    from runner.schema.state import SchemaState

    state = SchemaState()
    CreateTable({"table_name": "t", "columns": [], "comment": "old"}).state_forwards(state)
    written = CreateTableComment({"table_name": "t", "comment": "new", "existing_comment": None})
    assert [(o.name, o.args) for o in written.reverse(state)] == [
        ("drop_table_comment", {"table_name": "t", "existing_comment": "new"})]
    from_state = CreateTableComment({"table_name": "t", "comment": "new"})
    assert [(o.name, o.args) for o in from_state.reverse(state)] == [
        ("create_table_comment", {"table_name": "t", "comment": "old", "existing_comment": "new"})]
    assert [(o.name, o.args["comment"]) for o in DropTableComment({"table_name": "t"}).reverse(state)] == [
        ("create_table_comment", "old")]
    state.table("t").comment = None
    assert DropTableComment({"table_name": "t"}).reverse(state) == []   # there was none to restore

    second = revision_text("b2", "a1", "- drop_table_comment: {table_name: elsewhere}")
    config = write_project(tmp_path, {"a.yaml": BASE, "b.yaml": second})
    with pytest.raises(MigrationError) as info:
        command.downgrade(config, "b2:a1", sql=True)
    assert str(info.value).startswith(f"{tmp_path}/versions/b.yaml:4:5: cannot derive the downgrade of "
                                      "drop_table_comment on elsewhere")
    assert "give `existing_comment:`" in str(info.value)


KEYED = {  # a table keyed on id, inline (SERIAL) or by create_primary_key later (no sequence)
    "inline": """
        - create_table:
            table_name: tag
            columns: [{name: id, type: Integer, primary_key: true}, {name: label, type: String(20)}]
        """,
    "added": """
        - create_table:
            table_name: tag
            columns: [{name: id, type: Integer, nullable: false}, {name: label, type: String(20)}]
        - create_primary_key: {constraint_name: tag_pkey, table_name: tag, columns: [id]}
        """,
}


@pytest.mark.parametrize("keyed", sorted(KEYED))
def test_a_dropped_key_keeps_its_sequence_in_the_state_as_in_postgresql(tmp_path, postgres_url, keyed):
    """PostgreSQL keeps a SERIAL's sequence default when its key is dropped: the state records the
    column as still generated, so the derived downgrade (create_primary_key) restores it as it was,
    and validate finds no mismatch; a key create_primary_key added had no sequence, before or after."""
    from runner.revisions.checks import operations
    from runner.revisions.loader import load_revision_file
    from runner.schema.state import SchemaState

    revisions = {"a1_tag.yaml": revision_text("a1", None, KEYED[keyed]),
                 "a2_drop.yaml": revision_text("a2", "a1", "- drop_constraint: {constraint_name: tag_pkey, "
                                                           "table_name: tag, type: primary}")}
    cfg = write_project(tmp_path, revisions, postgres_url)

    def id_column() -> dict:
        engine = sa.create_engine(postgres_url)
        try:
            inspector = sa.inspect(engine)
            column = next(c for c in inspector.get_columns("tag") if c["name"] == "id")
            key = inspector.get_pk_constraint("tag")["constrained_columns"]
            return {"default": column["default"], "key": key}
        finally:
            engine.dispose()

    command.upgrade(cfg, "a1")
    before = id_column()
    command.upgrade(cfg, "head")
    dropped = id_column()
    command.downgrade(cfg, "a1")
    assert id_column() == before
    generated = keyed == "inline"
    assert (before["default"] or "").startswith("nextval(") is generated and before["key"] == ["id"]
    assert (dropped["default"] or "").startswith("nextval(") is generated and dropped["key"] == []

    state = SchemaState()
    for name in sorted(revisions):
        for op in operations(load_revision_file(tmp_path / "versions" / name), "upgrade"):
            op.state_forwards(state)
    assert state.table("tag").columns["id"]["autoincrement"] is generated
    cfg.stdout = io.StringIO()
    validate_code(cfg, output_format="json")
    assert "downgrade-mismatch" not in cfg.stdout.getvalue(), cfg.stdout.getvalue()


# Regressions from the user trial (a new user trying every operation of the README on SQLite and
# PostgreSQL; tests/test_user_trial.py until issue 13): each failed before its fix.
def test_a_table_keyed_later_is_restored_without_a_sequence(tmp_path, postgres_url):
    """create_primary_key on an integer column adds no sequence, but the derived downgrade of a
    later drop_table re-created the table with the key inline, which SQLAlchemy makes SERIAL."""
    keyed = revision_text("a1", None, """
        - create_table:
            table_name: tag
            columns: [{name: id, type: Integer, nullable: false}, {name: label, type: String(20)}]
        - create_primary_key: {constraint_name: pk_tag, table_name: tag, columns: [id]}
    """)
    drop = revision_text("a2", "a1", "- drop_table: {table_name: tag}")
    cfg = write_project(tmp_path, {"a1_tag.yaml": keyed, "a2_drop.yaml": drop}, postgres_url)
    command.upgrade(cfg, "a1")
    before = sa.inspect(sa.create_engine(postgres_url)).get_columns("tag")
    command.upgrade(cfg, "head")
    command.downgrade(cfg, "a1")
    after = sa.inspect(sa.create_engine(postgres_url)).get_columns("tag")
    def shape(columns):
        return [(c["name"], c["default"], c["nullable"]) for c in columns]

    assert shape(after) == shape(before) == [("id", None, False), ("label", None, True)]
    script = offline_script(tmp_path, {"a1_tag.yaml": keyed, "a2_drop.yaml": drop}, "postgresql://", "a2:a1",
                            command.downgrade)
    assert "CREATE TABLE tag (\n    id INTEGER NOT NULL," in script
