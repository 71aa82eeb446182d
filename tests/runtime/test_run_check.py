"""upgrade and downgrade replay the revisions they will run, as validate does, before running any."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from runner import command
from runner.cli import main
from runner.errors import MigrationError

from ..helpers import revision_text, write_project

ACCOUNT = revision_text("a1", None, """
    - create_table:
        table_name: account
        columns: [{name: id, type: Integer, primary_key: true}, {name: note, type: Text}]
""")
INVOICE = revision_text("b2", "a1", """
    - create_table:
        table_name: invoice
        columns: [{name: id, type: Integer, primary_key: true}]
""")
DROP_MISSING = revision_text("c3", "b2", """
    - drop_column: {table_name: account, column_name: nickname}
""", downgrade="[]")

HINT = ("  hint: fix the names, or the order of the operations. Nothing was run; `yamig validate` lists "
        "every finding (--no-check runs the revisions without these checks)\n")


@pytest.fixture
def project(tmp_path, monkeypatch, sqlite_url):
    def make(revisions: dict[str, str]):
        write_project(tmp_path, revisions, sqlite_url)
        monkeypatch.chdir(tmp_path)
    return make


def run(capsys, *argv):
    code = main(["-q", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def schema(url: str) -> tuple[set[str], list[str]]:
    """The tables, and the version rows (none when there is no version table)."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            tables = set(sa.inspect(conn).get_table_names()) - {"yamig_history"}  # test_history.py
            rows = sorted(conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalars()) \
                if "alembic_version" in tables else []
        return tables, rows
    finally:
        engine.dispose()


def test_an_error_in_the_third_revision_stops_the_run_before_the_first(project, capsys, sqlite_url):
    project({"a1_account.yaml": ACCOUNT, "b2_invoice.yaml": INVOICE, "c3_drop.yaml": DROP_MISSING})
    message = "versions/c3_drop.yaml:4:5: error state: column account.nickname does not exist at this point\n"
    assert run(capsys, "upgrade", "head") == (1, "", message + HINT)
    assert schema(sqlite_url) == (set(), [])
    code, out, _ = run(capsys, "validate")
    assert code == 1 and message in out                 # what validate says, at the same place

    code, _, err = run(capsys, "upgrade", "head", "--no-check")
    assert code == 1 and err.startswith("versions/c3_drop.yaml:4:5: drop_column failed in revision c3")
    assert schema(sqlite_url) == ({"account", "invoice", "alembic_version"}, ["b2"])


def test_the_check_starts_from_the_revision_the_database_is_at(project, capsys, sqlite_url):
    """From b2, the state replayed from the files has a1's column note: dropping it is fine;
    dropping one that no revision made is refused, though the database is already past a1."""
    drop_note = revision_text("c3", "b2", "- drop_column: {table_name: account, column_name: note}",
                              downgrade="[]")
    project({"a1_account.yaml": ACCOUNT, "b2_invoice.yaml": INVOICE, "c3_drop.yaml": drop_note})
    assert run(capsys, "upgrade", "b2") == (0, "", "")
    assert run(capsys, "upgrade", "head") == (0, "", "")
    assert schema(sqlite_url)[1] == ["c3"]

    d4 = revision_text("d4", "c3", "- drop_column: {table_name: account, column_name: note}",
                       downgrade="[]")
    project({"d4_again.yaml": d4})
    assert run(capsys, "upgrade", "head") == (
        1, "", "versions/d4_again.yaml:4:5: error state: column account.note does not exist at this "
               "point\n" + HINT)
    assert schema(sqlite_url)[1] == ["c3"]


def test_sql_prints_nothing_when_the_check_fails(project, capsys):
    project({"a1_account.yaml": ACCOUNT, "b2_invoice.yaml": INVOICE, "c3_drop.yaml": DROP_MISSING})
    code, out, err = run(capsys, "upgrade", "head", "--sql", "--tag", "release")
    assert (code, out) == (1, "")
    assert err.startswith("versions/c3_drop.yaml:4:5: error state: column account.nickname")
    code, out, _ = run(capsys, "upgrade", "b2:head", "--sql", "--no-check")
    assert code == 0 and "ALTER TABLE account DROP COLUMN nickname;" in out


def test_a_downgrade_is_checked_before_its_first_revision_runs(project, capsys, sqlite_url):
    """b2's written downgrade drops a table no revision made: `downgrade base` stops before c3's."""
    wrong = revision_text("b2", "a1", """
        - create_table:
            table_name: invoice
            columns: [{name: id, type: Integer, primary_key: true}]
    """, downgrade="- drop_table: {table_name: invoices}")
    c3 = revision_text("c3", "b2",
                       "- add_column: {table_name: invoice, column: {name: total, type: Integer}}")
    project({"a1_account.yaml": ACCOUNT, "b2_invoice.yaml": wrong, "c3_total.yaml": c3})
    assert run(capsys, "upgrade", "head") == (0, "", "")
    message = ("versions/b2_invoice.yaml:8:5: error state: in the downgrade: table invoices does not "
               "exist at this point\n")
    assert run(capsys, "downgrade", "base") == (1, "", message + HINT)
    assert schema(sqlite_url) == ({"account", "invoice", "alembic_version"}, ["c3"])
    engine = sa.create_engine(sqlite_url)
    assert "total" in {c["name"] for c in sa.inspect(engine).get_columns("invoice")}
    engine.dispose()
    code, out, _ = run(capsys, "validate")
    assert code == 1 and message in out

    code, _, err = run(capsys, "downgrade", "base", "--no-check")
    assert code == 1 and err.startswith("versions/b2_invoice.yaml:8:5: drop_table failed in revision b2")
    assert schema(sqlite_url)[1] == ["b2"]                # c3's downgrade ran


def test_from_python_check_false_skips_it(tmp_path, sqlite_url):
    config = write_project(tmp_path, {"a1_account.yaml": ACCOUNT, "b2_invoice.yaml": INVOICE,
                                      "c3_drop.yaml": DROP_MISSING}, sqlite_url)
    with pytest.raises(MigrationError) as info:
        command.upgrade(config, "head")
    assert info.value.location == f"{tmp_path}/versions/c3_drop.yaml:4:5"
    assert info.value.message == "error state: column account.nickname does not exist at this point"
    assert schema(sqlite_url) == (set(), [])
    with pytest.raises(MigrationError) as info:
        command.upgrade(config, "head", check=False)
    assert info.value.message.startswith("drop_column failed in revision c3")
    assert schema(sqlite_url)[1] == ["b2"]


def test_every_error_is_listed_and_safety_rules_do_not_stop_a_run(project, capsys, sqlite_url):
    """type-narrowing is an error for validate, about the data of a production database; it does
    not stop a run. The two state errors are both listed, in order."""
    narrow = revision_text("b2", "a1", """
        - alter_column: {table_name: account, column_name: note, type: String(10), existing_type: Text}
    """, downgrade="[]")
    both = revision_text("c3", "b2", """
        - drop_column: {table_name: account, column_name: nickname}
        - create_index: {index_name: ix_ghost, table_name: ghost, columns: [id]}
    """, downgrade="[]")
    project({"a1_account.yaml": ACCOUNT, "b2_narrow.yaml": narrow, "c3_both.yaml": both})
    assert run(capsys, "upgrade", "b2") == (0, "", "")
    assert run(capsys, "upgrade", "head") == (1, "", (
        "versions/c3_both.yaml:4:5: error state: column account.nickname does not exist at this point\n"
        "versions/c3_both.yaml:5:5: error state: table ghost does not exist at this point\n" + HINT))
    assert schema(sqlite_url)[1] == ["b2"]


def test_allowed_and_disabled_rules_do_not_stop_a_run(tmp_path, sqlite_url):
    """As in validate: `allow: [state]` beside the operation, or validate.disable for the project;
    the run then gets the database's answer."""
    allowed = revision_text("c3", "b2", """
        - drop_column: {table_name: account, column_name: nickname}
          allow: [state]
    """, downgrade="[]")
    config = write_project(tmp_path, {"a1_account.yaml": ACCOUNT, "b2_invoice.yaml": INVOICE,
                                      "c3_drop.yaml": allowed}, sqlite_url)
    with pytest.raises(MigrationError) as info:
        command.upgrade(config, "head")
    assert info.value.message.startswith("drop_column failed in revision c3")
    assert schema(sqlite_url)[1] == ["b2"]

    config = write_project(tmp_path, {"c3_drop.yaml": DROP_MISSING}, sqlite_url)
    config.set_main_option("validate.disable", "drop-column, state")
    with pytest.raises(MigrationError) as info:
        command.upgrade(config, "head")
    assert info.value.message.startswith("drop_column failed in revision c3")


TAGS = revision_text("c3", "b2", """
    - add_column: {table_name: account, column: {name: tags, type: ARRAY(Integer)}}
""")
UNNAMED_ENUM = revision_text("c3", "b2", """
    - add_column: {table_name: account, column: {name: state, type: "Enum('open', 'paid')"}}
""")


def test_a_type_the_database_refuses_stops_the_run_before_the_first(project, capsys, sqlite_url):
    """SQLite has no ARRAY: the third revision would fail at its statement, after the first two."""
    project({"a1_account.yaml": ACCOUNT, "b2_invoice.yaml": INVOICE, "c3_tags.yaml": TAGS})
    code, out, err = run(capsys, "upgrade", "head")
    assert (code, out) == (1, "")
    assert err.startswith("versions/c3_tags.yaml:4:66: error dialect-type: account.tags is ARRAY(Integer): "
                          "SQLite has no ARRAY type"), err
    assert schema(sqlite_url) == (set(), [])


def test_the_script_is_refused_for_the_database_of_the_url(tmp_path, monkeypatch, capsys):
    """--sql checks against the dialect it prints for: PostgreSQL's enum needs a name."""
    write_project(tmp_path, {"a1_account.yaml": ACCOUNT, "b2_invoice.yaml": INVOICE,
                             "c3_state.yaml": UNNAMED_ENUM}, "postgresql://db.example/app")
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, "upgrade", "--sql", "head")
    assert (code, out) == (1, "")
    assert err.startswith("versions/c3_state.yaml:4:68: error dialect-type: account.state is "
                          "Enum('open', 'paid'): PostgreSQL makes an enum a type of its own"), err
    write_project(tmp_path, {"a1_account.yaml": ACCOUNT, "b2_invoice.yaml": INVOICE,
                             "c3_state.yaml": UNNAMED_ENUM}, "sqlite://")
    code, out, _ = run(capsys, "upgrade", "--sql", "head")  # a VARCHAR and a CHECK there
    assert code == 0 and "state VARCHAR(4)" in out


def test_postgresql_refuses_an_unnamed_enum_before_anything_runs(tmp_path, monkeypatch, capsys, postgres_url):
    write_project(tmp_path, {"a1_account.yaml": ACCOUNT, "b2_invoice.yaml": INVOICE,
                             "c3_state.yaml": UNNAMED_ENUM}, postgres_url)
    monkeypatch.chdir(tmp_path)
    code, _, err = run(capsys, "upgrade", "head")
    assert code == 1 and "error dialect-type: account.state is Enum('open', 'paid')" in err, err
    assert schema(postgres_url) == (set(), [])
