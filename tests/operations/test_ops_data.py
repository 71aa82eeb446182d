"""bulk_insert and execute limited to some dialects, on real SQLite and PostgreSQL, and offline."""

from __future__ import annotations

import datetime
import decimal
import io
import re
import subprocess
import sys

import pytest
import sqlalchemy as sa

from runner import command
from runner.errors import MigrationError

from ..helpers import offline_script, revision_text, write_project

TABLE = revision_text("a1", None, """
    - create_table:
        table_name: event
        columns:
          - {name: id, type: Integer, primary_key: true}
          - {name: title, type: String(50), nullable: false}
          - {name: day, type: Date}
          - {name: at, type: DateTime}
          - {name: done, type: Boolean}
          - {name: price, type: "Numeric(10, 2)"}
          - {name: meta, type: JSON}
""", downgrade="[]")

ROWS = revision_text("b2", "a1", """
    - bulk_insert:
        table_name: event
        rows:
          - {id: 1, title: "it's on", day: 2026-01-31, at: "2026-01-31 10:30:00", done: true, price: 9.99,
             meta: {tags: [a, b], n: 1}}
          - {id: 2, title: later, done: false}
""")


def test_bulk_insert_binds_each_value_with_its_column_type(tmp_path, db_url):
    config = write_project(tmp_path, {"a.yaml": TABLE, "b.yaml": ROWS}, db_url)
    command.upgrade(config, "head")
    engine = sa.create_engine(db_url)
    metadata = sa.MetaData()
    event = sa.Table("event", metadata, sa.Column("id", sa.Integer), sa.Column("title", sa.String),
                     sa.Column("day", sa.Date), sa.Column("at", sa.DateTime), sa.Column("done", sa.Boolean),
                     sa.Column("price", sa.Numeric(10, 2)), sa.Column("meta", sa.JSON))
    with engine.connect() as conn:
        rows = conn.execute(sa.select(event).order_by(event.c.id)).all()
    engine.dispose()
    assert rows == [
        (1, "it's on", datetime.date(2026, 1, 31), datetime.datetime(2026, 1, 31, 10, 30), True,
         decimal.Decimal("9.99"), {"tags": ["a", "b"], "n": 1}),
        (2, "later", None, None, False, None, None),
    ]


def test_bulk_insert_cannot_be_derived_backwards(tmp_path, sqlite_url):
    config = write_project(tmp_path, {"a.yaml": TABLE, "b.yaml": ROWS}, sqlite_url)
    command.upgrade(config, "head")
    with pytest.raises(MigrationError) as info:
        command.downgrade(config, "a1")
    assert str(info.value).startswith(f"{tmp_path}/versions/b.yaml:4:5: `bulk_insert` cannot be reversed")
    assert "write a `downgrade:`" in str(info.value)
    engine = sa.create_engine(sqlite_url)
    with engine.connect() as conn:   # refused before anything ran
        assert conn.exec_driver_sql("SELECT count(*) FROM event").scalar() == 2
        assert conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar() == "b2"
    engine.dispose()


def test_a_value_its_column_cannot_take_points_at_the_row(tmp_path, sqlite_url):
    bad = revision_text("b2", "a1", """
        - bulk_insert: {table_name: event, rows: [{id: 1, title: x, day: "31/01/2026"}]}
    """)
    config = write_project(tmp_path, {"a.yaml": TABLE, "b.yaml": bad}, sqlite_url)
    with pytest.raises(MigrationError) as info:
        command.upgrade(config, "head")
    assert str(info.value).startswith(f"{tmp_path}/versions/b.yaml:4:69: bulk_insert into event: "
                                      "'31/01/2026' is not a value of column day (DATE)")


def test_bulk_insert_into_a_table_raw_sql_made(tmp_path, db_url):
    """Online the types come from the database, so a table the state does not know works too."""
    revisions = {"a.yaml": revision_text("a1", None, """
        - execute: "CREATE TABLE note (id INTEGER PRIMARY KEY, body VARCHAR(20), due DATE, extra TEXT)"
        - bulk_insert: {table_name: note, rows: [{id: 1, body: x, due: 2026-02-01, extra: {a: [1]}}]}
    """, downgrade="[]")}
    config = write_project(tmp_path, revisions, db_url)
    command.upgrade(config, "head")
    engine = sa.create_engine(db_url)
    with engine.connect() as conn:
        note = sa.Table("note", sa.MetaData(), autoload_with=conn)
        # a mapping for a text column (as MariaDB reflects JSON) is stored as its JSON text
        assert conn.execute(sa.select(note)).all() == [(1, "x", datetime.date(2026, 2, 1), '{"a": [1]}')]
    engine.dispose()


# -- execute limited to some dialects -------------------------------------------------------------

FILTERED = revision_text("a1", None, """
    - create_table:
        table_name: log
        columns: [{name: source, type: String(20)}]
    - execute: {sqltext: "INSERT INTO log (source) VALUES ('postgresql')", dialects: [postgresql]}
    - execute: {sqltext: "INSERT INTO log (source) VALUES ('sqlite')", dialects: [sqlite]}
    - execute: {sqltext: "INSERT INTO log (source) VALUES ('mysql')", dialects: [mysql, mssql]}
    - execute: "INSERT INTO log (source) VALUES ('everywhere')"
""", downgrade="[]")


def test_execute_runs_only_on_the_dialects_it_names(tmp_path, db_url):
    config = write_project(tmp_path, {"a.yaml": FILTERED}, db_url)
    command.upgrade(config, "head")
    engine = sa.create_engine(db_url)
    with engine.connect() as conn:
        sources = conn.exec_driver_sql("SELECT source FROM log ORDER BY source").scalars().all()
        name = conn.dialect.name
    engine.dispose()
    assert sources == sorted([name, "everywhere"])


@pytest.mark.parametrize("url, shown", [("postgresql://", "postgresql"), ("mssql://", "mysql"),
                                        ("mariadb://", "mysql"), ("oracle://", None)])
def test_execute_offline_is_filtered_the_same_way(tmp_path, capsys, url, shown):
    config = write_project(tmp_path, {"a.yaml": FILTERED}, url)
    command.upgrade(config, "head", sql=True)
    inserts = [line.rstrip(";") for line in capsys.readouterr().out.splitlines()  # Oracle: no ;
               if line.startswith("INSERT INTO log")]
    expected = [f"INSERT INTO log (source) VALUES ('{shown}')"] if shown else []
    assert inserts == expected + ["INSERT INTO log (source) VALUES ('everywhere')"]


# -- offline SQL against Alembic's ----------------------------------------------------------------

def alembic_inserts(dialect: str) -> list[str]:
    from alembic.migration import MigrationContext
    from alembic.operations import Operations

    buffer = io.StringIO()
    context = MigrationContext.configure(dialect_name=dialect, opts={"as_sql": True, "output_buffer": buffer})
    event = sa.table("event", sa.column("id", sa.Integer), sa.column("title", sa.String(50)),
                     sa.column("day", sa.Date), sa.column("at", sa.DateTime), sa.column("done", sa.Boolean),
                     sa.column("price", sa.Numeric(10, 2)))
    Operations(context).bulk_insert(event, [
        {"id": 1, "title": "it's on", "day": datetime.date(2026, 1, 31),
         "at": datetime.datetime(2026, 1, 31, 10, 30), "done": True, "price": decimal.Decimal("9.99")},
        {"id": 2, "title": "later", "done": False},
    ])
    parts = [p.strip().rstrip(";").strip() for p in buffer.getvalue().split("\n\n")]
    return [p for p in parts if p and p not in ("GO", "/")]


@pytest.mark.parametrize("dialect", ["postgresql", "mysql", "mssql", "oracle"])
def test_offline_bulk_insert_matches_alembic(tmp_path, dialect):
    rows = re.sub(r",\s*meta: \{tags: \[a, b\], n: 1\}", "", ROWS)  # Alembic cannot write JSON literals
    assert "meta" not in rows
    write_project(tmp_path, {"a.yaml": TABLE, "b.yaml": rows}, f"{dialect}://")
    result = subprocess.run([sys.executable, "-m", "runner", "upgrade", "a1:b2", "--sql"], cwd=tmp_path,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    body = result.stdout.split("-- Running upgrade a1 -> b2\n", 1)[1]
    statements = [p.strip().rstrip(";").strip() for p in body.split("\n\n")]  # GO and / separate batches
    statements = [p for p in statements if p and p not in ("BEGIN", "BEGIN TRANSACTION", "COMMIT", "GO", "/")
                  and "alembic_version" not in p]
    assert statements == alembic_inserts(dialect)


def test_offline_json_values_are_written_as_json_text(tmp_path, capsys):
    config = write_project(tmp_path, {"a.yaml": TABLE, "b.yaml": ROWS}, "postgresql://")
    command.upgrade(config, "a1:b2", sql=True)
    out = capsys.readouterr().out
    assert ("INSERT INTO event (id, title, day, at, done, price, meta) VALUES (1, 'it''s on', '2026-01-31', "
            "'2026-01-31 10:30:00', true, 9.99, '{\"tags\": [\"a\", \"b\"], \"n\": 1}');") in out
    assert "INSERT INTO event (id, title, done) VALUES (2, 'later', false);" in out


# Regressions from the user trial (a new user trying every operation of the README on SQLite and
# PostgreSQL; tests/test_user_trial.py until issue 13): each failed before its fix.
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
    cfg = write_project(tmp_path, {"a1_post.yaml": ARRAYS}, postgres_url)
    command.upgrade(cfg, "head")
    with sa.create_engine(postgres_url).connect() as conn:
        rows = conn.exec_driver_sql("SELECT id, tags, days FROM post ORDER BY id").all()
    assert rows == [(1, [1, 2], [datetime.date(2026, 1, 31)]), (2, [], None)]
    script = offline_script(tmp_path, {"a1_post.yaml": ARRAYS}, "postgresql://")
    assert "VALUES (1, ARRAY[1, 2], ARRAY['2026-01-31'])" in script


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
        offline_script(tmp_path, revisions, "postgresql://")
    assert "is not a value of column " + column in str(err.value)


def test_bulk_insert_numbers_written_as_text_are_converted(tmp_path, sqlite_url):
    """The other side of the check above: a number written as text ("12", "0.5") is converted
    to the column's type, not refused, and SQLite stores the number, not the text."""
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


def test_bulk_insert_refuses_integers_past_64_bits_at_validate(tmp_path, capsys):
    """An OverflowError from the driver halfway through a run, before; now validate's error."""
    from tests.helpers import revision_text, validate_code, write_project

    upgrade = """
  - create_table:
      table_name: t
      columns:
        - {name: id, type: Integer, primary_key: true}
        - {name: n, type: BigInteger}
  - bulk_insert:
      table_name: t
      rows:
        - {id: 1, n: 99999999999999999999999999999}
"""
    config = write_project(tmp_path, {"a1_t.yaml": revision_text("a1", None, upgrade, "[]")})
    assert validate_code(config) == 1
    assert "a1_t.yaml:12:22: error schema: bulk_insert into t: n is 99999999999999999999999999999, " \
           "larger than any integer column holds" in capsys.readouterr().out
