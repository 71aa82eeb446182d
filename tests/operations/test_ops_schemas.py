"""Every operation in a PostgreSQL schema: tables keyed by (schema, name) in the state, DDL
qualified online and offline, derived downgrades back to where it started."""

from __future__ import annotations

import sqlalchemy as sa

from runner import command

from ..helpers import revision_text, write_project

REVISIONS = {
    "a.yaml": revision_text("a1", None, """
        - create_table:
            table_name: account
            schema: app
            columns: [{name: id, type: Integer, primary_key: true}]
        - create_table:       # the same name in the default schema: a different table
            table_name: account
            columns: [{name: id, type: Integer, primary_key: true}, {name: other, type: Text}]
        - create_table:
            table_name: invoice
            schema: app
            comment: bills
            columns:
              - {name: id, type: Integer, primary_key: true}
              - {name: account_id, type: Integer, foreign_key: {column: app.account.id, ondelete: CASCADE}}
              - {name: total, type: Integer, comment: cents}
        - add_column: {table_name: invoice, schema: app, column: {name: note, type: Text}}
        - create_index: {index_name: ix_invoice_note, table_name: invoice, schema: app, columns: [note]}
        - bulk_insert: {table_name: account, schema: app, rows: [{id: 1}]}
        - bulk_insert: {table_name: invoice, schema: app, rows: [{id: 1, account_id: 1, total: 5, note: x}]}
    """, downgrade="[]"),
    "b.yaml": revision_text("b2", "a1", """
        - alter_column: {table_name: invoice, schema: app, column_name: note, type: String(200),
                         existing_type: Text}
        - create_check_constraint: {constraint_name: ck_total, table_name: invoice, schema: app,
                                    condition: "total >= 0"}
        - drop_table_comment: {table_name: invoice, schema: app}
        - drop_constraint: {constraint_name: invoice_account_id_fkey, table_name: invoice, schema: app,
                            type: foreignkey}     # PostgreSQL's name for the column's foreign key
        - rename_table: {old_table_name: invoice, new_table_name: bill, schema: app}
        - drop_index: {index_name: ix_invoice_note, table_name: bill, schema: app}
        - drop_column: {table_name: bill, column_name: total, schema: app}
        - drop_table: {table_name: account}
    """),
}


def schema_of(url: str) -> dict:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            insp = sa.inspect(conn)
            result = {}
            for schema in ("app", None):
                for table in insp.get_table_names(schema=schema):
                    if table in ("alembic_version", "yamig_history"):
                        continue
                    result[(schema, table)] = (   # a column added back comes last: sorted
                        sorted((c["name"], str(c["type"]), c["nullable"], c.get("comment"))
                               for c in insp.get_columns(table, schema=schema)),
                        sorted(i["name"] for i in insp.get_indexes(table, schema=schema)),
                        sorted((f["referred_schema"], f["referred_table"], f["options"].get("ondelete"))
                               for f in insp.get_foreign_keys(table, schema=schema)),
                        sorted(c["name"] for c in insp.get_check_constraints(table, schema=schema)),
                        insp.get_table_comment(table, schema=schema)["text"],
                    )
            return result
    finally:
        engine.dispose()


def test_every_operation_in_a_schema_and_back(tmp_path, postgres_url):
    engine = sa.create_engine(postgres_url)
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE SCHEMA app")
    engine.dispose()
    config = write_project(tmp_path, REVISIONS, postgres_url)
    command.upgrade(config, "a1")
    before = schema_of(postgres_url)
    assert set(before) == {("app", "account"), (None, "account"), ("app", "invoice")}
    command.upgrade(config, "head")
    after = schema_of(postgres_url)
    assert set(after) == {("app", "account"), ("app", "bill")}
    columns, indexes, fks, checks, comment = after[("app", "bill")]
    assert [c[:2] for c in columns] == [("account_id", "INTEGER"), ("id", "INTEGER"),
                                        ("note", "VARCHAR(200)")]
    assert (indexes, fks, checks, comment) == ([], [], [], None)
    command.downgrade(config, "a1")     # derived, from the state of both schemas
    assert schema_of(postgres_url) == before
    engine = sa.create_engine(postgres_url)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT id, total, note FROM app.invoice").all() == [(1, None, "x")]
    engine.dispose()


def test_offline_sql_is_qualified_by_schema(tmp_path, capsys):
    config = write_project(tmp_path, REVISIONS, "postgresql://")
    command.upgrade(config, "a1:b2", sql=True)
    out = capsys.readouterr().out
    for statement in ("ALTER TABLE app.invoice ALTER COLUMN note TYPE VARCHAR(200);",
                      "ALTER TABLE app.invoice ADD CONSTRAINT ck_total CHECK (total >= 0);",
                      "COMMENT ON TABLE app.invoice IS NULL;",
                      "ALTER TABLE app.invoice RENAME TO bill;",
                      "DROP INDEX app.ix_invoice_note;",
                      "ALTER TABLE app.bill DROP COLUMN total;",
                      "ALTER TABLE app.invoice DROP CONSTRAINT invoice_account_id_fkey;",
                      "DROP TABLE account;"):
        assert statement in out
    command.downgrade(config, "b2:a1", sql=True)
    out = capsys.readouterr().out
    for statement in ("CREATE TABLE account (", "ALTER TABLE app.bill ADD COLUMN total INTEGER;",
                      "CREATE INDEX ix_invoice_note ON app.bill (note);",
                      "ALTER TABLE app.bill RENAME TO invoice;",
                      "COMMENT ON TABLE app.invoice IS 'bills';",
                      "ALTER TABLE app.invoice ADD CONSTRAINT invoice_account_id_fkey "
                      "FOREIGN KEY(account_id) REFERENCES app.account (id) ON DELETE CASCADE;",
                      "ALTER TABLE app.bill ADD CONSTRAINT ck_total CHECK (total >= 0);",
                      "ALTER TABLE app.invoice DROP CONSTRAINT ck_total;"):
        assert statement in out
