"""What a new user ran into, trying every operation from the README on SQLite and PostgreSQL.

Each test is one problem found that way: it failed before its fix.
"""

from __future__ import annotations

import io
import warnings

import pytest
import sqlalchemy as sa

from runner import command
from runner.errors import MigrationError

from .helpers import revision_text, write_project

ACCOUNT = revision_text("a1", None, """
    - create_table:
        table_name: account
        columns:
          - {name: id, type: Integer, primary_key: true}
          - {name: email, type: String(255), nullable: false}
          - {name: phone, type: String(30)}
""")


def _offline(tmp_path, revisions: dict[str, str], url: str, target: str = "head") -> str:
    cfg = write_project(tmp_path, revisions, url)
    out = io.StringIO()
    cfg.stdout = out
    command.upgrade(cfg, target, sql=True)
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
        command.upgrade(cfg, "head")
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
    from runner.errors import RevisionFileError
    from runner.loader import parse_document

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
    from runner.errors import RevisionFileError

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
