"""Config: sections, ${ENV} interpolation, paths, options; several version locations."""

from __future__ import annotations

import pytest

from runner import command
from runner.config import Config
from runner.errors import ConfigError

from ..helpers import revision_text


def write_ini(tmp_path, text):
    path = tmp_path / "x.ini"
    path.write_text(text)
    return Config(str(path))


def test_alembic_section_is_read(tmp_path):
    config = write_ini(tmp_path, "[alembic]\nscript_location = mig\nsqlalchemy.url = sqlite://\n")
    assert config.config_ini_section == "alembic"
    assert config.script_location == tmp_path / "mig"
    assert config.version_locations == [tmp_path / "mig" / "versions"]


def test_env_interpolation_and_here(tmp_path, monkeypatch):
    config = write_ini(tmp_path, "[yamig]\nsqlalchemy.url = postgresql://${DB_USER}@h/${DB_NAME:-app}\n"
                                 "other = %(here)s/x\n")
    monkeypatch.setenv("DB_USER", "alice")
    assert config.url == "postgresql://alice@h/app"
    assert config.get_main_option("other") == f"{tmp_path}/x"
    monkeypatch.delenv("DB_USER")
    with pytest.raises(ConfigError, match="environment variable DB_USER is not set"):
        config.url  # noqa: B018


def test_set_main_option_attributes_and_defaults(tmp_path):
    config = write_ini(tmp_path, "[yamig]\nscript_location = .\n")
    config.set_main_option("sqlalchemy.url", "sqlite:///%(here)s/a.db")
    assert config.url == "sqlite:///%(here)s/a.db"
    assert config.version_table == "alembic_version" and config.transaction_per_migration is True
    config.attributes["x"] = 1
    assert Config(str(tmp_path / "x.ini"), attributes={"y": 2}).attributes == {"y": 2}


def test_missing_url_is_a_clear_error(tmp_path):
    config = write_ini(tmp_path, "[yamig]\nscript_location = .\n")
    with pytest.raises(ConfigError, match="no database URL"):
        config.url  # noqa: B018


def test_several_version_locations(tmp_path, sqlite_url, capsys):
    for folder, rev, down in (("one", "a1", None), ("two", "b2", "a1")):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / f"{rev}_x.yaml").write_text(revision_text(rev, down, message=folder))
    config = write_ini(tmp_path, f"[yamig]\nscript_location = .\nversion_locations = one, two\n"
                                 f"sqlalchemy.url = {sqlite_url}\n")
    command.history(config)
    assert capsys.readouterr().out == "a1 -> b2 (head), two\n<base> -> a1, one\n"
    path = command.revision(config, "three", rev_id="c3", version_path=str(tmp_path / "two"))
    assert path.parent == tmp_path / "two"
    command.upgrade(config, "heads")
    command.current(config)
    assert capsys.readouterr().out.endswith("c3 (head)\n")


def test_pyproject_tool_yamig(tmp_path):
    (tmp_path / "pyproject.toml").write_text(
        '[tool.yamig]\nscript_location = "mig"\nsqlalchemy.url = "sqlite:///%(here)s/x.db"\n'
        'version_locations = ["mig/a", "mig/b"]\ntransaction_per_migration = false\n')
    config = Config(str(tmp_path / "yamig.ini"))          # no yamig.ini: pyproject.toml is read
    assert config.config_file_name == str(tmp_path / "pyproject.toml")
    assert config.url == f"sqlite:///{tmp_path}/x.db"
    assert config.version_locations == [tmp_path / "mig" / "a", tmp_path / "mig" / "b"]
    assert config.transaction_per_migration is False
    assert Config(str(tmp_path / "pyproject.toml")).script_location == tmp_path / "mig"


@pytest.mark.parametrize("text, expected", [
    ("script_location = .\n[yamig]\n",
     "x.ini:1: a setting before any [section] header\n  hint: start the file with [yamig]\n"),
    ("[yamig]\nscript_location = .\nsqlalchemy.url = sqlite://\nscript_location = other\n",
     "x.ini:4: script_location is set twice in [yamig]\n  hint: keep one of them\n"),
    ("[yamig]\nscript_location = .\n[yamig]\n",
     "x.ini:3: section [yamig] appears twice\n  hint: merge the two into one\n"),
    ("[yamig]\nscript_location = .\njust some words\n",
     "x.ini:3: not a `key = value` line, a [section] header or a comment: just some words\n"
     "  hint: continuation lines of a value must be indented\n"),
    ("[yamig]\nscript_location = .\nsqlalchemy.url = postgresql://u:50%off@h/db\n",
     "x.ini:3: sqlalchemy.url has a % that starts no %(name)s reference\n"
     "  hint: write a literal % as %% (a URL's password too)\n"),
    ("[yamig]\nscript_location = %(root)s/migrations\n",
     "x.ini:2: script_location refers to %(root)s, which is not set in [yamig]\n"
     "  hint: set root in [yamig], or write a literal % as %%\n"),
])
def test_ini_syntax_errors_are_positioned(tmp_path, capsys, monkeypatch, text, expected):
    """configparser's errors as `file:line: message`, without its reprs or class names."""
    from runner.cli import main

    (tmp_path / "versions").mkdir()
    (tmp_path / "x.ini").write_text(text)
    monkeypatch.chdir(tmp_path)
    assert main(["-q", "-c", "x.ini", "current"]) == 1
    assert capsys.readouterr().err == expected


def test_unknown_section_lists_the_sections(tmp_path, capsys, monkeypatch):
    from runner.cli import main

    monkeypatch.chdir(tmp_path)
    (tmp_path / "yamig.ini").write_text("[yamig]\nscript_location = .\n[reporting]\nx = 1\n")
    assert main(["-q", "-n", "report", "heads"]) == 1
    assert capsys.readouterr().err == ("yamig.ini: no section [report]\n"
                                       "  hint: its sections: [yamig], [reporting]; pick one with "
                                       "-n/--name\n")
    (tmp_path / "yamig.ini").write_text("[reporting]\nx = 1\n")
    assert main(["-q", "heads"]) == 1
    assert capsys.readouterr().err == ("yamig.ini: no section [yamig] (nor [alembic])\n"
                                       "  hint: its sections: [reporting]; pick one with -n/--name\n")


def test_x_arguments_in_the_config(tmp_path, monkeypatch):
    """`-x key=value` fills ${x:key} (and ${x:key:-default}); ${x:-d} is still the variable x."""
    import argparse

    path = tmp_path / "x.ini"
    path.write_text("[yamig]\nsqlalchemy.url = sqlite:///${x:tenant}.db\n"
                    "schema = ${x:schema:-public}\nother = ${x:-plain}\n")
    monkeypatch.delenv("x", raising=False)
    config = Config(str(path), cmd_opts=argparse.Namespace(x=["tenant=acme", "note=a=b"]))
    assert config.url == "sqlite:///acme.db"
    assert config.get_main_option("schema") == "public"
    assert config.get_main_option("other") == "plain"
    assert config.get_x_argument() == ["tenant=acme", "note=a=b"]
    assert config.get_x_argument(as_dictionary=True) == {"tenant": "acme", "note": "a=b"}
    config = Config(str(path))
    assert config.get_x_argument() == [] and config.get_x_argument(as_dictionary=True) == {}
    with pytest.raises(ConfigError) as caught:
        config.url  # noqa: B018
    assert str(caught.value) == (f"{path}:2: sqlalchemy.url needs -x tenant=..., which was not given\n"
                                 "  hint: pass -x tenant=VALUE, or write ${x:tenant:-default} "
                                 "in the config")
