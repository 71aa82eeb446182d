"""What a new user ran into, trying every operation from the README on SQLite and PostgreSQL.

Each test is one problem found that way: it failed before its fix.
"""

from __future__ import annotations

import io
import warnings

import pytest
import sqlalchemy as sa

from runner import command
from runner.errors import MigrationError, RevisionFileError

from .helpers import revision_text, write_project

ACCOUNT = revision_text("a1", None, """
    - create_table:
        table_name: account
        columns:
          - {name: id, type: Integer, primary_key: true}
          - {name: email, type: String(255), nullable: false}
          - {name: phone, type: String(30)}
""")


def _offline(tmp_path, revisions: dict[str, str], url: str, target: str = "head",
             run=command.upgrade) -> str:
    cfg = write_project(tmp_path, revisions, url)
    out = io.StringIO()
    cfg.stdout = out
    run(cfg, target, sql=True)
    return out.getvalue()


def test_oracle_add_column_has_no_column_keyword(tmp_path):
    """Oracle's ALTER TABLE takes `ADD name type`: `ADD COLUMN` is an error there,
    which is why Alembic's Oracle dialect writes `ADD` alone."""
    add = revision_text("a2", "a1", """
        - add_column: {table_name: account, column: {name: note, type: String(20)}}
    """)
    script = _offline(tmp_path, {"a1_account.yaml": ACCOUNT, "a2_add.yaml": add}, "oracle://")
    assert "ALTER TABLE account ADD note VARCHAR2(20 CHAR)" in script
    assert "ADD COLUMN" not in script


def test_sqlite_alter_column_of_a_missing_column_is_an_error(tmp_path, sqlite_url):
    """A rebuild stood in for ALTER COLUMN and silently changed nothing: the revision was recorded
    as applied although the column it names does not exist."""
    alter = revision_text("a2", "a1", """
        - alter_column: {table_name: account, column_name: emial, nullable: true}
    """)
    cfg = write_project(tmp_path, {"a1_account.yaml": ACCOUNT, "a2_alter.yaml": alter}, sqlite_url)
    command.upgrade(cfg, "a1")
    with pytest.raises(MigrationError) as err:
        command.upgrade(cfg, "head", check=False)  # the database's answer, not the replay's
    assert "a2_alter.yaml:4:5:" in str(err.value)
    assert "no column named emial" in str(err.value)
    with sa.create_engine(sqlite_url).connect() as conn:
        assert conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar() == "a1"


def _sqlite_indexes(url: str, table: str) -> dict[str, str]:
    with sa.create_engine(url).connect() as conn:
        rows = conn.exec_driver_sql("SELECT name, sql FROM sqlite_master WHERE type = 'index' "
                                    "AND tbl_name = ? AND sql IS NOT NULL", (table,)).all()
    return dict(rows)


def test_sqlite_rebuild_keeps_expression_and_partial_indexes(tmp_path, sqlite_url):
    """SQLAlchemy's reflection skips expression indexes (with a warning on stderr), so a rebuild of
    the table dropped them, and lost the WHERE of a partial index: the derived downgrade then
    failed on `drop_index`."""
    indexes = revision_text("a2", "a1", """
        - create_index: {index_name: ix_account_lower_email, table_name: account,
                         columns: [{sql: lower(email)}, id], unique: true}
        - create_index: {index_name: ix_account_phone, table_name: account, columns: [phone],
                         sqlite_where: "phone IS NOT NULL"}
    """)
    rebuild = revision_text("a3", "a2", """
        - create_unique_constraint: {constraint_name: uq_account_email, table_name: account,
                                     columns: [email]}
    """)
    cfg = write_project(tmp_path, {"a1_account.yaml": ACCOUNT, "a2_indexes.yaml": indexes,
                                   "a3_unique.yaml": rebuild}, sqlite_url)
    command.upgrade(cfg, "a2")
    before = _sqlite_indexes(sqlite_url, "account")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        command.upgrade(cfg, "head")
    assert _sqlite_indexes(sqlite_url, "account") == before
    command.downgrade(cfg, "base")
    assert _sqlite_indexes(sqlite_url, "account") == {}


ARRAYS = revision_text("a1", None, """
    - create_table:
        table_name: post
        columns:
          - {name: id, type: Integer, primary_key: true}
          - {name: tags, type: postgresql.ARRAY(Integer)}
          - {name: days, type: postgresql.ARRAY(Date)}
    - bulk_insert:
        table_name: post
        rows:
          - {id: 1, tags: [1, 2], days: [2026-01-31]}
          - {id: 2, tags: [], days: null}
""", downgrade="[]")


def test_bulk_insert_of_a_list_into_an_array_column(tmp_path, postgres_url):
    """A YAML list went into a PostgreSQL ARRAY column as JSON text ('[1, 2]'), which PostgreSQL
    refuses ("invalid input syntax for type integer"): it is the array, its items by the item type."""
    import datetime

    cfg = write_project(tmp_path, {"a1_post.yaml": ARRAYS}, postgres_url)
    command.upgrade(cfg, "head")
    with sa.create_engine(postgres_url).connect() as conn:
        rows = conn.exec_driver_sql("SELECT id, tags, days FROM post ORDER BY id").all()
    assert rows == [(1, [1, 2], [datetime.date(2026, 1, 31)]), (2, [], None)]
    script = _offline(tmp_path, {"a1_post.yaml": ARRAYS}, "postgresql://")
    assert "VALUES (1, ARRAY[1, 2], ARRAY['2026-01-31'])" in script


TICKET = revision_text("a1", None, """
    - create_table:
        table_name: ticket
        columns:
          - {name: id, type: Integer, primary_key: true}
          - {name: state, type: "Enum('open', 'closed', name='ticket_state')"}
          - {name: level, type: "Enum('low', 'high', name='ticket_level')"}
""")


def test_derived_downgrade_of_a_dropped_enum_column_or_table(tmp_path, postgres_url):
    """drop_table and drop_column leave a PostgreSQL enum type behind (as Alembic's do), and their
    derived downgrades created it again: `type "ticket_state" already exists`, no way down."""
    drops = revision_text("a2", "a1", """
        - drop_column: {table_name: ticket, column_name: level}
        - drop_table: {table_name: ticket}
    """)
    cfg = write_project(tmp_path, {"a1_ticket.yaml": TICKET, "a2_drop.yaml": drops}, postgres_url)
    command.upgrade(cfg, "head")
    command.downgrade(cfg, "a1")
    inspector = sa.inspect(sa.create_engine(postgres_url))
    assert [c["name"] for c in inspector.get_columns("ticket")] == ["id", "state", "level"]
    command.downgrade(cfg, "base")  # the derived drop_table of a1 drops the types it made
    assert {e["name"] for e in sa.inspect(sa.create_engine(postgres_url)).get_enums()} == set()
    command.upgrade(cfg, "head")


@pytest.mark.parametrize("upgrade, where", [
    ("upgrade:\n\t- drop_table: {table_name: t}\n", "r1_x.yaml:4:1:"),
    ("upgrade:\n  - drop_table:\n  \t  table_name: t\n", "r1_x.yaml:5:3:"),
])
def test_a_tab_in_the_indentation_is_named(upgrade, where):
    """PyYAML says "found character that cannot start any token", which does not tell a user
    whose editor inserted a tab what to do."""
    from runner.revisions.loader import parse_document

    with pytest.raises(RevisionFileError) as err:
        parse_document("revision: a\ndown_revision: null\n" + upgrade, "r1_x.yaml")
    assert str(err.value).startswith(where)
    assert "invalid YAML: a tab in the indentation" in str(err.value)
    assert "replace the tab" in str(err.value)


@pytest.mark.parametrize("operation, expected", [
    ("- create_table: {table_name: t, columns: [{name: c, type: Integer, foreign_key: {column: other}}]}",
     "r1_x.yaml:4:92: `upgrade[0].create_table.columns[0].foreign_key.column` is 'other'; expected the "
     "referenced column as table.column (or schema.table.column)\n  hint: e.g. `account.id`"),
    ("- drop_constraint: {constraint_name: c, table_name: t, type: foreign}",
     "r1_x.yaml:4:64: `upgrade[0].drop_constraint.type` is 'foreign', not one of foreignkey, unique, "
     "check, primary\n  hint: did you mean `foreignkey`?"),
    ("- add_column: {table_name: t, column: {name: c, type: Integer, autoincrement: 'yes'}}",
     "r1_x.yaml:4:82: `upgrade[0].add_column.column.autoincrement` is 'yes', not one of true, false, "
     "auto, ignore_fk\n  hint: see the revision format in the README"),
])
def test_a_value_of_the_wrong_form_says_which_form(tmp_path, operation, expected):
    """A pattern or a choice the value missed was reported as jsonschema's own text: a regular
    expression (`'other' does not match '^[^.]+(\\\\.[^.]+){1,2}$'`) or a Python list."""
    text = f"revision: a\ndown_revision: null\nupgrade:\n  {operation}\n"
    cfg = write_project(tmp_path, {"r1_x.yaml": text})
    with pytest.raises(RevisionFileError) as err:
        command.upgrade(cfg, "head", sql=True)
    assert str(err.value).replace(str(tmp_path / "versions") + "/", "") == expected


def test_what_the_dialect_cannot_compile_is_an_error_at_the_operation(tmp_path, postgres_url):
    """An Enum without a name is fine on SQLite, but PostgreSQL needs one for its type: the
    CompileError came out as `yamig: internal error`, without the file or a rollback."""
    enum = revision_text("a2", "a1", """
        - add_column: {table_name: account, column: {name: kind, type: "Enum('a', 'b')"}}
    """)
    cfg = write_project(tmp_path, {"a1_account.yaml": ACCOUNT, "a2_enum.yaml": enum}, postgres_url)
    with pytest.raises(MigrationError) as err:
        command.upgrade(cfg, "head")
    assert "a2_enum.yaml:4:5: add_column failed in revision a2: " in str(err.value)
    assert "Enum type requires a name" in str(err.value)
    with sa.create_engine(postgres_url).connect() as conn:
        assert conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar() == "a1"


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
    script = _offline(tmp_path, {"a1_tag.yaml": keyed, "a2_drop.yaml": drop}, "postgresql://", "a2:a1",
                      command.downgrade)
    assert "CREATE TABLE tag (\n    id INTEGER NOT NULL," in script


def test_what_the_dialect_cannot_compile_offline_is_an_error_at_the_operation(tmp_path):
    enum = revision_text("a2", "a1", """
        - add_column: {table_name: account, column: {name: kind, type: "Enum('a', 'b')"}}
    """)
    with pytest.raises(MigrationError) as err:
        _offline(tmp_path, {"a1_account.yaml": ACCOUNT, "a2_enum.yaml": enum}, "postgresql://")
    assert "a2_enum.yaml:4:5: add_column cannot be written for this database: " in str(err.value)
    assert "Enum type requires a name" in str(err.value)


CONCURRENTLY = revision_text("a2", "a1", """
    - add_column: {table_name: account, column: {name: code, type: String(10)}}
    - create_index: {index_name: ix_account_code, table_name: account, columns: [code],
                     postgresql_concurrently: true}
    - create_index: {index_name: ix_account_phone, table_name: account, columns: [phone]}
""")


def _pg_indexes(url: str) -> list[str]:
    return sorted(ix["name"] for ix in sa.inspect(sa.create_engine(url)).get_indexes("account"))


def test_postgresql_concurrently_runs_outside_the_transaction(tmp_path, postgres_url):
    """`validate` advises postgresql_concurrently, but every revision ran in a transaction, where
    PostgreSQL refuses CREATE INDEX CONCURRENTLY: the option could not be used online at all.
    As Alembic's autocommit_block, what comes before it is committed and the rest runs after."""
    cfg = write_project(tmp_path, {"a1_account.yaml": ACCOUNT, "a2_index.yaml": CONCURRENTLY}, postgres_url)
    command.upgrade(cfg, "head")
    assert _pg_indexes(postgres_url) == ["ix_account_code", "ix_account_phone"]
    with sa.create_engine(postgres_url).connect() as conn:
        assert conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar() == "a2"
    command.downgrade(cfg, "a1")
    assert _pg_indexes(postgres_url) == []


def test_postgresql_concurrently_failing_says_what_was_committed(tmp_path, postgres_url):
    failing = CONCURRENTLY.replace("columns: [code]", "columns: [nope]")
    cfg = write_project(tmp_path, {"a1_account.yaml": ACCOUNT, "a2_index.yaml": failing}, postgres_url)
    with pytest.raises(MigrationError) as err:
        command.upgrade(cfg, "head", check=False)  # the database's answer, not the replay's
    assert "a2_index.yaml:5:5: create_index failed in revision a2: " in str(err.value)
    assert "before its postgresql_concurrently index were committed" in err.value.hint
    with sa.create_engine(postgres_url).connect() as conn:
        assert conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar() == "a1"


def test_postgresql_concurrently_in_one_transaction_is_refused_before_anything_runs(tmp_path, postgres_url):
    cfg = write_project(tmp_path, {"a1_account.yaml": ACCOUNT, "a2_index.yaml": CONCURRENTLY}, postgres_url)
    cfg.set_main_option("transaction_per_migration", "false")
    with pytest.raises(MigrationError) as err:
        command.upgrade(cfg, "head")
    assert "a2_index.yaml:5:5: create_index with postgresql_concurrently must run outside" in str(err.value)
    assert "transaction_per_migration = true" in err.value.hint
    assert not sa.inspect(sa.create_engine(postgres_url)).has_table("account")


def test_add_column_unique_and_indexed_makes_one_unique_index(tmp_path, db_url):
    """`unique: true, index: true` makes one unique index in SQLAlchemy (so in create_table and in
    Alembic's add_column); yamig's add_column added a UNIQUE constraint beside that index."""
    add = revision_text("a2", "a1", """
        - add_column: {table_name: account, column: {name: code, type: String(10), unique: true,
                                                     index: true}}
    """)
    cfg = write_project(tmp_path, {"a1_account.yaml": ACCOUNT, "a2_code.yaml": add}, db_url)
    command.upgrade(cfg, "head")
    inspector = sa.inspect(sa.create_engine(db_url))
    assert inspector.get_unique_constraints("account") == []
    assert [(ix["name"], ix["column_names"], bool(ix["unique"])) for ix in inspector.get_indexes("account")] \
        == [("ix_account_code", ["code"], True)]
    command.downgrade(cfg, "a1")
    assert sa.inspect(sa.create_engine(db_url)).get_indexes("account") == []


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


@pytest.mark.parametrize("upgrade, fix", [
    ("  - create_tabel: {table_name: t}\n", "fix: did you mean `create_table`?"),
    ("  - drop_table: {tablename: t}\n", "fix: did you mean `table_name`?"),
    ("\t- drop_table: {table_name: t}\n", "fix: YAML indents with spaces only: replace the tab"),
])
def test_validate_keeps_the_errors_own_hint(tmp_path, upgrade, fix):
    """`upgrade` says "did you mean `create_table`?", but `validate` replaced every file and format
    error's hint with its rule's general one ("see the README's format")."""
    import subprocess
    import sys

    write_project(tmp_path, {"r1_x.yaml": "revision: r1\ndown_revision: null\nupgrade:\n" + upgrade})
    result = subprocess.run([sys.executable, "-m", "runner", "validate"], cwd=tmp_path,
                            capture_output=True, text=True)
    assert result.returncode == 1
    assert f"    {fix}\n" in result.stdout


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


def test_mssql_drops_a_columns_default_before_the_column(tmp_path):
    """SQL Server refuses to drop a column that has a DEFAULT constraint: the derived downgrade of
    an add_column with a server_default failed there, and drop_column had no way to say so
    (Alembic: mssql_drop_default=True)."""
    add = revision_text("a2", "a1", """
        - add_column: {table_name: account, column: {name: status, type: String(10), nullable: false,
                                                     server_default: open}}
    """)
    drop = revision_text("a3", "a2", """
        - drop_column: {table_name: account, column_name: status, mssql_drop_default: true}
    """, downgrade="[]")
    revisions = {"a1_account.yaml": ACCOUNT, "a2_add.yaml": add}
    expected = ("declare @const_name varchar(256)\n"
                "select @const_name = QUOTENAME([name]) from sys.default_constraints\n"
                "where parent_object_id = object_id('account')\n"
                "and col_name(parent_object_id, parent_column_id) = 'status'\n"
                "exec('alter table account drop constraint ' + @const_name);\n\nGO\n\n"
                "ALTER TABLE account DROP COLUMN status;\n")
    assert expected in _offline(tmp_path, revisions, "mssql://", "a2:a1", command.downgrade)
    assert expected in _offline(tmp_path, {**revisions, "a3_drop.yaml": drop}, "mssql://", "a2:a3")
    script = _offline(tmp_path, {**revisions, "a3_drop.yaml": drop}, "postgresql://", "a2:a3")
    assert "sys.default_constraints" not in script


@pytest.mark.parametrize("value, column", [('"yes"', "flag"), ("2", "flag"), ("5", "day"), ('"abc"', "qty")])
def test_bulk_insert_value_of_the_wrong_type_is_an_error_at_the_value(tmp_path, db_url, value, column):
    """A string for a Boolean column, or a number for a Date, failed while SQLAlchemy bound it:
    `yamig: internal error` online, an error without the row offline; SQLite stored 'abc' in an
    INTEGER column as it is."""
    table = revision_text("a1", None, """
        - create_table:
            table_name: item
            columns: [{name: id, type: Integer, primary_key: true}, {name: flag, type: Boolean},
                      {name: day, type: Date}, {name: qty, type: Integer}]
    """)
    insert = f"- bulk_insert: {{table_name: item, rows: [{{id: 1, {column}: {value}}}]}}"
    rows = revision_text("a2", "a1", insert, downgrade="[]")
    revisions = {"a1_item.yaml": table, "a2_rows.yaml": rows}
    cfg = write_project(tmp_path, revisions, db_url)
    with pytest.raises(MigrationError) as err:
        command.upgrade(cfg, "head")
    line = (tmp_path / "versions" / "a2_rows.yaml").read_text().splitlines()[3]
    at = line.index(f"{column}: {value}") + len(column) + 3 + value.startswith('"')  # at the value
    assert f"a2_rows.yaml:4:{at}: bulk_insert into item: " in str(err.value)
    assert "is not a value of column " + column in str(err.value)
    with pytest.raises(MigrationError) as err:
        _offline(tmp_path, revisions, "postgresql://")
    assert "is not a value of column " + column in str(err.value)


def test_bulk_insert_numbers_written_as_text_are_converted(tmp_path, sqlite_url):
    table = revision_text("a1", None, """
        - create_table:
            table_name: item
            columns: [{name: id, type: Integer, primary_key: true}, {name: qty, type: Integer},
                      {name: ratio, type: Float}, {name: flag, type: Boolean}]
        - bulk_insert: {table_name: item, rows: [{id: 1, qty: "12", ratio: "0.5", flag: 1}]}
    """, downgrade="[]")
    cfg = write_project(tmp_path, {"a1_item.yaml": table}, sqlite_url)
    command.upgrade(cfg, "head")
    with sa.create_engine(sqlite_url).connect() as conn:
        assert conn.exec_driver_sql("SELECT typeof(qty), qty, ratio, flag FROM item").one() == \
            ("integer", 12, 0.5, 1)


@pytest.mark.parametrize("option, expected", [
    ("postgresql_wher: 'qty > 0'", "create_index takes no option `postgresql_wher`: SQLAlchemy's "
                                   "postgresql dialect does not know it\n  hint: did you mean "
                                   "`postgresql_where`?"),
    ("sqlite_using: btree", "create_index takes no option `sqlite_using`: SQLAlchemy's sqlite dialect "
                            "does not know it\n  hint: sqlite index options: sqlite_where"),
])
def test_a_misspelt_index_dialect_option_is_an_error_at_it(tmp_path, option, expected):
    """The JSON Schema lets any `postgresql_*` key through, and SQLAlchemy then raised ArgumentError
    while building the index: `yamig: internal error`."""
    index = revision_text("a2", "a1", f"- create_index: {{index_name: ix_a, table_name: account, "
                                      f"columns: [phone], {option}}}")
    with pytest.raises(RevisionFileError) as err:
        _offline(tmp_path, {"a1_account.yaml": ACCOUNT, "a2_index.yaml": index}, "postgresql://")
    line = (tmp_path / "versions" / "a2_index.yaml").read_text().splitlines()[3]
    assert str(err.value).endswith(f"a2_index.yaml:4:{line.index(option) + 1}: {expected}")


def test_sqlite_rebuild_with_foreign_keys_enforced_refuses_rather_than_cascade(tmp_path):
    """On a connection with PRAGMA foreign_keys=ON, the rebuild's DROP TABLE of a parent deleted
    its rows first, and ON DELETE CASCADE emptied the child table: rows lost without an error."""
    from runner.runtime.engine import create_engine

    url = f"sqlite:///{tmp_path / 'fk.db'}"
    tables = revision_text("a1", None, """
        - create_table: {table_name: parent, columns: [{name: id, type: Integer, primary_key: true},
                                                      {name: n, type: String(10)}]}
        - create_table: {table_name: child, columns: [{name: id, type: Integer, primary_key: true},
                         {name: pid, type: Integer, foreign_key: {column: parent.id, ondelete: CASCADE}}]}
    """)
    alter = revision_text("a2", "a1", "- alter_column: {table_name: parent, column_name: n, nullable: false}")
    cfg = write_project(tmp_path, {"a1.yaml": tables, "a2.yaml": alter}, url)
    engine = create_engine(url)
    sa.event.listen(engine, "connect", lambda dbapi, _: dbapi.execute("PRAGMA foreign_keys=ON"))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "a1")
        conn.exec_driver_sql("INSERT INTO parent VALUES (1, 'a')")
        conn.exec_driver_sql("INSERT INTO child VALUES (1, 1)")
    with pytest.raises(MigrationError) as err, engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
    assert "a2.yaml:4:5: alter_column rebuilds table parent, and this connection enforces foreign keys" \
        in str(err.value)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT * FROM child").all() == [(1, 1)]
    cfg.attributes.pop("connection")
    command.upgrade(cfg, "head")  # yamig's own connection leaves foreign keys off: the rows stay
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT * FROM child").all() == [(1, 1)]


def test_postgresql_drop_index_concurrently_runs_outside_the_transaction(tmp_path, postgres_url):
    drop = revision_text("a3", "a2", "- drop_index: {index_name: ix_account_phone, table_name: account, "
                                     "postgresql_concurrently: true}")
    cfg = write_project(tmp_path, {"a1_account.yaml": ACCOUNT, "a2_index.yaml": CONCURRENTLY,
                                   "a3_drop.yaml": drop}, postgres_url)
    command.upgrade(cfg, "head")
    assert _pg_indexes(postgres_url) == ["ix_account_code"]
    command.downgrade(cfg, "a2")
    assert _pg_indexes(postgres_url) == ["ix_account_code", "ix_account_phone"]


def test_index_include_columns_on_postgresql_and_mssql(tmp_path):
    """postgresql_include / mssql_include name columns SQLAlchemy looks up on the index's table,
    which yamig's stub table lacked: KeyError, `yamig: internal error`."""
    index = revision_text("a2", "a1", """
        - create_index: {index_name: ix_a, table_name: account, columns: [email],
                         postgresql_include: [phone, email], mssql_include: [phone]}
    """)
    revisions = {"a1_account.yaml": ACCOUNT, "a2_index.yaml": index}
    assert "CREATE INDEX ix_a ON account (email) INCLUDE (phone, email);" in \
        _offline(tmp_path, revisions, "postgresql://")
    assert "CREATE INDEX ix_a ON account (email) INCLUDE (phone);" in _offline(tmp_path, revisions, "mssql://")
