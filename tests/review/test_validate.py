"""yamig validate: one bad revision per check and rule, each with its exact finding."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from runner import command
from runner.config import Config
from runner.operations import REGISTRY

from ..conftest import SAMPLE
from ..graph.test_realdags import CORPORA, REALDAGS
from ..helpers import revision_text, validate_code, write_project

CORPUS = Path(__file__).parent / "validate_corpus"

BASE = revision_text("a1", None, """
    - create_table:
        table_name: account
        columns:
          - {name: id, type: Integer, primary_key: true}
          - {name: email, type: String(100)}
""")


def findings(tmp_path, revisions, url="sqlite://", fmt="json", extra="", messages=False):
    config = write_project(tmp_path, revisions, url)
    if extra:
        with open(config.config_file_name, "a") as ini:
            ini.write(extra)
        config = Config(config.config_file_name)
    out = io.StringIO()
    config.stdout = out
    code = validate_code(config, output_format=fmt)
    if fmt != "json":
        return code, out.getvalue()
    found = json.loads(out.getvalue())
    if messages:
        return code, found
    return code, [(f["rule"], f["path"].rsplit("/", 1)[-1], f["line"]) for f in found]


def test_every_rule_has_a_case():
    from runner.review.rules import RULES

    covered = {rule for _, expected in CASES for rule, _, _ in expected}
    for path in CORPUS.glob("*.yaml"):
        covered |= {rule for rule, _, _ in yaml.safe_load(path.read_text()).get("expect", [])}
    assert sorted(set(RULES) - covered) == []


@pytest.mark.parametrize("case", sorted(p.stem for p in CORPUS.glob("*.yaml") if p.stem != "_base"))
def test_corpus(tmp_path, case):
    """Each file of tests/review/validate_corpus: revisions beside the shared base (_base.yaml), and the
    exact findings (rule, file, line) validate must report for them, in order."""
    spec = yaml.safe_load((CORPUS / f"{case}.yaml").read_text())
    missing = [name for name in spec.get("needs", []) if name not in REGISTRY]
    if missing:
        pytest.skip(f"operation(s) not built on this branch yet: {', '.join(missing)}")
    revisions = {"a1_base.yaml": (CORPUS / "_base.yaml").read_text(), **spec["files"]}
    code, found = findings(tmp_path, revisions, spec.get("url", "sqlite://"), extra=spec.get("config", ""),
                           messages=True)
    assert [[f["rule"], f["path"].rstrip("/").rsplit("/", 1)[-1], f["line"]] for f in found] == \
        spec["expect"], found
    if "message" in spec:
        assert found[0]["message"].endswith(spec["message"]), found[0]["message"]
    assert code == (1 if any(f["severity"] == "error" for f in found) else 0)


CASES = [
    ("revision: b2\ndown_revision: a1\nupgrade: [\n", [("invalid-file", "b2_x.yaml", 4)]),
    ("revision: b2\ndown_revision: a1\nupgrade:\n  - drop_tabel: {table_name: t}\n",
     [("schema", "b2_x.yaml", 4)]),
    ("revision: b2\ndown_revision: a1\nupgrade:\n  - add_column: {table_name: account, "
     "column: {name: c, type: Strng}}\n", [("schema", "b2_x.yaml", 4)]),
    ("revision: b2\ndown_revision: zz\nupgrade: []\n", [("missing-parent", "b2_x.yaml", 2)]),
    ("revision: b2\ndown_revision: a1\ndepends_on: [nope]\nupgrade: []\n",
     [("missing-dependency", "b2_x.yaml", 3)]),
    ("revision: a1\ndown_revision: null\nupgrade: []\n",
     [("file-name", "b2_x.yaml", 1), ("duplicate-id", "b2_x.yaml", 1)]),
    ("revision: b2\ndown_revision: null\nupgrade: []\n",
     [("multiple-heads", "a1_x.yaml", 1), ("multiple-heads", "b2_x.yaml", 1)]),
    ("revision: b2\ndown_revision: a1\nupgrade:\n  - drop_column: {table_name: nope, column_name: x}\n"
     "    allow: [drop-column]\n", [("state", "b2_x.yaml", 4), ("irreversible", "b2_x.yaml", 4)]),
    ("revision: b2\ndown_revision: a1\nupgrade:\n  - create_index: {index_name: ix, table_name: account,"
     " columns: [missing]}\n", [("state", "b2_x.yaml", 4)]),
    ("revision: b2\ndown_revision: a1\nupgrade:\n  - add_column: {table_name: account, column: "
     "{name: c, type: Integer}}\ndowngrade: []\n", [("downgrade-mismatch", "b2_x.yaml", 5)]),
    ("revision: b2\ndown_revision: a1\nupgrade:\n  - allow: [execute]\n    execute: UPDATE account SET "
     "email = ''\n", [("irreversible", "b2_x.yaml", 4)]),
    ("revision: b2\ndown_revision: a1\nupgrade:\n  - drop_table: {table_name: account}\n",
     [("drop-table", "b2_x.yaml", 4)]),
    ("revision: b2\ndown_revision: a1\nupgrade:\n  - drop_column: {table_name: account, "
     "column_name: email}\n", [("drop-column", "b2_x.yaml", 4)]),
    ("revision: b2\ndown_revision: a1\nupgrade:\n  - add_column: {table_name: account, column: "
     "{name: c, type: Integer, nullable: false}}\n", [("not-null-without-default", "b2_x.yaml", 4)]),
    ("revision: b2\ndown_revision: a1\nupgrade:\n  - execute: CREATE VIEW v AS SELECT 1\ndowngrade: []\n",
     [("execute", "b2_x.yaml", 4)]),
]


@pytest.mark.parametrize("second, expected", CASES)
def test_each_check_reports_its_finding(tmp_path, second, expected):
    code, found = findings(tmp_path, {"a1_x.yaml": BASE, "b2_x.yaml": second})
    assert found == expected
    warnings = {"file-name", "drop-table", "drop-column", "execute"}
    assert code == (0 if all(rule in warnings for rule, _, _ in expected) else 1)


def test_file_name_and_postgresql_index_rule(tmp_path):
    second = ("revision: b2\ndown_revision: a1\nupgrade:\n  - create_index: {index_name: ix, "
              "table_name: account, columns: [email]}\n")
    code, found = findings(tmp_path, {"a1_x.yaml": BASE, "wrong.yaml": second}, "postgresql://h/db")
    assert found == [("file-name", "wrong.yaml", 1), ("index-not-concurrently", "wrong.yaml", 4)]
    assert code == 0


def test_rules_silenced_for_the_project_and_multiple_heads_as_warning(tmp_path):
    second = "revision: b2\ndown_revision: null\nupgrade:\n  - execute: DROP VIEW v\ndowngrade: []\n"
    code, found = findings(tmp_path, {"a1_x.yaml": BASE, "b2_x.yaml": second},
                           extra="validate.disable = execute\nvalidate.multiple_heads = warning\n")
    assert [rule for rule, _, _ in found] == ["multiple-heads", "multiple-heads"] and code == 0


def test_text_output_with_caret_and_other_formats(tmp_path):
    second = "revision: b2\ndown_revision: a1\nupgrade:\n  - drop_table: {table_name: account}\n"
    revisions = {"a1_x.yaml": BASE, "b2_x.yaml": second}
    code, text = findings(tmp_path, revisions, fmt="text")
    assert text.endswith("versions/b2_x.yaml:4:5: warning drop-table: drops table account and its data\n"
                         "      - drop_table: {table_name: account}\n        ^\n"
                         "    fix: make sure no code reads it, and keep a backup; allow: [drop-table] to "
                         "accept\n0 error(s), 1 warning(s)\n")
    _, github = findings(tmp_path, revisions, fmt="github")
    assert github.startswith("::warning file=") and ",line=4,col=5,title=drop-table::" in github
    _, sarif = findings(tmp_path, revisions, fmt="sarif")
    result = json.loads(sarif)["runs"][0]["results"][0]
    assert result["ruleId"] == "drop-table" and result["locations"][0]["physicalLocation"]["region"] == \
        {"startLine": 4, "startColumn": 5}


def test_sample_project_is_clean_and_cli_exit_codes(tmp_path):
    shutil.copytree(SAMPLE, tmp_path / "shop", ignore=shutil.ignore_patterns("*.db", ".yamig-cache"))
    env = {**os.environ, "DATABASE_URL": "sqlite://"}
    result = subprocess.run([sys.executable, "-m", "runner", "validate", "--format", "github"],
                            cwd=tmp_path / "shop", capture_output=True, text=True, env=env)
    assert (result.returncode, result.stdout) == (0, "")  # its rename carries allow: [rename-table]
    # on PostgreSQL, the constraints added to existing tables are worth a look too; still no error
    env["DATABASE_URL"] = "postgresql://db.example/shop"
    result = subprocess.run([sys.executable, "-m", "runner", "validate", "--format", "json"],
                            cwd=tmp_path / "shop", capture_output=True, text=True, env=env)
    assert result.returncode == 0 and [f["rule"] for f in json.loads(result.stdout)] == [
        "add-unique-constraint", "add-foreign-key", "add-check-constraint"]
    result = subprocess.run([sys.executable, "-m", "runner", "validate", "nope"], cwd=tmp_path / "shop",
                            capture_output=True, text=True)
    assert result.returncode == 2 and "does not exist" in result.stdout
    (tmp_path / "shop" / "versions" / "bad_x.yaml").write_text("revision: [\n")
    result = subprocess.run([sys.executable, "-m", "runner", "validate", "--format", "github"],
                            cwd=tmp_path / "shop", capture_output=True, text=True)
    assert result.returncode == 1 and result.stdout.startswith("::error file=versions/bad_x.yaml,line=2")


def test_changed_since_limits_findings_to_changed_files(tmp_path, monkeypatch):
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    monkeypatch.chdir(tmp_path)
    first = "revision: b2\ndown_revision: a1\nupgrade:\n  - drop_table: {table_name: account}\n"
    config = write_project(tmp_path, {"a1_x.yaml": BASE, "b2_x.yaml": first})
    for argv in (["init", "-q"], ["add", "."], ["-c", "user.email=t@t", "-c", "user.name=t", "commit",
                                                "-qm", "x"]):
        subprocess.run(["git", *argv], check=True, cwd=tmp_path)
    (tmp_path / "versions" / "c3_x.yaml").write_text(
        "revision: c3\ndown_revision: b2\nupgrade:\n  - execute: DROP VIEW v\ndowngrade: []\n")
    out = io.StringIO()
    config.stdout = out
    validate_code(config, output_format="json", changed_since="HEAD")
    assert [(f["rule"], f["path"]) for f in json.loads(out.getvalue())] == [("execute", "versions/c3_x.yaml")]


def test_derived_downgrade_is_compared_too(tmp_path, monkeypatch):
    """A reverse() that forgets something (here: add_column undone by nothing) is caught."""
    from runner.operations.columns import AddColumn

    monkeypatch.setattr(AddColumn, "reverse", lambda self, state: [])
    second = revision_text("b2", "a1", "- add_column: {table_name: account, column: {name: c, type: Text}}")
    code, found = findings(tmp_path, {"a1_x.yaml": BASE, "b2_x.yaml": second}, messages=True)
    assert [(f["rule"], f["line"], f["message"]) for f in found] == [
        ("downgrade-mismatch", 4, "after the derived downgrade of b2, table account still has column c")]
    assert code == 1


@pytest.mark.parametrize("name", CORPORA)
def test_realdags_rendered_with_operations_are_clean(tmp_path, name):
    """Each real graph, every revision creating a table of its own (with a foreign key to its first
    parent's table and an index) and its downgrade derived: no error, and no warning but the heads
    these projects really have, unless each is a labelled branch (openstack's expand and
    contract, aiida's multiple bases): those are deliberate."""
    root = tmp_path / "versions"
    entries = json.loads((REALDAGS / name).read_text())
    for entry in entries:
        path = root / Path(entry["path"]).with_suffix(".yaml")
        path.parent.mkdir(parents=True, exist_ok=True)
        rev, down = entry["revision"], entry["down_revision"]
        columns = [{"name": "id", "type": "Integer", "primary_key": True}]
        if down:
            columns.append({"name": "parent_id", "type": "Integer",
                            "foreign_key": {"column": f"t_{down[0]}.id", "ondelete": "CASCADE"}})
        upgrade = [{"create_table": {"table_name": f"t_{rev}", "columns": columns}},
                   {"create_index": {"index_name": f"ix_t_{rev}_id", "table_name": f"t_{rev}",
                                     "columns": ["id"]}}]
        path.write_text(json.dumps({
            "revision": rev, "down_revision": down[0] if len(down) == 1 else (down or None),
            "branch_labels": entry["branch_labels"], "depends_on": entry["depends_on"],
            "message": entry["message"] or "", "upgrade": upgrade}))
    (tmp_path / "yamig.ini").write_text("[yamig]\nscript_location = .\nsqlalchemy.url = postgresql://h/db\n"
                                        "validate.multiple_heads = warning\n")
    config = Config(str(tmp_path / "yamig.ini"))
    out = io.StringIO()
    config.stdout = out
    code = validate_code(config, output_format="json")
    found = json.loads(out.getvalue())
    assert {f["rule"] for f in found} <= {"file-name", "multiple-heads"}, found[:3]
    heads = json.loads((REALDAGS / "expected" / name).read_text())["heads"]
    labelled = any(entry["branch_labels"] for entry in entries)
    assert sum(f["rule"] == "multiple-heads" for f in found) == (
        len(heads) if len(heads) > 1 and not labelled else 0)
    assert code == 0


def test_drop_index_concurrently_is_what_the_fix_asks_for():
    """drop-index-not-concurrently tells users to add postgresql_concurrently: drop_index takes it."""
    from sqlalchemy.dialects import postgresql

    from runner.operations.indexes import DropIndex
    from runner.runtime.context import MigrationContext

    dialect = postgresql.dialect()
    ddl = [str(s.compile(dialect=dialect)).strip() for s in
           DropIndex({"index_name": "ix_a", "postgresql_concurrently": True}).ddl(MigrationContext(dialect))]
    assert ddl == ["DROP INDEX CONCURRENTLY ix_a"]


def test_the_concurrently_fixes_run_on_postgresql(tmp_path, postgres_url):
    """What index-not-concurrently and drop-index-not-concurrently advise validates clean and runs."""
    import sqlalchemy as sa

    revisions = {"a1_x.yaml": BASE, "b2_x.yaml": revision_text("b2", "a1", """
        - create_index: {index_name: ix_account_email, table_name: account, columns: [email],
                         postgresql_concurrently: true}
        """), "c3_x.yaml": revision_text("c3", "b2", """
        - drop_index: {index_name: ix_account_email, postgresql_concurrently: true}
        """)}
    assert findings(tmp_path, revisions, url=postgres_url) == (0, [])
    config = Config(str(tmp_path / "yamig.ini"))
    command.upgrade(config, "b2")
    engine = sa.create_engine(postgres_url)
    with engine.connect() as connection:
        assert [ix["name"] for ix in sa.inspect(connection).get_indexes("account")] == ["ix_account_email"]
    command.upgrade(config, "c3")
    with engine.connect() as connection:
        assert sa.inspect(connection).get_indexes("account") == []
    engine.dispose()


def test_named_files_are_checked_with_the_whole_project(tmp_path, monkeypatch):
    """No false missing-parent for a parent in a file not named; findings for the named files only;
    a file outside the version locations is checked against the project too."""
    monkeypatch.chdir(tmp_path)
    config = write_project(tmp_path, {
        "a1_x.yaml": BASE,
        "b2_x.yaml": revision_text("b2", "a1", "- drop_table: {table_name: account}"),
        "c3_x.yaml": revision_text("c3", "b2", "- execute: DROP VIEW v", downgrade="[]")})
    (tmp_path / "draft").mkdir()
    (tmp_path / "draft" / "d4_x.yaml").write_text(revision_text("d4", "c3"))
    (tmp_path / "draft" / "e5_x.yaml").write_text(revision_text("e5", "zz"))
    out = io.StringIO()
    config.stdout = out
    code = validate_code(config, ["versions/c3_x.yaml", "draft"], output_format="json")
    assert [(f["rule"], f["path"], f["line"]) for f in json.loads(out.getvalue())] == [
        ("missing-parent", "draft/e5_x.yaml", 2), ("execute", "versions/c3_x.yaml", 4)]
    assert code == 1


def test_findings_of_a_second_run_from_the_cache(tmp_path):
    """The warm cache (.yamig-cache/) hides none of a file's problems."""
    write_project(tmp_path, {"a1_x.yaml": BASE, "c3_x.yaml": revision_text("c3", "a1", """
        - add_column: {table_name: account, column: {name: c, type: Integer, nulable: true}}
        - drop_column: {table_name: account, colum_name: email}
        """), "d4_x.yaml": "revision: d4\ndown_revison: a1\nupgrade: []\n"})
    (tmp_path / "versions" / "b2_x.yaml").write_bytes(b"revision: b2\ndown_revision: a1\n# \xff\n")
    runs = [subprocess.run([sys.executable, "-m", "runner", "validate", "--format", "json"], cwd=tmp_path,
                           capture_output=True, text=True) for _ in range(2)]
    assert (tmp_path / "versions" / ".yamig-cache" / "headers").is_file()
    for run in runs:
        assert run.returncode == 1
        assert [(f["rule"], f["path"], f["line"], f["column"]) for f in json.loads(run.stdout)] == [
            ("invalid-file", "versions/b2_x.yaml", 3, 3), ("invalid-file", "versions/d4_x.yaml", 2, 1),
            ("invalid-file", "versions/d4_x.yaml", 1, 1), ("schema", "versions/c3_x.yaml", 4, 72),
            ("schema", "versions/c3_x.yaml", 5, 40), ("schema", "versions/c3_x.yaml", 5, 18)]


def test_unknown_keys_and_rules_text(tmp_path):
    second = "revision: b2\ndown_revison: a1\nupgrade: []\n"
    code, text = findings(tmp_path, {"a1_x.yaml": BASE, "b2_x.yaml": second}, fmt="text",
                          extra="validate.disable = drop-tabel\n")
    assert text == (
        "yamig.ini:4:20: warning unknown-rule: unknown rule `drop-tabel` in validate.disable\n"
        "    validate.disable = drop-tabel\n                       ^\n"
        "    fix: did you mean `drop-table`?\n"
        "versions/b2_x.yaml:2:1: error invalid-file: unknown key `down_revison`\n"
        "    down_revison: a1\n    ^\n    fix: did you mean `down_revision`?\n"
        "versions/b2_x.yaml:1:1: error invalid-file: `down_revision` is missing\n"
        "    revision: b2\n    ^\n"
        "    fix: write `down_revision: null` for a first revision, or the id of its parent\n"
        "2 error(s), 1 warning(s)\n").replace("yamig.ini", str(tmp_path / "yamig.ini")).replace(
            "versions/", str(tmp_path / "versions") + "/")
    assert code == 1


def test_alembic_scripts_in_the_versions_folder(tmp_path):
    config = write_project(tmp_path, {})
    for i in range(3):
        (tmp_path / "versions" / f"r{i}_x.py").write_text(f"revision = 'r{i}'\ndown_revision = None\n")
    (tmp_path / "versions" / "env_helpers.py").write_text("import os\n")
    out = io.StringIO()
    config.stdout = out
    assert validate_code(config, output_format="json") == 1
    (found,) = json.loads(out.getvalue())
    assert (found["rule"], found["severity"], found["message"]) == (
        "alembic-scripts", "error",
        "3 Alembic .py revision scripts and no YAML revisions; yamig reads YAML revisions")
    (tmp_path / "versions" / "a1_x.yaml").write_text(BASE)
    out = io.StringIO()
    config.stdout = out
    assert validate_code(config, output_format="json") == 0
    (found,) = json.loads(out.getvalue())
    assert (found["rule"], found["severity"], found["message"]) == (
        "alembic-scripts", "warning",
        "3 Alembic .py revision scripts beside 1 YAML revision; yamig reads only the YAML ones")


MULTIDB_TEXT = """\
[main]
db/main/versions/m1_x.yaml:4:5: warning drop-table: drops table account and its data
      - drop_table: {table_name: account}
        ^
    fix: make sure no code reads it, and keep a backup; allow: [drop-table] to accept
[analytics]
db/analytics/versions/n1_x.yaml:2:16: error missing-parent: parent 'zz' is defined by no file
    down_revision: zz
                   ^
    fix: fix the id
1 error(s), 1 warning(s)
"""


def test_multidb_every_database_and_the_pre_commit_hook(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for name in ("MAIN", "ANALYTICS"):
        monkeypatch.delenv(f"{name}_DATABASE_URL", raising=False)
    command.init(Config("yamig.ini", stdout=io.StringIO()), "db", template="multidb")
    main = tmp_path / "db" / "main" / "versions"
    (main / "a1_x.yaml").write_text(BASE)
    (main / "m1_x.yaml").write_text(revision_text("m1", "a1", "- drop_table: {table_name: account}"))
    (tmp_path / "db" / "analytics" / "versions" / "n1_x.yaml").write_text(revision_text("n1", "zz"))
    hooks = yaml.safe_load((Path(__file__).parents[2] / ".pre-commit-hooks.yaml").read_text())
    entry = next(h["entry"] for h in hooks if h["id"] == "yamig-validate").split()
    assert entry[:2] == ["yamig", "validate"] and not hooks[0]["pass_filenames"]
    result = subprocess.run([sys.executable, "-m", "runner", *entry[1:]], capture_output=True, text=True)
    assert (result.returncode, result.stdout) == (1, MULTIDB_TEXT)
    result = subprocess.run([sys.executable, "-m", "runner", "-n", "main", "validate", "--format", "json"],
                            capture_output=True, text=True)
    assert result.returncode == 0
    assert [(f["rule"], "database" in f) for f in json.loads(result.stdout)] == [("drop-table", False)]
    result = subprocess.run([sys.executable, "-m", "runner", "validate", "--format", "json"],
                            capture_output=True, text=True)
    assert [(f["rule"], f["database"]) for f in json.loads(result.stdout)] == [
        ("drop-table", "main"), ("missing-parent", "analytics")]
    # a named file is checked in the database whose versions folder holds it
    result = subprocess.run([sys.executable, "-m", "runner", "validate", "db/main/versions/m1_x.yaml"],
                            capture_output=True, text=True)
    assert (result.returncode, result.stdout) == (0, MULTIDB_TEXT.split("[analytics]")[0]
                                                  + "0 error(s), 1 warning(s)\n")


def test_the_files_revision_writes_follow_the_file_template(tmp_path, monkeypatch):
    """`revision` and the file-name rule read file_template the same way (runner.revisions.filenames)."""
    import datetime

    monkeypatch.chdir(tmp_path)
    config = write_project(tmp_path, {})
    with open(config.config_file_name, "a") as ini:
        ini.write("file_template = %%(year)d_%%(month).2d_%%(day).2d_%%(rev)s_%%(slug)s\n")
    config = Config(config.config_file_name, stdout=io.StringIO())
    path = command.revision(config, message="Add X!", rev_id="ab12")
    assert path.name == datetime.date.today().strftime("%Y_%m_%d") + "_ab12_add_x.yaml"
    path.rename(path.with_name("ab12_add_x.yaml"))
    out = io.StringIO()
    config.stdout = out
    validate_code(config, output_format="json")
    assert [(f["rule"], f["message"]) for f in json.loads(out.getvalue())] == [(
        "file-name", "file name ab12_add_x.yaml does not follow file_template "
        "%(year)d_%(month).2d_%(day).2d_%(rev)s_%(slug)s: expected <year>_<month>_<day>_ab12_<slug>.yaml")]


def test_python_callers_catch_validation_failed(tmp_path):
    """From Python, validate raises as check does, carrying the CLI's exit code; clean returns None."""
    from runner.errors import ValidationFailed

    config = write_project(tmp_path, {"b2_x.yaml": revision_text("b2", "zz")})
    config.stdout = io.StringIO()
    with pytest.raises(ValidationFailed) as failed:
        command.validate(config)
    assert failed.value.exit_code == 1
    config = write_project(tmp_path / "clean", {"a1_x.yaml": revision_text("a1", None)})
    config.stdout = io.StringIO()
    assert command.validate(config) is None
    with pytest.raises(ValidationFailed) as failed:
        command.validate(config, ["no_such_file.yaml"])
    assert failed.value.exit_code == 2, config.stdout.getvalue()


def test_cli_prints_only_the_findings_of_a_failed_validate(tmp_path, capsys):
    from runner.cli import main

    write_project(tmp_path, {"b2_x.yaml": revision_text("b2", "zz")})
    assert main(["-c", str(tmp_path / "yamig.ini"), "validate", "--format", "json"]) == 1
    captured = capsys.readouterr()
    assert [f["rule"] for f in json.loads(captured.out)] == ["missing-parent"]
    assert captured.err == ""


# Regressions from the user trial (a new user trying every operation of the README on SQLite and
# PostgreSQL; tests/test_user_trial.py until issue 13): each failed before its fix.
@pytest.mark.parametrize("upgrade, fix", [
    ("  - create_tabel: {table_name: t}\n", "fix: did you mean `create_table`?"),
    ("  - drop_table: {tablename: t}\n", "fix: did you mean `table_name`?"),
    ("\t- drop_table: {table_name: t}\n", "fix: YAML indents with spaces only: replace the tab"),
])
def test_validate_keeps_the_errors_own_hint(tmp_path, upgrade, fix):
    """`upgrade` says "did you mean `create_table`?", but `validate` replaced every file and format
    error's hint with its rule's general one ("see the README's format")."""
    import subprocess
    import sys

    write_project(tmp_path, {"r1_x.yaml": "revision: r1\ndown_revision: null\nupgrade:\n" + upgrade})
    result = subprocess.run([sys.executable, "-m", "runner", "validate"], cwd=tmp_path,
                            capture_output=True, text=True)
    assert result.returncode == 1
    assert f"    {fix}\n" in result.stdout
