"""Progress on long runs: on a terminal `upgrade` and `downgrade` number each revision [n/N]
and end its line with its time, then sum the run up; piped, the lines are Alembic's, plain;
-q shows none of it."""

from __future__ import annotations

import os
import pty
import re
import subprocess
import sys

from ..conftest import ROOT
from ..helpers import revision_text, write_project

TABLE = "- create_table: {{table_name: t{n}, columns: [{{name: id, type: Integer, primary_key: true}}]}}"


def project(tmp_path):
    revisions = {f"r{n}.yaml": revision_text(f"r{n}", f"r{n - 1}" if n > 1 else None, TABLE.format(n=n),
                                              message=f"table {n}")
                 for n in (1, 2, 3)}
    return write_project(tmp_path, revisions, f"sqlite:///{tmp_path / 'db.sqlite'}").config_file_name


def under_a_terminal(*args: str) -> str:
    """yamig's output with stdout and stderr on a pseudo-terminal, as a user at a shell sees it."""
    master, slave = pty.openpty()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen([sys.executable, "-m", "runner", *args], stdin=slave, stdout=slave,
                               stderr=slave, env=env, close_fds=True)
    os.close(slave)
    chunks = []
    while True:
        try:
            chunk = os.read(master, 4096)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(master)
    assert process.wait(timeout=60) == 0
    return b"".join(chunks).decode().replace("\r\n", "\n")


def piped(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "runner", *args], capture_output=True, text=True,
                          env=env, timeout=60, check=True)


def test_on_a_terminal_each_revision_is_numbered_and_timed(tmp_path):
    ini = project(tmp_path)
    out = under_a_terminal("-c", ini, "upgrade", "head")
    lines = [re.sub(r"\d+\.\d\d s", "T s", line) for line in out.splitlines()]
    assert lines == ["[1/3] Running upgrade  -> r1, table 1  T s",
                     "[2/3] Running upgrade r1 -> r2, table 2  T s",
                     "[3/3] Running upgrade r2 -> r3, table 3  T s",
                     "Done: 3 upgraded in T s"]
    out = under_a_terminal("-c", ini, "downgrade", "r1")
    lines = [re.sub(r"\d+\.\d\d s", "T s", line) for line in out.splitlines()]
    assert lines == ["[1/2] Running downgrade r3 -> r2, table 3  T s",
                     "[2/2] Running downgrade r2 -> r1, table 2  T s",
                     "Done: 2 downgraded in T s"]


def test_piped_the_lines_are_plain_and_quiet_hides_them(tmp_path):
    ini = project(tmp_path)
    done = piped("-c", ini, "upgrade", "r2")
    assert done.stderr.splitlines() == ["Running upgrade  -> r1, table 1",
                                        "Running upgrade r1 -> r2, table 2"]
    assert under_a_terminal("-q", "-c", ini, "upgrade", "head") == ""
