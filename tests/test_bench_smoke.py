"""bench/ keeps working: generate a small project both ways and run the harness once.

Timing is never asserted here (CI machines are noisy); the benchmark itself is run
by hand, see bench/README.md.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench"


def test_generated_projects_agree(tmp_path):
    sys.path.insert(0, str(BENCH))
    try:
        from generate import generate
    finally:
        sys.path.remove(str(BENCH))
    nodes = generate(60, "branchy", tmp_path)
    assert len(list((tmp_path / "yamig" / "versions").glob("*.yaml"))) == len(nodes)
    assert len(list((tmp_path / "alembic" / "migrations" / "versions").glob("*.py"))) == len(nodes)
    assert any(len(n.parents) > 1 for n in nodes) and any(n.depends for n in nodes)


def test_harness_runs_at_small_size(tmp_path):
    if shutil.which("alembic") is None or shutil.which("yamig") is None:
        pytest.skip("alembic and yamig must be installed (pip install -e '.[test]')")
    out = tmp_path / "results.json"
    result = subprocess.run([sys.executable, str(BENCH / "run.py"), "--sizes", "20", "--db-sizes", "20",
                             "--sql-sizes", "20", "--pg-sizes", "20", "--repeat", "1", "--shapes", "branchy",
                             "--json", str(out)],
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    rows = json.loads(out.read_text())["rows"]
    commands = {r["command"] for r in rows}
    assert {"heads (cold: no caches)", "history (cold: no caches)", "heads", "history",
            "validate (alembic: heads)", "validate (cold: no caches; alembic: heads, cold)", "upgrade heads",
            "upgrade heads, one transaction", "downgrade base", "upgrade heads --sql",
            "upgrade heads --sql (cold: no caches)"} <= commands
    if "no PostgreSQL" not in result.stderr and "could not start PostgreSQL" not in result.stderr:
        assert {"PostgreSQL: upgrade heads", "PostgreSQL: downgrade base"} <= commands
        assert all(r["yamig/floor"] > 0 for r in rows if r["command"].startswith("PostgreSQL"))
    assert all(r["yamig_cpu"] > 0 for r in rows if "yamig_cpu" in r)
    assert all(r.get("alembic/yamig", 1) > 0 for r in rows)
    upgrades = [r for r in rows if r["command"].startswith("upgrade heads") and "--sql" not in r["command"]]
    assert len(upgrades) == 2 and all(r["yamig/floor"] > 0 for r in upgrades)
