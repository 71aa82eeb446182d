"""Drift from the command line, exact output: an edited applied revision refused by upgrade and
`current --check`, accepted by `repair`; `history --applied`; `check --db` reporting a column
added by hand, on SQLite and PostgreSQL."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from runner.cli import main

from ..helpers import revision_text, write_project

A1 = revision_text("a1", None, """
    - create_table:
        table_name: account
        columns:
          - {name: id, type: Integer, primary_key: true}
          - {name: email, type: String(255), nullable: false}
""")
B2 = revision_text("b2", "a1", """
    - create_index: {index_name: ix_account_email, table_name: account, columns: [email]}
""")


@pytest.fixture
def project(tmp_path, monkeypatch, db_url):
    write_project(tmp_path, {"a1_account.yaml": A1, "b2_index.yaml": B2}, db_url)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run(capsys, *argv):
    code = main(["-q", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def execute(url, *statements):
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        for statement in statements:
            conn.exec_driver_sql(statement)
    engine.dispose()


def test_an_edited_applied_revision_is_refused_then_repaired(project, capsys):
    assert run(capsys, "upgrade", "a1")[0] == 0
    (project / "versions" / "a1_account.yaml").write_text(A1.replace("String(255)", "String(320)"))
    code, out, err = run(capsys, "upgrade", "head")
    refused = re.sub(r"at \S+ \S+ UTC", "at <time> UTC", err)
    assert (code, out, refused) == (1, "", (
        "yamig: 1 applied revision changed since it was applied:\n"
        "  versions/a1_account.yaml:4:5: a1 (checksum of its upgrade at <time> UTC)\n"
        "  hint: undo the edit (write a new revision for a new change), or accept today's files "
        "with `yamig repair --reason ...`; --allow-changed runs this once anyway\n"))
    assert run(capsys, "current", "--check")[:2] == (1, "")
    assert run(capsys, "repair", "--reason", "wider emails") == (
        0, "Accepted a1 as applied: versions/a1_account.yaml\n", "")
    assert run(capsys, "current", "--check") == (0, "a1\n", "")
    assert run(capsys, "upgrade", "head")[0] == 0
    code, out, _ = run(capsys, "history", "--applied")
    lines = out.splitlines()
    assert code == 0 and len(lines) == 4
    assert re.split(r"\s{2,}", lines[0]) == ["id", "revision", "direction", "outcome", "started_at (UTC)",
                                             "ms", "checksum", "yamig", "run_by", "reason"]
    assert [re.split(r"\s{2,}", line)[1:4] for line in lines[1:]] == [
        ["a1", "upgrade", "success"], ["a1", "repair", "success"], ["b2", "upgrade", "success"]]
    assert lines[2].endswith("wider emails")
    assert len({line.index("direction") if i == 0 else len(re.match(r"(\S+\s+){2}", line).group(0))
                for i, line in enumerate(lines)}) == 1  # the columns are aligned


def test_reformatting_an_applied_revision_is_not_a_change(project, capsys):
    assert run(capsys, "upgrade", "head")[0] == 0
    (project / "versions" / "a1_account.yaml").write_text(
        "# the accounts\nrevision: a1\ndown_revision: null\nmessage: 'accounts, reworded'\n"
        "upgrade: [{create_table: {columns: [{primary_key: true, type: Integer, name: id},\n"
        "  {nullable: false, name: \"email\", type: 'String(255)'}], table_name: account}}]\n")
    assert run(capsys, "current", "--check") == (0, "b2 (head)\n", "")


def test_a_column_added_by_hand_is_reported_by_check_db(project, capsys, db_url):
    assert run(capsys, "upgrade", "head")[0] == 0
    assert run(capsys, "check", "--db") == (0, "The database matches its revisions at b2.\n", "")
    execute(db_url, "ALTER TABLE account ADD COLUMN nickname VARCHAR(40)",
            "DROP INDEX ix_account_email")
    assert run(capsys, "check", "--db") == (1, (
        "The database differs from its revisions at b2:\n"
        "  account:\n"
        "    + column nickname VARCHAR(40)\n"
        "    - index ix_account_email\n"), (
        "yamig: 2 differences between the database and its revisions\n"
        "  hint: undo the change by hand, or write a revision that makes it (the next upgrade may "
        "fail on it otherwise)\n"))
