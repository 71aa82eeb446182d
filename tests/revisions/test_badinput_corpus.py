"""A corpus of bad input, generated reproducibly, run through the CLI in-process.

Each case is the sample project (sample_migrations/) with one thing made wrong: a field of a
revision file, an operation's argument, a type string, the bytes of a file, YAML aliases and
nesting, files that are not regular files, or the ini. Every case must end with a non-zero exit
that is not an internal error (3), within a few seconds, naming `file:line` when a file is at
fault; for a subset, `upgrade head` against SQLite must leave the database as it was whenever
`validate` found an error. The seed makes the corpus the same on every run.
"""

from __future__ import annotations

import contextlib
import io
import os
import random
import re
import shutil
import signal
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import yaml

from runner.cli import main
from runner.revisions import loader

SAMPLE = Path(__file__).resolve().parents[2] / "sample_migrations"
SEED = 14
SECONDS = 5  # each case, each command
LOCATED = re.compile(r"[\w./-]+\.(?:yaml|yml|ini):\d+")
# errors that rightly name no line: about the command line (a mutation that splits the history
# leaves `head` two heads), or a file with nothing in it
AMBIGUOUS = re.compile(r"'head' is ambiguous: there are \d+ heads|\.yaml: the file is empty")

Mutation = Callable[[Path], None]  # makes one project bad, in place


# -- the corpus -------------------------------------------------------------------------------------

def _files() -> list[str]:
    return sorted(p.name for p in (SAMPLE / "versions").glob("*.yaml"))


def _edit(name: str, change: Callable[[dict], None]) -> Mutation:
    def apply(project: Path) -> None:
        path = project / "versions" / name
        data = yaml.safe_load(path.read_text())
        change(data)
        path.write_text(yaml.safe_dump(data, sort_keys=False, width=10**6))
    return apply


def _set(key: str, value) -> Callable[[dict], None]:
    def change(data: dict) -> None:
        data[key] = value
    return change


def _text(name: str, change: Callable[[str], str]) -> Mutation:
    def apply(project: Path) -> None:
        path = project / "versions" / name
        path.write_text(change(path.read_text()))
    return apply


def _bytes(name: str, change: Callable[[bytes], bytes]) -> Mutation:
    def apply(project: Path) -> None:
        path = project / "versions" / name
        path.write_bytes(change(path.read_bytes()))
    return apply


def _new_file(name: str, text: str) -> Mutation:
    def apply(project: Path) -> None:
        (project / "versions" / name).write_text(text)
    return apply


def _ini(change: Callable[[str], str]) -> Mutation:
    def apply(project: Path) -> None:
        path = project / "yamig.ini"
        path.write_text(change(path.read_text()))
    return apply


def _ini_bytes(data: bytes) -> Mutation:
    def apply(project: Path) -> None:
        (project / "yamig.ini").write_bytes(data)
    return apply


HOSTILE_VALUES = [None, -1, 0, 2 ** 70, -(2 ** 70), 1e308, "", " ", "x" * 5000, [], {}, [None], True,
                  "-1", "base", "head", "%(x)s", "\t", {"a": {"b": {"c": []}}}, [[[[]]]], "é" * 40]
HOSTILE_IDS = ["-1", "base", "head", "heads", "current", "a" * 33, "a+1", "x@head", "a:b", "", " ",
               "a b", "ünï", 5, None, [], {}, True, "1" * 32 + "0"]
HOSTILE_TYPES = ["String(-1)", "String(0)", "Enum()", "Enum('a', 'a')", "Integer(5)", "Integer(x=1)",
                 "ARRAY(" * 500 + "Integer" + ")" * 500, "Numeric(10, 12)", "Numeric(0)", "Float(60)",
                 "String('x')", "DateTime(timezone=1)", "ARRAY(5)", "postgresql.TIMESTAMP(precision=9)",
                 "String(", "String)", "", "Nope", "sa.", "postgresql.", "String(10, 10, 10, 10)",
                 "String(length=None, length=2)", "Enum(1, 2)", "String(1e999)",
                 "String(99999999999999999999999)",
                 "mysql.INTEGER(display_width=0)", "Interval(second_precision=-1)", "String(collation=5)",
                 "'String'", "String\n(5)", "ARRAY(Integer, dimensions=0)", 5, None, [], {"a": 1}]


def _walk_args(node, path=()) -> Iterator[tuple]:
    """Paths to every value under an operation."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield path + (key,)
            yield from _walk_args(value, path + (key,))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield path + (i,)
            yield from _walk_args(value, path + (i,))


def _put(data, path: tuple, value) -> None:
    for part in path[:-1]:
        data = data[part]
    data[path[-1]] = value


def _type_paths(node, path=()) -> Iterator[tuple]:
    for sub in _walk_args(node, path):
        if sub and sub[-1] in ("type", "type_", "existing_type"):
            yield sub


def corpus() -> list[tuple[str, Mutation]]:
    rng = random.Random(SEED)
    files = _files()
    cases: list[tuple[str, Mutation]] = []
    samples = {name: yaml.safe_load((SAMPLE / "versions" / name).read_text()) for name in files}

    # top-level fields of each file
    for name in files:
        for value in HOSTILE_IDS:
            cases.append((f"{name}:revision={value!r:.20}", _edit(name, _set("revision", value))))
        own, parent = samples[name]["revision"], samples[name]["down_revision"]
        for value in (["-1"], [parent, parent] if parent else ["a1", "a1"], own, [own], "nope", 5, {},
                      [], "base", "a" * 40):
            cases.append((f"{name}:down_revision={value!r:.20}", _edit(name, _set("down_revision", value))))
        for key in ("message", "upgrade", "downgrade", "depends_on", "branch_labels", "create_date"):
            for value in rng.sample(HOSTILE_VALUES, 2):
                cases.append((f"{name}:{key}={value!r:.20}", _edit(name, _set(key, value))))
        for key in ("revision", "down_revision", "upgrade"):
            cases.append((f"{name}:-{key}", _edit(name, lambda d, k=key: d.pop(k, None))))

    # every argument of every operation, a few hostile values each
    for name in files:
        for section in ("upgrade", "downgrade"):
            for i, item in enumerate(samples[name].get(section) or ()):
                paths = list(_walk_args(item, (section, i)))
                for path in rng.sample(paths, min(len(paths), 3)):
                    value = rng.choice(HOSTILE_VALUES)
                    cases.append((f"{name}:{'.'.join(map(str, path))}={value!r:.20}",
                                  _edit(name, lambda d, p=path, v=value: _put(d, p, v))))
                for path in _type_paths(item, (section, i)):
                    for value in rng.sample(HOSTILE_TYPES, 2):
                        cases.append((f"{name}:{'.'.join(map(str, path))}={value!r:.20}",
                                      _edit(name, lambda d, p=path, v=value: _put(d, p, v))))
    # bulk_insert values past 64 bits
    cases.append(("bulk-huge", _new_file("zz01_bulk.yaml", (
        "revision: zz01\ndown_revision: e1f2a3b4c514\nupgrade:\n  - bulk_insert:\n"
        "      table_name: shipping_method\n      rows:\n        - {code: x, name: y, fee: "
        f"{2 ** 80}}}\ndowngrade: []\n"))))

    # the bytes of a file
    for name in rng.sample(files, 6):
        size = len((SAMPLE / "versions" / name).read_bytes())
        for cut in sorted(rng.sample(range(1, size), 8)):
            cases.append((f"{name}:truncated@{cut}", _bytes(name, lambda b, c=cut: b[:c])))
        for _ in range(6):
            at, byte = rng.randrange(size), rng.choice(b"\x00\xff\t:-[]{}&*!|>%@`'\"#\n")
            cases.append((f"{name}:byte@{at}={byte}",
                          _bytes(name, lambda b, a=at, x=byte: b[:a] + bytes([x]) + b[a + 1:])))
        cases.append((f"{name}:latin1", _bytes(name, lambda b: b + b"# caf\xe9\n")))
        cases.append((f"{name}:bom", _bytes(name, lambda b: b"\xef\xbb\xbf" + b)))
        cases.append((f"{name}:empty", _bytes(name, lambda b: b"")))
        cases.append((f"{name}:two-docs", _bytes(name, lambda b: b + b"\n---\na: 1\n")))
        tagged = _text(name, lambda t: t.replace("upgrade:", "upgrade: !!python/name:x", 1))
        cases.append((f"{name}:tag", tagged))
        cases.append((f"{name}:dup-key", _text(name, lambda t: t + "\nmessage: again\n")))

    # aliases and nesting
    head = "revision: zz02\ndown_revision: e1f2a3b4c514\n"
    for width, depth in ((9, 6), (10, 7), (4, 12), (2, 20), (100, 3)):
        lines = [f"l0: &l0 [{', '.join(['x'] * width)}]"] + [
            f"l{d}: &l{d} [{', '.join([f'*l{d - 1}'] * width)}]" for d in range(1, depth)]
        cases.append((f"alias-bomb-{width}x{depth}", _new_file("zz02_bomb.yaml", head + "\n".join(lines)
                                                                  + "\nupgrade: []\n")))
        cases.append((f"merge-bomb-{width}x{depth}", _new_file("zz02_bomb.yaml", head + "\n".join(
            [f"m0: &m0 {{{', '.join(f'k{i}: {i}' for i in range(width))}}}"]
            + [f"m{d}: &m{d} {{<<: [{', '.join([f'*m{d - 1}'] * 3)}], z{d}: 1}}" for d in range(1, depth)])
            + "\nupgrade: []\n")))
    for text in ("x: &a [*a]", "x: &a {<<: *a}", "x: &a {k: *a}", "x: " + "[" * 50000 + "]" * 50000,
                 "x:\n" + "  " + "- " * 50000 + "1", "x: " + "{a: " * 3000 + "1" + "}" * 3000,
                 "x: *undefined", "x: &a 1\ny: &a 2\nz: *a"):
        cases.append((f"yaml:{text[:24]!r}", _new_file("zz03_yaml.yaml", head.replace("zz02", "zz03")
                                                        + text + "\nupgrade: []\ndowngrade: []\n")))

    # files that are not regular files, and bad versions paths
    def fifo(project: Path) -> None:
        os.mkfifo(project / "versions" / "x.yaml")

    def links(project: Path) -> None:
        versions = project / "versions"
        (versions / "a.yaml").symlink_to("b.yaml")
        (versions / "b.yaml").symlink_to("a.yaml")
        (versions / "c.yaml").symlink_to("nowhere.yaml")

    def dir_loop(project: Path) -> None:
        (project / "versions" / "sub").symlink_to("..")

    def versions_file(project: Path) -> None:
        shutil.rmtree(project / "versions")
        (project / "versions").write_text("not a folder")

    def no_versions(project: Path) -> None:
        shutil.rmtree(project / "versions")

    def device(project: Path) -> None:
        (project / "versions" / "z.yaml").symlink_to("/dev/zero")

    def a_folder(project: Path) -> None:
        (project / "versions" / "d.yaml").mkdir()

    for function in (fifo, links, dir_loop, versions_file, no_versions, device, a_folder):
        cases.append((f"special:{function.__name__}", function))

    # hostile configs
    base_ini = (SAMPLE / "yamig.ini").read_text()
    for line in ("foo = 50%", "script_location = %(missing)s", "script_location = 50%",
                 "sqlalchemy.url = sqlite:///a%b.db", "transaction_per_migration = maybe",
                 "transaction_per_migration = 2", "version_path_separator = spaces",
                 "version_locations = nowhere", "version_locations = yamig.ini",
                 "validate.multiple_heads = sometimes", "version_table_schema = nowhere",
                 "version_table = ", "file_template = %(nope)s", "sqlalchemy.url = ${NOPE_NOT_SET}",
                 "sqlalchemy.url = ${x:tenant}", "databases = one two", "a = %(a)s\nb = %(a)s",
                 "sqlalchemy.url = nodriver://x", "sqlalchemy.url = sqlite:////nonexistent/dir/x.db",
                 "  indented = continuation", "= no key", "[yamig]", "validate.disable = nope"):
        cases.append((f"ini:+{line!r:.30}", _ini(lambda t, ln=line: t.rstrip("\n") + "\n" + ln + "\n")))
    cases.append(("ini:bom", _ini_bytes(b"\xef\xbb\xbf" + base_ini.encode())))
    cases.append(("ini:latin1", _ini_bytes(b"# caf\xe9\n" + base_ini.encode())))
    cases.append(("ini:utf16", _ini_bytes(base_ini.encode("utf-16"))))
    cases.append(("ini:binary", _ini_bytes(bytes(range(256)))))
    cases.append(("ini:empty", _ini_bytes(b"")))
    cases.append(("ini:no-section", _ini(lambda t: t.replace("[yamig]", "[other]"))))
    cases.append(("ini:no-header", _ini(lambda t: t.replace("[yamig]", ""))))
    cases.append(("ini:twice", _ini(lambda t: t + "\nscript_location = .\n")))
    return cases


CORPUS = corpus()


# -- running a case ---------------------------------------------------------------------------------

class _Timeout(Exception):
    pass


def _alarm(signum, frame):
    raise _Timeout()


def _run(project: Path, *argv: str) -> tuple[int, str]:
    """main(argv) in this process, in `project`, within SECONDS; (exit code, output)."""
    out = io.StringIO()
    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(SECONDS)
    cwd = os.getcwd()
    try:
        os.chdir(project)
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
            try:
                code = main(["-q", *argv])
            except SystemExit as exc:  # argparse
                code = exc.code if isinstance(exc.code, int) else 2
    except _Timeout:
        code = -1
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
        os.chdir(cwd)
        loader._FOLDERS.clear()  # each project's cache is its own
    return code, out.getvalue()


def _tables(database: Path) -> list:
    if not database.exists():
        return []
    with contextlib.closing(sqlite3.connect(database)) as db:
        return db.execute("SELECT type, name, sql FROM sqlite_master ORDER BY name").fetchall()


def _problem(name: str, code: int, output: str, located: bool) -> str | None:
    if code == -1:
        return f"{name}: did not finish within {SECONDS} s"
    if code == 3 or "Traceback" in output or "internal error" in output:
        return f"{name}: internal error: {output[-600:]}"
    if code != 0 and located and not LOCATED.search(output) and not AMBIGUOUS.search(output):
        return f"{name}: exit {code} without a file:line: {output[-400:]}"
    return None


def _file_at_fault(name: str) -> bool:
    """Whether a file is to blame (so its errors must say file:line): not for special files,
    a missing or unreadable versions folder, or a config whose value is wrong for the database."""
    return not name.startswith("special:") and name not in (
        "ini:+'version_locations = nowhere'", "ini:+'version_locations = yamig.ini", "ini:+'sqlalchemy.url = nodriver://x'",
        "ini:+'sqlalchemy.url = sqlite:////nonexist", "ini:+'sqlalchemy.url = ${NOPE_NOT_SET}'",
        "ini:+'sqlalchemy.url = ${x:tenant}'", "ini:+'databases = one two'", "ini:empty",
        "ini:no-section", "ini:no-header", "ini:utf16", "ini:binary")


def test_the_corpus_is_large_and_reproducible():
    assert len(CORPUS) >= 500
    assert [name for name, _ in corpus()] == [name for name, _ in CORPUS]


@pytest.mark.parametrize("chunk", range(4))
def test_bad_input_ends_in_a_positioned_error(tmp_path, chunk):
    """validate and heads on every case (a quarter per test); upgrade head on every 8th."""
    problems = []
    for index, (name, mutate) in enumerate(CORPUS):
        if index % 4 != chunk:
            continue
        project = tmp_path / f"case{index}"
        shutil.copytree(SAMPLE, project, ignore=shutil.ignore_patterns("*.db", ".yamig-cache"))
        ini = project / "yamig.ini"
        ini.write_text(ini.read_text().replace("${DATABASE_URL:-sqlite:///%(here)s/shop.db}",
                                               "sqlite:///%(here)s/shop.db"))
        mutate(project)
        located = _file_at_fault(name)
        code, output = _run(project, "validate")
        problems.append(_problem(f"{name} [validate]", code, output, located))
        heads = _run(project, "heads")
        problems.append(_problem(f"{name} [heads]", *heads, located))
        if index % 8 == chunk and code != 0:
            database = project / "shop.db"
            before = _tables(database)
            upgrade = _run(project, "upgrade", "head")
            problems.append(_problem(f"{name} [upgrade]", *upgrade, located))
            if upgrade[0] != 0 and _tables(database) != before:
                problems.append(f"{name} [upgrade]: validate found an error, yet upgrade changed "
                                f"the database: {upgrade[1][-300:]}")
    problems = [p for p in problems if p]
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(problems[:40])
