"""`yamig export-alembic OUT`: the scripts it writes, run by Alembic, give the schema yamig gives,
revision by revision up and back down (runner.convert.verify compares the inspected schemas)."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from runner import command
from runner.cli import main
from runner.config import Config
from runner.convert.inspected import snapshot
from runner.convert.verify import verify_histories

from ..helpers import revision_text, write_project

ROOT = Path(__file__).resolve().parents[2]


def export(config: Config, out: Path) -> Path:
    command.export_alembic(config, str(out))
    return out / "alembic.ini"


def alembic_config(ini: Path, url: str):
    from alembic.config import Config as AlembicConfig

    theirs = AlembicConfig(str(ini))
    theirs.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return theirs


def sample_config(tmp_path: Path) -> Config:
    shutil.copytree(ROOT / "sample_migrations", tmp_path / "sample")
    return Config(str(tmp_path / "sample" / "yamig.ini"))


def test_sample_project_under_alembic_step_by_step(server_url, tmp_path):
    config = sample_config(tmp_path)
    ini = export(config, tmp_path / "out")
    assert verify_histories(ini, config, server_url) == []


def fresh(url: str, tmp_path: Path, name: str) -> str:
    """A new empty database beside `url` (a file, or a database on the server)."""
    base = sa.engine.make_url(url)
    if base.get_backend_name() == "sqlite":
        return base.set(database=str(tmp_path / f"{name}.db")).render_as_string(hide_password=False)
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}"')
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    admin.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


def test_sample_project_alembic_upgrade_head_and_downgrade_base(server_url, tmp_path):
    """Alembic's own commands on the export: the same schema as yamig at head, nothing at base."""
    from alembic import command as alembic_command

    config = sample_config(tmp_path)
    ini = export(config, tmp_path / "out")
    theirs_url, ours_url = (fresh(server_url, tmp_path, f"exp_{side}_{os.getpid()}")
                             for side in ("theirs", "ours"))
    theirs = alembic_config(ini, theirs_url)
    config.set_main_option("sqlalchemy.url", ours_url)
    alembic_command.upgrade(theirs, "head")
    command.upgrade(config, "head")
    at_head = snapshot(ours_url)
    assert {"customer", "product", "orders", "order_line", "shipping_method"} <= set(at_head)
    assert snapshot(theirs_url) == at_head
    alembic_command.downgrade(theirs, "base")
    command.downgrade(config, "base")
    at_base = snapshot(ours_url)
    assert snapshot(theirs_url) == at_base
    assert [name for name in at_base if name != "<enums>"] == []


def generated(tmp_path: Path, seed: int) -> Config:
    bench = str(ROOT / "bench")
    sys.path.insert(0, bench)
    try:
        from generate import generate
    finally:
        sys.path.remove(bench)
    generate(40, "branchy", tmp_path / f"gen{seed}", seed=seed)
    return Config(str(tmp_path / f"gen{seed}" / "yamig" / "yamig.ini"))


@pytest.mark.parametrize("seed", [1, 7])
def test_generated_branchy_projects_under_alembic(seed, server_url, tmp_path):
    """Merges, depends_on and branch labels: Alembic reads the exported headers as yamig's graph."""
    config = generated(tmp_path, seed)
    ini = export(config, tmp_path / "out")
    assert verify_histories(ini, config, server_url) == []


def test_the_header_is_alembics(tmp_path):
    config = write_project(tmp_path / "p", {
        "a1.yaml": revision_text("a1", None, message="first"),
        "b1.yaml": revision_text("b1", "a1", message="one side").replace(
            "message:", "branch_labels: [side]\nmessage:"),
        "b2.yaml": revision_text("b2", "a1", message="other side").replace(
            "message:", "depends_on: [b1]\nmessage:"),
        "m1.yaml": "revision: m1\ndown_revision: [b1, b2]\nmessage: merge\ncreate_date: 2026-01-02 03:04:05\n"
                   "upgrade: []\n",
    })
    export(config, tmp_path / "out")
    text = next((tmp_path / "out" / "versions").glob("m1_*.py")).read_text()
    assert text.startswith('"""merge\n\nRevision ID: m1\nRevises: b1, b2\nCreate Date: 2026-01-02 03:04:05\n')
    from alembic.config import Config as AlembicConfig
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(AlembicConfig(str(tmp_path / "out" / "alembic.ini")))
    found = {s.revision: (s.down_revision, s.dependencies) for s in script.walk_revisions()}
    assert found == {"a1": (None, None), "b1": ("a1", None), "b2": ("a1", "b1"), "m1": (("b1", "b2"), None)}
    assert script.get_revision("side@head").revision == "m1"  # b1's label, which Alembic passes on
    assert "branch_labels: Union[str, Sequence[str], None] = 'side'\n" in \
        next((tmp_path / "out" / "versions").glob("b1_*.py")).read_text()
    assert script.get_revision("m1").doc == "merge"


ENUMS = {
    "a1.yaml": revision_text("a1", None, """
        - create_table:
            table_name: ticket
            columns:
              - {name: id, type: Integer, primary_key: true}
              - {name: state, type: "Enum('open', 'closed', name='ticket_state')", nullable: false}
              - {name: price, type: "Numeric(10, 2)", server_default: "0"}
              - {name: opened, type: DateTime(timezone=True), server_default: {sql: CURRENT_TIMESTAMP}}
    """),
    "a2.yaml": revision_text("a2", "a1", """
        - add_column:
            table_name: ticket
            column: {name: code, type: String(20), unique: true}
        - alter_column: {table_name: ticket, column_name: price, type: "Numeric(12, 2)", nullable: false}
        - create_index: {index_name: ix_ticket_code, table_name: ticket, columns: [code],
                         postgresql_concurrently: true}
          allow: [index-not-concurrently]
        - create_check_constraint: {constraint_name: ck_ticket_price, table_name: ticket,
                                    condition: price >= 0}
        - drop_column: {table_name: ticket, column_name: opened}
    """),
}


def test_derived_downgrades_rebuilds_and_enum_types(server_url, tmp_path):
    """Derived downgrades come back in full (the dropped column, the enum type dropped with its
    table); what SQLite rebuilds runs in batch blocks; CONCURRENTLY in an autocommit block."""
    config = write_project(tmp_path / "p", ENUMS)
    ini = export(config, tmp_path / "out")
    text = next((tmp_path / "out" / "versions").glob("a2_*.py")).read_text()
    assert "with op.get_context().autocommit_block():" in text
    assert "with op.batch_alter_table('ticket'" in text
    assert ("sa.Column('opened', sa.DateTime(timezone=True), "
            "server_default=sa.text('CURRENT_TIMESTAMP'))") in text
    first = next((tmp_path / "out" / "versions").glob("a1_*.py")).read_text()
    assert "sa.Enum(name='ticket_state').drop(op.get_bind(), checkfirst=True)" in first
    assert verify_histories(ini, config, server_url) == []


def test_an_irreversible_revision_raises_in_its_downgrade(tmp_path):
    config = write_project(tmp_path / "p", {
        "a1.yaml": revision_text("a1", None, "- execute: CREATE TABLE t (n integer)\n  allow: [execute]"),
    })
    export(config, tmp_path / "out")
    text = next((tmp_path / "out" / "versions").glob("a1_*.py")).read_text()
    assert "    op.execute(sa.text('CREATE TABLE t (n integer)'))\n" in text
    assert ("def downgrade() -> None:\n"
            "    raise NotImplementedError('`execute` cannot be reversed automatically')\n") in text


def test_cli_scaffold_once_then_scripts_only(tmp_path, capsys):
    config = write_project(tmp_path / "p", {"a1.yaml": revision_text("a1", None, message="first")})
    out = tmp_path / "out"
    assert main(["-c", config.config_file_name, "export-alembic", str(out)]) == 0
    assert capsys.readouterr().out.splitlines() == [
        f"Wrote 1 Alembic script(s) to {out / 'versions'}",
        f"Wrote {out / 'alembic.ini'}, {out / 'env.py'} and {out / 'script.py.mako'}",
        f"Set sqlalchemy.url in {out / 'alembic.ini'}, then: alembic -c {out / 'alembic.ini'} current",
        "A database yamig migrated keeps its rows in alembic_version, which Alembic reads: it starts "
        "where yamig left off"]
    assert sorted(p.name for p in out.iterdir()) == ["alembic.ini", "env.py", "script.py.mako", "versions"]
    assert [p.name for p in (out / "versions").iterdir()] == ["a1_first.py"]
    (out / "env.py").write_text("# mine\n")
    assert main(["-c", config.config_file_name, "export-alembic", str(out)]) == 0
    assert capsys.readouterr().out.splitlines()[0] == f"Wrote 1 Alembic script(s) to {out / 'versions'}"
    assert (out / "env.py").read_text() == "# mine\n"
