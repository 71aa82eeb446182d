"""Irreversible revisions, run_python and autocommit_block, online and offline, on SQLite,
PostgreSQL and MariaDB: the schema and rows read back, the version rows, the exact errors."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from runner import command
from runner.errors import MigrationError

from ..helpers import EVERY_DATABASE, offline_script, revision_text, validate_code, write_project

BASE = revision_text("r1", None, """
    - create_table:
        table_name: t
        columns:
          - {name: id, type: Integer, primary_key: true}
          - {name: code, type: String(40)}
    """)

DATA = '''
import sqlalchemy as sa


def fill(connection, context):
    connection.execute(sa.text("INSERT INTO t (id, code) VALUES (1, :code)"), {
        "code": f"{context.revision} {context.direction} {context.config is not None}"})


def empty(connection, context):
    connection.execute(sa.text("DELETE FROM t"))


def fail(connection, context):
    connection.execute(sa.text("INSERT INTO t (id, code) VALUES (2, 'half')"))
    raise ValueError(f"refused at {context.location}")
'''


def _project(tmp_path, url, upgrade: str, downgrade: str | None = None):
    config = write_project(tmp_path, {"r1.yaml": BASE,
                                      "r2.yaml": revision_text("r2", "r1", upgrade, downgrade)}, url)
    package = tmp_path / "flowdata"  # a project's own module, found from the config's folder
    package.mkdir(exist_ok=True)
    (package / "__init__.py").write_text("")
    (package / "steps.py").write_text(DATA)
    return config


def _read(url: str) -> tuple[list[str], list[str], list[tuple]]:
    """t's index names, the version rows, t's rows."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            indexes = sorted(ix["name"] for ix in sa.inspect(conn).get_indexes("t"))
            rows = sorted(conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalars())
            data = [tuple(r) for r in conn.execute(sa.text("SELECT id, code FROM t ORDER BY id"))]
            return indexes, rows, data
    finally:
        engine.dispose()


def said(error: MigrationError) -> str:
    """`file:line:column: message`, the error without its hint."""
    return f"{error.location}: {error.message}"


# -- downgrade: irreversible -------------------------------------------------------------------

@pytest.mark.parametrize("db_url", EVERY_DATABASE, indirect=True)
def test_irreversible_revision_refused_before_anything_runs(tmp_path, db_url):
    config = write_project(tmp_path, {
        "r1.yaml": BASE,
        "r2.yaml": revision_text("r2", "r1", "- run_python: {function: 'flowdata.steps:fill'}",
                                 '{irreversible: "codes are recomputed"}'),
        "r3.yaml": revision_text("r3", "r2", """
            - create_index: {index_name: ix_t_code, table_name: t, columns: [code]}
            """)}, db_url)
    (tmp_path / "flowdata").mkdir()
    (tmp_path / "flowdata" / "__init__.py").write_text("")
    (tmp_path / "flowdata" / "steps.py").write_text(DATA)
    command.upgrade(config, "head")
    with pytest.raises(MigrationError) as err:
        command.downgrade(config, "r1")
    assert said(err.value) == (f"{tmp_path}/versions/r2.yaml:6:3: revision r2 is irreversible: codes are "
                               "recomputed")
    assert err.value.hint.startswith("nothing was run")
    assert _read(db_url) == (["ix_t_code"], ["r3"], [(1, "r2 upgrade True")])  # r3's downgrade did not run
    command.downgrade(config, "r2")  # a downgrade that stops after it is fine
    assert _read(db_url)[:2] == ([], ["r2"])


@pytest.mark.parametrize("url", ["sqlite://", "postgresql://", "mysql://"])
def test_irreversible_revision_refused_offline(tmp_path, url):
    revisions = {"r1.yaml": BASE, "r2.yaml": revision_text("r2", "r1", "[]", "irreversible")}
    with pytest.raises(MigrationError) as err:
        offline_script(tmp_path, revisions, url, "r2:base", run=command.downgrade)
    assert said(err.value) == f"{tmp_path}/versions/r2.yaml:5:3: revision r2 is irreversible"


def test_validate_and_show_say_irreversible(tmp_path, capsys):
    config = write_project(tmp_path, {
        "r1.yaml": BASE, "r2.yaml": revision_text("r2", "r1", "[]", "{irreversible: merged}")})
    assert validate_code(config) == 0  # a warning: meant, not a mistake
    out = capsys.readouterr().out
    assert (f"{tmp_path}/versions/r2.yaml:5:3: warning irreversible-revision: revision r2 is declared "
            "irreversible: merged; downgrade refuses to run it") in out
    command.show(config, "r2")
    assert "Downgrade: irreversible (merged)\n" in capsys.readouterr().out


# -- run_python ----------------------------------------------------------------------------------

@pytest.mark.parametrize("db_url", EVERY_DATABASE, indirect=True)
def test_run_python_online_and_its_reverse(tmp_path, db_url):
    config = _project(tmp_path, db_url, """
        - run_python: {function: "flowdata.steps:fill", reverse: "flowdata.steps:empty"}
        """)
    command.upgrade(config, "head")
    assert _read(db_url) == ([], ["r2"], [(1, "r2 upgrade True")])
    command.downgrade(config, "r1")  # derived: the reverse function
    assert _read(db_url) == ([], ["r1"], [])


@pytest.mark.parametrize("db_url", EVERY_DATABASE, indirect=True)
def test_run_python_failure_rolls_the_revision_back(tmp_path, db_url):
    config = _project(tmp_path, db_url, """
        - bulk_insert: {table_name: t, rows: [{id: 3, code: before}]}
        - run_python: {function: "flowdata.steps:fail"}
        """, downgrade="[]")
    with pytest.raises(MigrationError) as err:
        command.upgrade(config, "head")
    place = f"{tmp_path}/versions/r2.yaml:5:5"
    assert said(err.value) == (f"{place}: run_python failed in revision r2: flowdata.steps:fail raised "
                              f"ValueError: refused at {place}")
    indexes, rows, data = _read(db_url)
    assert rows == ["r1"]
    # a rollback undoes the rows on each of them (MariaDB: the rows are InnoDB's, not DDL)
    assert data == []


def test_run_python_import_error(tmp_path, sqlite_url):
    config = _project(tmp_path, sqlite_url, "- run_python: {function: 'flowdata.steps:missing'}")
    with pytest.raises(MigrationError) as err:
        command.upgrade(config, "head")
    assert said(err.value) == (f"{tmp_path}/versions/r2.yaml:4:5: run_python failed in revision r2: cannot "
                              "import flowdata.steps:missing: AttributeError: module 'flowdata.steps' "
                              "has no attribute 'missing'")
    assert _read(sqlite_url)[1] == ["r1"]


def test_run_python_without_reverse_is_irreversible(tmp_path, sqlite_url):
    config = _project(tmp_path, sqlite_url, "- run_python: {function: 'flowdata.steps:fill'}")
    command.upgrade(config, "head")
    with pytest.raises(MigrationError) as err:
        command.downgrade(config, "r1")
    assert said(err.value) == (f"{tmp_path}/versions/r2.yaml:4:5: `run_python` has no `reverse`: the "
                              "revision cannot be downgraded past it")
    assert _read(sqlite_url)[1] == ["r2"]


@pytest.mark.parametrize("url", ["sqlite://", "postgresql://", "mysql://"])
def test_run_python_offline(tmp_path, url):
    revisions = {"r1.yaml": BASE, "r2.yaml": revision_text("r2", "r1", """
        - run_python: {function: "flowdata.steps:fill", sql: "UPDATE t SET code = 'x'",
                       reverse: "flowdata.steps:empty", reverse_sql: "DELETE FROM t"}
        """)}
    up = offline_script(tmp_path / "up", revisions, url, "r1:r2")
    assert "UPDATE t SET code = 'x';" in up
    down = offline_script(tmp_path / "down", revisions, url, "r2:r1", run=command.downgrade)
    assert "DELETE FROM t;" in down


def test_run_python_offline_without_sql_prints_nothing(tmp_path, capsys):
    revisions = {"r1.yaml": BASE, "r2.yaml": revision_text("r2", "r1", """
        - add_column: {table_name: t, column: {name: n, type: Integer}}
        - run_python: {function: "flowdata.steps:fill"}
        """)}
    config = write_project(tmp_path, revisions, "postgresql://")
    with pytest.raises(MigrationError) as err:
        command.upgrade(config, "base:head", sql=True)
    assert said(err.value) == (f"{tmp_path}/versions/r2.yaml:5:5: run_python calls flowdata.steps:fill, "
                              "which --sql cannot print")
    assert capsys.readouterr().out == ""


def test_run_python_validate_never_imports(tmp_path, capsys):
    config = write_project(tmp_path, {"r1.yaml": BASE, "r2.yaml": revision_text("r2", "r1", """
        - run_python: {function: "nowhere.at_all:fill", reverse: "nowhere.at_all:empty"}
        """), "r3.yaml": revision_text("r3", "r2", "- run_python: {function: 'not a path'}", "[]")})
    assert validate_code(config) == 1
    out = capsys.readouterr().out
    assert out.startswith(f"{tmp_path}/versions/r3.yaml:4:29: error schema: `upgrade[0].run_python.function` "
                          "is 'not a path'; expected an import path, package.module:function")
    assert "1 error(s), 0 warning(s)" in out


# -- autocommit_block --------------------------------------------------------------------------

BLOCK = """
    - bulk_insert: {table_name: t, rows: [{id: 1, code: a}]}
    - autocommit_block:
        - create_index: {index_name: ix_t_code, table_name: t, columns: [code]}
        - create_index: {index_name: ix_t_id_code, table_name: t, columns: [id, code]}
    - bulk_insert: {table_name: t, rows: [{id: 2, code: b}]}
    """


@pytest.mark.parametrize("db_url", EVERY_DATABASE, indirect=True)
def test_autocommit_block_online(tmp_path, db_url):
    config = _project(tmp_path, db_url, BLOCK, downgrade="""
        - autocommit_block:
            - drop_index: {index_name: ix_t_id_code, table_name: t}
            - drop_index: {index_name: ix_t_code, table_name: t}
        - execute: "DELETE FROM t"
        """)
    command.upgrade(config, "head")
    assert _read(db_url) == (["ix_t_code", "ix_t_id_code"], ["r2"], [(1, "a"), (2, "b")])
    command.downgrade(config, "r1")
    assert _read(db_url) == ([], ["r1"], [])


@pytest.mark.parametrize("db_url", EVERY_DATABASE, indirect=True)
def test_autocommit_block_commits_what_came_before(tmp_path, db_url):
    """A failure after the block: the rows before it and the block's index stay (committed);
    the revision's rest and its version row do not. On MariaDB, whose DDL commits itself, the
    undo (runtime.undo) drops the index again and says that the inserted row is left."""
    config = _project(tmp_path, db_url, """
        - bulk_insert: {table_name: t, rows: [{id: 1, code: a}]}
        - autocommit_block:
            - create_index: {index_name: ix_t_code, table_name: t, columns: [code]}
        - execute: "INSERT INTO nowhere VALUES (1)"
        """, downgrade="[]")
    with pytest.raises(MigrationError) as err:
        command.upgrade(config, "head")
    indexes, rows, data = _read(db_url)
    assert rows == ["r1"] and data == [(1, "a")]
    if db_url.startswith("mysql"):
        assert "could not all be undone" in err.value.hint and indexes == []
    else:
        assert "before its autocommit part" in err.value.hint and indexes == ["ix_t_code"]


def test_autocommit_block_derived_downgrade(tmp_path, postgres_url):
    config = _project(tmp_path, postgres_url, """
        - autocommit_block:
            - create_index: {index_name: ix_t_code, table_name: t, columns: [code],
                             postgresql_concurrently: true}
            - add_column: {table_name: t, column: {name: n, type: Integer}}
        """)
    command.upgrade(config, "head")
    assert _read(postgres_url)[:2] == (["ix_t_code"], ["r2"])
    command.downgrade(config, "r1")
    engine = sa.create_engine(postgres_url)
    with engine.connect() as conn:
        assert [c["name"] for c in sa.inspect(conn).get_columns("t")] == ["id", "code"]
    engine.dispose()
    assert _read(postgres_url)[:2] == ([], ["r1"])


def _statements(script: str) -> list[str]:
    return [line for line in script.splitlines() if line and not line.startswith("--")]


def test_autocommit_block_offline_postgresql(tmp_path):
    revisions = {"r1.yaml": BASE, "r2.yaml": revision_text("r2", "r1", BLOCK)}
    assert _statements(offline_script(tmp_path / "up", revisions, "postgresql://", "r1:r2")) == [
        "BEGIN;",
        "INSERT INTO t (id, code) VALUES (1, 'a');",
        "COMMIT;",
        "CREATE INDEX ix_t_code ON t (code);",
        "CREATE INDEX ix_t_id_code ON t (id, code);",
        "BEGIN;",
        "INSERT INTO t (id, code) VALUES (2, 'b');",
        "UPDATE alembic_version SET version_num='r2' WHERE alembic_version.version_num = 'r1';",
        "COMMIT;",
    ]


def test_autocommit_block_offline_derived_reverse(tmp_path):
    revisions = {"r1.yaml": BASE, "r2.yaml": revision_text("r2", "r1", """
        - add_column: {table_name: t, column: {name: n, type: Integer}}
        - autocommit_block:
            - create_index: {index_name: ix_t_code, table_name: t, columns: [code],
                             postgresql_concurrently: true}
            - create_index: {index_name: ix_t_n, table_name: t, columns: [n], postgresql_concurrently: true}
        """)}
    down = offline_script(tmp_path, revisions, "postgresql://", "r2:r1", run=command.downgrade)
    assert _statements(down) == [
        "BEGIN;",
        "COMMIT;",
        "DROP INDEX ix_t_n;",  # the derived drop_index is a plain one, in the reversed block
        "DROP INDEX ix_t_code;",
        "BEGIN;",
        "ALTER TABLE t DROP COLUMN n;",
        "UPDATE alembic_version SET version_num='r1' WHERE alembic_version.version_num = 'r2';",
        "COMMIT;",
    ]


def test_consecutive_concurrent_indexes_share_one_autocommit_part(tmp_path):
    """The defect: two consecutive CONCURRENTLY builds printed an empty `BEGIN; COMMIT;` between
    them; Alembic, with both in one autocommit_block, prints none."""
    revisions = {"r1.yaml": BASE, "r2.yaml": revision_text("r2", "r1", """
        - create_index: {index_name: ix_t_code, table_name: t, columns: [code], postgresql_concurrently: true}
        - create_index: {index_name: ix_t_id_code, table_name: t, columns: [id, code],
                         postgresql_concurrently: true}
        """)}
    assert _statements(offline_script(tmp_path, revisions, "postgresql://", "r1:r2")) == [
        "BEGIN;",
        "COMMIT;",
        "CREATE INDEX CONCURRENTLY ix_t_code ON t (code);",
        "CREATE INDEX CONCURRENTLY ix_t_id_code ON t (id, code);",
        "BEGIN;",
        "UPDATE alembic_version SET version_num='r2' WHERE alembic_version.version_num = 'r1';",
        "COMMIT;",
    ]


@pytest.mark.parametrize("url", ["sqlite://", "mysql://"])
def test_autocommit_block_offline_other_dialects(tmp_path, url):
    """MySQL prints no transactions (its DDL commits itself); SQLite's script has them, as online."""
    revisions = {"r1.yaml": BASE, "r2.yaml": revision_text("r2", "r1", BLOCK)}
    statements = _statements(offline_script(tmp_path, revisions, url, "r1:r2"))
    index = [s for s in statements if s.startswith("CREATE INDEX")]
    assert len(index) == 2
    if url.startswith("mysql"):
        assert "BEGIN;" not in statements and "COMMIT;" not in statements
    else:
        at = statements.index(index[0])
        assert statements[at - 1] == "COMMIT;" and statements[at + 2] == "BEGIN;"


def test_autocommit_block_validate(tmp_path, capsys):
    """The block's operations are checked as any others; a block inside a block is refused."""
    config = write_project(tmp_path, {"r1.yaml": BASE, "r2.yaml": revision_text("r2", "r1", """
        - autocommit_block:
            - create_index: {index_name: ix_t_code, table_name: nope, columns: [code]}
        """, "[]"), "r3.yaml": revision_text("r3", "r2", """
        - autocommit_block:
            - autocommit_block: [{drop_index: {index_name: ix_t_code, table_name: t}}]
        """, "[]")})
    assert validate_code(config) == 1
    lines = [line for line in capsys.readouterr().out.splitlines() if ": error " in line]
    found = {line.split(": error ")[0].rsplit("/", 1)[-1]: line for line in lines}
    assert sorted(found) == ["r2.yaml:5:9", "r3.yaml:5:9"]
    assert found["r3.yaml:5:9"].endswith("an autocommit_block cannot hold another autocommit_block")
    assert " state: " in found["r2.yaml:5:9"] and "nope" in found["r2.yaml:5:9"]


def test_autocommit_block_script_as_alembic(tmp_path):
    """The revision's lines of `--sql`, transaction frame included, are Alembic's for the same body
    in `with op.get_context().autocommit_block():` (Alembic prints COMMIT; before, BEGIN; after)."""
    from ..test_alembic_equivalence import alembic_offline

    revisions = {"r1.yaml": BASE, "r2.yaml": revision_text("r2", "r1", """
        - add_column: {table_name: t, column: {name: n, type: Integer}}
        - autocommit_block:
            - create_index: {index_name: ix_t_code, table_name: t, columns: [code],
                             postgresql_concurrently: true}
            - execute: "VACUUM t"
        - drop_column: {table_name: t, column_name: n}
        """)}
    ours = _statements(offline_script(tmp_path, revisions, "postgresql://", "r1:r2"))
    theirs = _statements(alembic_offline("postgresql", """
        op.add_column("t", sa.Column("n", sa.Integer))
        with op.get_context().autocommit_block():
            op.create_index("ix_t_code", "t", ["code"], postgresql_concurrently=True)
            op.execute("VACUUM t")
        op.drop_column("t", "n")
        """))
    assert ours[0] == "BEGIN;" and ours[-2:] == [
        "UPDATE alembic_version SET version_num='r2' WHERE alembic_version.version_num = 'r1';", "COMMIT;"]
    assert ours[1:-2] == theirs
