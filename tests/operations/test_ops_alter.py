"""rename_table and alter_column: on real SQLite and PostgreSQL, in the replayed state, offline.

Online, each variant is upgraded, read back with SQLAlchemy's inspector (with its rows),
downgraded (written and derived) and read back as it was. On SQLite every change other
than a rename goes through the move-and-copy rebuild, so the index, foreign keys, unique
and check constraints of the table are part of what is compared. Offline, yamig's
`upgrade --sql` is compared statement for statement with Alembic's offline output for
the same `op.*` call.
"""

from __future__ import annotations

import copy
import io
import re
import sqlite3

import pytest
import sqlalchemy as sa
import yaml

from runner import command
from runner.errors import MigrationError, RevisionFileError
from runner.operations.alter import AlterColumn, RenameTable
from runner.operations.tables import CreateTable
from runner.schema.state import SchemaState

from ..helpers import EVERY_DATABASE, revision_text, validate_code, write_project

BASE = revision_text("a1", None, """
    - create_table:
        table_name: parent
        columns: [{name: id, type: Integer, primary_key: true}]
    - create_table:
        table_name: item
        columns:
          - {name: id, type: Integer, primary_key: true}
          - {name: code, type: String(20), unique: true}
          - {name: name, type: String(50), index: true}
          - {name: price, type: "Numeric(10, 2)", nullable: false, server_default: "0"}
          - {name: parent_id, type: Integer, foreign_key: {column: parent.id, ondelete: CASCADE}}
        constraints:
          - {check: "price >= 0", name: ck_item_price}
    - create_index: {index_name: ix_item_price, table_name: item, columns: [price]}
    - create_table:
        table_name: tag
        columns:
          - {name: id, type: Integer, primary_key: true}
          - {name: item_id, type: Integer, foreign_key: {column: item.id}}
""")

ROWS = [
    "INSERT INTO parent (id) VALUES (1)",
    "INSERT INTO item (id, code, name, price, parent_id) VALUES (1, 'A', 'apple', 2.5, 1), "
    "(2, 'B', 'pear', 4, 1)",
    "INSERT INTO tag (id, item_id) VALUES (1, 2)",
]


# -- reading a database back ------------------------------------------------------------------

def snapshot(url: str) -> dict:
    """Every table as the inspector sees it, with its rows."""
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        insp = sa.inspect(conn)
        quote = conn.dialect.identifier_preparer.quote
        tables = {}
        for name in sorted(insp.get_table_names()):
            if name in ("alembic_version", "yamig_history"):
                continue
            tables[name] = {
                "columns": [{"name": c["name"], "type": str(c["type"]), "nullable": c["nullable"],
                             "default": c.get("default"), "comment": c.get("comment")}
                            for c in insp.get_columns(name)],
                "pk": insp.get_pk_constraint(name)["constrained_columns"],
                "fks": sorted((fk["constrained_columns"], fk["referred_table"], fk["referred_columns"],
                               fk.get("options", {})) for fk in insp.get_foreign_keys(name)),
                "indexes": sorted((i["name"], i["column_names"], bool(i["unique"]))
                                  for i in insp.get_indexes(name)),
                "uniques": sorted((u["name"] or "", u["column_names"])
                                  for u in insp.get_unique_constraints(name)),
                "checks": sorted((c["name"], c["sqltext"]) for c in insp.get_check_constraints(name)),
                "rows": [tuple(r) for r in conn.execute(sa.text(f'SELECT * FROM {quote(name)} ORDER BY 1'))],
            }
    engine.dispose()
    return tables


def rename_column(snap: dict, table: str, old: str, new: str) -> None:
    """What renaming a column does to a snapshot: everything that names it follows."""
    t = snap[table]
    for c in t["columns"]:
        if c["name"] == old:
            c["name"] = new
    t["pk"] = [new if c == old else c for c in t["pk"]]
    t["indexes"] = sorted((n, [new if c == old else c for c in cols], u) for n, cols, u in t["indexes"])
    t["uniques"] = sorted((n, [new if c == old else c for c in cols]) for n, cols in t["uniques"])
    t["checks"] = sorted((n, re.sub(rf"\b{old}\b", new, text)) for n, text in t["checks"])
    for other in snap.values():
        other["fks"] = sorted(
            ([new if c == old and other is t else c for c in local], ref,
             [new if c == old and ref == table else c for c in remote], options)
            for local, ref, remote, options in other["fks"])


def column(snap: dict, table: str, name: str) -> dict:
    return next(c for c in snap[table]["columns"] if c["name"] == name)


def rename_table(snap: dict, old: str, new: str) -> None:
    snap[new] = snap.pop(old)
    for other in snap.values():
        other["fks"] = sorted((local, new if ref == old else ref, remote, options)
                              for local, ref, remote, options in other["fks"])


def literal_default(dialect: str, value: str, sql_type: str) -> str:
    """How each database reports DEFAULT '<value>' back (MariaDB: a number at its column's
    scale, which is 2 for the numeric columns here)."""
    if dialect == "mysql":
        return f"{float(value):.2f}" if sql_type == "numeric" else f"'{value}'"
    return f"'{value}'" if dialect == "sqlite" else f"'{value}'::{sql_type}"


# -- the variants -------------------------------------------------------------------------------
# name: (upgrade, written downgrade, what the upgrade does to the snapshot)

def _rename_table(s, d):
    rename_table(s, "item", "product")


def _rename_column(s, d):
    rename_column(s, "item", "name", "title")  # the index keeps its name ix_item_name


def _rename_referenced_column(s, d):
    rename_column(s, "item", "id", "item_no")  # tag.item_id's foreign key follows


def _nullable_off(s, d):
    column(s, "item", "name")["nullable"] = False


def _nullable_on(s, d):
    column(s, "item", "price")["nullable"] = True


def _type(s, d):
    column(s, "item", "code")["type"] = "VARCHAR(40)"


def _default_set(s, d):
    column(s, "item", "name")["default"] = literal_default(d, "none", "character varying")


def _default_changed(s, d):
    column(s, "item", "price")["default"] = literal_default(d, "1", "numeric")


def _default_dropped(s, d):
    column(s, "item", "price")["default"] = None


def _comment(s, d):
    if d != "sqlite":  # SQLite keeps no comments: the operation does nothing there
        column(s, "item", "name")["comment"] = "shown to customers"


def _several(s, d):
    rename_column(s, "item", "price", "cost")  # the check constraint and ix_item_price follow
    cost = column(s, "item", "cost")
    cost.update(type="DECIMAL(12, 2)" if d == "mysql" else "NUMERIC(12, 2)", nullable=True,
                default=literal_default(d, "1", "numeric"))
    if d != "sqlite":
        cost["comment"] = "in cents"


VARIANTS = {
    "rename_table": (
        "- rename_table: {old_table_name: item, new_table_name: product}",
        "- rename_table: {old_table_name: product, new_table_name: item}", _rename_table),
    "rename_column": (
        "- alter_column: {table_name: item, column_name: name, new_column_name: title}",
        "- alter_column: {table_name: item, column_name: title, new_column_name: name}", _rename_column),
    "rename_referenced_column": (
        "- alter_column: {table_name: item, column_name: id, new_column_name: item_no}",
        "- alter_column: {table_name: item, column_name: item_no, new_column_name: id}",
        _rename_referenced_column),
    "nullable_off": (
        "- alter_column: {table_name: item, column_name: name, nullable: false, existing_type: String(50)}",
        "- alter_column: {table_name: item, column_name: name, nullable: true, existing_type: String(50)}",
        _nullable_off),
    "nullable_on": (
        "- alter_column: {table_name: item, column_name: price, nullable: true}",
        "- alter_column: {table_name: item, column_name: price, nullable: false}", _nullable_on),
    "type": (
        "- alter_column: {table_name: item, column_name: code, type: String(40), existing_type: String(20)}",
        "- alter_column: {table_name: item, column_name: code, type: String(20), existing_type: String(40)}",
        _type),
    "default_set": (
        "- alter_column: {table_name: item, column_name: name, server_default: none}",
        "- alter_column: {table_name: item, column_name: name, server_default: null}", _default_set),
    "default_changed": (
        "- alter_column: {table_name: item, column_name: price, server_default: '1'}",
        "- alter_column: {table_name: item, column_name: price, server_default: '0'}", _default_changed),
    "default_dropped": (
        "- alter_column: {table_name: item, column_name: price, server_default: null}",
        "- alter_column: {table_name: item, column_name: price, server_default: '0'}", _default_dropped),
    "comment": (
        "- alter_column: {table_name: item, column_name: name, comment: shown to customers}",
        "- alter_column: {table_name: item, column_name: name, comment: null}", _comment),
    "several": (
        "- alter_column: {table_name: item, column_name: price, new_column_name: cost, nullable: true,\n"
        "                 type: 'Numeric(12, 2)', server_default: '1', comment: in cents}",
        "- alter_column: {table_name: item, column_name: cost, new_column_name: price, nullable: false,\n"
        "                 type: 'Numeric(10, 2)', server_default: '0', comment: null}", _several),
}


def project(tmp_path, url, upgrade, downgrade=None):
    return write_project(tmp_path, {
        "a1_base.yaml": BASE,
        "b2_change.yaml": revision_text("b2", "a1", upgrade, downgrade),
    }, url)


@pytest.mark.parametrize("db_url", EVERY_DATABASE, indirect=True)
@pytest.mark.parametrize("written", [True, False], ids=["written", "derived"])
@pytest.mark.parametrize("variant", list(VARIANTS))
def test_variant_upgrades_and_downgrades(tmp_path, db_url, variant, written):
    upgrade, downgrade, effect = VARIANTS[variant]
    dialect = sa.engine.make_url(db_url).get_backend_name()
    config = project(tmp_path, db_url, upgrade, downgrade if written else None)
    command.upgrade(config, "a1")
    engine = sa.create_engine(db_url)
    with engine.begin() as conn:
        for statement in ROWS:
            conn.exec_driver_sql(statement)
    engine.dispose()
    before = snapshot(db_url)

    command.upgrade(config, "head")
    expected = copy.deepcopy(before)
    effect(expected, dialect)
    assert snapshot(db_url) == expected

    command.downgrade(config, "a1")
    assert snapshot(db_url) == before


# -- when the state does not know the column: existing_* -------------------------------------

RAW = revision_text("a1", None, """
    - execute: "CREATE TABLE raw (id INTEGER PRIMARY KEY, note VARCHAR(20))"
""", downgrade="[]")


@pytest.mark.parametrize("db_url", EVERY_DATABASE, indirect=True)
def test_derived_downgrade_uses_existing_values_when_the_state_does_not_know_the_column(tmp_path, db_url):
    config = write_project(tmp_path, {"a1_raw.yaml": RAW, "b2_alter.yaml": revision_text("b2", "a1", """
        - alter_column: {table_name: raw, column_name: note, nullable: false, server_default: none,
                         existing_type: String(20), existing_nullable: true, existing_server_default: null}
    """)}, db_url)
    command.upgrade(config, "a1")
    before = snapshot(db_url)
    command.upgrade(config, "head")
    note = column(snapshot(db_url), "raw", "note")
    assert (note["nullable"], note["default"].split("::")[0]) == (False, "'none'")
    command.downgrade(config, "a1")
    assert snapshot(db_url) == before


def test_derived_downgrade_without_existing_values_is_refused_before_anything_runs(tmp_path, sqlite_url):
    config = write_project(tmp_path, {"a1_raw.yaml": RAW, "b2_alter.yaml": revision_text("b2", "a1", """
        - alter_column: {table_name: raw, column_name: note, nullable: false, existing_type: String(20)}
    """)}, sqlite_url)
    command.upgrade(config, "head")
    with pytest.raises(MigrationError) as info:
        command.downgrade(config, "a1")
    assert info.value.location.endswith("b2_alter.yaml:4:5")
    assert info.value.message == ("cannot derive the downgrade of alter_column raw.note: the revisions "
                                  "before it do not define that column, and existing_nullable is not given")
    assert info.value.hint == "add existing_nullable to the alter_column, or write a `downgrade:`"
    assert column(snapshot(sqlite_url), "raw", "note")["nullable"] is False


@pytest.mark.parametrize("db_url", EVERY_DATABASE, indirect=True)
def test_postgresql_using_converts_values_and_the_rebuild_casts_them_on_sqlite(tmp_path, db_url):
    config = write_project(tmp_path, {
        "a1_base.yaml": revision_text("a1", None, """
            - create_table:
                table_name: stock
                columns:
                  - {name: id, type: Integer, primary_key: true}
                  - {name: qty, type: String(10)}
        """),
        "b2_alter.yaml": revision_text("b2", "a1", """
            - alter_column: {table_name: stock, column_name: qty, type: Integer,
                             postgresql_using: "qty::integer"}
        """)}, db_url)
    command.upgrade(config, "a1")
    engine = sa.create_engine(db_url)
    with engine.begin() as conn:
        conn.exec_driver_sql("INSERT INTO stock (id, qty) VALUES (1, '7'), (2, '12')")
    engine.dispose()
    command.upgrade(config, "head")
    after = snapshot(db_url)["stock"]
    assert (after["columns"][1]["type"], after["rows"]) == ("INTEGER", [(1, 7), (2, 12)])
    command.downgrade(config, "a1")  # derived: back to VARCHAR(10), which integers cast to
    after = snapshot(db_url)["stock"]
    assert (after["columns"][1]["type"], after["rows"]) == ("VARCHAR(10)", [(1, "7"), (2, "12")])


# -- the replayed state -------------------------------------------------------------------------

def replay(*ops) -> SchemaState:
    state = SchemaState()
    for op in ops:
        op.state_forwards(state)
    return state


ITEM = CreateTable({"table_name": "item", "columns": [
    {"name": "id", "type": "Integer", "primary_key": True},
    {"name": "code", "type": "String(20)", "index": True},
    {"name": "price", "type": "Integer"},
], "constraints": [{"check": "price >= 0 AND price_max > price", "name": "ck"},
                   {"unique": ["code", "price"], "name": "uq"},
                   {"foreign_key": {"columns": ["id"], "references": ["item.id"]}, "name": "self"}]})
TAG = CreateTable({"table_name": "tag", "columns": [
    {"name": "id", "type": "Integer", "primary_key": True},
    {"name": "item_id", "type": "Integer", "foreign_key": {"column": "item.price"}},
], "constraints": [{"foreign_key": {"columns": ["id"], "references": ["item.id"]}}]})


def index(name: str, *columns: str):
    from runner.operations.indexes import CreateIndex

    return CreateIndex({"index_name": name, "table_name": "item", "columns": list(columns)})


def test_state_follows_a_table_rename_into_indexes_and_foreign_keys_elsewhere():
    state = replay(ITEM, TAG, index("ix_price", "price"),
                   RenameTable({"old_table_name": "item", "new_table_name": "product"}))
    assert state.table("item") is None and not state.problems
    product = state.table("product")
    assert product.indexes["ix_price"]["table_name"] == "product"
    assert state.find_index("ix_price") is product
    assert state.table("tag").columns["item_id"]["foreign_key"]["column"] == "product.price"
    assert state.table("tag").constraints[0]["foreign_key"]["references"] == ["product.id"]
    assert product.constraints[2]["foreign_key"]["references"] == ["product.id"]
    # code's index: true was created as ix_item_code, and keeps that name
    assert "index" not in product.columns["code"]
    assert product.indexes["ix_item_code"]["columns"] == ["code"]


def test_state_follows_a_rename_in_a_schema_and_only_there():
    item = {"table_name": "item", "columns": [{"name": "id", "type": "Integer", "primary_key": True}]}
    refs = CreateTable({"table_name": "refs", "columns": [
        {"name": "a", "type": "Integer", "foreign_key": {"column": "shop.item.id"}},
        {"name": "b", "type": "Integer", "foreign_key": {"column": "item.id"}}]})
    state = replay(CreateTable({**item, "schema": "shop"}), CreateTable(item), refs,
                   RenameTable({"old_table_name": "item", "new_table_name": "product", "schema": "shop"}),
                   AlterColumn({"table_name": "product", "schema": "shop", "column_name": "id",
                                "new_column_name": "no"}))
    assert state.table("product", "shop") is not None and state.table("item") is not None
    columns = state.table("refs").columns
    assert (columns["a"]["foreign_key"]["column"], columns["b"]["foreign_key"]["column"]) == \
        ("shop.product.no", "item.id")


def test_state_follows_a_column_rename_into_constraints_indexes_and_references():
    state = replay(ITEM, TAG, index("ix_price", "price"), AlterColumn(
        {"table_name": "item", "column_name": "price", "new_column_name": "cost", "nullable": False}))
    item = state.table("item")
    assert list(item.columns) == ["id", "code", "cost"]
    assert item.columns["cost"] == {"name": "cost", "type": "Integer", "nullable": False}
    assert item.indexes["ix_price"]["columns"] == ["cost"]
    assert item.constraints[0]["check"] == "cost >= 0 AND price_max > cost"
    assert item.constraints[1]["unique"] == ["code", "cost"]
    assert state.table("tag").columns["item_id"]["foreign_key"]["column"] == "item.cost"
    assert item.columns["code"]["index"] is True  # its name ix_item_code did not change


def test_an_implied_index_is_pinned_by_a_rename_and_implied_again_by_renaming_back():
    rename = AlterColumn({"table_name": "item", "column_name": "code", "new_column_name": "sku"})
    state = replay(ITEM, rename)
    item = state.table("item")
    assert item.indexes == {"ix_item_code": {"index_name": "ix_item_code", "table_name": "item",
                                             "columns": ["sku"]}}
    assert "index" not in item.columns["sku"]
    back = rename.reverse(state)[0]
    back.state_forwards(state)
    assert item.indexes == {} and item.columns["code"]["index"] is True
    assert item.columns == replay(ITEM).table("item").columns


def test_state_alterations_and_their_reverse():
    state = replay(ITEM)
    op = AlterColumn({"table_name": "item", "column_name": "price", "type": "BigInteger",
                      "server_default": "1", "comment": "c"})
    undo = op.reverse(state)[0]
    assert undo.args == {"table_name": "item", "column_name": "price", "type": "Integer",
                         "server_default": None, "comment": None, "existing_type": "BigInteger",
                         "existing_nullable": True, "existing_server_default": "1", "existing_comment": "c"}
    op.state_forwards(state)
    assert state.table("item").columns["price"] == {"name": "price", "type": "BigInteger",
                                                     "server_default": "1", "comment": "c"}
    undo.state_forwards(state)
    assert state.table("item").columns["price"] == {"name": "price", "type": "Integer"}


@pytest.mark.parametrize("op, problem", [
    (RenameTable({"old_table_name": "nope", "new_table_name": "x"}),
     "table nope does not exist at this point"),
    (RenameTable({"old_table_name": "item", "new_table_name": "tag"}),
     "table tag already exists at this point"),
    (AlterColumn({"table_name": "nope", "column_name": "c", "nullable": True}),
     "table nope does not exist at this point"),
    (AlterColumn({"table_name": "item", "column_name": "nope", "nullable": True}),
     "column item.nope does not exist at this point"),
    (AlterColumn({"table_name": "item", "column_name": "code", "new_column_name": "price"}),
     "column item.price already exists"),
    (AlterColumn({"table_name": "item", "column_name": "code", "nullable": False,
                  "existing_type": "String(40)"}),
     "existing_type String(40) does not match item.code, which is String(20) at this point"),
    (AlterColumn({"table_name": "item", "column_name": "id", "type": "BigInteger",
                  "existing_nullable": True}),
     "existing_nullable true does not match item.id, which is NOT NULL at this point"),
    (AlterColumn({"table_name": "item", "column_name": "code", "type": "Text", "existing_type": "VARCHAR(20)",
                  "existing_nullable": True}), None),
])
def test_state_problems(op, problem):
    state = replay(ITEM, TAG, op)
    assert [p.message for p in state.problems] == ([problem] if problem else [])


def test_validate_reports_a_missing_column_at_the_operation(tmp_path):
    config = write_project(tmp_path, {"a1_base.yaml": BASE, "b2_x.yaml": revision_text("b2", "a1", """
        - alter_column: {table_name: item, column_name: nope, nullable: true}
    """)})
    out = io.StringIO()
    config.stdout = out
    assert validate_code(config, output_format="text") != 0
    assert "b2_x.yaml:4:5: error state: column item.nope does not exist at this point" in out.getvalue()


# -- arguments, checked with file:line:column -------------------------------------------------

@pytest.mark.parametrize("op, at, message, hint", [
    ("- alter_column: {table_name: item, column_name: name}", "alter_column",
     "alter_column item.name changes nothing",
     "give at least one of nullable, type, server_default, new_column_name, comment"),
    ("- alter_column: {table_name: item, column_name: name, new_column_name: name}", "name}",
     "alter_column renames the column to its own name", None),
    ("- alter_column: {table_name: item, column_name: name, type: 'String(20'}", "(20",
     "'(' at offset 6 of 'String(20' is never closed", None),
    ("- alter_column: {table_name: item, column_name: name, nullable: true, postgresql_using: x}", "x}",
     "postgresql_using is only used with a new `type`", None),
    ("- alter_column: {table_name: item, column_name: name, nulable: true}", "nulable",
     "unknown key `nulable` in `upgrade[0].alter_column`", "did you mean `nullable`?"),
    ("- alter_column: {table_name: item, column_name: name, nullable: 'no'}", "no'",
     "`upgrade[0].alter_column.nullable` must be true or false, not a string ('no')", None),
    ("- rename_table: {old_table_name: item, new_table_name: item}", "item}",
     "rename_table gives the table its own name", None),
    ("- rename_table: {old_table_name: item}", "{",
     "missing required key `new_table_name` in `upgrade[0].rename_table`", "add `new_table_name:`"),
])
def test_bad_arguments_are_reported_where_they_are(tmp_path, op, at, message, hint):
    config = project(tmp_path, "sqlite://", op)
    with pytest.raises(RevisionFileError) as info:
        command.upgrade(config, "head", sql=True)
    column = 2 + op.index(at) + 1  # the operation is indented by two in the file
    assert (info.value.location, info.value.message) == \
        (f"{tmp_path}/versions/b2_change.yaml:4:{column}", message)
    if hint:
        assert info.value.hint == hint


# -- offline: yamig's --sql against Alembic's as_sql output -------------------------------------

OFFLINE_DIALECTS = ["postgresql", "mysql", "mariadb", "mssql", "oracle"]

def alter(table: str, column: str, **args) -> dict:
    return {"alter_column": {"table_name": table, "column_name": column, **args}}


S20, S40, S50, N102 = sa.String(20), sa.String(40), sa.String(50), sa.Numeric(10, 2)

# (the yamig operation, the same rename_table / alter_column in Alembic's terms)
OFFLINE_CASES = {
    "rename_table": ({"rename_table": {"old_table_name": "item", "new_table_name": "product"}},
                     lambda op: op.rename_table("item", "product")),
    "rename_table_schema": (
        {"rename_table": {"old_table_name": "item", "new_table_name": "product", "schema": "shop"}},
        lambda op: op.rename_table("item", "product", schema="shop")),
    "rename_column": (
        alter("item", "name", new_column_name="title", existing_type="String(50)", existing_nullable=True),
        lambda op: op.alter_column("item", "name", new_column_name="title", existing_type=S50,
                                   existing_nullable=True)),
    "nullable_off": (
        alter("item", "name", nullable=False, existing_type="String(50)"),
        lambda op: op.alter_column("item", "name", nullable=False, existing_type=S50)),
    "nullable_on": (
        alter("item", "price", nullable=True, existing_type="Numeric(10, 2)", existing_server_default="0"),
        lambda op: op.alter_column("item", "price", nullable=True, existing_type=N102,
                                   existing_server_default="0")),
    "type": (
        alter("item", "code", type="String(40)", existing_type="String(20)", existing_nullable=True),
        lambda op: op.alter_column("item", "code", type_=S40, existing_type=S20, existing_nullable=True)),
    "type_using": (
        alter("stock", "qty", type="Integer", postgresql_using="qty::integer", existing_nullable=False),
        lambda op: op.alter_column("stock", "qty", type_=sa.Integer(), postgresql_using="qty::integer",
                                   existing_nullable=False)),
    "default_set": (
        alter("item", "name", server_default="none", existing_type="String(50)"),
        lambda op: op.alter_column("item", "name", server_default="none", existing_type=S50)),
    "default_changed": (
        alter("item", "price", server_default="1", existing_type="Numeric(10, 2)",
              existing_server_default="0", existing_nullable=False),
        lambda op: op.alter_column("item", "price", server_default="1", existing_type=N102,
                                   existing_server_default="0", existing_nullable=False)),
    "default_sql": (
        alter("item", "created", server_default={"sql": "CURRENT_TIMESTAMP"}, existing_type="DateTime"),
        lambda op: op.alter_column("item", "created", server_default=sa.text("CURRENT_TIMESTAMP"),
                                   existing_type=sa.DateTime())),
    "default_dropped": (
        alter("item", "price", server_default=None, existing_type="Numeric(10, 2)", existing_nullable=False),
        lambda op: op.alter_column("item", "price", server_default=None, existing_type=N102,
                                   existing_nullable=False)),
    "comment": (
        alter("item", "name", comment="it's shown", existing_type="String(50)"),
        lambda op: op.alter_column("item", "name", comment="it's shown", existing_type=S50)),
    "comment_changed": (
        alter("item", "name", comment="new", existing_comment="old", existing_type="String(50)"),
        lambda op: op.alter_column("item", "name", comment="new", existing_comment="old", existing_type=S50)),
    "comment_dropped": (
        alter("item", "name", comment=None, existing_comment="old", existing_type="String(50)"),
        lambda op: op.alter_column("item", "name", comment=None, existing_comment="old", existing_type=S50)),
    "several": (
        alter("item", "price", new_column_name="cost", nullable=True, type="Numeric(12, 2)",
              server_default="1", comment="in cents", existing_type="Numeric(10, 2)",
              existing_server_default="0", schema="shop"),
        lambda op: op.alter_column("item", "price", new_column_name="cost", nullable=True,
                                   type_=sa.Numeric(12, 2), server_default="1", comment="in cents",
                                   existing_type=N102, existing_server_default="0", schema="shop")),
}

# Where yamig deliberately differs from Alembic: its exact SQL, and why.
DIFFERENT = {
    # Alembic writes Oracle's COMMENT ON COLUMN without the schema (so it comments a table of the
    # same name in the current schema, or fails) and without quoting; yamig qualifies and quotes
    # as it does for PostgreSQL.
    ("oracle", "several"): [
        "ALTER TABLE shop.item MODIFY price NULL",
        "ALTER TABLE shop.item MODIFY price DEFAULT '1'",
        "ALTER TABLE shop.item MODIFY price NUMERIC(12, 2)",
        "COMMENT ON COLUMN shop.item.price IS 'in cents'",
        "ALTER TABLE shop.item RENAME COLUMN price TO cost",
    ],
}


def statements(script: str) -> list[str]:
    """The statements of a script: Alembic separates them by a blank line and ends them with `;`
    (`GO` after each on SQL Server, `/` and no `;` on Oracle, for their command-line tools);
    yamig's scripts end each with `;`. Only the statements themselves are compared."""
    chunks = [c.strip() for c in script.split("\n\n")]
    return [c[:-1] if c.endswith(";") else c for c in chunks if c and c not in ("GO", "/")]


def alembic_statements(dialect: str, call) -> list[str]:
    from alembic.migration import MigrationContext
    from alembic.operations import Operations

    buffer = io.StringIO()
    context = MigrationContext.configure(dialect_name=dialect, opts={"as_sql": True, "output_buffer": buffer})
    context.dialect.default_schema_name = context.dialect.default_schema_name or "dbo"  # as yamig's
    call(Operations(context))
    return statements(buffer.getvalue())


def yamig_statements(tmp_path, dialect: str, upgrade: list, sql_range: str = "a1:b2",
                     downgrade: bool = False) -> list[str]:
    config = project(tmp_path, f"{dialect}://", yaml.safe_dump(upgrade, sort_keys=False))
    out = io.StringIO()
    config.stdout = out
    # check=False: a case is one operation, on tables the base revision need not have
    (command.downgrade if downgrade else command.upgrade)(config, sql_range, sql=True, check=False)
    body = out.getvalue().split("-- Running ", 1)[1].split("\n", 1)[1]
    return statements(body.split("UPDATE alembic_version", 1)[0])


@pytest.mark.parametrize("case", list(OFFLINE_CASES))
@pytest.mark.parametrize("dialect", OFFLINE_DIALECTS)
def test_offline_sql_is_alembics(tmp_path, dialect, case):
    ours, call = OFFLINE_CASES[case]
    expected = DIFFERENT.get((dialect, case)) or alembic_statements(dialect, call)
    assert expected, "Alembic emits something for every case"
    assert yamig_statements(tmp_path, dialect, [ours]) == expected


@pytest.mark.parametrize("dialect", OFFLINE_DIALECTS)
def test_offline_derived_downgrade_restates_the_column_from_the_state(tmp_path, dialect):
    """MySQL and SQL Server restate a column: the derived downgrade knows it from the state."""
    upgrade = [{"alter_column": {"table_name": "item", "column_name": "price", "new_column_name": "cost",
                                 "nullable": True, "type": "Numeric(12, 2)", "server_default": "1",
                                 "comment": "in cents"}}]
    ours = yamig_statements(tmp_path, dialect, upgrade, "b2:a1", downgrade=True)
    assert ours == alembic_statements(dialect, lambda op: op.alter_column(
        "item", "cost", new_column_name="price", nullable=False, type_=sa.Numeric(10, 2),
        server_default="0", comment=None, existing_type=sa.Numeric(12, 2), existing_nullable=True,
        existing_server_default="1", existing_comment="in cents"))


@pytest.mark.parametrize("dialect, needs", [("mysql", "existing_type"), ("mssql", "existing_type")])
def test_offline_restating_dialects_need_the_existing_type(tmp_path, dialect, needs):
    """Where the revisions do not define the column (raw SQL made it), its type must be written."""
    config = project(tmp_path, f"{dialect}://", """
        - execute: CREATE TABLE legacy (name VARCHAR(20))
        - alter_column: {table_name: legacy, column_name: name, nullable: false}
        """)
    config.stdout = io.StringIO()
    with pytest.raises(MigrationError) as info:
        command.upgrade(config, "a1:b2", sql=True)
    assert info.value.location.endswith("b2_change.yaml:5:5")
    assert f"needs `{needs}`" in info.value.message


@pytest.mark.parametrize("dialect, expected", [
    ("mysql", ["ALTER TABLE item MODIFY name VARCHAR(80) NOT NULL DEFAULT 'x' COMMENT 'shown'"]),
    ("mssql", ["ALTER TABLE item ALTER COLUMN name VARCHAR(80) NOT NULL"]),
])
def test_offline_restating_dialects_keep_what_the_state_knows(tmp_path, dialect, expected):
    """An alter_column that gives only `type` keeps the column's NOT NULL, default and comment
    (existing_* filled from the replayed state); a written existing_* still wins."""
    keep = [{"alter_column": {"table_name": "item", "column_name": "name", "nullable": False,
                              "server_default": "x", "comment": "shown", "existing_type": "String(50)"}}]
    change = {"alter_column": {"table_name": "item", "column_name": "name", "type": "String(80)"}}
    assert yamig_statements(tmp_path / "a", dialect, [*keep, change])[-len(expected):] == expected
    written = {"alter_column": {**change["alter_column"], "existing_comment": "other"}}
    ours = yamig_statements(tmp_path / "b", dialect, [*keep, written])[-1]
    assert ("COMMENT 'other'" in ours) if dialect == "mysql" else ours == expected[-1]


# -- offline on SQLite: renames in place, the rest rebuilt from the replayed state ----------------

def test_offline_sqlite_renames_in_place_and_leaves_comments_out(tmp_path):
    upgrade = [{"rename_table": {"old_table_name": "item", "new_table_name": "product"}},
               {"alter_column": {"table_name": "product", "column_name": "name", "new_column_name": "title",
                                 "comment": "SQLite keeps no comments"}}]
    assert yamig_statements(tmp_path, "sqlite", upgrade) == [
        "ALTER TABLE item RENAME TO product",
        "ALTER TABLE product RENAME COLUMN name TO title",
    ]


def test_offline_sqlite_rebuild_keeps_the_index_name_of_a_renamed_column(tmp_path):
    upgrade = [{"alter_column": {"table_name": "item", "column_name": "name", "new_column_name": "title"}},
               {"alter_column": {"table_name": "item", "column_name": "title", "nullable": False}}]
    ours = yamig_statements(tmp_path, "sqlite", upgrade)
    assert ours[0] == "ALTER TABLE item RENAME COLUMN name TO title"
    assert ours[1].startswith("CREATE TABLE _yamig_tmp_item (")
    assert "    title VARCHAR(50) NOT NULL, \n" in ours[1]
    assert ours[2:] == [
        "INSERT INTO _yamig_tmp_item (id, code, title, price, parent_id) "
        "SELECT item.id, item.code, item.title, item.price, item.parent_id \nFROM item",
        "DROP TABLE item",
        "ALTER TABLE _yamig_tmp_item RENAME TO item",
        "CREATE INDEX ix_item_price ON item (price)",
        "CREATE INDEX ix_item_name ON item (title)",
    ]


@pytest.mark.parametrize("variant", ["rename_table", "rename_column", "several", "nullable_off", "type",
                                     "default_set", "default_dropped"])
def test_offline_sqlite_script_does_what_the_online_run_does(tmp_path, variant):
    upgrade, downgrade, _ = VARIANTS[variant]
    online, offline = tmp_path / "online", tmp_path / "offline"
    for folder in (online, offline):
        config = project(folder, f"sqlite:///{folder}/db.sqlite", upgrade)
        command.upgrade(config, "a1")
        with sqlite3.connect(folder / "db.sqlite") as db:
            db.executescript(";\n".join(ROWS))
    command.upgrade(project(online, f"sqlite:///{online}/db.sqlite", upgrade), "head")
    config = project(offline, "sqlite://", upgrade)
    out = io.StringIO()
    config.stdout = out
    command.upgrade(config, "a1:b2", sql=True)
    with sqlite3.connect(offline / "db.sqlite") as db:
        db.executescript(out.getvalue())
    assert snapshot(f"sqlite:///{offline}/db.sqlite") == snapshot(f"sqlite:///{online}/db.sqlite")
    # and back, by the derived downgrade: online from the reflected table, offline from the state
    command.downgrade(project(online, f"sqlite:///{online}/db.sqlite", upgrade), "a1")
    out = config.stdout = io.StringIO()
    command.downgrade(config, "b2:a1", sql=True)
    with sqlite3.connect(offline / "db.sqlite") as db:
        db.executescript(out.getvalue())
    assert snapshot(f"sqlite:///{offline}/db.sqlite") == snapshot(f"sqlite:///{online}/db.sqlite")


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_validate_finds_the_written_downgrades_restore_the_schema(tmp_path, variant):
    upgrade, downgrade, _ = VARIANTS[variant]
    config = project(tmp_path, "sqlite://", upgrade, downgrade)
    out = io.StringIO()
    config.stdout = out
    validate_code(config, output_format="text")
    assert "error" not in out.getvalue().replace("0 error(s)", "")


def test_in_a_schema_on_postgresql(tmp_path, postgres_url):
    config = write_project(tmp_path, {
        "a1_base.yaml": revision_text("a1", None, """
            - execute: "CREATE SCHEMA shop"
            - create_table:
                table_name: item
                schema: shop
                columns:
                  - {name: id, type: Integer, primary_key: true}
                  - {name: name, type: String(50)}
            - create_table:
                table_name: tag
                schema: shop
                columns:
                  - {name: id, type: Integer, primary_key: true}
                  - {name: item_id, type: Integer, foreign_key: {column: shop.item.id}}
        """, downgrade="[]"),
        "b2_change.yaml": revision_text("b2", "a1", """
            - rename_table: {old_table_name: item, new_table_name: product, schema: shop}
            - alter_column: {table_name: product, schema: shop, column_name: name, new_column_name: title,
                             type: String(80), comment: shown}
        """)}, postgres_url)
    command.upgrade(config, "head")
    engine = sa.create_engine(postgres_url)
    with engine.connect() as conn:
        insp = sa.inspect(conn)
        assert sorted(insp.get_table_names(schema="shop")) == ["product", "tag"]
        title = insp.get_columns("product", schema="shop")[1]
        assert (title["name"], str(title["type"]), title["comment"]) == ("title", "VARCHAR(80)", "shown")
        assert insp.get_foreign_keys("tag", schema="shop")[0]["referred_table"] == "product"
    command.downgrade(config, "a1")
    with engine.connect() as conn:
        insp = sa.inspect(conn)
        assert sorted(insp.get_table_names(schema="shop")) == ["item", "tag"]
        name = insp.get_columns("item", schema="shop")[1]
        assert (name["name"], str(name["type"]), name["comment"]) == ("name", "VARCHAR(50)", None)
    engine.dispose()
