"""runner.command mirrors Alembic's command API: every function, its parameters, its defaults."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest

from runner import command

SEED = Path(__file__).resolve().parents[2].parent / "shared" / "seed" / "alembic-commands.txt"


def seed_signatures() -> dict[str, list[tuple[str, str | None]]]:
    text = SEED.read_text()
    found = {}
    for name, params in re.findall(r"^alembic\.command\.(\w+)\((.*)\)$", text, re.M):
        found[name] = [(p.split("=")[0].strip(), p.split("=")[1].strip() if "=" in p else None)
                       for p in params.split(",")]
    return found


def test_every_alembic_command_exists_with_its_signature():
    if not SEED.is_file():
        pytest.skip(f"{SEED} not present")
    seeds = seed_signatures()
    assert len(seeds) >= 13
    for name, params in seeds.items():
        function = getattr(command, name, None)
        assert function is not None, f"runner.command.{name} is missing"
        ours = inspect.signature(function).parameters
        for param, default in params:
            assert param in ours, f"{name}() lacks parameter {param}"
            if default is not None:
                assert repr(ours[param].default) == default.replace('"', "'"), (name, param)


def test_init_list_templates_and_edit_from_python(tmp_path, monkeypatch):
    """The three commands the other tests reach only through the CLI, called as Alembic's are."""
    import io
    import sys

    from runner.config import Config

    monkeypatch.chdir(tmp_path)
    config = Config(str(tmp_path / "yamig.ini"))
    config.stdout = io.StringIO()
    command.list_templates(config)
    listing = config.stdout.getvalue()
    assert all(name in listing for name in ("generic", "multidb", "pyproject"))

    command.init(config, "migrations")
    assert (tmp_path / "migrations" / "versions").is_dir()
    assert "script_location = migrations" in (tmp_path / "yamig.ini").read_text()

    config = Config(str(tmp_path / "yamig.ini"))
    config.stdout = io.StringIO()
    command.revision(config, message="first", rev_id="a1")
    marker = tmp_path / "edited.txt"
    editor = f"{sys.executable} -c \"import sys; open({str(marker)!r}, 'w').write(sys.argv[1])\""
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.setenv("EDITOR", editor)
    command.edit(config, "head")
    assert marker.read_text().endswith("a1_first.yaml")


def test_x_arguments_from_python(tmp_path):
    """Alembic's `context.get_x_argument(as_dictionary=True)`: Config.get_x_argument, fed by
    cmd_opts.x as the CLI's -x leaves it; ${x:key} in the config reads the same values."""
    import argparse

    import sqlalchemy as sa

    from runner.config import Config

    from ..helpers import revision_text, write_project

    write_project(tmp_path, {"a1_first.yaml": revision_text("a1", None, """
        - create_table:
            table_name: account
            columns: [{name: id, type: Integer, primary_key: true}]
    """)}, url="${x:db}")
    db = tmp_path / "tenant.db"
    config = Config(str(tmp_path / "yamig.ini"), cmd_opts=argparse.Namespace(x=[f"db=sqlite:///{db}"]))
    assert config.get_x_argument(as_dictionary=True) == {"db": f"sqlite:///{db}"}
    command.upgrade(config, "head")
    assert sa.inspect(sa.create_engine(f"sqlite:///{db}")).get_table_names() == \
        ["account", "alembic_version", "yamig_history"]
