"""A runner killed with SIGKILL at any point leaves nothing a rerun cannot finish: each revision
is one transaction, and the run's lock goes with the process (the OS drops SQLite's flock, the
server the session's advisory lock). The rerun's schema, version rows and trace rows equal a
clean run's."""

from __future__ import annotations

import random
import signal
import time

import pytest

from .runners import HEAD, IDS, Databases, finish, start, state, traced_project, wait_until

POINTS = 8  # kill points per database, seeded: after the k-th revision's log line, or at start-up
SEED = 14


@pytest.fixture(params=["sqlite", "postgresql"])
def databases(request, tmp_path):
    server = request.getfixturevalue("postgres_server") if request.param == "postgresql" else None
    found = Databases(request.param, tmp_path, server)
    yield found
    if server:
        found.drop_all()


def _points() -> list[tuple[int, float]]:
    """(revisions announced before the kill, then a little more time): spread over the run,
    one in the start-up (0: before the first revision, while it loads, connects, locks)."""
    rng = random.Random(SEED)
    afters = [0] + sorted(rng.sample(range(1, len(IDS)), POINTS - 1))
    return [(after, rng.uniform(0, 0.3 if after == 0 else 0.02)) for after in afters]


def test_killed_runs_converge_to_a_clean_run(tmp_path, databases):
    clean_url = databases.new()
    clean_ini = traced_project(tmp_path / "clean", clean_url)
    assert finish(start(clean_ini, "upgrade", "head"))[0] == 0
    clean = state(clean_url)
    assert clean["versions"] == [HEAD] and set(clean["trace"].values()) == {1}

    interrupted = partial = 0
    for number, (after, extra) in enumerate(_points()):
        url = databases.new()
        ini = traced_project(tmp_path / f"run{number}", url)
        log = ini.parent / "stderr.txt"
        with log.open("w") as err:
            runner = start(ini, "upgrade", "head", stderr=err)
            if after:
                wait_until(lambda a=after, f=log, r=runner: f.read_text().count("Running upgrade") >= a
                           or r.poll() is not None, timeout=60, what=f"revision {after}")
            time.sleep(extra)
            interrupted += runner.poll() is None
            runner.send_signal(signal.SIGKILL)
            runner.wait()
        partial += 0 < len(state(url)["trace"]) < len(IDS)  # killed between revisions' commits
        code, err = finish(start(ini, "upgrade", "head"))
        assert code == 0, (after, err)
        assert state(url) == clean, f"killed after {after} revisions"
    assert interrupted >= POINTS - 1  # the kills landed while the runner was running,
    assert partial >= POINTS // 2  # most of them in the middle of the revisions
