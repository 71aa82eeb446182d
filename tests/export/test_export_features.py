"""export-alembic for the format's later features: names (`{f: name}`, null under the config's
naming convention), autocommit_block, the enum type operations and run_python; each project's
export, run by Alembic, gives yamig's schema at every step (runner.convert.verify)."""

from __future__ import annotations

from pathlib import Path

from runner.cli import main
from runner.config import Config
from runner.convert.verify import verify_histories

from ..helpers import revision_text, write_project
from .test_export_alembic import export

CONVENTION = """
[naming_convention]
ix = ix_%%(column_0_label)s
uq = uq_%%(table_name)s_%%(column_0_name)s
ck = ck_%%(table_name)s_%%(constraint_name)s
fk = fk_%%(table_name)s_%%(column_0_name)s_%%(referred_table_name)s
pk = pk_%%(table_name)s
"""

NAMES = {
    "a1.yaml": revision_text("a1", None, """
        - create_table:
            table_name: parent
            columns:
              - {name: id, type: Integer, primary_key: true}
        - create_table:
            table_name: child
            columns:
              - {name: id, type: Integer, primary_key: true}
              - {name: parent_id, type: Integer, foreign_key: {column: parent.id, name: null}}
              - {name: code, type: String(20)}
              - {name: n, type: Integer}
              - {name: other_id, type: Integer}
            constraints:
              - {unique: [code], name: null}
              - {check: n >= 0, name: {f: child_n_not_negative}}
    """),
    "a2.yaml": revision_text("a2", "a1", """
        - create_index: {index_name: null, table_name: child, columns: [n]}
        - create_unique_constraint: {constraint_name: null, table_name: child, columns: [other_id]}
        - create_foreign_key: {constraint_name: {f: fk_child_other}, source_table: child,
                               referent_table: parent, local_cols: [other_id], remote_cols: [id]}
        - create_check_constraint: {constraint_name: positive, table_name: child, condition: id > 0}
    """),
    "a3.yaml": revision_text("a3", "a2", """
        - drop_constraint: {constraint_name: null, table_name: child, type: unique, columns: [other_id]}
        - drop_index: {index_name: null, table_name: child, columns: [n]}
    """),
}


def with_convention(config: Config) -> Config:
    ini = Path(config.config_file_name)
    ini.write_text(ini.read_text() + CONVENTION)
    return Config(str(ini))


def script(out: Path, rev: str) -> str:
    return next((out / "versions").glob(f"{rev}_*.py")).read_text()


def test_names_under_the_naming_convention(server_url, tmp_path):
    config = with_convention(write_project(tmp_path / "p", NAMES))
    ini = export(config, tmp_path / "out")
    env = (tmp_path / "out" / "env.py").read_text()
    assert ("target_metadata = sa.MetaData(naming_convention={'ix': 'ix_%(column_0_label)s', "
            "'uq': 'uq_%(table_name)s_%(column_0_name)s'") in env
    a1, a2, a3 = (script(tmp_path / "out", rev) for rev in ("a1", "a2", "a3"))
    assert "sa.CheckConstraint('n >= 0', name=op.f('child_n_not_negative'))" in a1
    assert "op.create_index(None, 'child', ['n'])" in a2
    assert "op.f('fk_child_other')" in a2
    assert "op.drop_index(op.f('ix_child_n'), table_name='child')" in a3
    assert verify_histories(ini, config, server_url) == []


def test_an_existing_env_py_is_told_the_convention(tmp_path, capsys):
    config = with_convention(write_project(tmp_path / "p", NAMES))
    out = tmp_path / "out"
    (out / "versions").mkdir(parents=True)
    (out / "env.py").write_text("# mine\n")
    assert main(["-c", config.config_file_name, "export-alembic", str(out)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[1] == f"Note: the scripts leave names to the naming convention: {out / 'env.py'} needs"
    assert lines[2].startswith("    target_metadata = sa.MetaData(naming_convention={'ix': ")
    assert (out / "env.py").read_text() == "# mine\n"


BLOCK = {
    "a1.yaml": revision_text("a1", None, """
        - create_table:
            table_name: item
            columns:
              - {name: id, type: Integer, primary_key: true}
              - {name: code, type: String(20)}
        - autocommit_block:
            - create_index: {index_name: ix_item_code, table_name: item, columns: [code],
                             postgresql_concurrently: true}
            - add_column: {table_name: item, column: {name: note, type: Text}}
    """),
}


def test_autocommit_block(server_url, tmp_path):
    config = write_project(tmp_path / "p", BLOCK)
    ini = export(config, tmp_path / "out")
    text = script(tmp_path / "out", "a1")
    assert ("    with op.get_context().autocommit_block():\n"
            "        op.create_index('ix_item_code', 'item', ['code'], "
            "postgresql_concurrently=True)\n") in text
    assert text.count("autocommit_block()") == 2  # the upgrade's, and the derived downgrade's
    assert verify_histories(ini, config, server_url) == []


ENUM_TYPES = {
    "a1.yaml": revision_text("a1", None, """
        - create_enum: {name: mood, values: [sad, ok]}
        - create_table:
            table_name: person
            columns:
              - {name: id, type: Integer, primary_key: true}
              - {name: mood, type: "postgresql.ENUM(name='mood', create_type=False)"}
    """),
    "a2.yaml": revision_text("a2", "a1", """
        - add_enum_value: {name: mood, value: happy, after: ok}
        - rename_enum_value: {name: mood, old: sad, new: blue}
    """, downgrade="""
        - rename_enum_value: {name: mood, old: blue, new: sad}
    """),
}


def test_enum_type_operations(server_url, tmp_path):
    config = write_project(tmp_path / "p", ENUM_TYPES)
    ini = export(config, tmp_path / "out")
    a1, a2 = script(tmp_path / "out", "a1"), script(tmp_path / "out", "a2")
    assert "from sqlalchemy.dialects import postgresql\n" in a1
    assert ("    if op.get_context().dialect.name in ('postgresql',):\n"
            "        postgresql.ENUM('sad', 'ok', name='mood').create(op.get_bind())\n") in a1
    assert "        postgresql.ENUM(name='mood').drop(op.get_bind())\n" in a1
    assert "        op.execute(sa.text(\"ALTER TYPE mood ADD VALUE 'happy' AFTER 'ok'\"))\n" in a2
    assert "        op.execute(sa.text(\"ALTER TYPE mood RENAME VALUE 'blue' TO 'sad'\"))\n" in a2
    assert verify_histories(ini, config, server_url) == []


DATA_MODULE = '''
import sqlalchemy as sa

SEEN = []


def fill(connection, context):
    connection.execute(sa.text("INSERT INTO tag (name) VALUES (:name)"),
                       {"name": f"{context.revision} {context.direction} {context.dialect}"})
    SEEN.append((context.config, context.location))


def empty(connection, context):
    connection.execute(sa.text("DELETE FROM tag"))
'''

PYTHON = {
    "a1.yaml": revision_text("a1", None, """
        - create_table:
            table_name: tag
            columns:
              - {name: id, type: Integer, primary_key: true}
              - {name: name, type: String(80)}
    """),
    "a2.yaml": revision_text("a2", "a1", """
        - run_python: {function: "projectdata.seed:fill", reverse: "projectdata.seed:empty"}
    """),
    "a3.yaml": revision_text("a3", "a2", """
        - run_python: {function: "projectdata.seed:fill"}
    """),
}


def python_project(tmp_path: Path) -> Config:
    config = write_project(tmp_path / "p", PYTHON)
    package = tmp_path / "p" / "projectdata"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "seed.py").write_text(DATA_MODULE)
    return config


def test_run_python(tmp_path):
    config = python_project(tmp_path)
    export(config, tmp_path / "out")
    a2, a3 = script(tmp_path / "out", "a2"), script(tmp_path / "out", "a3")
    location = f"{tmp_path / 'p' / 'versions' / 'a2.yaml'}:4:5"
    assert ("def upgrade() -> None:\n    from projectdata.seed import fill\n"
            "    fill(op.get_bind(), types.SimpleNamespace(revision='a2', direction='upgrade', "
            f"dialect=op.get_context().dialect.name, config=None, location={location!r}))\n") in a2
    assert "    empty(op.get_bind(), types.SimpleNamespace(revision='a2', direction='downgrade'" in a2
    assert ("def downgrade() -> None:\n    raise NotImplementedError('`run_python` has no `reverse`: "
            "the revision cannot be downgraded past it')\n") in a3


def test_run_python_under_alembic(server_url, tmp_path):
    """Schemas step by step (verify); and the rows the function wrote, with its context, under
    Alembic's own upgrade (its alembic.ini puts the project's folder on sys.path)."""
    import sqlalchemy as sa
    from alembic import command as alembic_command

    from .test_export_alembic import alembic_config, fresh

    config = python_project(tmp_path)
    (tmp_path / "p" / "versions" / "a3.yaml").unlink()  # irreversible: verify's downgrade stops there
    ini = export(config, tmp_path / "out")
    assert verify_histories(ini, config, server_url) == []
    url = fresh(server_url, tmp_path, f"exp_python_{tmp_path.name[-12:]}")
    alembic_command.upgrade(alembic_config(ini, url), "head")
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        rows = connection.execute(sa.text("SELECT name FROM tag")).scalars().all()
    engine.dispose()
    assert rows == [f"a2 upgrade {sa.engine.make_url(url).get_backend_name()}"]
