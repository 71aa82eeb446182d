"""yamig's operations do what Alembic's `op.*` calls do: the same schema, the same SQL.

Each case (tests/alembic_cases.py) is a short Alembic migration body and the same operations
as yamig YAML, run from the same starting schema:

- online, on fresh SQLite, PostgreSQL and MariaDB databases: the inspected schemas (tables, columns
  with type / nullable / default / comment, primary keys, indexes, unique, foreign-key and
  check constraints, table comments, PostgreSQL enums, and the rows) must be equal; then yamig's downgrade
  (written or derived) must give back the schema Alembic had before the body ran;
- offline, for each dialect: Alembic's `as_sql` output for the body and yamig's
  `upgrade --sql start:end` script, minus the version-table lines and transaction frame,
  must be the same statements, whitespace aside; and yamig's derived downgrade must print
  what an Alembic user writes as the downgrade (ALEMBIC_DOWNGRADES).

Where Alembic needs more than the plain calls (a batch block on SQLite), the case gives that
body for SQLite. Where Alembic's offline SQL is wrong or yamig deliberately differs, the case
says why (`Differs`) and yamig's exact statements are asserted instead. Where yamig is wrong,
the case is marked xfail with the reason, until the operation is fixed.
"""

from __future__ import annotations

import io
import itertools
import os
import re
import textwrap
from pathlib import Path

import pytest
import sqlalchemy as sa

from runner import command
from runner.convert.inspected import snapshot

from .alembic_cases import ALEMBIC_DOWNGRADES, BACKENDS, CASES, DOWNGRADE_XFAIL, STARTS, Case
from .helpers import revision_text, write_project

# -- running the Alembic side ------------------------------------------------------------------

def _alembic_namespace(op, dialect: str) -> dict:
    from sqlalchemy.dialects import postgresql

    return {"op": op, "sa": sa, "postgresql": postgresql, "dialect": dialect}


def run_alembic(url: str, body: str) -> None:
    """Run an Alembic body in one transaction: on PostgreSQL one that Alembic manages, as env.py
    would (autocommit_block needs it); where DDL is not transactional (SQLite, MySQL) env.py's
    begin_transaction begins none and run_migrations begins one per migration, so the test does."""
    from alembic.migration import MigrationContext
    from alembic.operations import Operations

    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection)
            namespace = _alembic_namespace(Operations(context), connection.dialect.name)
            if not context.impl.transactional_ddl:
                with connection.begin():
                    exec(textwrap.dedent(body), namespace)
            else:
                with context.begin_transaction():
                    exec(textwrap.dedent(body), namespace)
    finally:
        engine.dispose()


def alembic_offline(dialect: str, body: str) -> str:
    from alembic.migration import MigrationContext
    from alembic.operations import Operations

    buffer = io.StringIO()
    context = MigrationContext.configure(dialect_name=dialect, opts={  # named: as Alembic's env.py
        "as_sql": True, "output_buffer": buffer, "literal_binds": True}, dialect_opts={"paramstyle": "named"})
    exec(textwrap.dedent(body), _alembic_namespace(Operations(context), dialect))
    return buffer.getvalue()


# -- running the yamig side --------------------------------------------------------------------

def yamig_project(root: Path, case: Case, url: str):
    """r1 builds the starting schema, r2 is the case."""
    start = STARTS[case.before][1]
    return write_project(root, {
        "r1_start.yaml": revision_text("r1", None, start, downgrade="[]" if "execute" in start else None),
        "r2_case.yaml": revision_text("r2", "r1", case.yaml, downgrade=case.downgrade),
    }, url)


def yamig_offline(tmp_path: Path, case: Case, dialect: str, capsys) -> str:
    config = yamig_project(tmp_path / f"yamig-{dialect}", case, f"{dialect}://")
    capsys.readouterr()
    command.upgrade(config, "r1:r2", sql=True)
    return capsys.readouterr().out


_FRAME = re.compile(r"^(--.*|BEGIN;|BEGIN TRANSACTION;|COMMIT;|GO|/)$")


def statements(script: str) -> list[str]:
    """A script's statements, whitespace normalised, without the transaction frame, separators,
    comments and version-table statements (each statement is followed by a blank line)."""
    found = []
    for chunk in script.split("\n\n"):
        text = re.sub(r"\s+", " ", chunk).strip()
        if text and not _FRAME.match(text) and "alembic_version" not in text:
            found.append(text)
    return found


# -- reading a schema back: runner.convert.inspected.snapshot, which `convert --verify` compares too

# -- databases ---------------------------------------------------------------------------------

_counter = itertools.count()


@pytest.fixture
def databases(request, tmp_path):
    """make(): a fresh empty database URL on the backend of the test, as many as asked."""
    backend = request.param
    made: list[str] = []
    if backend == "sqlite":
        def make() -> str:
            return f"sqlite:///{tmp_path / f'db{next(_counter)}.sqlite'}"
        yield backend, make
        return
    if backend == "mariadb":
        yield backend, request.getfixturevalue("mariadb_databases")
        return
    server = request.getfixturevalue("postgres_server")
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")

    def make() -> str:
        name = f"yamig_eq_{os.getpid()}_{next(_counter)}"
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}" TEMPLATE template0')
        made.append(name)
        return sa.engine.make_url(server).set(database=name).render_as_string(hide_password=False)

    yield backend, make
    with admin.connect() as conn:
        for name in made:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


def _mark(case: Case, key: str) -> list:
    reason = case.xfail.get(key)
    return [pytest.mark.xfail(reason=reason, strict=True)] if reason else []


ONLINE = [pytest.param(case, backend, id=f"{case.id}-{backend}", marks=_mark(case, f"online-{backend}"))
          for case in CASES for backend in case.backends]
OFFLINE = [pytest.param(case, dialect, id=f"{case.id}-{dialect}", marks=_mark(case, f"offline-{dialect}"))
           for case in CASES for dialect in case.dialects]


@pytest.mark.parametrize("databases", BACKENDS, indirect=True)
def test_the_harness_sees_differences(databases):
    """A schema that differs in one column's default is told apart (the comparison is not vacuous)."""
    _, make = databases
    first, second = make(), make()
    for url, default in ((first, "1"), (second, "2")):
        run_alembic(url, f'op.create_table("t", sa.Column("n", sa.Integer, server_default="{default}"))')
    assert snapshot(first) != snapshot(second)


@pytest.mark.parametrize("case, databases", ONLINE, indirect=["databases"])
def test_same_schema_as_alembic(case: Case, databases, tmp_path):
    backend, make = databases
    alembic_url, yamig_url = make(), make()
    run_alembic(alembic_url, STARTS[case.before][0])
    before = snapshot(alembic_url)
    body = {"sqlite": case.alembic_sqlite, "mariadb": case.alembic_mysql}.get(backend) or case.alembic
    run_alembic(alembic_url, body)
    after = snapshot(alembic_url)
    assert after != before, "the case changes nothing"

    config = yamig_project(tmp_path / "yamig", case, yamig_url)
    command.upgrade(config, "head")
    assert snapshot(yamig_url) == after
    command.downgrade(config, "r1")
    assert any_column_order(snapshot(yamig_url)) == any_column_order(before)


def any_column_order(schema: dict) -> dict:
    """A column that a downgrade adds back comes last, in Alembic as in yamig."""
    return {name: {**table, "columns": sorted(table["columns"])} if isinstance(table, dict) else table
            for name, table in schema.items()}


@pytest.mark.parametrize("case, dialect", OFFLINE)
def test_same_sql_as_alembic(case: Case, dialect: str, tmp_path, capsys):
    ours = statements(yamig_offline(tmp_path, case, dialect, capsys))
    differs = case.offline.get(dialect)
    if differs is not None:
        assert ours == differs.statements, differs.reason
        return
    body = case.alembic_mysql if dialect == "mysql" and case.alembic_mysql else case.alembic
    assert ours == statements(alembic_offline(dialect, body))


DOWNGRADES = [pytest.param(case, dialect, id=f"{case.id}-{dialect}", marks=[
                  pytest.mark.xfail(reason=DOWNGRADE_XFAIL[case.id, dialect], strict=True)]
              if (case.id, dialect) in DOWNGRADE_XFAIL else [])
              for case in CASES if case.id in ALEMBIC_DOWNGRADES
              for dialect in case.dialects if dialect != "sqlite"]


@pytest.mark.parametrize("case, dialect", DOWNGRADES)
def test_derived_downgrade_sql_as_alembic(case: Case, dialect: str, tmp_path, capsys):
    """yamig's derived downgrade prints what an Alembic user would write as the downgrade."""
    config = yamig_project(tmp_path / f"yamig-{dialect}", case, f"{dialect}://")
    capsys.readouterr()
    command.downgrade(config, "r2:r1", sql=True)
    ours = statements(capsys.readouterr().out)
    assert ours == statements(alembic_offline(dialect, ALEMBIC_DOWNGRADES[case.id]))


# -- a generated project, both ways ------------------------------------------------------------

def version_rows(url: str) -> list[str]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            if not sa.inspect(connection).has_table("alembic_version"):
                return []
            return sorted(connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalars())
    finally:
        engine.dispose()


@pytest.mark.parametrize("databases", ["mariadb"], indirect=True)
def test_generated_branchy_project_as_alembic(databases, tmp_path):
    """bench/generate.py's branchy project (150 revisions: merges, depends_on, branch labels),
    upgraded to its heads and downgraded to base by Alembic and by yamig: the same inspected
    schema and the same version rows at both ends."""
    import sys

    from alembic import command as alembic_command
    from alembic.config import Config as AlembicConfig

    from runner.config import Config

    bench = str(Path(__file__).resolve().parents[1] / "bench")
    sys.path.insert(0, bench)
    try:
        from generate import generate
    finally:
        sys.path.remove(bench)
    _, make = databases
    alembic_url, yamig_url = make(), make()
    generate(150, "branchy", tmp_path)
    ours = Config(str(tmp_path / "yamig" / "yamig.ini"))
    ours.set_main_option("sqlalchemy.url", yamig_url)
    theirs = AlembicConfig(str(tmp_path / "alembic" / "alembic.ini"))
    theirs.set_main_option("sqlalchemy.url", alembic_url)

    alembic_command.upgrade(theirs, "heads")
    command.upgrade(ours, "heads")
    assert version_rows(yamig_url) == version_rows(alembic_url) != []
    assert snapshot(yamig_url) == snapshot(alembic_url)

    alembic_command.downgrade(theirs, "base")
    command.downgrade(ours, "base")
    assert version_rows(yamig_url) == version_rows(alembic_url) == []
    assert snapshot(yamig_url) == snapshot(alembic_url) == {}
