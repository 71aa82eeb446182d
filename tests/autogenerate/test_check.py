"""`yamig check` from the shell: exit 0 when models and migrations agree, 1 with the differences.

Online and --offline (no database at all) give the same report on a database at head.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from runner.cli import main

from ..helpers import EVERY_DATABASE, revision_text, write_project

BEFORE = """
- create_table:
    table_name: account
    columns:
      - {name: id, type: Integer, primary_key: true}
      - {name: email, type: String(100), nullable: false}
      - {name: nickname, type: String(20)}
- create_index: {index_name: ix_account_email, table_name: account, columns: [email]}
- create_table:
    table_name: scratch
    columns: [{name: id, type: Integer, primary_key: true}]
"""

SAME = """
import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Account(Base):
    __tablename__ = "account"
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(100), index=True)
    nickname = mapped_column(sa.String(20))


class Scratch(Base):
    __tablename__ = "scratch"
    id: Mapped[int] = mapped_column(primary_key=True)
"""

CHANGED = """
import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Account(Base):
    __tablename__ = "account"
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(100))
    phone = mapped_column(sa.String(30), index=True)


class Invoice(Base):
    __tablename__ = "invoice"
    id: Mapped[int] = mapped_column(primary_key=True)
    account_id = mapped_column(sa.ForeignKey("account.id"), nullable=False)
"""

REPORT = """\
New upgrade operations detected:
  account:
    + column phone VARCHAR(30)
    + index ix_account_phone (phone)
    - column nickname
    - index ix_account_email
  invoice:
    + table (id, account_id)
  scratch:
    - table
"""


@pytest.fixture
def project(tmp_path, monkeypatch, db_url):
    """A project at head on the test database, its models in app/models.py (a package)."""
    monkeypatch.chdir(tmp_path)
    write_project(tmp_path, {"a1_first.yaml": revision_text("a1", None, BEFORE)}, db_url)
    with open(tmp_path / "yamig.ini", "a") as ini:
        ini.write("target_metadata = app.models:Base\n")
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "__init__.py").write_text("")
    for name in [m for m in sys.modules if m == "app" or m.startswith("app.")]:
        monkeypatch.delitem(sys.modules, name)
    assert main(["-q", "upgrade", "head"]) == 0
    return tmp_path


def models(root, text: str) -> None:
    (root / "app" / "models.py").write_text(textwrap.dedent(text))
    for name in [m for m in sys.modules if m == "app" or m.startswith("app.")]:
        del sys.modules[name]


def run(capsys, *argv):
    code = main(["-q", *argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("db_url", EVERY_DATABASE, indirect=True)
def test_agreeing_models_exit_0(project, capsys):
    models(project, SAME)
    assert run(capsys, "check") == (0, "No new upgrade operations detected.\n", "")
    assert run(capsys, "check", "--offline") == (0, "No new upgrade operations detected.\n", "")


@pytest.mark.parametrize("db_url", EVERY_DATABASE, indirect=True)
def test_differences_exit_1_grouped_by_table(project, capsys):
    models(project, CHANGED)
    code, out, err = run(capsys, "check")
    assert (code, out) == (1, REPORT)
    assert err == ("yamig: 6 differences between the models and the migrations\n"
                   '  hint: write a revision for them: yamig revision --autogenerate -m "..."\n')
    assert run(capsys, "check", "--offline")[:2] == (1, REPORT)


@pytest.mark.parametrize("db_url", EVERY_DATABASE, indirect=True)
def test_autogenerate_from_the_shell_then_check_passes(project, capsys):
    models(project, CHANGED)
    code, out, _ = run(capsys, "revision", "--autogenerate", "-m", "sync", "--rev-id", "b2")
    assert code == 0 and out == "Generating versions/b2_sync.yaml ...  done\n"
    assert run(capsys, "validate")[0] == 0
    assert run(capsys, "check", "--offline")[:2] == (0, "No new upgrade operations detected.\n")
    assert run(capsys, "check")[0] == 2  # the database is behind the revisions now: cannot tell
    assert run(capsys, "upgrade", "head")[0] == 0
    assert run(capsys, "check")[:2] == (0, "No new upgrade operations detected.\n")
    assert run(capsys, "downgrade", "-1")[0] == 0
    assert run(capsys, "current")[:2] == (0, "a1\n")


def test_offline_needs_no_database(project, capsys):
    models(project, CHANGED)
    down = "postgresql+psycopg://nobody@127.0.0.1:9/nothing"
    assert run(capsys, "--url", down, "check", "--offline")[:2] == (1, REPORT)
    code, _, _ = run(capsys, "--url", down, "revision", "--autogenerate", "--offline", "-m", "x",
                     "--rev-id", "c3")
    assert code == 0 and (project / "versions" / "c3_x.yaml").is_file()
    code, _, err = run(capsys, "--url", down, "check")
    assert code == 2 and "cannot connect to" in err


def test_database_behind_the_revisions(project, capsys):
    models(project, SAME)
    assert run(capsys, "downgrade", "base")[0] == 0
    code, out, err = run(capsys, "check")
    assert (code, out) == (2, "")
    assert err == ("yamig: the database is at base, not at a1: it must be up to date to be compared\n"
                   "  hint: run `yamig upgrade head` first, or compare with the revisions alone: --offline\n")


def test_bad_target_metadata_is_an_error_not_a_traceback(project, capsys):
    ini = project / "yamig.ini"
    ini.write_text(ini.read_text().replace("app.models:Base", "app.models:Nope"))
    models(project, SAME)
    code, _, err = run(capsys, "check")
    assert code == 2 and "app.models has no attribute 'Nope' (target_metadata)" in err
    ini.write_text(ini.read_text().replace("app.models:Nope", "app.models:sa"))
    code, _, err = run(capsys, "check", "--offline")
    assert code == 2 and "target_metadata names a module, not a MetaData or a declarative base" in err


def test_check_in_a_subprocess_from_another_folder(project):
    """Like Alembic's env.py: the models import with the config file's folder on sys.path."""
    models(project, SAME)
    (project / "elsewhere").mkdir()
    result = subprocess.run([sys.executable, "-m", "runner", "-q", "-c", str(project / "yamig.ini"),
                             "check", "--offline"], cwd=project / "elsewhere",
                            capture_output=True, text=True)
    assert (result.returncode, result.stdout) == (0, "No new upgrade operations detected.\n"), \
        result.stderr


def test_plain_revision_still_imports_no_sqlalchemy(tmp_path):
    """Autogenerate's machinery loads only with --autogenerate: `revision` stays a graph command."""
    write_project(tmp_path, {"a1_first.yaml": revision_text("a1", None)})
    code = ("import sys; from runner.cli import main; rc = main(['-q', *sys.argv[1:]]); "
            "print(rc, sorted(m for m in sys.modules if m.split('.')[0] == 'sqlalchemy'))")
    result = subprocess.run([sys.executable, "-c", code, "revision", "-m", "x", "--rev-id", "b2"],
                            cwd=tmp_path, capture_output=True, text=True)
    assert result.stdout.splitlines()[-1] == "0 []", result.stderr


def test_a_broken_models_module_is_reported_where_it_breaks(project, capsys):
    models(project, "import sqlalchemy as sa\n\nmetadata = sa.MetaData()\nboom = 1 / 0\n")
    code, _, err = run(capsys, "check", "--offline")
    assert code == 2
    assert err.startswith(f"{project / 'app' / 'models.py'}:4: importing app.models for target_metadata "
                          "failed: ZeroDivisionError: division by zero")


def test_check_exits_1_only_for_differences(project, capsys):
    """1 means "write a revision"; what stops check from looking is a usage error: 2."""
    models(project, SAME)
    ini = project / "yamig.ini"
    ini.write_text(ini.read_text().replace("target_metadata = app.models:Base\n", ""))
    assert run(capsys, "check") == (2, "", (
        "yamig.ini: autogenerate and check need the models: no target_metadata in the config\n"
        "  hint: add `target_metadata = myapp.models:Base` (a MetaData or a declarative base)\n"))
    assert run(capsys, "-c", "nowhere.ini", "check")[0] == 2
    code, _, err = run(capsys, "-n", "nosuch", "check")
    assert (code, err.splitlines()[0]) == (2, "yamig.ini: no section [nosuch]")
