"""yamig against Alembic on the same generated projects, timed alternately in one run.

For each size and shape, both tools run the same commands as whole processes,
alternating yamig and Alembic on every repetition so that machine noise hits
both alike; the table shows medians and ratios, and the JSON keeps them for
later comparison. The floor is the same DDL run directly through SQLAlchemy in
one process.

    python bench/run.py                      # default sizes, about 10 minutes
    python bench/run.py --sizes 2000 --db-max 2000   # the 2,000-revision upgrade goal
    python bench/run.py --sizes 50 --repeat 1 --shapes linear   # smoke run
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from generate import generate  # noqa: E402

PY = sys.executable
# run a command and print its own peak RSS (KiB) on stderr's last line
MEASURE = ("import resource, subprocess, sys;"
           "r = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE);"
           "sys.stderr.buffer.write(r.stderr[-2000:]);"
           "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr);"
           "sys.exit(r.returncode)")

FLOOR = r"""
import sys
import sqlalchemy as sa
script = open(sys.argv[1]).read()
engine = sa.create_engine("sqlite:///" + sys.argv[2])
blocks = [b for b in script.split("BEGIN;") if b.strip()]
with engine.connect() as conn:
    for block in blocks:
        with conn.begin():
            for statement in block.split(";\n"):
                kept = [x for x in statement.splitlines() if not x.startswith("--")]
                statement = "\n".join(kept).strip()
                if statement and statement != "COMMIT":
                    conn.exec_driver_sql(statement)
"""


def timed(argv: list[str], cwd: Path) -> tuple[float, int]:
    start = time.perf_counter()
    result = subprocess.run([PY, "-c", MEASURE, *argv], cwd=cwd, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"failed in {cwd}: {' '.join(argv)}\n{result.stderr}")
    return elapsed, int(result.stderr.strip().splitlines()[-1])


def tool(name: str) -> list[str]:
    path = shutil.which(name)
    if path is None:
        raise SystemExit(f"{name} is not installed: pip install -e '.[bench]'")
    return [path]


def cases(project: Path) -> dict[str, dict]:
    """Each case: the argv and folder for yamig and for alembic, and a reset before each run."""
    y, a = project / "yamig", project / "alembic"
    yamig, alembic = tool("yamig"), tool("alembic")

    def fresh(*dbs: Path):
        def reset():
            for db in dbs:
                db.unlink(missing_ok=True)
        return reset

    def upgraded(*pairs):
        def reset():
            for tool_argv, cwd, db in pairs:
                if not db.exists():
                    subprocess.run([*tool_argv, "upgrade", "heads"], cwd=cwd, check=True,
                                   capture_output=True)
        return reset

    return {
        "heads": dict(yamig=(yamig + ["-q", "heads"], y), alembic=(alembic + ["heads"], a)),
        "history": dict(yamig=(yamig + ["-q", "history"], y), alembic=(alembic + ["history"], a)),
        "upgrade heads": dict(yamig=(yamig + ["-q", "upgrade", "heads"], y),
                              alembic=(alembic + ["upgrade", "heads"], a),
                              reset=fresh(y / "bench.db", a / "bench.db")),
        "downgrade base": dict(yamig=(yamig + ["-q", "downgrade", "base"], y),
                               alembic=(alembic + ["downgrade", "base"], a),
                               reset=upgraded((yamig + ["-q"], y, y / "bench.db"),
                                              (alembic, a, a / "bench.db")),
                               after=fresh(y / "bench.db", a / "bench.db")),
        "upgrade heads --sql": dict(yamig=(yamig + ["-q", "upgrade", "--sql", "heads"], y),
                                    alembic=(alembic + ["upgrade", "--sql", "heads"], a)),
        "validate": dict(yamig=(yamig + ["-q", "validate"], y)),
    }


DB_COMMANDS = {"upgrade heads", "downgrade base"}


def run_project(n: int, shape: str, repeat: int, workdir: Path, db_max: int) -> list[dict]:
    project = workdir / f"{shape}-{n}"
    generate(n, shape, project)
    rows = []
    for name, case in cases(project).items():
        if name == "validate" and not _has_validate():
            continue
        if name in DB_COMMANDS and n > db_max:
            continue
        samples: dict[str, list[tuple[float, int]]] = {"yamig": [], "alembic": []}
        for _ in range(repeat):
            for who in ("yamig", "alembic"):
                if who not in case:
                    continue
                if "reset" in case:
                    case["reset"]()
                argv, cwd = case[who]
                samples[who].append(timed(argv, cwd))
                if "after" in case:
                    case["after"]()
        row = {"n": n, "shape": shape, "command": name}
        for who, values in samples.items():
            if values:
                row[f"{who}_s"] = statistics.median(v[0] for v in values)
                row[f"{who}_kib"] = max(v[1] for v in values)
        if "alembic_s" in row:
            row["alembic/yamig"] = row["alembic_s"] / row["yamig_s"]
        rows.append(row)
    if n <= db_max:
        rows.append(floor_row(project, n, shape, repeat, rows))
    return rows


def floor_row(project: Path, n: int, shape: str, repeat: int, rows: list[dict]) -> dict:
    """The upgrade's own DDL, straight through SQLAlchemy: what no tool can beat."""
    script = project / "upgrade.sql"
    with open(script, "w") as out:
        subprocess.run([*tool("yamig"), "-q", "upgrade", "--sql", "heads"], cwd=project / "yamig",
                       stdout=out, check=True)
    floor_py = project / "floor.py"
    floor_py.write_text(FLOOR)
    db = project / "floor.db"
    samples = []
    for _ in range(repeat):
        db.unlink(missing_ok=True)
        samples.append(timed([PY, str(floor_py), str(script), str(db)], project))
    floor = statistics.median(s[0] for s in samples)
    upgrade = next(r for r in rows if r["command"] == "upgrade heads")
    upgrade["yamig/floor"] = upgrade["yamig_s"] / floor
    return {"n": n, "shape": shape, "command": "floor (upgrade DDL via SQLAlchemy)", "floor_s": floor,
            "floor_kib": max(s[1] for s in samples)}


def _has_validate() -> bool:
    result = subprocess.run([*tool("yamig"), "validate", "--help"], capture_output=True)
    return result.returncode == 0


def table(rows: list[dict]) -> str:
    lines = ["| n | shape | command | yamig s | alembic s | alembic/yamig | yamig/floor | yamig MiB |"
             " alembic MiB |", "|---|---|---|---|---|---|---|---|---|"]

    def f(value, fmt):
        return format(value, fmt) if value is not None else ""

    for r in rows:
        yamig_s = r.get("yamig_s", r.get("floor_s"))
        yamig_kib = r.get("yamig_kib", r.get("floor_kib"))
        lines.append(
            f"| {r['n']} | {r['shape']} | {r['command']} | {f(yamig_s, '.3f')} | "
            f"{f(r.get('alembic_s'), '.3f')} | {f(r.get('alembic/yamig'), '.1f')} | "
            f"{f(r.get('yamig/floor'), '.2f')} | {f(yamig_kib and yamig_kib / 1024, '.0f')} | "
            f"{f(r.get('alembic_kib') and r['alembic_kib'] / 1024, '.0f')} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,1000,10000")
    parser.add_argument("--db-max", type=int, default=1000,
                        help="largest size for upgrade/downgrade against SQLite (they commit per "
                             "revision on both tools: 10,000 would take most of an hour)")
    parser.add_argument("--shapes", default="linear,branchy")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", type=Path, default=HERE / "out" / "results.json")
    parser.add_argument("--keep", action="store_true", help="keep the generated projects")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="yamig-bench-"))
    rows: list[dict] = []
    try:
        for n in (int(s) for s in args.sizes.split(",")):
            for shape in args.shapes.split(","):
                print(f"... {shape} {n}", file=sys.stderr)
                rows += run_project(n, shape, args.repeat, workdir, args.db_max)
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    print(table(rows))
    args.json.parent.mkdir(parents=True, exist_ok=True)
    machine = {"python": platform.python_version(), "machine": platform.machine(),
               "cpus": os.cpu_count(), "system": platform.platform()}
    args.json.write_text(json.dumps({"machine": machine, "rows": rows}, indent=2))
    print(f"\n(written to {args.json})", file=sys.stderr)


if __name__ == "__main__":
    main()
