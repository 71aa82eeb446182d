"""Offline scripts: exactly what `--sql` prints on each dialect, and the same as Alembic's.

The comparison with Alembic runs Alembic's own `upgrade --sql` / `downgrade --sql` on an
Alembic project with the same two revisions. The only differences allowed are deliberate:
Alembic's version-table INSERT asks for the inserted row back (RETURNING / OUTPUT / INTO
:ret_0), which means nothing in a script; and yamig frames SQLite scripts in a transaction,
as it runs SQLite DDL online.
"""

from __future__ import annotations

import io
import re
import textwrap
from pathlib import Path

import pytest

from runner import command
from runner.errors import MigrationError

from ..helpers import ACCOUNT, offline_script, revision_text, write_project

DIALECTS = ["postgresql", "mysql", "mariadb", "mssql", "oracle", "sqlite"]

YAMIG_REVISIONS = {
    "r1_first.yaml": revision_text("r1", None, """
        - create_table:
            table_name: t
            columns:
              - {name: id, type: Integer, primary_key: true}
              - {name: code, type: String(20), nullable: false, server_default: none}
        - execute: "INSERT INTO t (code) VALUES ('a:b')"
        """, downgrade="""
        - execute: "DELETE FROM t"
        - drop_table: {table_name: t}
        """),
    "r2_second.yaml": revision_text("r2", "r1", """
        - create_index: {index_name: ix_t_code, table_name: t, columns: [code]}
        """),
}

ALEMBIC_REVISIONS = {
    "r1_first.py": '''
        import sqlalchemy as sa
        from alembic import op

        revision, down_revision, branch_labels, depends_on = "r1", None, None, None

        def upgrade():
            op.create_table("t", sa.Column("id", sa.Integer, primary_key=True),
                            sa.Column("code", sa.String(20), nullable=False, server_default="none"))
            op.execute("INSERT INTO t (code) VALUES ('a:b')")

        def downgrade():
            op.execute("DELETE FROM t")
            op.drop_table("t")
        ''',
    "r2_second.py": '''
        import sqlalchemy as sa
        from alembic import op

        revision, down_revision, branch_labels, depends_on = "r2", "r1", None, None

        def upgrade():
            op.create_index("ix_t_code", "t", ["code"])

        def downgrade():
            op.drop_index("ix_t_code", "t")
        ''',
}

ENV_PY = '''
from alembic import context

config = context.config
context.configure(url=config.get_main_option("sqlalchemy.url"), literal_binds=True,
                  dialect_opts={"paramstyle": "named"},  # as Alembic's templates
                  transaction_per_migration=config.get_main_option("tpm") == "true",
                  version_table=config.get_main_option("version_table") or "alembic_version",
                  version_table_schema=config.get_main_option("version_table_schema"))
with context.begin_transaction():
    context.run_migrations()
'''


def yamig_script(tmp_path: Path, capsys, dialect: str, per_migration: bool, *calls,
                 revisions: dict = YAMIG_REVISIONS, options: str = "") -> str:
    config = write_project(tmp_path / "yamig", revisions, f"{dialect}://")
    if not per_migration:
        options += "transaction_per_migration = false\n"
    if options:
        ini = Path(config.config_file_name)
        ini.write_text(ini.read_text() + options)
        config = type(config)(str(ini))
    capsys.readouterr()
    for name, target, kw in calls:
        getattr(command, name)(config, target, sql=True, **kw)
    return capsys.readouterr().out


def alembic_script(tmp_path: Path, dialect: str, per_migration: bool, name: str, target: str,
                   revisions: dict = ALEMBIC_REVISIONS, options: dict | None = None, **kw) -> str:
    from alembic import command as alembic_command
    from alembic.config import Config as AlembicConfig

    root = tmp_path / "alembic"
    (root / "versions").mkdir(parents=True, exist_ok=True)
    (root / "env.py").write_text(ENV_PY)
    (root / "script.py.mako").write_text("")
    for file_name, text in revisions.items():
        (root / "versions" / file_name).write_text(textwrap.dedent(text))
    buffer = io.StringIO()
    config = AlembicConfig(output_buffer=buffer)
    config.set_main_option("script_location", str(root))
    config.set_main_option("sqlalchemy.url", f"{dialect}://")
    config.set_main_option("tpm", "true" if per_migration else "false")
    for key, value in (options or {}).items():
        config.set_main_option(key, value)
    getattr(alembic_command, name)(config, target, sql=True, **kw)
    return buffer.getvalue()


def rstripped(script: str) -> str:
    """SQLAlchemy ends CREATE TABLE lines with a space; the expected texts here do not."""
    return re.sub(r" +\n", "\n", script)


def deliberate(alembic: str, dialect: str) -> str:
    """Alembic's script with yamig's deliberate differences applied."""
    alembic = re.sub(r" RETURNING [\w.]+( INTO :ret_0)?", "", alembic)
    alembic = alembic.replace(" OUTPUT inserted.version_num", "")
    if dialect == "sqlite":  # yamig runs SQLite DDL in transactions: its scripts say so
        alembic = "BEGIN;\n\n" + alembic + "COMMIT;\n\n"
    return alembic


@pytest.mark.parametrize("per_migration", [True, False], ids=["per-migration", "one-transaction"])
@pytest.mark.parametrize("dialect", DIALECTS)
def test_upgrade_script_is_alembics(tmp_path, capsys, dialect, per_migration):
    ours = yamig_script(tmp_path, capsys, dialect, per_migration, ("upgrade", "head", {}))
    theirs = alembic_script(tmp_path, dialect, per_migration, "upgrade", "head")
    if dialect == "sqlite" and per_migration:
        theirs = theirs.replace("\n\n-- Running upgrade r1", "\n\nCOMMIT;\n\nBEGIN;\n\n-- Running upgrade r1")
    assert ours == deliberate(theirs, dialect)


@pytest.mark.parametrize("per_migration", [True, False], ids=["per-migration", "one-transaction"])
@pytest.mark.parametrize("dialect", DIALECTS)
def test_downgrade_script_is_alembics(tmp_path, capsys, dialect, per_migration):
    ours = yamig_script(tmp_path, capsys, dialect, per_migration, ("downgrade", "r2:base", {}))
    theirs = alembic_script(tmp_path, dialect, per_migration, "downgrade", "r2:base")
    if dialect == "sqlite" and per_migration:
        theirs = theirs.replace("\n\n-- Running downgrade r1",
                                "\n\nCOMMIT;\n\nBEGIN;\n\n-- Running downgrade r1")
    assert ours == deliberate(theirs, dialect)


@pytest.mark.parametrize("dialect", ["postgresql", "mssql", "oracle"])
def test_custom_version_table_in_a_schema(tmp_path, capsys, dialect):
    ours = yamig_script(tmp_path, capsys, dialect, False, ("upgrade", "head", {}),
                        options="version_table = shop_version\nversion_table_schema = ops\n")
    theirs = alembic_script(tmp_path, dialect, False, "upgrade", "head",
                            options={"version_table": "shop_version", "version_table_schema": "ops"})
    assert "CREATE TABLE ops.shop_version (" in ours
    assert ours == deliberate(theirs, dialect)


@pytest.mark.parametrize("dialect", DIALECTS)
def test_partial_range_starts_at_its_start(tmp_path, capsys, dialect):
    ours = yamig_script(tmp_path, capsys, dialect, False, ("upgrade", "r1:r2", {}))
    assert ours == deliberate(alembic_script(tmp_path, dialect, False, "upgrade", "r1:r2"), dialect)


@pytest.mark.parametrize("dialect", DIALECTS)
def test_stamp_script_is_alembics(tmp_path, capsys, dialect):
    ours = yamig_script(tmp_path, capsys, dialect, False, ("stamp", "r2", {}))
    assert ours == deliberate(alembic_script(tmp_path, dialect, False, "stamp", "r2"), dialect)


def test_stamp_purge_script(tmp_path, capsys):
    """Alembic refuses --purge with --sql; yamig prints the DELETE that empties the table first."""
    out = yamig_script(tmp_path, capsys, "postgresql", False, ("stamp", "r1:r2", {"purge": True}))
    assert out == textwrap.dedent("""\
        BEGIN;

        DELETE FROM alembic_version;

        -- Running stamp_revision  -> r2

        INSERT INTO alembic_version (version_num) VALUES ('r2');

        COMMIT;

        """)


@pytest.mark.parametrize("dialect", DIALECTS)
def test_stamp_from_a_start_is_alembics(tmp_path, capsys, dialect):
    ours = yamig_script(tmp_path, capsys, dialect, True, ("stamp", "r1:r2", {}))
    assert ours == deliberate(alembic_script(tmp_path, dialect, True, "stamp", "r1:r2"), dialect)


def test_mssql_script_exactly(tmp_path, capsys):
    out = yamig_script(tmp_path, capsys, "mssql", True, ("upgrade", "head", {}))
    assert rstripped(out) == textwrap.dedent("""\
        BEGIN TRANSACTION;

        CREATE TABLE alembic_version (
            version_num VARCHAR(32) NOT NULL,
            CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)
        );

        GO

        -- Running upgrade  -> r1

        CREATE TABLE t (
            id INTEGER NOT NULL IDENTITY,
            code VARCHAR(20) NOT NULL DEFAULT 'none',
            PRIMARY KEY (id)
        );

        GO

        INSERT INTO t (code) VALUES ('a:b');

        GO

        INSERT INTO alembic_version (version_num) VALUES ('r1');

        GO

        COMMIT;

        GO

        BEGIN TRANSACTION;

        -- Running upgrade r1 -> r2

        CREATE INDEX ix_t_code ON t (code);

        GO

        UPDATE alembic_version SET version_num='r2' WHERE alembic_version.version_num = 'r1';

        GO

        COMMIT;

        GO

        """)


def test_oracle_and_mysql_scripts_have_no_transaction(tmp_path, capsys):
    out = yamig_script(tmp_path, capsys, "oracle", True, ("upgrade", "r1:r2", {}))
    assert out == textwrap.dedent("""\
        -- Running upgrade r1 -> r2

        CREATE INDEX ix_t_code ON t (code)

        /

        UPDATE alembic_version SET version_num='r2' WHERE alembic_version.version_num = 'r1'

        /

        """)
    out = yamig_script(tmp_path, capsys, "mysql", True, ("downgrade", "r2:r1", {}))
    assert out == textwrap.dedent("""\
        -- Running downgrade r2 -> r1

        DROP INDEX ix_t_code ON t;

        UPDATE alembic_version SET version_num='r1' WHERE alembic_version.version_num = 'r2';

        """)


def test_tag_heads_the_script(tmp_path, capsys):
    out = yamig_script(tmp_path, capsys, "postgresql", False, ("upgrade", "r1:r2", {"tag": "release-42"}))
    assert out == textwrap.dedent("""\
        -- tag: release-42

        BEGIN;

        -- Running upgrade r1 -> r2

        CREATE INDEX ix_t_code ON t (code);

        UPDATE alembic_version SET version_num='r2' WHERE alembic_version.version_num = 'r1';

        COMMIT;

        """)
    out = yamig_script(tmp_path, capsys, "postgresql", False, ("stamp", "r1", {"tag": "release-42"}))
    assert out.startswith("-- tag: release-42\n\nBEGIN;\n")


def test_tag_from_the_command_line(tmp_path, capsys):
    from runner.cli import main

    write_project(tmp_path, YAMIG_REVISIONS, "postgresql://")
    code = main(["-c", str(tmp_path / "yamig.ini"), "downgrade", "--sql", "--tag", "rollback 7", "r2:r1"])
    out = capsys.readouterr().out
    assert code == 0
    assert out.startswith("-- tag: rollback 7\n\nBEGIN;\n\n-- Running downgrade r2 -> r1\n\n")


def test_empty_range_prints_only_the_frame(tmp_path, capsys):
    out = yamig_script(tmp_path, capsys, "postgresql", False, ("upgrade", "r2:r2", {}))
    assert out == "BEGIN;\n\nCOMMIT;\n\n"
    assert yamig_script(tmp_path, capsys, "postgresql", True, ("upgrade", "r2:r2", {})) == ""


def test_ensure_version_sql_per_dialect(tmp_path, capsys):
    config = write_project(tmp_path, YAMIG_REVISIONS, "oracle://")
    capsys.readouterr()
    command.ensure_version(config, sql=True)
    assert rstripped(capsys.readouterr().out) == textwrap.dedent("""\
        CREATE TABLE alembic_version (
            version_num VARCHAR2(32 CHAR) NOT NULL,
            CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)
        )

        /

        """)


CONCURRENT_YAMIG = {**YAMIG_REVISIONS, "r3_third.yaml": revision_text("r3", "r2", """
    - create_index: {index_name: ix_t_id_code, table_name: t, columns: [id, code],
                     postgresql_concurrently: true}
    - execute: "UPDATE t SET code = 'b'"
    """, downgrade="[]")}
CONCURRENT_ALEMBIC = {**ALEMBIC_REVISIONS, "r3_third.py": '''
    from alembic import op

    revision, down_revision, branch_labels, depends_on = "r3", "r2", None, None

    def upgrade():
        with op.get_context().autocommit_block():
            op.create_index("ix_t_id_code", "t", ["id", "code"], postgresql_concurrently=True)
        op.execute("UPDATE t SET code = 'b'")
    '''}


@pytest.mark.parametrize("per_migration", [True, False], ids=["per-migration", "one-transaction"])
def test_concurrent_index_is_built_outside_the_transaction(tmp_path, capsys, per_migration):
    ours = yamig_script(tmp_path, capsys, "postgresql", per_migration, ("upgrade", "r2:r3", {}),
                        revisions=CONCURRENT_YAMIG)
    theirs = alembic_script(tmp_path, "postgresql", per_migration, "upgrade", "r2:r3",
                            revisions=CONCURRENT_ALEMBIC)
    assert ours == theirs == textwrap.dedent("""\
        BEGIN;

        -- Running upgrade r2 -> r3

        COMMIT;

        CREATE INDEX CONCURRENTLY ix_t_id_code ON t (id, code);

        BEGIN;

        UPDATE t SET code = 'b';

        UPDATE alembic_version SET version_num='r3' WHERE alembic_version.version_num = 'r2';

        COMMIT;

        """)


def test_ddl_compiles_without_literal_binds_beside_alembic(tmp_path, capsys):
    """Alembic's MySQL DROP CONSTRAINT compiler (registered for the whole process once Alembic is
    imported) refuses compile arguments; DDL is compiled without literal_binds, as Alembic does."""
    import alembic.ddl.mysql  # noqa: F401

    revisions = {**YAMIG_REVISIONS, "r3_third.yaml": revision_text("r3", "r2", """
        - create_unique_constraint: {constraint_name: uq_t_code, table_name: t, columns: [code]}
        - drop_constraint: {constraint_name: uq_t_code, table_name: t, type: unique}
        """)}
    out = yamig_script(tmp_path, capsys, "mysql", True, ("upgrade", "r2:r3", {}), revisions=revisions)
    assert "ALTER TABLE t ADD CONSTRAINT uq_t_code UNIQUE (code);\n\n" in out
    assert "ALTER TABLE t DROP INDEX uq_t_code;\n\n" in out


def test_derived_downgrade_of_an_unnamed_foreign_key_column_on_mysql(tmp_path, capsys):
    """MySQL names an unnamed foreign key itself and will not drop the column while it exists: the
    derived downgrade looks the name up and drops the key first (PREPARE, as MySQL has no
    EXECUTE IMMEDIATE), then the column."""
    from runner.cli import main

    revisions = {**YAMIG_REVISIONS, "r3_third.yaml": revision_text("r3", "r2", """
        - create_table: {table_name: a, columns: [{name: id, type: Integer, primary_key: true}]}
        - add_column: {table_name: t, column: {name: a_id, type: Integer, foreign_key: {column: a.id}}}
        """)}
    config = write_project(tmp_path / "yamig", revisions, "mysql://")
    capsys.readouterr()
    code = main(["-q", "-c", config.config_file_name, "downgrade", "r3:r2", "--sql"])
    out, err = capsys.readouterr()
    assert code == 0, err
    lookup = out.index("SET @yamig_ddl = (SELECT COALESCE(MAX(CONCAT('ALTER TABLE t DROP FOREIGN KEY `'")
    assert out.index("PREPARE yamig_ddl FROM @yamig_ddl;") > lookup
    assert out.index("EXECUTE yamig_ddl;") < out.index("ALTER TABLE t DROP COLUMN a_id;")


# Regressions from the user trial (a new user trying every operation of the README on SQLite and
# PostgreSQL; tests/test_user_trial.py until issue 13): each failed before its fix.
def test_oracle_add_column_has_no_column_keyword(tmp_path):
    """Oracle's ALTER TABLE takes `ADD name type`: `ADD COLUMN` is an error there,
    which is why Alembic's Oracle dialect writes `ADD` alone."""
    add = revision_text("a2", "a1", """
        - add_column: {table_name: account, column: {name: note, type: String(20)}}
    """)
    script = offline_script(tmp_path, {"a1_account.yaml": ACCOUNT, "a2_add.yaml": add}, "oracle://")
    assert "ALTER TABLE account ADD note VARCHAR2(20 CHAR)" in script
    assert "ADD COLUMN" not in script


def test_what_the_dialect_cannot_compile_offline_is_an_error_at_the_operation(tmp_path):
    """As online (runtime/test_migrate.py): what the dialect cannot compile (an Enum without a
    name on PostgreSQL) is an error at its operation in a `--sql` script too (behind the checks
    before a run, which refuse this one as `dialect-type`)."""
    enum = revision_text("a2", "a1", """
        - add_column: {table_name: account, column: {name: kind, type: "Enum('a', 'b')"}}
    """)
    def unchecked(config, target, sql):
        command.upgrade(config, target, sql=sql, check=False)

    with pytest.raises(MigrationError) as err:
        offline_script(tmp_path, {"a1_account.yaml": ACCOUNT, "a2_enum.yaml": enum}, "postgresql://",
                       run=unchecked)
    assert "a2_enum.yaml:4:5: add_column cannot be written for this database: " in str(err.value)
    assert "Enum type requires a name" in str(err.value)


PERCENT_YAMIG = {"r1_first.yaml": revision_text("r1", None, """
    - create_table:
        table_name: "sale%"
        columns:
          - {name: id, type: Integer, primary_key: true}
          - {name: "label%", type: String(20), nullable: false, server_default: "50% off"}
    - execute: "UPDATE t SET code = 'a%'"
    """)}
PERCENT_ALEMBIC = {"r1_first.py": '''
    import sqlalchemy as sa
    from alembic import op

    revision, down_revision, branch_labels, depends_on = "r1", None, None, None

    def upgrade():
        op.create_table("sale%", sa.Column("id", sa.Integer, primary_key=True),
                        sa.Column("label%", sa.String(20), nullable=False, server_default="50% off"))
        op.execute("UPDATE t SET code = 'a%'")
    '''}


@pytest.mark.parametrize("dialect", DIALECTS)
def test_percent_is_printed_once_as_alembic_prints_it(tmp_path, capsys, dialect):
    """Alembic's env.py templates make the offline dialect with the named paramstyle, so `%`
    is printed once (a pyformat dialect would print `%%`, which psql would keep)."""
    ours = yamig_script(tmp_path, capsys, dialect, True, ("upgrade", "head", {}), revisions=PERCENT_YAMIG)
    theirs = alembic_script(tmp_path, dialect, True, "upgrade", "head", revisions=PERCENT_ALEMBIC)
    assert "%%" not in ours and "50% off" in ours
    assert ours == deliberate(theirs, dialect)
