"""yamig against Alembic on the same generated projects, timed alternately in one run.

For each size and shape, both tools run the same commands as whole processes,
alternating yamig and Alembic on every repetition so that machine noise hits
both alike; the table shows medians and ratios, and the JSON keeps them for
later comparison. The floor is the same DDL run directly through SQLAlchemy in
one process, in the same transaction mode.

Both tools run as `python -m runner` / `python -m alembic` with this interpreter
(no wrapper scripts), yamig from this checkout, with bytecode caching on as in a
normal install. Unless a row says "cold", both tools are warm: Alembic's
__pycache__ and yamig's .yamig-cache/ exist (one untimed run of each first).

    python bench/run.py                                        # default sizes, about 13 minutes
    python bench/run.py --sizes 5000 --db-sizes 2000 --shapes linear   # the goal sizes only
    python bench/run.py --sizes 50 --db-sizes 50 --repeat 1 --shapes branchy   # smoke run
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
from importlib.util import find_spec
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from generate import generate  # noqa: E402

PY = sys.executable
YAMIG = [PY, "-m", "runner"]
ALEMBIC = [PY, "-m", "alembic"]
# run a command; print its wall time, CPU time and peak RSS (KiB) on stderr's last line. The clock
# runs here, around the command alone: timed from outside, the wrapper's own start-up (~25 ms)
# would be added to both tools and shrink the ratio of the faster one.
MEASURE = ("import resource, subprocess, sys, time;"
           "t = time.perf_counter();"
           "r = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE);"
           "t = time.perf_counter() - t;"
           "sys.stderr.buffer.write(r.stderr[-2000:]);"
           "u = resource.getrusage(resource.RUSAGE_CHILDREN);"
           "print(t, u.ru_utime + u.ru_stime, u.ru_maxrss, file=sys.stderr);"
           "sys.exit(r.returncode)")

FLOOR = r"""
import sys
import sqlalchemy as sa
script = open(sys.argv[1]).read()
one = sys.argv[3] == "one"
engine = sa.create_engine("sqlite:///" + sys.argv[2])
blocks = [b for b in script.split("BEGIN;") if b.strip()]
with engine.connect() as conn:
    outer = conn.begin() if one else None
    for block in blocks:
        transaction = None if one else conn.begin()
        for statement in block.split(";\n"):
            kept = [x for x in statement.splitlines() if not x.startswith("--")]
            statement = "\n".join(kept).strip()
            if statement and statement != "COMMIT":
                conn.exec_driver_sql(statement)
        if transaction is not None:
            transaction.commit()
    if outer is not None:
        outer.commit()
"""

ONE = "upgrade heads, one transaction"
COLD_HEADS, COLD_HISTORY = "heads (cold: no caches)", "history (cold: no caches)"
VALIDATE = "validate (alembic: heads)"
COLD_VALIDATE = "validate (cold: no caches; alembic: heads, cold)"
SQL, COLD_SQL = "upgrade heads --sql", "upgrade heads --sql (cold: no caches)"
PG_UPGRADE, PG_DOWNGRADE = "PostgreSQL: upgrade heads", "PostgreSQL: downgrade base"
FLOORS = {"upgrade heads": ("floor: per-revision DDL via SQLAlchemy", "per"),
          ONE: ("floor: one-transaction DDL via SQLAlchemy", "one")}


def child_env() -> dict[str, str]:
    """This checkout's yamig; bytecode written and read as in a normal install."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
    return env


ENV = child_env()


def timed(argv: list[str], cwd: Path) -> tuple[float, float, int]:
    """(wall seconds, CPU seconds, peak RSS KiB) of one run of `argv`."""
    result = subprocess.run([PY, "-c", MEASURE, *argv], cwd=cwd, capture_output=True, text=True, env=ENV)
    if result.returncode != 0:
        raise SystemExit(f"failed in {cwd}: {' '.join(argv)}\n{result.stderr}")
    elapsed, cpu, rss = result.stderr.strip().splitlines()[-1].split()
    return float(elapsed), float(cpu), int(rss)


def run(argv: list[str], cwd: Path, **kwargs) -> None:
    subprocess.run(argv, cwd=cwd, check=True, capture_output=True, env=ENV, **kwargs)


def graph_cases(project: Path, validate: bool) -> dict[str, dict]:
    """Each case: argv and folder per tool, and a reset run before every timed run."""
    y, a = project / "yamig", project / "alembic"
    no_caches = no_caches_of(project)
    cases = {
        COLD_HEADS: dict(yamig=(YAMIG + ["-q", "heads"], y), alembic=(ALEMBIC + ["heads"], a),
                         reset=no_caches),
        COLD_HISTORY: dict(yamig=(YAMIG + ["-q", "history"], y), alembic=(ALEMBIC + ["history"], a),
                           reset=no_caches),
        "heads": dict(yamig=(YAMIG + ["-q", "heads"], y), alembic=(ALEMBIC + ["heads"], a)),
        "history": dict(yamig=(YAMIG + ["-q", "history"], y), alembic=(ALEMBIC + ["history"], a)),
    }
    if validate:
        cases[COLD_VALIDATE] = dict(yamig=(YAMIG + ["-q", "validate"], y), alembic=(ALEMBIC + ["heads"], a),
                                    reset=no_caches)
        cases[VALIDATE] = dict(yamig=(YAMIG + ["-q", "validate"], y), alembic=(ALEMBIC + ["heads"], a))
    return cases


def no_caches_of(project: Path):
    """A reset that deletes the caches of one tool: yamig's .yamig-cache/, Alembic's __pycache__."""
    y, a = project / "yamig", project / "alembic"

    def no_caches(who: str):
        folders = ([y / "versions" / ".yamig-cache"] if who == "yamig" else
                   [a / "migrations" / "__pycache__", a / "migrations" / "versions" / "__pycache__"])
        for folder in folders:
            shutil.rmtree(folder, ignore_errors=True)
    return no_caches


def sql_cases(project: Path) -> dict[str, dict]:
    """`upgrade heads --sql`, warm and from a fresh checkout (no caches on either side)."""
    y, a = project / "yamig", project / "alembic"
    argv = dict(yamig=(YAMIG + ["-q", "upgrade", "--sql", "heads"], y),
                alembic=(ALEMBIC + ["upgrade", "--sql", "heads"], a))
    return {SQL: dict(argv), COLD_SQL: dict(argv, reset=no_caches_of(project))}


def db_cases(project: Path, downgrade: bool) -> dict[str, dict]:
    y, a = project / "yamig", project / "alembic"

    def fresh(who: str):
        (y if who == "yamig" else a).joinpath("bench.db").unlink(missing_ok=True)

    def upgraded(who: str):
        argv, cwd = (YAMIG + ["-q"], y) if who == "yamig" else (ALEMBIC, a)
        if not (cwd / "bench.db").exists():
            run([*argv, "upgrade", "heads"], cwd)

    cases = {
        "upgrade heads": dict(yamig=(YAMIG + ["-q", "upgrade", "heads"], y),
                              alembic=(ALEMBIC + ["upgrade", "heads"], a), reset=fresh, clock="wall"),
        ONE: dict(yamig=(YAMIG + ["-q", "-c", "yamig-one.ini", "upgrade", "heads"], y),
                  alembic=(ALEMBIC + ["-c", "alembic-one.ini", "upgrade", "heads"], a), reset=fresh,
                  clock="wall"),
    }
    if downgrade:
        cases["downgrade base"] = dict(yamig=(YAMIG + ["-q", "downgrade", "base"], y),
                                       alembic=(ALEMBIC + ["downgrade", "base"], a),
                                       reset=upgraded, after=fresh, clock="wall")
    return cases


def measure(n: int, shape: str, cases: dict[str, dict], repeat: int) -> list[dict]:
    """Each case `repeat` times, yamig and Alembic alternating. The ratio is by CPU time (the
    children's rusage: what another helper's load on a shared machine changes least) unless the
    case says `clock="wall"` (a database server's work is not the client's CPU time)."""
    rows = []
    for name, case in cases.items():
        samples: dict[str, list[tuple[float, float, int]]] = {"yamig": [], "alembic": []}
        for _ in range(repeat):
            for who in ("yamig", "alembic"):
                if "reset" in case:
                    case["reset"](who)
                argv, cwd = case[who]
                samples[who].append(timed(argv, cwd))
                if "after" in case:
                    case["after"](who)
        clock = case.get("clock", "cpu")
        row = {"n": n, "shape": shape, "command": name, "clock": clock}
        for who, values in samples.items():
            row[f"{who}_s"] = statistics.median(v[0] for v in values)
            row[f"{who}_cpu"] = statistics.median(v[1] for v in values)
            row[f"{who}_kib"] = max(v[2] for v in values)
        key = "_s" if clock == "wall" else "_cpu"
        row["alembic/yamig"] = row["alembic" + key] / max(row["yamig" + key], 1e-9)
        rows.append(row)
    return rows


def warm_up(project: Path) -> None:
    """One untimed run of each tool: Alembic compiles its revisions, yamig parses and
    checks its files once; both keep what they learned, as on a developer's machine."""
    run(YAMIG + ["-q", "upgrade", "--sql", "heads"], project / "yamig")
    run(ALEMBIC + ["heads"], project / "alembic")


def floor_rows(project: Path, n: int, shape: str, repeat: int, rows: list[dict]) -> list[dict]:
    """The upgrade's own DDL, straight through SQLAlchemy: what no tool can beat."""
    script = project / "upgrade.sql"
    with open(script, "w") as out:
        subprocess.run(YAMIG + ["-q", "upgrade", "--sql", "heads"], cwd=project / "yamig", stdout=out,
                       check=True, env=ENV)
    floor_py = project / "floor.py"
    floor_py.write_text(FLOOR)
    db = project / "floor.db"
    out_rows = []
    for command, (label, mode) in FLOORS.items():
        samples = []
        for _ in range(repeat):
            db.unlink(missing_ok=True)
            samples.append(timed([PY, str(floor_py), str(script), str(db), mode], project))
        floor = statistics.median(s[0] for s in samples)
        upgrade = next(r for r in rows if r["command"] == command and r["n"] == n and r["shape"] == shape)
        upgrade["yamig/floor"] = upgrade["yamig_s"] / floor
        upgrade["alembic/floor"] = upgrade["alembic_s"] / floor
        out_rows.append({"n": n, "shape": shape, "command": label, "floor_s": floor,
                         "floor_kib": max(s[2] for s in samples)})
    db.unlink(missing_ok=True)
    return out_rows


def pg_rows(project: Path, n: int, shape: str, repeat: int, cluster) -> list[dict]:
    """`upgrade heads` and `downgrade base` on PostgreSQL, one transaction per revision, each
    tool on a database of its own made anew before each run; and their floor: the same
    statements (yamig's `--sql` for PostgreSQL, version-table writes included) run by
    `psql -f` in one go. Wall time: the server's work is no client's CPU time."""
    y, a = project / "yamig", project / "alembic"
    databases = {"yamig": "bench_yamig", "alembic": "bench_alembic"}
    (y / "yamig-pg.ini").write_text(f"[yamig]\nscript_location = .\nsqlalchemy.url = "
                                    f"{cluster.url(databases['yamig'])}\n")
    (a / "alembic-pg.ini").write_text(f"[alembic]\nscript_location = %(here)s/migrations\n"
                                      f"sqlalchemy.url = {cluster.url(databases['alembic'])}\n")
    yamig, alembic = YAMIG + ["-q", "-c", "yamig-pg.ini"], ALEMBIC + ["-c", "alembic-pg.ini"]

    def fresh(who: str):
        cluster.recreate(databases[who])

    def upgraded(who: str):
        fresh(who)
        run([*(yamig if who == "yamig" else alembic), "upgrade", "heads"], y if who == "yamig" else a)

    cases = {
        PG_UPGRADE: dict(yamig=(yamig + ["upgrade", "heads"], y), alembic=(alembic + ["upgrade", "heads"], a),
                         reset=fresh, clock="wall"),
        PG_DOWNGRADE: dict(yamig=(yamig + ["downgrade", "base"], y),
                           alembic=(alembic + ["downgrade", "base"], a), reset=upgraded, clock="wall"),
    }
    rows = measure(n, shape, cases, repeat)
    scripts = {PG_UPGRADE: (["upgrade", "--sql", "heads"], "pg-upgrade.sql", False),
               PG_DOWNGRADE: (["downgrade", "--sql", "heads:base"], "pg-downgrade.sql", True)}
    for command, (argv, name, before) in scripts.items():
        script = project / name
        with open(script, "w") as out:
            subprocess.run(yamig + argv, cwd=y, stdout=out, check=True, env=ENV)
        samples = []
        for _ in range(repeat):
            cluster.recreate("bench_floor")
            if before:
                run([*cluster.psql("bench_floor"), "-f", str(project / "pg-upgrade.sql")], project)
            samples.append(timed([*cluster.psql("bench_floor"), "-f", str(script)], project))
        floor = statistics.median(s[0] for s in samples)
        row = next(r for r in rows if r["command"] == command)
        row["yamig/floor"], row["alembic/floor"] = row["yamig_s"] / floor, row["alembic_s"] / floor
        rows.append({"n": n, "shape": shape, "command": f"floor: {command}, psql -f", "floor_s": floor,
                     "floor_kib": max(s[2] for s in samples), "clock": "wall"})
    return rows


def run_project(n: int, shape: str, workdir: Path, args: argparse.Namespace, cluster) -> list[dict]:
    project = workdir / f"{shape}-{n}"
    if not project.exists():
        generate(n, shape, project)
    rows: list[dict] = []
    graph = n in args.sizes
    db = n in args.db_sizes
    if graph:  # the cold cases first: they throw the caches away
        cold = graph_cases(project, validate=n <= args.validate_max)
        rows += measure(n, shape, {k: v for k, v in cold.items() if "cold" in k}, args.repeat)
    if n in args.sql_sizes or db:
        rows += measure(n, shape, {k: v for k, v in sql_cases(project).items() if "cold" in k}, args.repeat)
    warm_up(project)
    if graph:
        warm = graph_cases(project, validate=n <= args.validate_max)
        rows += measure(n, shape, {k: v for k, v in warm.items() if "cold" not in k}, args.repeat)
    if n in args.sql_sizes or db:
        warm_sql = {k: v for k, v in sql_cases(project).items() if "cold" not in k}
        rows += measure(n, shape, warm_sql, args.repeat)
    if db:
        rows += measure(n, shape, db_cases(project, downgrade=n <= args.downgrade_max), args.repeat)
        rows += floor_rows(project, n, shape, args.repeat, rows)
    if n in args.pg_sizes and cluster is not None:
        rows += pg_rows(project, n, shape, args.repeat, cluster)
    return rows


def table(rows: list[dict]) -> str:
    lines = ["| n | shape | command | yamig s | alembic s | yamig CPU s | alembic CPU s | alembic/yamig |"
             " by | yamig/floor | alembic/floor | yamig MiB | alembic MiB |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]

    def f(value, fmt):
        return format(value, fmt) if value is not None else ""

    for r in rows:
        yamig_s = r.get("yamig_s", r.get("floor_s"))
        yamig_kib = r.get("yamig_kib", r.get("floor_kib"))
        lines.append(
            f"| {r['n']} | {r['shape']} | {r['command']} | {f(yamig_s, '.3f')} | "
            f"{f(r.get('alembic_s'), '.3f')} | {f(r.get('yamig_cpu'), '.3f')} | "
            f"{f(r.get('alembic_cpu'), '.3f')} | "
            f"{f(r.get('alembic/yamig'), '.1f')} | {r.get('clock', '') if 'alembic_s' in r else ''} | "
            f"{f(r.get('yamig/floor'), '.2f')} | {f(r.get('alembic/floor'), '.2f')} | "
            f"{f(yamig_kib and yamig_kib / 1024, '.0f')} | "
            f"{f(r.get('alembic_kib') and r['alembic_kib'] / 1024, '.0f')} |")
    return "\n".join(lines)


def goals(rows: list[dict]) -> str:
    """The issue's goal rows from this run's rows, each met or not (a size not measured is left
    out). Ratios are Alembic / yamig, by CPU time for the graph commands and `--sql`, by wall
    time for the database rows."""
    lines = ["| goal | shape | result | |", "|---|---|---|---|"]

    def row(command, n, shape):
        return next((r for r in rows if (r["command"], r["n"], r["shape"]) == (command, n, shape)), None)

    def add(goal, shape, result, met):
        lines.append(f"| {goal} | {shape} | {result} | {'met' if met else '**not met**'} |")

    shapes = list(dict.fromkeys(r["shape"] for r in rows))
    sizes = sorted({r["n"] for r in rows})
    for shape in shapes:
        for n in sizes:
            r = row(COLD_VALIDATE, n, shape)
            if r and n >= 1000:
                add(f"cold `validate` {n:,}: >= 3x Alembic's cold `heads`", shape,
                    f"{r['yamig_cpu']:.2f} s vs {r['alembic_cpu']:.2f} s CPU: **{r['alembic/yamig']:.1f}x**",
                    r["alembic/yamig"] >= 3)
        for n in sizes:
            r = row(VALIDATE, n, shape)
            if r and n >= 1000:
                add(f"warm `validate` {n:,}: >= 3x Alembic's warm `heads`", shape,
                    f"{r['yamig_cpu']:.3f} s vs {r['alembic_cpu']:.3f} s CPU: **{r['alembic/yamig']:.1f}x**",
                    r["alembic/yamig"] >= 3)
        for command, goal, at_least in ((COLD_HEADS, "cold `heads`", 10),
                                        (COLD_HISTORY, "cold `history`", 10),
                                        ("heads", "warm `heads`", 30), ("history", "warm `history`", 30)):
            r = row(command, 10000, shape)
            if r:
                add(f"{goal} 10,000: >= {at_least}x Alembic", shape,
                    f"{r['yamig_cpu']:.3f} s vs {r['alembic_cpu']:.3f} s CPU: **{r['alembic/yamig']:.1f}x**",
                    r["alembic/yamig"] >= at_least)
            big = row(command, 20000, shape)
            if r and big:
                growth = big["yamig_cpu"] / r["yamig_cpu"]
                add(f"{goal} 20,000 / 10,000: <= 2.2", shape, f"**{growth:.2f}**", growth <= 2.2)
        r = row(COLD_HEADS, 10000, shape)
        if r:
            add("cold `heads` 10,000: peak memory <= Alembic's", shape,
                f"{r['yamig_kib'] / 1024:.0f} MiB vs {r['alembic_kib'] / 1024:.0f} MiB",
                r["yamig_kib"] <= r["alembic_kib"])
        measured = [x for x in (row(COLD_VALIDATE, 10000, shape), row(VALIDATE, 10000, shape)) if x]
        if measured:
            kib = max(x["yamig_kib"] for x in measured)
            add("`validate` 10,000: peak memory <= 150 MB", shape,
                f"{kib * 1024 / 1e6:.0f} MB (cold or warm, the larger)", kib * 1024 <= 150e6)
        for command, goal, at_least in ((SQL, "warm `upgrade --sql`", 5),
                                        (COLD_SQL, "cold `upgrade --sql`", 2)):
            r = row(command, 10000, shape)
            if r:
                add(f"{goal} 10,000: >= {at_least}x Alembic", shape,
                    f"{r['yamig_cpu']:.2f} s vs {r['alembic_cpu']:.2f} s CPU: **{r['alembic/yamig']:.1f}x**",
                    r["alembic/yamig"] >= at_least)
        for command in (PG_UPGRADE, PG_DOWNGRADE):
            for n in sizes:
                r = row(command, n, shape)
                if r and n >= 1000:
                    add(f"{command} {n:,}, per revision: >= 2x Alembic", shape,
                        f"{r['yamig_s']:.2f} s vs {r['alembic_s']:.2f} s wall: **{r['alembic/yamig']:.1f}x**",
                        r["alembic/yamig"] >= 2)
                    add(f"{command} {n:,}, per revision: <= 1.2x the `psql -f` floor", shape,
                        f"**{r['yamig/floor']:.2f}x** (Alembic {r['alembic/floor']:.2f}x)",
                        r["yamig/floor"] <= 1.2)
    return "\n".join(lines)


def _sizes(text: str) -> list[int]:
    return [int(s) for s in text.split(",") if s.strip()]


def start_postgres():
    """A throwaway PostgreSQL server (bench/pg.py), or None with a note when there is none."""
    from pg import Cluster, pg_bin

    bin_dir = pg_bin()
    if bin_dir is None or find_spec("psycopg") is None:
        print("no PostgreSQL (pg_ctl/initdb) or psycopg: the PostgreSQL rows are left out", file=sys.stderr)
        return None
    cluster = Cluster(bin_dir)
    try:
        cluster.start()
    except (RuntimeError, OSError, subprocess.TimeoutExpired) as err:
        cluster.stop()
        print(f"could not start PostgreSQL ({err}): the PostgreSQL rows are left out", file=sys.stderr)
        return None
    return cluster


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=_sizes, default=_sizes("100,1000,5000,10000"),
                        help="sizes for heads (cold and warm), history and validate")
    parser.add_argument("--db-sizes", type=_sizes, default=_sizes("500,2000"),
                        help="sizes for upgrade (both transaction modes, with floors), --sql and "
                             "downgrade on SQLite: they commit per revision, 10,000 would take an hour")
    parser.add_argument("--sql-sizes", type=_sizes, default=_sizes("10000"),
                        help="sizes for `upgrade --sql`, warm and cold (also run at every --db-sizes)")
    parser.add_argument("--pg-sizes", type=_sizes, default=_sizes("2000"),
                        help="sizes for upgrade and downgrade on a throwaway PostgreSQL with the psql floor")
    parser.add_argument("--validate-max", type=int, default=10000, help="largest size for validate")
    parser.add_argument("--downgrade-max", type=int, default=500, help="largest size for downgrade base")
    parser.add_argument("--shapes", default="linear,branchy")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", type=Path, default=HERE / "out" / "results.json")
    parser.add_argument("--keep", action="store_true", help="keep the generated projects")
    args = parser.parse_args()
    if find_spec("alembic") is None:
        raise SystemExit("alembic is not installed: pip install -e '.[bench]'")
    workdir = Path(tempfile.mkdtemp(prefix="yamig-bench-"))
    rows: list[dict] = []
    started = time.perf_counter()
    cluster = start_postgres() if args.pg_sizes else None
    try:
        for n in sorted(set(args.sizes) | set(args.db_sizes) | set(args.sql_sizes) | set(args.pg_sizes)):
            for shape in args.shapes.split(","):
                print(f"... {shape} {n} ({time.perf_counter() - started:.0f} s)", file=sys.stderr)
                rows += run_project(n, shape, workdir, args, cluster)
    finally:
        if cluster is not None:
            cluster.stop()
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    print(table(rows))
    print("\n" + goals(rows))
    args.json.parent.mkdir(parents=True, exist_ok=True)
    machine = {"python": platform.python_version(), "machine": platform.machine(),
               "cpus": os.cpu_count(), "system": platform.platform(), "argv": sys.argv[1:],
               "seconds": round(time.perf_counter() - started)}
    args.json.write_text(json.dumps({"machine": machine, "rows": rows}, indent=2))
    print(f"\n(written to {args.json}; {machine['seconds']} s)", file=sys.stderr)


if __name__ == "__main__":
    main()
