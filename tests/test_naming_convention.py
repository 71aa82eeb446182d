"""The config's [naming_convention] gives the names Alembic gives with target_metadata's.

Each case runs as an Alembic body (with `target_metadata = MetaData(naming_convention=...)`, as
env.py passes it) and as yamig YAML with the same convention in yamig.ini, on fresh SQLite,
PostgreSQL and MariaDB databases: the inspected schemas must be equal, and yamig's derived
downgrade must give back the schema before it (dropping by the names the convention gave).
Offline, the statements `--sql` prints must be Alembic's `as_sql` ones.
"""

from __future__ import annotations

import io
import textwrap

import pytest
import sqlalchemy as sa

from runner import command
from runner.errors import MigrationError

from . import test_alembic_equivalence as equivalence
from .helpers import revision_text, validate_code, write_project
from .test_alembic_equivalence import _alembic_namespace, snapshot, statements

databases = equivalence.databases  # the fixture: fresh databases on each backend

CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
LONG = "ix_" + "very_long_index_name_" * 4  # 87 characters: over PostgreSQL's 63 and MariaDB's 64

START_ALEMBIC = """
op.create_table("account", sa.Column("id", sa.Integer, primary_key=True),
                sa.Column("email", sa.String(50), unique=True))
op.create_table("invoice", sa.Column("id", sa.Integer, primary_key=True),
                sa.Column("account_id", sa.Integer, sa.ForeignKey("account.id"), index=True),
                sa.Column("total", sa.Integer), sa.Column("code", sa.String(20)),
                sa.CheckConstraint("total >= 0", name="positive"),
                sa.UniqueConstraint("account_id", "code"))
op.create_index(None, "invoice", ["code"])
op.create_index(op.f(LONG), "invoice", ["total", "code"])
"""
START_YAML = f"""
- create_table:
    table_name: account
    columns:
      - {{name: id, type: Integer, primary_key: true}}
      - {{name: email, type: String(50), unique: true}}
- create_table:
    table_name: invoice
    columns:
      - {{name: id, type: Integer, primary_key: true}}
      - {{name: account_id, type: Integer, foreign_key: {{column: account.id}}, index: true}}
      - {{name: total, type: Integer}}
      - {{name: code, type: String(20)}}
    constraints:
      - {{check: total >= 0, name: positive}}
      - {{unique: [account_id, code]}}
- create_index: {{index_name: null, table_name: invoice, columns: [code]}}
- create_index: {{index_name: {{f: {LONG}}}, table_name: invoice, columns: [total, code]}}
"""

# the second revision: unnamed constraints added and dropped (Alembic needs a batch on SQLite)
CHANGE_ALEMBIC = """
op.add_column("account", sa.Column("nick", sa.String(20)))
op.create_unique_constraint(None, "account", ["nick"])
op.create_check_constraint("short", "account", "length(nick) < 20")
op.drop_constraint("uq_invoice_account_id", "invoice", type_="unique")
op.drop_constraint("positive", "invoice", type_="check")
op.drop_index("ix_invoice_code", "invoice")
"""
CHANGE_ALEMBIC_SQLITE = """
op.add_column("account", sa.Column("nick", sa.String(20)))
with op.batch_alter_table("account") as batch:
    batch.create_unique_constraint(None, ["nick"])
    batch.create_check_constraint("short", "length(nick) < 20")
with op.batch_alter_table("invoice") as batch:
    batch.drop_constraint("uq_invoice_account_id", type_="unique")
    batch.drop_constraint("positive", type_="check")
op.drop_index("ix_invoice_code", "invoice")
"""
CHANGE_YAML = """
- add_column: {table_name: account, column: {name: nick, type: String(20)}}
- create_unique_constraint: {constraint_name: null, table_name: account, columns: [nick]}
- create_check_constraint: {constraint_name: short, table_name: account, condition: length(nick) < 20}
- drop_constraint: {constraint_name: null, table_name: invoice, type: unique}
- drop_constraint: {constraint_name: positive, table_name: invoice, type: check}
- drop_index: {index_name: null, table_name: invoice, columns: [code]}
"""


def _ini_section() -> str:
    return "[naming_convention]\n" + "".join(
        f"{key} = {value.replace('%', '%%')}\n" for key, value in CONVENTION.items())


def project(root, url, change: bool = True):
    revisions = {"r1_start.yaml": revision_text("r1", None, START_YAML)}
    if change:
        revisions["r2_change.yaml"] = revision_text("r2", "r1", CHANGE_YAML)
    config = write_project(root, revisions, url)
    with open(config.config_file_name, "a") as ini:
        ini.write(_ini_section())
    return type(config)(config.config_file_name)


def _namespace(op, dialect):
    return {**_alembic_namespace(op, dialect), "LONG": LONG}


def run_alembic(url: str, body: str) -> None:
    from alembic.migration import MigrationContext
    from alembic.operations import Operations

    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={
                "target_metadata": sa.MetaData(naming_convention=CONVENTION)})
            namespace = _namespace(Operations(context), connection.dialect.name)
            with connection.begin():
                exec(textwrap.dedent(body), namespace)
    finally:
        engine.dispose()


def alembic_offline(dialect: str, body: str) -> str:
    from alembic.migration import MigrationContext
    from alembic.operations import Operations

    buffer = io.StringIO()
    context = MigrationContext.configure(dialect_name=dialect, opts={
        "as_sql": True, "output_buffer": buffer, "literal_binds": True,
        "target_metadata": sa.MetaData(naming_convention=CONVENTION)}, dialect_opts={"paramstyle": "named"})
    exec(textwrap.dedent(body), _namespace(Operations(context), dialect))
    return buffer.getvalue()


@pytest.mark.parametrize("databases", ["sqlite", "postgresql", "mariadb"], indirect=True)
def test_names_as_alembic_gives_them_and_derived_downgrade(databases, tmp_path):
    backend, make = databases
    alembic_url, yamig_url = make(), make()
    run_alembic(alembic_url, START_ALEMBIC)
    started = snapshot(alembic_url)
    run_alembic(alembic_url, CHANGE_ALEMBIC_SQLITE if backend == "sqlite" else CHANGE_ALEMBIC)
    changed = snapshot(alembic_url)
    config = project(tmp_path / "yamig", yamig_url)
    command.upgrade(config, "r1")
    assert snapshot(yamig_url) == started
    invoice = started["invoice"]
    assert invoice["primary_key"][0] in ("pk_invoice", None, "PRIMARY")  # SQLite, MariaDB: unnamed
    assert ("ix_invoice_account_id", ("account_id",)) in [ix[:2] for ix in invoice["indexes"]]
    if backend == "postgresql":  # shortened to 63 characters, as SQLAlchemy does
        assert (LONG[:55] + "_" + __import__("hashlib").md5(LONG.encode()).hexdigest()[-4:],
                ("total", "code")) in [ix[:2] for ix in invoice["indexes"]]
        assert invoice["checks"] == [("ck_invoice_positive", "total >= 0")]
    command.upgrade(config, "r2")
    assert snapshot(yamig_url) == changed
    command.downgrade(config, "r1")  # derived: drops what the convention named, restores the rest
    assert snapshot(yamig_url) == started
    command.downgrade(config, "base")
    assert {k: v for k, v in snapshot(yamig_url).items() if v} == {}


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql", "mysql"])
def test_same_sql_as_alembic(dialect, tmp_path, capsys):
    config = project(tmp_path / dialect, f"{dialect}://", change=dialect != "sqlite")
    capsys.readouterr()
    command.upgrade(config, "base:r1", sql=True)
    ours = statements(capsys.readouterr().out)
    theirs = statements(alembic_offline(dialect, START_ALEMBIC))
    assert ours == theirs
    if dialect != "sqlite":
        command.upgrade(config, "r1:r2", sql=True)
        ours = statements(capsys.readouterr().out)
        assert ours == statements(alembic_offline(dialect, CHANGE_ALEMBIC))


def test_unnamed_drop_without_convention_is_a_positioned_error(tmp_path):
    config = write_project(tmp_path, {
        "r1_a.yaml": revision_text("r1", None, """
            - create_table: {table_name: t, columns: [{name: a, type: Integer, unique: true}]}
            - drop_constraint: {constraint_name: null, table_name: t, type: unique}
        """)})
    assert validate_code(config) != 0
    with pytest.raises(MigrationError, match=r"r1_a\.yaml:\d+:\d+.*|naming_convention"):
        command.upgrade(config, "head", sql=True)


def test_check_db_knows_a_long_final_name_as_postgresql_keeps_it(tmp_path, postgres_url, capsys):
    """An `{f: ...}` name over 63 characters is cut with an md5 suffix when the DDL is compiled:
    check --db compares the replayed state's full name as the database keeps it."""
    from runner import command
    from tests.helpers import revision_text, write_project

    long = "ix_" + "very_long_index_name_" * 4
    config = write_project(tmp_path, {"r1.yaml": revision_text("r1", None, f"""
        - create_table:
            table_name: t
            columns: [{{name: id, type: Integer, primary_key: true}}, {{name: code, type: String(10)}}]
        - create_index: {{index_name: {{f: {long}}}, table_name: t, columns: [code]}}
        - create_unique_constraint: {{constraint_name: {{f: uq_{long}}}, table_name: t, columns: [code]}}
        """)}, postgres_url)
    command.upgrade(config, "head")
    capsys.readouterr()
    command.check(config, database=True)
    assert capsys.readouterr().out == "The database matches its revisions at r1.\n"
