"""The pytest plugin, run by pytest itself (pytester) on small projects, on real SQLite and
PostgreSQL: a good project passes every built-in test, and a project seeded with one defect
fails the test that looks for it, naming the revision file and the difference."""

from __future__ import annotations

import importlib
import os
import pkgutil
import textwrap
from pathlib import Path

import pytest
import sqlalchemy as sa

import runner

pytest_plugins = ["pytester"]

# pytester's in-process runs forget the modules imported during each run: runner's, PyYAML's
# (whose C loader does not survive being imported twice) would be imported anew by the next.
# Imported here, they are kept.
for module in pkgutil.walk_packages(runner.__path__, "runner."):
    if module.name != "runner.__main__":
        importlib.import_module(module.name)

ROOT = Path(__file__).resolve().parents[2]

ACCOUNT = """\
revision: a1
down_revision: null
upgrade:
  - create_table:
      table_name: account
      columns:
        - {name: id, type: Integer, primary_key: true}
"""

EMAIL = """\
revision: b2
down_revision: a1
upgrade:
  - add_column:
      table_name: account
      column: {name: email, type: String(255)}
"""

MODELS = """\
import sqlalchemy as sa

metadata = sa.MetaData()
sa.Table("account", metadata, sa.Column("id", sa.Integer, primary_key=True),
         sa.Column("email", sa.String(255)))
"""

USER_TEST = """\
import sqlalchemy as sa

def test_email_at_head(migrated_database):
    columns = [c["name"] for c in sa.inspect(migrated_database).get_columns("account")]
    assert columns == ["id", "email"]

def test_config_points_at_the_throwaway_database(yamig_config, yamig_database, migrated_database):
    assert yamig_config.url == yamig_database != "sqlite:///nowhere.db"
    assert migrated_database.url.render_as_string(hide_password=False) == yamig_database
"""

BUILT_IN = ["single_head", "upgrade", "models_match", "up_down_consistency", "stairway",
            "downgrade_leaves_no_trace"]


def make_project(pytester: pytest.Pytester, revisions: dict[str, str], models: str | None = MODELS,
                 ini: str = "[pytest]\nyamig_config = yamig.ini\n") -> Path:
    """yamig.ini (target_metadata when `models`), versions/, tests/ with a test of the user's."""
    root = pytester.path
    (root / "versions").mkdir()
    for name, text in revisions.items():
        (root / "versions" / name).write_text(textwrap.dedent(text))
    metadata = "target_metadata = models:metadata\n" if models else ""
    (root / "yamig.ini").write_text("[yamig]\nscript_location = .\nsqlalchemy.url = sqlite:///nowhere.db\n"
                                    + metadata)
    if models:
        (root / "models.py").write_text(models)
    (root / "tests").mkdir()
    (root / "tests" / "conftest.py").write_text("")
    (root / "tests" / "test_mine.py").write_text(USER_TEST)
    if ini:
        (root / "pytest.ini").write_text(ini)
    return root


def run(pytester: pytest.Pytester, server: str | None, *args: str) -> dict[str, tuple[str, str]]:
    """{test name: (outcome, what pytest reports)} of one in-process run with the plugin."""
    extra = ["--yamig-url", server] if server else []
    recorder = pytester.inline_run("-p", "runner.testing.plugin", "-p", "no:cacheprovider",
                                   "-W", "ignore::pytest.PytestAssertRewriteWarning", *extra, *args)
    found = {}
    for report in recorder.getreports("pytest_runtest_logreport"):
        name = report.nodeid.rpartition("::")[2]
        if report.when == "call" or report.outcome != "passed":
            found[name] = (report.outcome, report.longreprtext)
    return found


@pytest.fixture(params=["sqlite", "postgresql"])
def server(request):
    """None (each test's database a SQLite file), or a PostgreSQL server's URL for --yamig-url."""
    return None if request.param == "sqlite" else request.getfixturevalue("postgres_server")


def outcomes(found: dict) -> dict[str, str]:
    return {name.removeprefix("yamig_"): outcome for name, (outcome, _) in found.items()}


def expect(found: dict, failing: dict[str, list[str]]) -> None:
    """The tests in `failing` fail with these lines in their report (and no traceback); all the
    others pass."""
    assert outcomes(found) == {**dict.fromkeys(BUILT_IN, "passed"), **dict.fromkeys(failing, "failed"),
                               "test_email_at_head": "passed",
                               "test_config_points_at_the_throwaway_database": "passed"}
    for name, lines in failing.items():
        report = found[f"yamig_{name}"][1].splitlines()
        assert report[: len(lines)] == lines, report
        assert not any("Traceback" in line or line.startswith("E ") for line in report)


def test_a_good_project_passes_every_built_in_test(pytester, server):
    ini = "[pytest]\nyamig_config = yamig.ini\n" + (f"yamig_url = {server}\n" if server else "")
    make_project(pytester, {"a1_account.yaml": ACCOUNT, "b2_email.yaml": EMAIL}, ini=ini)
    expect(run(pytester, None), {})  # the server from the ini this time
    if server:  # each test's database was made on the server, and dropped after it
        engine = sa.create_engine(server)
        with engine.connect() as connection:
            names = connection.exec_driver_sql("SELECT datname FROM pg_database").scalars().all()
        engine.dispose()
        assert not [name for name in names if name.startswith(f"yamig_test_{os.getpid()}_")]


def test_on_mariadb_a_downgrade_that_leaves_a_column_fails_too(pytester, mariadb_server):
    make_project(pytester, {"a1_account.yaml": ACCOUNT, "b2_email.yaml": EMAIL + "downgrade: []\n"})
    expect(run(pytester, mariadb_server), {"stairway": [
        "the downgrade of versions/b2_email.yaml does not get back to the schema before its upgrade",
        "  account columns: only after the downgrade has ('email', 'VARCHAR(255)', True, None, None)"],
        "up_down_consistency": [
        "the downgrade of versions/b2_email.yaml does not get back to the schema before its upgrade",
        "  account columns: only after the downgrade has ('email', 'VARCHAR(255)', True, None, None)"]})


def test_two_heads_fail_single_head_naming_both_files(pytester, server):
    make_project(pytester, {"a1_account.yaml": ACCOUNT, "b2_email.yaml": EMAIL, "c3_note.yaml": """\
        revision: c3
        down_revision: a1
        upgrade:
          - create_table:
              table_name: note
              columns:
                - {name: id, type: Integer, primary_key: true}
        """}, models=MODELS + 'sa.Table("note", metadata, sa.Column("id", sa.Integer, primary_key=True))\n')
    # the other tests walk both branches: c3's downgrade leaves b2 (its sibling) applied
    expect(run(pytester, server), {"single_head": [
        "2 heads, where one is expected", "  versions/b2_email.yaml (revision b2)",
        "  versions/c3_note.yaml (revision c3)", '  merge them: yamig merge heads -m "merge"']})


def test_heads_with_branch_labels_of_their_own_are_deliberate(pytester):
    make_project(pytester, {"a1_account.yaml": ACCOUNT.replace("down_revision: null", "down_revision: null\n"
                                                               "branch_labels: [accounts]"),
                            "n1_note.yaml": """\
        revision: n1
        down_revision: null
        branch_labels: [notes]
        upgrade: []
        """}, models=None)
    assert outcomes(run(pytester, None, "-k", "single_head")) == {"single_head": "passed"}


def test_a_downgrade_that_leaves_a_column_fails_the_stairway_and_up_down(pytester, server):
    make_project(pytester, {"a1_account.yaml": ACCOUNT, "b2_email.yaml": EMAIL + "downgrade: []\n"})
    message = "the downgrade of versions/b2_email.yaml does not get back to the schema before its upgrade"
    column = "  account columns: only after the downgrade has ('email', 'VARCHAR(255)', True, None, None)"
    # downgrade base drops the whole table, column and all: no trace is left there
    expect(run(pytester, server), {"stairway": [message, column], "up_down_consistency": [message, column]})


def test_a_model_not_migrated_fails_models_match(pytester, server):
    make_project(pytester, {"a1_account.yaml": ACCOUNT, "b2_email.yaml": EMAIL},
                 models=MODELS + 'sa.Table("audit", metadata, sa.Column("id", sa.Integer))\n')
    expect(run(pytester, server), {"models_match": [
        "the models (models:metadata) differ from the schema the revisions build at head "
        "(versions/b2_email.yaml): 1 difference between the models and the migrations",
        "  audit:", "  + table (id)"]})


def test_a_revision_that_fails_on_the_way_up_fails_each_test_that_runs_it(pytester, server):
    make_project(pytester, {"a1_account.yaml": ACCOUNT, "b2_email.yaml": EMAIL, "c3_copy.yaml": """\
        revision: c3
        down_revision: b2
        upgrade:
          - execute: "INSERT INTO nowhere VALUES (1)"
        downgrade: []
        """})
    found = run(pytester, server)
    failed = [name for name in BUILT_IN if name != "single_head"]
    assert outcomes(found) == {"single_head": "passed", **dict.fromkeys(failed, "failed"),
                               "test_email_at_head": "failed",
                               "test_config_points_at_the_throwaway_database": "failed"}
    assert found["test_email_at_head"][1].splitlines()[:2] == [
        "migrated_database: the upgrade to head failed",
        "versions/c3_copy.yaml:4:5: execute failed in revision c3: " + (
            "no such table: nowhere" if server is None else 'relation "nowhere" does not exist')]
    assert found["yamig_upgrade"][1].splitlines()[:2] == [
        "the upgrade of versions/c3_copy.yaml failed",
        "  versions/c3_copy.yaml:4:5: execute failed in revision c3: " + (
            "no such table: nowhere" if server is None else 'relation "nowhere" does not exist')]


def test_a_downgrade_that_leaves_a_table_fails_no_trace_naming_its_file(pytester):
    make_project(pytester, {"a1_account.yaml": ACCOUNT + "downgrade: []\n"}, models=None)
    found = run(pytester, None, "-k", "no_trace or models")
    assert found["yamig_downgrade_leaves_no_trace"][0] == "failed"
    assert found["yamig_downgrade_leaves_no_trace"][1].splitlines() == [
        "the downgrade to base leaves a trace",
        "  account: still there (its operations are in versions/a1_account.yaml)"]
    # without target_metadata there are no models to compare
    outcome, why = found["yamig_models_match"]
    assert outcome == "skipped" and "no target_metadata in the config" in why


def test_an_irreversible_revision_ends_the_walks_down(pytester):
    make_project(pytester, {"a1_account.yaml": ACCOUNT, "b2_email.yaml": EMAIL + "downgrade: irreversible\n"})
    found = run(pytester, None)
    assert outcomes(found) == {**dict.fromkeys(BUILT_IN, "passed"), "downgrade_leaves_no_trace": "skipped",
                               "test_email_at_head": "passed",
                               "test_config_points_at_the_throwaway_database": "passed"}
    assert ("base cannot be reached from head: versions/b2_email.yaml says `downgrade: irreversible`"
            in found["yamig_downgrade_leaves_no_trace"][1])


def test_it_is_off_until_the_project_turns_it_on(pytester):
    make_project(pytester, {"a1_account.yaml": ACCOUNT, "b2_email.yaml": EMAIL}, ini="")
    found = run(pytester, None)
    assert outcomes(found) == {"test_email_at_head": "failed",  # at setup: the fixture says why
                               "test_config_points_at_the_throwaway_database": "failed"}
    assert "the yamig plugin is off: set `yamig_config = yamig.ini`" in found["test_email_at_head"][1]


@pytest.mark.parametrize("args", [["--yamig"], ["--yamig-config", "yamig.ini"]])
def test_the_command_line_turns_it_on(pytester, args):
    make_project(pytester, {"a1_account.yaml": ACCOUNT, "b2_email.yaml": EMAIL}, ini="")
    expect(run(pytester, None, *args), {})


def test_a_missing_tests_path_is_a_usage_error(pytester):
    make_project(pytester, {"a1_account.yaml": ACCOUNT}, ini="[pytest]\nyamig_config = yamig.ini\n"
                                                           "yamig_tests_path = tests/nothere.py\n")
    result = pytester.runpytest("-p", "runner.testing.plugin")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*yamig: the built-in tests are collected under */tests/nothere.py, "
                                 "which does not exist: create it, or set yamig_tests_path"])


def _installed(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    """The entry point as `pip install yamig` writes it, on the subprocess' path (this machine's
    yamig is installed from another checkout, which has not got it)."""
    site = pytester.path / "site"
    dist = site / "yamig_plugin_test-0.dist-info"
    dist.mkdir(parents=True)
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: yamig-plugin-test\nVersion: 0\n")
    (dist / "entry_points.txt").write_text("[pytest11]\nrunner.testing.plugin = runner.testing.plugin\n")
    monkeypatch.setenv("PYTHONPATH", f"{site}:{ROOT}")
    monkeypatch.delenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", raising=False)


def test_installed_it_loads_by_itself_and_stays_inert(pytester, monkeypatch):
    make_project(pytester, {"a1_account.yaml": ACCOUNT, "b2_email.yaml": EMAIL}, ini="")
    (pytester.path / "tests" / "test_mine.py").write_text("def test_plain():\n    pass\n")
    _installed(pytester, monkeypatch)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--co", "-q")
    assert [line for line in result.outlines if "::" in line] == ["tests/test_mine.py::test_plain"]
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--yamig", "-q")
    assert result.parseoutcomes() == {"passed": 7}


def test_installed_and_named_in_pytest_plugins_it_is_one_plugin(pytester, monkeypatch):
    make_project(pytester, {"a1_account.yaml": ACCOUNT, "b2_email.yaml": EMAIL},
                 ini="[pytest]\nyamig_config = yamig.ini\nyamig_tests_path = conftest.py\n")
    (pytester.path / "conftest.py").write_text('pytest_plugins = ["runner.testing.plugin"]\n')
    _installed(pytester, monkeypatch)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-q")
    assert result.parseoutcomes() == {"passed": 8}, result.outlines
    result.stdout.no_fnmatch_line("*already registered*")


def test_a_column_a_downgrade_puts_back_may_come_last(pytester):
    """A dropped column the derived downgrade adds back comes last, as in Alembic: the same
    schema, so up/down and the stairway pass (the sample project drops one this way)."""
    wide = (ACCOUNT + "        - {name: legacy, type: String(20)}\n"
            "        - {name: email, type: String(255)}\n")
    drop = ("revision: b2\ndown_revision: a1\nupgrade:\n"
            "  - drop_column: {table_name: account, column_name: legacy}\n")
    make_project(pytester, {"a1_account.yaml": wide, "b2_drop.yaml": drop})
    found = outcomes(run(pytester, None))
    assert (found["up_down_consistency"], found["stairway"]) == ("passed", "passed")
