"""verify_histories: an Alembic history and a yamig history run side by side on scratch databases,
the inspected schemas compared after every step; each difference names its revision."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import sqlalchemy as sa

from runner import command
from runner.config import Config
from runner.convert.verify import verify_histories

ROOT = Path(__file__).resolve().parents[2]


def generated(tmp_path: Path) -> Path:
    bench = str(ROOT / "bench")
    sys.path.insert(0, bench)
    try:
        from generate import generate
    finally:
        sys.path.remove(bench)
    generate(40, "branchy", tmp_path)
    return tmp_path


def test_the_same_history_twice_has_no_difference(server_url, tmp_path):
    """bench's Alembic project against its yamig twin; through alembic.ini and its env.py."""
    root = generated(tmp_path)
    config = Config(str(root / "yamig" / "yamig.ini"))
    assert verify_histories(root / "alembic" / "alembic.ini", config, server_url) == []


def test_a_revision_changed_by_hand_is_named(server_url, tmp_path):
    """One yamig revision changed: one difference, at that revision, and not repeated after it;
    a versions folder without env.py runs with yamig's env.py."""
    root = generated(tmp_path)
    path = next(p for p in sorted((root / "yamig" / "versions").iterdir()) if "add_column" in p.read_text())
    text = path.read_text()
    path.write_text(text.replace("String(50)", "String(60)", 1))
    rev = path.name.split("_")[0]
    table, column = next((line.split("table_name: ")[1].split(",")[0].strip(" }"),
                          line.split("name: ")[2].split(",")[0])
                         for line in text.splitlines() if "add_column" in line)
    found = verify_histories(root / "alembic" / "migrations" / "versions",
                             Config(str(root / "yamig" / "yamig.ini")), server_url)
    dialect = sa.engine.make_url(server_url).get_dialect()()
    theirs, ours = (sa.String(n).compile(dialect=dialect) for n in (50, 60))
    assert found == [f"after upgrade of {rev} (revision {rev}): {table} columns: only Alembic has "
                     f"({column!r}, {theirs!r}, True, None, None); only yamig has "
                     f"({column!r}, {ours!r}, True, None, None)"]


def test_scratch_databases_are_dropped(postgres_server, tmp_path):
    root = generated(tmp_path)
    verify_histories(root / "alembic" / "alembic.ini", Config(str(root / "yamig" / "yamig.ini")),
                     postgres_server)
    engine = sa.create_engine(postgres_server)
    with engine.connect() as connection:
        left = connection.execute(sa.text(
            "SELECT datname FROM pg_database WHERE datname LIKE 'yamig_verify_%'")).scalars().all()
    engine.dispose()
    assert left == []


def test_a_revision_missing_on_one_side(tmp_path):
    root = generated(tmp_path)
    config = Config(str(root / "yamig" / "yamig.ini"))
    rev = sorted(command.load_graph(config).heads)[0]  # a head: the rest of Alembic's graph holds
    (root / "alembic" / "migrations" / "versions" / f"{rev}_rev.py").unlink()
    found = verify_histories(root / "alembic" / "alembic.ini", config, f"sqlite:///{tmp_path / 'x.db'}")
    assert found == [f"revision {rev}: not in the Alembic history"]


def test_without_alembic_it_says_how_to_install_it(tmp_path):
    code = ("import sys; sys.modules['alembic'] = None\n"
            "from runner.convert.verify import require_alembic\n"
            "from runner.errors import ConfigError\n"
            "try:\n    require_alembic()\nexcept ConfigError as error:\n    print(error)\n")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                         env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}, check=True).stdout
    assert out == ("verifying against Alembic needs Alembic installed\n"
                   "  hint: pip install 'yamig[alembic]' (or pip install 'alembic>=1.13')\n")
