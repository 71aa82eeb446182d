"""`yamig status` on real SQLite and PostgreSQL: a branchy project partly applied, read back
per head as text and JSON, exactly; stamped and failed revisions; rows no file defines."""

from __future__ import annotations

import datetime
import json

import pytest
import sqlalchemy as sa

from runner.cli import main
from runner.masking import mask_url

from ..helpers import write_project
from .test_graph import REVISIONS


@pytest.fixture
def project(tmp_path, monkeypatch, db_url):
    monkeypatch.chdir(tmp_path)
    write_project(tmp_path, REVISIONS, db_url)
    return db_url


def run(capsys, *argv):
    code = main(["-q", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def shown(url: str) -> str:
    return mask_url(sa.engine.make_url(url).render_as_string(hide_password=True))


def fix_history_times(url: str) -> None:
    """Row n of yamig_history finished at 2024-05-01 10:00:0n, so the output can be exact."""
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        ids = connection.execute(sa.text("SELECT id FROM yamig_history ORDER BY id")).scalars().all()
        for i in ids:
            connection.execute(sa.text("UPDATE yamig_history SET finished_at = :at WHERE id = :id"),
                               {"at": datetime.datetime(2024, 5, 1, 10, 0, i), "id": i})
    engine.dispose()


def test_nothing_applied_yet(project, capsys):
    code, out, err = run(capsys, "status")
    assert (code, err) == (0, "")
    assert out == f"""\
Database: {shown(project)}
Current: (none: nothing applied)

d1 (head, core): 0 applied, 4 pending
  pending  a1                       create account
             - create_table account
  pending  c1                       invoice "table" <x> #1
             - create_table invoice
  pending  b1                       add email
             - add_column account.email
  pending  d1                       merge

x1 (head, audit): 0 applied, 3 pending
  pending  a1                       create account
             - create_table account
  pending  c1                       invoice "table" <x> #1
             - create_table invoice
  pending  x1                       audit log
             - create_table audit
"""


def test_a_partly_applied_branchy_project(project, capsys):
    """At b1 and x1 (x1 pulled c1 in as its dependency): d1's branch waits for the merge only,
    x1's is up to date."""
    assert run(capsys, "upgrade", "b1")[0] == 0    # history rows 1, 2: a1, b1
    assert run(capsys, "upgrade", "x1")[0] == 0    # rows 3, 4: c1, x1
    fix_history_times(project)
    code, out, err = run(capsys, "status")
    assert (code, err) == (0, "")
    assert out == f"""\
Database: {shown(project)}
Current: b1, x1

d1 (head, core): 3 applied, 1 pending
  applied  a1  2024-05-01 10:00:01  create account
  applied  c1  2024-05-01 10:00:03  invoice "table" <x> #1
  applied  b1  2024-05-01 10:00:02  add email
  pending  d1                       merge

x1 (head, audit): 3 applied, up to date
  applied  a1  2024-05-01 10:00:01  create account
  applied  c1  2024-05-01 10:00:03  invoice "table" <x> #1
  applied  x1  2024-05-01 10:00:04  audit log
"""
    code, out, err = run(capsys, "status", "--format", "json")
    assert (code, err) == (0, "")

    def applied(rev, message, second):
        return {"revision": rev, "message": message, "state": "applied",
                "applied_at": f"2024-05-01T10:00:0{second}Z", "recorded_by": "upgrade"}

    a1, b1 = applied("a1", "create account", 1), applied("b1", "add email", 2)
    c1, x1 = applied("c1", 'invoice "table" <x> #1', 3), applied("x1", "audit log", 4)
    expected = {"version": 1, "database": shown(project), "current": ["b1", "x1"], "heads": [
        {"head": "d1", "branch_labels": ["core"], "applied": [a1, c1, b1], "pending": [
            {"revision": "d1", "message": "merge", "state": "pending", "failed_at": None,
             "failed_operation": None, "operations": []}]},
        {"head": "x1", "branch_labels": ["audit"], "applied": [a1, c1, x1], "pending": []}]}
    assert out == json.dumps(expected, indent=2) + "\n"


def test_a_downgraded_revision_is_pending_again(project, capsys):
    assert run(capsys, "upgrade", "d1")[0] == 0
    assert run(capsys, "downgrade", "b1")[0] == 0  # d1 reverted: the rows are b1 and c1
    code, out, _ = run(capsys, "status", "--format", "json")
    d1, x1 = json.loads(out)["heads"]
    assert json.loads(out)["current"] == ["b1", "c1"]
    assert [e["revision"] for e in d1["applied"]] == ["a1", "c1", "b1"]
    assert [(e["revision"], e["state"]) for e in d1["pending"]] == [("d1", "pending")]
    assert [e["revision"] for e in x1["pending"]] == ["x1"]
    assert run(capsys, "upgrade", "d1")[0] == 0  # rows: 1-4 the first upgrade, 5 the downgrade, 6 this
    fix_history_times(project)
    d1 = json.loads(run(capsys, "status", "--format", "json")[1])["heads"][0]
    assert [(e["revision"], e["applied_at"]) for e in d1["applied"]] == [
        ("a1", "2024-05-01T10:00:01Z"), ("c1", "2024-05-01T10:00:02Z"),
        ("b1", "2024-05-01T10:00:03Z"), ("d1", "2024-05-01T10:00:06Z")]


STAMPED_AND_FAILING = {
    "a1_account.yaml": """
        revision: a1
        down_revision: null
        message: create account
        upgrade:
          - create_table:
              table_name: account
              columns:
                - {name: id, type: Integer, primary_key: true}
        """,
    "b1_broken.yaml": """
        revision: b1
        down_revision: a1
        message: a query that fails
        upgrade:
          - add_column: {table_name: account, column: {name: email, type: String(255)}}
          - execute: SELECT * FROM no_such_table
        downgrade:
          - drop_column: {table_name: account, column_name: email}
        """,
}


def test_stamped_and_failed_revisions(tmp_path, monkeypatch, db_url, capsys):
    monkeypatch.chdir(tmp_path)
    write_project(tmp_path, STAMPED_AND_FAILING, db_url)
    engine = sa.create_engine(db_url)
    with engine.begin() as connection:
        connection.execute(sa.text("CREATE TABLE account (id INTEGER PRIMARY KEY)"))
    engine.dispose()
    assert run(capsys, "stamp", "a1")[0] == 0          # row 1: a1 stamped
    assert run(capsys, "upgrade", "head")[0] == 1      # row 2: b1 failed at its second operation
    fix_history_times(db_url)
    code, out, err = run(capsys, "status")
    assert (code, err) == (0, "")
    assert out == f"""\
Database: {shown(db_url)}
Current: a1

b1 (head): 1 applied, 1 pending
  stamped  a1  2024-05-01 10:00:01  create account
  failed   b1  2024-05-01 10:00:02  a query that fails
             failed at operation #1
             - add_column account.email
             - execute
"""


def test_a_row_no_file_defines_is_said(project, capsys):
    assert run(capsys, "stamp", "a1")[0] == 0
    engine = sa.create_engine(project)
    with engine.begin() as connection:
        connection.execute(sa.text("UPDATE alembic_version SET version_num = 'gone1'"))
    engine.dispose()
    assert run(capsys, "status") == (1, "", (
        "yamig: the database is at revision 'gone1', which no revision file defines\n"
        "  hint: check version_locations (or -c/--config), or restore that revision's file; "
        "`yamig stamp` can set the version table by hand\n"))
