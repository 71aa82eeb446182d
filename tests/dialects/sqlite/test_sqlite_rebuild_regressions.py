"""SQLite's rebuild: what a user trial found it losing or hiding (a column that does not exist,
expression and partial indexes, rows under enforced foreign keys); the rebuild itself is
test_sqlite_rebuild.py's."""

from __future__ import annotations

import warnings

import pytest
import sqlalchemy as sa

from runner import command
from runner.errors import MigrationError

from ...helpers import ACCOUNT, revision_text, validate_code, write_project


# Regressions from the user trial (a new user trying every operation of the README on SQLite and
# PostgreSQL; tests/test_user_trial.py until issue 13): each failed before its fix.
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


# Regressions from real Alembic histories run by yamig (issue 15): each failed before its fix.
SEAT = revision_text("a1", None, """
    - create_table:
        table_name: seat
        columns:
          - {name: venue, type: String(20), primary_key: true}
          - {name: row, type: String(5), primary_key: true}
          - {name: number, type: String(5), nullable: false}
""")


def test_sqlite_drop_column_of_a_composite_key_and_a_new_key_as_alembics_batch(tmp_path):
    """Dropping a column of a composite primary key leaves the key on the other columns in
    Alembic's batch mode, and a create_primary_key in the same batch takes its place. validate
    and the checks before a run said the table "already has a primary key"."""
    from ...test_alembic_equivalence import run_alembic, snapshot

    alembic_url, yamig_url = (f"sqlite:///{tmp_path / name}" for name in ("alembic.db", "yamig.db"))
    run_alembic(alembic_url, """
        op.create_table("seat", sa.Column("venue", sa.String(20), primary_key=True),
                        sa.Column("row", sa.String(5), primary_key=True),
                        sa.Column("number", sa.String(5), nullable=False))
        with op.batch_alter_table("seat") as batch:
            batch.drop_column("row")
            batch.create_primary_key("pk_seat", ["venue", "number"])
    """)
    change = revision_text("a2", "a1", """
        - drop_column: {table_name: seat, column_name: row}
        - create_primary_key: {constraint_name: pk_seat, table_name: seat, columns: [venue, number]}
    """)
    config = write_project(tmp_path / "yamig", {"a1_seat.yaml": SEAT, "a2_key.yaml": change}, yamig_url)
    assert validate_code(config) == 0
    command.upgrade(config, "head")
    assert snapshot(yamig_url) == snapshot(alembic_url)
    command.downgrade(config, "a1")  # the derived downgrade: the column, then the key over both
    key = sa.inspect(sa.create_engine(yamig_url)).get_pk_constraint("seat")
    assert key["constrained_columns"] == ["venue", "row"]


def test_sqlite_drop_column_of_a_composite_key_keeps_the_rest_of_the_key(tmp_path, sqlite_url):
    change = revision_text("a2", "a1", """
        - drop_column: {table_name: seat, column_name: row}
    """)
    config = write_project(tmp_path, {"a1_seat.yaml": SEAT, "a2_drop.yaml": change}, sqlite_url)
    command.upgrade(config, "head")
    inspector = sa.inspect(sa.create_engine(sqlite_url))
    assert inspector.get_pk_constraint("seat")["constrained_columns"] == ["venue"]
    command.downgrade(config, "a1")
    inspector = sa.inspect(sa.create_engine(sqlite_url))
    assert inspector.get_pk_constraint("seat")["constrained_columns"] == ["venue", "row"]


def test_sqlite_primary_key_dropped_and_made_again_in_one_rebuild_is_not_drop_referenced(
        tmp_path, sqlite_url):
    """One rebuild drops the key and makes the new one: the referencing foreign key never lacks
    its target (validate called it drop-referenced: validate_corpus/drop-referenced-key-remade)."""
    tables = revision_text("a1", None, """
        - create_table: {table_name: parent, columns: [{name: id, type: Integer, primary_key: true}]}
        - create_table: {table_name: child, columns: [{name: id, type: Integer, primary_key: true},
                         {name: pid, type: Integer, foreign_key: {column: parent.id}}]}
    """)
    key = revision_text("a2", "a1", """
        - drop_constraint: {constraint_name: parent_pkey, table_name: parent, type: primary}
        - create_primary_key: {constraint_name: pk_parent, table_name: parent, columns: [id]}
    """)
    config = write_project(tmp_path, {"a1_tables.yaml": tables, "a2_key.yaml": key}, sqlite_url)
    command.upgrade(config, "head")
    assert sa.inspect(sa.create_engine(sqlite_url)).get_pk_constraint("parent") == {
        "name": "pk_parent", "constrained_columns": ["id"]}
    command.downgrade(config, "a1")
    restored = sa.inspect(sa.create_engine(sqlite_url)).get_pk_constraint("parent")
    assert restored["constrained_columns"] == ["id"]


def test_sqlite_foreign_key_to_a_table_the_revision_creates_later(tmp_path):
    """SQLite takes a key to a table that is not there yet, as Alembic's run of the same
    operations shows; the checks before the run refused it ("does not exist at this point")."""
    from ...test_alembic_equivalence import run_alembic, snapshot

    alembic_url, yamig_url = (f"sqlite:///{tmp_path / name}" for name in ("alembic.db", "yamig.db"))
    run_alembic(alembic_url, """
        op.create_table("line", sa.Column("id", sa.Integer, primary_key=True),
                        sa.Column("order_id", sa.Integer, sa.ForeignKey("purchase.id")))
        op.create_table("purchase", sa.Column("id", sa.Integer, primary_key=True))
    """)
    tables = revision_text("a1", None, """
        - create_table: {table_name: line, columns: [{name: id, type: Integer, primary_key: true},
                         {name: order_id, type: Integer, foreign_key: {column: purchase.id}}]}
        - create_table: {table_name: purchase, columns: [{name: id, type: Integer, primary_key: true}]}
    """)
    config = write_project(tmp_path / "yamig", {"a1_tables.yaml": tables}, yamig_url)
    command.upgrade(config, "head")
    assert snapshot(yamig_url) == snapshot(alembic_url)
