"""The yamig command line: exact output, exit codes, and errors without tracebacks."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

from runner.cli import main

from ..conftest import SAMPLE
from ..helpers import revision_text, write_project

HEAD = "e1f2a3b4c514"
HISTORY = """\
d0e1f2a3b413 -> e1f2a3b4c514 (head), index orders by customer and status; placed_at becomes ordered_at
c9d0e1f2a312 -> d0e1f2a3b413, ship orders by a method; keys and checks
b8c9d0e1f211 -> c9d0e1f2a312, shipping methods, with the ones the shop offers
a7b8c9d0e110 -> b8c9d0e1f211, rename order_item to order_line
f1a2b3c4d509 -> a7b8c9d0e110, longer product names
e5f6a7b8c908 -> f1a2b3c4d509, count the items of each order
d1e2f3a4b507 -> e5f6a7b8c908, add product active flag
c0ffee123406 -> d1e2f3a4b507, drop customer legacy_code
5f6e7d8c9b05 -> c0ffee123406, seed the product catalogue
1a2b3c4d5e04 -> 5f6e7d8c9b05, add customer phone
9e8d7c6b5a03 -> 1a2b3c4d5e04, create order_item table
7c2d4e6f8a02 -> 9e8d7c6b5a03, create orders table
3b9f1c2a7e01 -> 7c2d4e6f8a02, create product table
<base> -> 3b9f1c2a7e01, create customer table
"""


@pytest.fixture
def shop(tmp_path, monkeypatch):
    root = tmp_path / "shop"
    shutil.copytree(SAMPLE, root, ignore=shutil.ignore_patterns("*.db"))
    monkeypatch.chdir(root)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    return root


def run(capsys, *argv):
    code = main(["-q", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_heads_history_current(shop, capsys):
    assert run(capsys, "heads") == (0, f"{HEAD} (head)\n", "")
    assert run(capsys, "history") == (0, HISTORY, "")
    assert run(capsys, "current") == (0, "", "")
    assert run(capsys, "upgrade", "c0ffee") == (0, "", "")
    assert run(capsys, "current") == (0, "c0ffee123406\n", "")
    code, out, _ = run(capsys, "history", "--indicate-current")
    assert "5f6e7d8c9b05 -> c0ffee123406 (current), seed the product catalogue\n" in out
    assert run(capsys, "upgrade", "head")[0] == 0
    assert run(capsys, "current") == (0, f"{HEAD} (head)\n", "")
    assert (shop / "shop.db").exists()


def test_verbose_history_entry(shop, capsys):
    code, out, _ = run(capsys, "history", "-v", "-r", "9e8d7c6b5a03:9e8d7c6b5a03")
    assert code == 0
    assert out == ("Rev: 9e8d7c6b5a03\nParent: 7c2d4e6f8a02\n"
                   "Path: versions/9e8d7c6b5a03_create_orders.yaml\n\n    create orders table\n\n")


def test_progress_is_logged_to_stderr(shop):
    result = subprocess.run([sys.executable, "-m", "runner", "upgrade", "+2"], cwd=shop,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    assert result.stderr == ("Running upgrade  -> 3b9f1c2a7e01, create customer table\n"
                             "Running upgrade 3b9f1c2a7e01 -> 7c2d4e6f8a02, create product table\n")


def test_offline_sql_for_postgresql(shop, capsys):
    code, out, _ = run(capsys, "--url", "postgresql://", "upgrade", "--sql", "base:7c2d4e6f8a02")
    assert code == 0
    assert "CREATE TABLE alembic_version (\n    version_num VARCHAR(32) NOT NULL" in out
    assert "-- Running upgrade 3b9f1c2a7e01 -> 7c2d4e6f8a02\n" in out
    assert "CREATE UNIQUE INDEX ux_product_sku ON product (sku);" in out
    assert "COMMENT ON TABLE customer IS 'people who place orders';" in out
    assert "UPDATE alembic_version SET version_num='7c2d4e6f8a02' " \
           "WHERE alembic_version.version_num = '3b9f1c2a7e01';" in out
    assert not (shop / "shop.db").exists()


@pytest.mark.parametrize("argv, expected", [
    (["upgrade", "zzzz"], "zzzz"),
    (["-c", "missing.ini", "heads"], "config file missing.ini not found"),
    (["--url", "nosuchdb://x", "upgrade", "head"], "no SQLAlchemy dialect for 'nosuchdb'"),
])
def test_errors_exit_non_zero_without_traceback(shop, capsys, argv, expected):
    code, out, err = run(capsys, *argv)
    assert code == 1
    assert expected in err
    assert "Traceback" not in err


def test_bad_revision_file_from_the_shell(tmp_path):
    write_project(tmp_path, {
        "a1_first.yaml": revision_text("a1", None, """
            - create_table:
                table_name: t
                columns: [{name: id, type: "Integr", primary_key: true}]
        """),
    })
    result = subprocess.run([sys.executable, "-m", "runner", "upgrade", "head"], cwd=tmp_path,
                            capture_output=True, text=True)
    assert result.returncode == 1
    assert result.stderr.startswith("versions/a1_first.yaml:6:")
    assert "unknown type 'Integr'; did you mean 'Integer'?" in result.stderr
    assert "Traceback" not in result.stderr


def test_init_then_revision_then_upgrade(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'app.db'}")
    code, out, _ = run(capsys, "init", "migrations")
    assert code == 0 and "Generating" in out
    assert (tmp_path / "migrations" / "versions").is_dir()
    assert (tmp_path / "migrations" / "revision.schema.json").is_file()
    code, out, _ = run(capsys, "revision", "-m", "Create account table!", "--rev-id", "aaa111")
    assert code == 0
    path = tmp_path / "migrations" / "versions" / "aaa111_create_account_table.yaml"
    text = path.read_text()
    assert text.startswith("# yaml-language-server: $schema=../revision.schema.json\n"
                           'revision: "aaa111"\ndown_revision: null\n')
    code, _, _ = run(capsys, "revision", "-m", "second", "--rev-id", "bbb222")
    second = (tmp_path / "migrations" / "versions" / "bbb222_second.yaml").read_text()
    assert 'down_revision: "aaa111"' in second
    assert run(capsys, "upgrade", "head")[0] == 0
    assert run(capsys, "current") == (0, "bbb222 (head)\n", "")
    assert run(capsys, "init", "migrations")[0] == 1


def test_console_script_is_installed(shop):
    exe = shutil.which("yamig")
    if exe is None:
        pytest.skip("yamig is not installed on PATH (pip install -e .)")
    result = subprocess.run([exe, "heads"], cwd=shop, capture_output=True, text=True)
    assert (result.returncode, result.stdout) == (0, f"{HEAD} (head)\n")


def test_offline_downgrade_uses_derived_downgrades(shop, capsys):
    code, out, err = run(capsys, "--url", "postgresql://", "downgrade", "--sql",
                         "e5f6a7b8c908:c0ffee123406")
    assert code == 0, err
    assert "-- Running downgrade e5f6a7b8c908 -> d1e2f3a4b507\n" in out
    assert "ALTER TABLE product DROP COLUMN active;" in out
    assert "ALTER TABLE customer ADD COLUMN legacy_code VARCHAR(20);" in out
    assert "COMMENT ON COLUMN customer.legacy_code IS 'id in the old shop system';" in out
    assert ("UPDATE alembic_version SET version_num='c0ffee123406' "
            "WHERE alembic_version.version_num = 'd1e2f3a4b507';") in out
    assert "CREATE TABLE alembic_version" not in out


def test_online_range_is_refused(shop, capsys):
    code, _, err = run(capsys, "upgrade", "base:head")
    assert code == 1 and "a range (base:head) is only allowed with --sql" in err


@pytest.mark.parametrize("argv", [["heads"], ["history"], ["branches"], ["show", "head"], ["graph"],
                                  ["graph", "--format", "mermaid", "-r", "base:head"]])
def test_graph_commands_do_not_import_sqlalchemy(shop, argv):
    code = ("import sys; from runner.cli import main; rc = main(['-q', *sys.argv[1:]]); "
            "print(rc, sorted(m for m in sys.modules if m.split('.')[0] in ('sqlalchemy', 'jsonschema')))")
    result = subprocess.run([sys.executable, "-c", code, *argv], cwd=shop, capture_output=True, text=True)
    assert result.stdout.splitlines()[-1] == "0 []", result.stderr


def test_edit_opens_the_file_in_the_editor(shop, capsys, monkeypatch, tmp_path):
    log = tmp_path / "edited"
    monkeypatch.setenv("EDITOR", f"sh -c 'echo \"$0\" >> {log}'")
    monkeypatch.delenv("VISUAL", raising=False)
    assert run(capsys, "edit", "c0ff")[0] == 0
    assert log.read_text() == "versions/c0ffee123406_seed_products.yaml\n"


def test_edit_falls_back_to_an_editor_on_path(shop, capsys, monkeypatch, tmp_path):
    """As Alembic: without $VISUAL and $EDITOR, sensible-editor, editor, nano, vim, code on PATH."""
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.delenv("EDITOR", raising=False)
    bin_dir, log = tmp_path / "bin", tmp_path / "edited"
    bin_dir.mkdir()
    nano = bin_dir / "nano"
    nano.write_text(f'#!/bin/sh\necho "nano $1" >> {log}\n')
    nano.chmod(0o755)
    monkeypatch.setenv("PATH", str(bin_dir))
    assert run(capsys, "edit", "c0ff") == (0, "", "")
    assert log.read_text() == "nano versions/c0ffee123406_seed_products.yaml\n"
    nano.unlink()
    assert run(capsys, "edit", "head") == (1, "", (
        "yamig: no editor: $VISUAL and $EDITOR are not set, and none of sensible-editor, editor, "
        "nano, vim, code is on PATH\n  hint: export EDITOR=vim (or nano, code -w, ...)\n"))


@pytest.mark.parametrize("dialect", ["postgresql", "mysql", "mssql", "oracle", "sqlite"])
def test_offline_scripts_for_every_dialect(shop, capsys, dialect):
    code, out, err = run(capsys, "--url", f"{dialect}://", "upgrade", "--sql", "base:head")
    assert code == 0, err
    assert out.count("-- Running upgrade") == len(list((SAMPLE / "versions").glob("*.yaml")))
    assert "INSERT INTO alembic_version (version_num) VALUES ('3b9f1c2a7e01')" in out
    code, out, err = run(capsys, "--url", f"{dialect}://", "downgrade", "--sql", "head:base")
    assert code == 0, err
    assert out.count("-- Running downgrade") == len(list((SAMPLE / "versions").glob("*.yaml")))
    assert "DELETE FROM alembic_version WHERE alembic_version.version_num = '3b9f1c2a7e01'" in out


def test_pyproject_template_end_to_end(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'app.db'}")
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "app"\n')
    code, out, _ = run(capsys, "init", "--template", "pyproject", "migrations")
    assert code == 0 and "Appending [tool.yamig]" in out
    text = (tmp_path / "pyproject.toml").read_text()
    assert text.startswith('[project]\nname = "app"\n') and 'script_location = "migrations"' in text
    assert not (tmp_path / "yamig.ini").exists()
    assert run(capsys, "revision", "-m", "first", "--rev-id", "aa11")[0] == 0
    assert (tmp_path / "migrations" / "versions" / "aa11_first.yaml").is_file()
    assert run(capsys, "upgrade", "head")[0] == 0
    assert run(capsys, "current") == (0, "aa11 (head)\n", "")
    code, out, _ = run(capsys, "list_templates")
    assert "pyproject - Single-database configuration in pyproject.toml" in out


def test_multidb_template_end_to_end(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    for name in ("MAIN", "ANALYTICS"):
        monkeypatch.delenv(f"{name}_DATABASE_URL", raising=False)
    assert run(capsys, "init", "--template", "multidb", "db")[0] == 0
    assert (tmp_path / "db" / "main" / "versions").is_dir()
    assert (tmp_path / "db" / "analytics" / "versions").is_dir()
    code, _, err = run(capsys, "revision", "-m", "x")
    assert code == 1 and "this project has several databases (main, analytics): say which one" in err
    assert run(capsys, "-n", "main", "revision", "-m", "accounts", "--rev-id", "m1")[0] == 0
    assert run(capsys, "-n", "analytics", "revision", "-m", "events", "--rev-id", "a1")[0] == 0
    assert run(capsys, "upgrade", "head")[0] == 0
    assert run(capsys, "current") == (0, "[main]\nm1 (head)\n[analytics]\na1 (head)\n", "")
    assert (tmp_path / "main.db").exists() and (tmp_path / "analytics.db").exists()
    assert run(capsys, "-n", "analytics", "downgrade", "base")[0] == 0
    assert run(capsys, "current") == (0, "[main]\nm1 (head)\n[analytics]\n", "")


def test_post_write_hooks(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    write_project(tmp_path, {})
    log = tmp_path / "hooked"
    with open(tmp_path / "yamig.ini", "a") as ini:
        ini.write(f"\n[post_write_hooks]\nhooks = mark\nmark.type = exec\n"
                  f"mark.executable = {sys.executable}\n"
                  f"mark.options = -c \"import sys; open('{log}', 'a').write(sys.argv[1])\" "
                  "REVISION_SCRIPT_FILENAME\n")
    code, out, _ = run(capsys, "revision", "-m", "x", "--rev-id", "h1")
    assert code == 0 and "Running post write hook 'mark' ...  done" in out
    assert log.read_text().endswith("versions/h1_x.yaml")
    ini = tmp_path / "yamig.ini"
    ini.write_text(ini.read_text().replace("mark.type = exec", "mark.type = nonsense"))
    code, _, err = run(capsys, "revision", "-m", "y", "--rev-id", "h2")
    assert code == 1 and "post-write hook 'mark' has type 'nonsense'" in err


def test_global_options_also_after_the_command(shop, capsys):
    """`yamig upgrade head --sql --url mssql://`, as people type it: the options after the
    command apply, and those before it are kept when not repeated."""
    from runner.cli import _parser

    options = _parser().parse_args(["-c", "a.ini", "-x", "k=v", "upgrade", "head", "--url", "mssql://"])
    assert (options.config, options.x, options.url, options.quiet) == ("a.ini", ["k=v"], "mssql://", False)
    options = _parser().parse_args(["upgrade", "head", "-q", "-c", "b.ini", "-n", "other"])
    assert (options.config, options.name, options.quiet) == ("b.ini", "other", True)

    code = main(["upgrade", "3b9f1c2a7e01", "--sql", "--url", "mssql://", "-q"])
    out = capsys.readouterr().out
    assert code == 0
    assert out.startswith("BEGIN TRANSACTION;\n") and "\nGO\n" in out


def test_a_missing_driver_says_how_to_install_it(shop, capsys):
    code, _, err = run(capsys, "--url", "postgresql+pg8000://u@localhost/db", "current")
    assert code == 1
    assert err == ("yamig: the database driver 'pg8000' is not installed\n"
                   "  hint: install it beside yamig; for PostgreSQL: pip install 'psycopg[binary]' "
                   "(psycopg 3) and use postgresql+psycopg:// URLs\n")


def test_every_option_of_every_command_has_help(monkeypatch):
    """`yamig COMMAND --help` explains each argument and option, the global ones included."""
    import argparse

    monkeypatch.setenv("COLUMNS", "100")

    from runner.cli import _parser

    def undocumented(parser, prefix):
        for action in parser._actions:
            if not action.help or action.help == argparse.SUPPRESS:
                yield f"{prefix} {'/'.join(action.option_strings) or action.dest}"
            if isinstance(action, argparse._SubParsersAction):
                for name, sub in action.choices.items():
                    yield from undocumented(sub, f"{prefix} {name}")

    assert list(undocumented(_parser(), "yamig")) == []
    usage = _parser()._subparsers._group_actions[0].choices["heads"].format_help()
    assert "  -v, --verbose         show each revision in full\n" in usage
    assert usage.endswith(
        "global options:\n"
        "  -c CONFIG, --config CONFIG\n"
        "                        configuration file (default: ./yamig.ini, or $YAMIG_CONFIG)\n"
        "  -n NAME, --name NAME  section of the configuration file (default: yamig, else alembic)\n"
        "  -x KEY=VALUE          a value for ${x:KEY} in the configuration; may be repeated\n"
        "  --url URL             database URL, overriding sqlalchemy.url\n"
        "  -q, --quiet           do not log progress\n"
        "  --raiseerr            show the traceback of an internal error (as YAMIG_DEBUG=1 does)\n")


@pytest.mark.parametrize("argv", [["-x", "tenant", "heads"], ["heads", "-x", "=acme"]])
def test_malformed_x_is_refused(shop, capsys, argv):
    with pytest.raises(SystemExit) as caught:
        main(argv)
    assert caught.value.code == 2
    value = argv[argv.index("-x") + 1]
    assert capsys.readouterr().err.splitlines()[-1] == (
        f"yamig heads: error: argument -x: expected KEY=VALUE (e.g. -x tenant=acme), got '{value}'"
        if argv[0] == "heads" else
        f"yamig: error: argument -x: expected KEY=VALUE (e.g. -x tenant=acme), got '{value}'")


def test_x_arguments_reach_the_config(shop, capsys):
    ini = shop / "yamig.ini"
    ini.write_text(ini.read_text().replace("sqlalchemy.url = ", "sqlalchemy.url = ${x:db:-unused}\n#"))
    assert run(capsys, "-x", f"db=sqlite:///{shop / 'tenant.db'}", "upgrade", "+1") == (0, "", "")
    assert (shop / "tenant.db").is_file()
    ini.write_text(ini.read_text().replace("${x:db:-unused}", "${x:db}"))
    assert run(capsys, "current") == (1, "", (
        "yamig.ini:5: sqlalchemy.url needs -x db=..., which was not given\n"
        "  hint: pass -x db=VALUE, or write ${x:db:-default} in the config\n"))


def test_raiseerr_shows_the_traceback_of_an_internal_error(shop, capsys, monkeypatch):
    from runner import command

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(command, "heads", broken)
    monkeypatch.delenv("YAMIG_DEBUG", raising=False)
    assert run(capsys, "heads") == (3, "", (
        "yamig: internal error: RuntimeError: boom\n  hint: this is a bug in yamig; run again with "
        "--raiseerr for the traceback and report it\n"))
    with pytest.raises(RuntimeError, match="boom"):
        main(["heads", "--raiseerr"])


LOGGING = """
[loggers]
keys = root,sqlalchemy

[handlers]
keys = console

[formatters]
keys = generic

[logger_root]
level = WARNING
handlers = console

[logger_sqlalchemy]
level = INFO
handlers =
qualname = sqlalchemy.engine

[handler_console]
class = StreamHandler
args = (sys.stderr,)
level = NOTSET
formatter = generic

[formatter_generic]
format = %(levelname)s [%(name)s] %(message)s
"""

CREATE = """
    - create_table:
        table_name: account
        columns: [{name: id, type: Integer, primary_key: true}]
"""


def yamig(cwd, *argv):
    return subprocess.run([sys.executable, "-m", "runner", *argv], cwd=cwd, capture_output=True,
                          text=True)


def test_the_ini_logging_sections_show_the_sql(tmp_path):
    """As Alembic's env.py runs fileConfig: logger_sqlalchemy at INFO shows the statements,
    while yamig's own progress lines stay bare and -q still hides them."""
    write_project(tmp_path, {"a1_first.yaml": revision_text("a1", None, CREATE, message="first")},
                  f"sqlite:///{tmp_path / 'app.db'}")
    with open(tmp_path / "yamig.ini", "a") as ini:
        ini.write(LOGGING)
    result = yamig(tmp_path, "upgrade", "head")
    assert result.returncode == 0, result.stderr
    assert "INFO [sqlalchemy.engine.Engine] \nCREATE TABLE account (" in result.stderr
    assert "\nRunning upgrade  -> a1, first\n" in result.stderr
    result = yamig(tmp_path, "-q", "downgrade", "base")
    assert result.returncode == 0, result.stderr
    assert "INFO [sqlalchemy.engine.Engine] \nDROP TABLE account" in result.stderr
    assert "Running downgrade" not in result.stderr
    code = ("import sys; from runner.cli import main; rc = main(['-q', 'heads']); "
            "print(rc, 'logging.config' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True)
    assert result.stdout == "a1 (head)\n0 False\n", result.stderr


def test_sqlalchemy_echo_shows_the_sql(tmp_path):
    write_project(tmp_path, {"a1_first.yaml": revision_text("a1", None, CREATE, message="first")},
                  f"sqlite:///{tmp_path / 'app.db'}")
    ini = tmp_path / "yamig.ini"
    ini.write_text(ini.read_text() + "sqlalchemy.echo = true\n")
    result = yamig(tmp_path, "-q", "upgrade", "head")
    assert (result.returncode, result.stderr) == (0, "")
    assert "sqlalchemy.engine.Engine \nCREATE TABLE account (" in result.stdout
    ini.write_text(ini.read_text().replace("sqlalchemy.echo = true", "sqlalchemy.echo_pool = debug"))
    result = yamig(tmp_path, "-q", "current")
    assert result.returncode == 0 and "sqlalchemy.pool.impl.NullPool Created new connection" \
        in result.stdout
    ini.write_text(ini.read_text().replace("sqlalchemy.echo_pool = debug", "sqlalchemy.pool_size = 5"))
    result = yamig(tmp_path, "-q", "current")
    assert (result.returncode, result.stderr) == (1, (
        "yamig.ini:4: sqlalchemy.pool_size is not an option SQLAlchemy's create_engine() takes here\n"
        "  hint: see create_engine()'s parameters in SQLAlchemy's documentation\n"))


NOT_UTF8 = ("versions/b2_x.yaml:3:13: not UTF-8 text: byte 0xe9 cannot be decoded (invalid continuation "
            "byte)")


@pytest.mark.parametrize("argv", [["validate"], ["heads"], ["history"], ["upgrade", "head"],
                                  ["upgrade", "head", "--sql"], ["downgrade", "base"]])
def test_a_revision_file_that_is_not_utf8(tmp_path, argv):
    """Every command that loads the files says where the offending byte is; no traceback."""
    write_project(tmp_path, {"a1_x.yaml": revision_text("a1", None)})
    (tmp_path / "versions" / "b2_x.yaml").write_bytes(
        b"revision: b2\ndown_revision: a1\nmessage: caf\xe9\nupgrade: []\n")
    for _ in range(2):  # the second run from the warm cache
        result = subprocess.run([sys.executable, "-m", "runner", "-q", *argv], cwd=tmp_path,
                                capture_output=True, text=True)
        if argv == ["validate"]:
            output, expected = result.stdout, NOT_UTF8.replace(" not", " error invalid-file: not", 1)
        else:
            output, expected = result.stderr, NOT_UTF8
        assert result.returncode == 1 and output.startswith(expected), output
        assert "Traceback" not in result.stderr and "internal error" not in result.stderr


@pytest.mark.parametrize("argv", [["heads"], ["upgrade", "head"], ["history"]])
def test_a_folder_of_alembic_scripts_is_not_an_empty_history(tmp_path, argv):
    write_project(tmp_path, {})
    for i in range(12):
        (tmp_path / "versions" / f"r{i}_x.py").write_text(f"revision = 'r{i}'\ndown_revision = None\n")
    result = subprocess.run([sys.executable, "-m", "runner", "-q", *argv], cwd=tmp_path,
                            capture_output=True, text=True)
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr.startswith("versions/: 12 Alembic .py revision scripts and no YAML revisions; "
                                    "yamig reads YAML revisions\n  hint: convert them")
    (tmp_path / "versions" / "a1_x.yaml").write_text(revision_text("a1", None))
    result = subprocess.run([sys.executable, "-m", "runner", "heads"], cwd=tmp_path,
                            capture_output=True, text=True)
    assert (result.returncode, result.stdout) == (0, "a1 (head)\n")
    assert result.stderr.startswith("versions/: 12 Alembic .py revision scripts beside 1 YAML revision; "
                                    "yamig reads only the YAML ones\n")


def test_a_command_is_offered_from_its_command_line_alone(shop, capsys, monkeypatch):
    """A function in runner.command.COMMANDS with a CommandLine becomes a sub-command, its
    options passed by name: runner.cli knows no command by name."""
    from runner import command
    from runner.commands.base import argument, command_line

    def greet(config, who: str, loud: bool = False) -> None:
        config.print_stdout(("HELLO %s" if loud else "hello %s"), who)

    greet = command_line("Say hello.", argument("who", help="whom"),
                 argument("--loud", action="store_true", help="shout"))(greet)
    monkeypatch.setattr(command, "greet", greet, raising=False)
    monkeypatch.setattr(command, "COMMANDS", (*command.COMMANDS, greet))
    assert main(["greet", "ann", "--loud"]) == 0
    assert capsys.readouterr().out == "HELLO ann\n"
    with pytest.raises(SystemExit):
        main(["--help"])
    assert "    greet               Say hello.\n" in capsys.readouterr().out


def test_validate_imports_no_sqlalchemy_for_a_postgresql_url(shop):
    """validate is a graph-only command: with a PostgreSQL URL its rules read the dialect's traits
    and judge no types (validate.dialect asks for that), so SQLAlchemy is never imported."""
    ini = shop / "yamig.ini"
    ini.write_text(ini.read_text().replace("sqlalchemy.url = ", "sqlalchemy.url = postgresql://h/db\n#"))
    code = ("import sys; from runner.cli import main; rc = main(['-q', 'validate']); "
            "print(rc, sorted(m for m in sys.modules if m.split('.')[0] == 'sqlalchemy'))")
    result = subprocess.run([sys.executable, "-c", code], cwd=shop, capture_output=True, text=True)
    assert result.stdout.splitlines()[-1].split(" ", 1)[1] == "[]", result.stdout + result.stderr
    assert "add-foreign-key" in result.stdout  # the PostgreSQL rules did judge the revisions
