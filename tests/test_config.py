"""Config: sections, ${ENV} interpolation, paths, options; several version locations."""

from __future__ import annotations

import pytest

from runner import command
from runner.config import Config
from runner.errors import ConfigError

from .helpers import revision_text


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
