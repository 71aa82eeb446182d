"""Names the database gives that the revisions never write: a column's `index: true` index in a
schema (SQLAlchemy's `ix_%(column_0_label)s`), and PostgreSQL's names for the constraints a column
definition implies, which stay as they were made when the table or column is renamed."""

from __future__ import annotations

import io
import json

import pytest
import sqlalchemy as sa

from runner import command

from ..helpers import revision_text, validate_code, write_project


@pytest.mark.parametrize("table, column, schema", [
    ("invoice", "total", None), ("invoice", "total", "app"), ("invoice", "total", "db.app"),
])
def test_the_implied_index_name_is_the_one_sqlalchemy_gives(table, column, schema):
    from runner.schema.state import implied_index_name

    t = sa.Table(table, sa.MetaData(), sa.Column(column, sa.Integer, index=True), schema=schema)
    assert [ix.name for ix in t.indexes] == [implied_index_name(table, schema, column)]


INDEXES = {
    "a1_base.yaml": revision_text("a1", None, """
        - create_table:
            table_name: invoice
            schema: app
            columns:
              - {name: id, type: Integer, primary_key: true}
              - {name: total, type: Integer, index: true}
              - {name: note, type: Text, index: true}
        - create_table:
            table_name: line
            schema: app
            columns: [{name: id, type: Integer, primary_key: true}, {name: sku, type: Text, index: true}]
    """),
    "b2_drop.yaml": revision_text("b2", "a1", """
        - drop_index: {index_name: ix_app_invoice_total, table_name: invoice, schema: app}
        - rename_table: {old_table_name: invoice, new_table_name: bill, schema: app}
        - drop_index: {index_name: ix_app_invoice_note, table_name: bill, schema: app}   # name kept
    """),
    "c3_written.yaml": revision_text("c3", "b2", """
        - drop_index: {index_name: ix_app_line_sku, table_name: line, schema: app}
    """, downgrade="""
        - create_index: {index_name: ix_app_line_sku, table_name: line, schema: app, columns: [sku]}
    """),
}


def _validate(config) -> list:
    """What validate finds about the state and the downgrades (its safety rules aside)."""
    out = io.StringIO()
    config.stdout = out
    validate_code(config, output_format="json")
    return [(f["rule"], f["message"]) for f in json.loads(out.getvalue())
            if f["rule"] in ("state", "irreversible", "downgrade-mismatch")]


def _indexes(url: str) -> dict:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            insp = sa.inspect(conn)
            return {t: sorted((i["name"], tuple(i["column_names"]))
                              for i in insp.get_indexes(t, schema="app"))
                    for t in insp.get_table_names(schema="app")}
    finally:
        engine.dispose()


def _create_schema(url: str) -> None:
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE SCHEMA app")
    engine.dispose()


def test_dropping_an_implied_index_in_a_schema_by_its_real_name(tmp_path, postgres_url):
    _create_schema(postgres_url)
    config = write_project(tmp_path, INDEXES, postgres_url)
    # the state knows these indexes by their real names: no state problem, the downgrade derives,
    # and the written create_index leaves the state as `index: true` had it
    assert _validate(config) == []
    command.upgrade(config, "a1")
    before = _indexes(postgres_url)
    assert before["invoice"] == [("ix_app_invoice_note", ("note",)), ("ix_app_invoice_total", ("total",))]
    command.upgrade(config, "head")
    assert _indexes(postgres_url) == {"bill": [], "line": []}
    command.downgrade(config, "a1")   # c3 written, b2 derived: the indexes come back by those names
    assert _indexes(postgres_url) == before


CONSTRAINTS = {
    "a1_base.yaml": revision_text("a1", None, """
        - create_table:
            table_name: account
            columns: [{name: id, type: Integer, primary_key: true}]
        - create_table:
            table_name: invoice
            columns:
              - {name: id, type: Integer, primary_key: true}
              - {name: code, type: String(20), unique: true}
              - {name: account_id, type: Integer, foreign_key: {column: account.id}}
        - add_column: {table_name: invoice, column: {name: ref, type: String(10), unique: true}}
    """),
    "b2_rename.yaml": revision_text("b2", "a1", """
        - rename_table: {old_table_name: invoice, new_table_name: bill}
        - alter_column: {table_name: bill, column_name: code, new_column_name: sku}
        # PostgreSQL kept the names the constraints were made with
        - drop_constraint: {constraint_name: invoice_code_key, table_name: bill, type: unique}
        - drop_constraint: {constraint_name: invoice_account_id_fkey, table_name: bill, type: foreignkey}
        - drop_constraint: {constraint_name: invoice_ref_key, table_name: bill, type: unique}
        - drop_constraint: {constraint_name: invoice_pkey, table_name: bill, type: primary}
    """),
}


def _constraints(url: str) -> dict:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            insp = sa.inspect(conn)
            return {t: (insp.get_pk_constraint(t)["name"],
                        sorted((u["name"], tuple(u["column_names"]))
                               for u in insp.get_unique_constraints(t)),
                        sorted((f["name"], tuple(f["constrained_columns"]))
                               for f in insp.get_foreign_keys(t)))
                    for t in insp.get_table_names() if t != "alembic_version"}
    finally:
        engine.dispose()


def test_constraints_keep_their_names_through_renames(tmp_path, postgres_url):
    config = write_project(tmp_path, CONSTRAINTS, postgres_url)
    assert _validate(config) == []   # each drop finds its constraint in the state, and reverses
    command.upgrade(config, "a1")
    before = _constraints(postgres_url)
    assert before["invoice"] == ("invoice_pkey",
                                 [("invoice_code_key", ("code",)), ("invoice_ref_key", ("ref",))],
                                 [("invoice_account_id_fkey", ("account_id",))])
    command.upgrade(config, "head")
    assert _constraints(postgres_url)["bill"] == (None, [], [])
    command.downgrade(config, "a1")   # derived: re-created under the names they had
    assert _constraints(postgres_url) == before


def test_a_column_added_after_a_rename_is_named_after_the_new_name(tmp_path):
    from runner.command import load_graph
    from runner.revisions.checks import operations
    from runner.schema.constraints import find_constraint
    from runner.schema.state import SchemaState

    revisions = dict(CONSTRAINTS)
    revisions["c3_again.yaml"] = revision_text("c3", "b2", """
        - drop_column: {table_name: bill, column_name: ref}
        - add_column: {table_name: bill, column: {name: ref, type: String(10), unique: true}}
    """)
    state = SchemaState()
    for step in load_graph(write_project(tmp_path, revisions)).upgrade_plan((), "heads"):
        for op in operations(step.revision, "upgrade"):
            op.state_forwards(state)
    assert state.problems == []
    bill = state.table("bill")
    assert find_constraint(bill, "bill_ref_key") == {"unique": ["ref"], "name": "bill_ref_key"}
    assert find_constraint(bill, "invoice_ref_key") is None


def test_an_implied_index_in_a_schema_is_found_by_its_name_alone(tmp_path):
    from runner.command import load_graph
    from runner.revisions.checks import operations
    from runner.schema.state import SchemaState

    revisions = {"a1_base.yaml": INDEXES["a1_base.yaml"], "b2_drop.yaml": revision_text("b2", "a1", """
        - drop_index: {index_name: ix_app_line_sku, schema: app}      # no table_name
        - drop_index: {index_name: ix_app_invoice_total, schema: app}
    """)}
    state = SchemaState()
    for step in load_graph(write_project(tmp_path, revisions)).upgrade_plan((), "heads"):
        for op in operations(step.revision, "upgrade"):
            op.state_forwards(state)
    assert state.problems == []
    assert not state.table("line", "app").columns["sku"]["index"]
    assert not state.table("invoice", "app").columns["total"]["index"]
    assert state.table("invoice", "app").columns["note"]["index"]


# Regressions from the user trial (a new user trying every operation of the README on SQLite and
# PostgreSQL; tests/test_user_trial.py until issue 13): each failed before its fix.
def test_index_true_in_a_schema_is_named_as_sqlalchemy_names_it(tmp_path, postgres_url):
    """SQLAlchemy names the index of `index: true` on shop.account ix_shop_account_email, but the
    state called it ix_account_email: a drop_index by its real name was "not created by the
    revisions before it", so it could not be downgraded (nor a rename_table follow it)."""
    with sa.create_engine(postgres_url).begin() as conn:
        conn.exec_driver_sql("CREATE SCHEMA shop")
    create = revision_text("a1", None, """
        - create_table:
            table_name: account
            schema: shop
            columns: [{name: id, type: Integer, primary_key: true}, {name: email, type: String(50),
                                                                     index: true}]
    """)
    rename = revision_text("a2", "a1", "- rename_table: {old_table_name: account, new_table_name: client, "
                                       "schema: shop}")
    drop = revision_text("a3", "a2", "- drop_index: {index_name: ix_shop_account_email, table_name: client, "
                                     "schema: shop}")
    cfg = write_project(tmp_path, {"a1_account.yaml": create, "a2_rename.yaml": rename,
                                   "a3_drop.yaml": drop}, postgres_url)
    command.upgrade(cfg, "head")
    assert sa.inspect(sa.create_engine(postgres_url)).get_indexes("client", schema="shop") == []
    command.downgrade(cfg, "a2")
    indexes = sa.inspect(sa.create_engine(postgres_url)).get_indexes("client", schema="shop")
    assert [ix["name"] for ix in indexes] == ["ix_shop_account_email"]
    command.downgrade(cfg, "base")
