"""Each template's quick start, as its README shows it: `init`, then every `yamig ...` line in order.

The commands are read from the README that `init` copies, so a README step that stops
working (or a new one) fails here.
"""

from __future__ import annotations

import re
import shlex
import sys

import pytest

from runner.cli import main

MODELS = """\
import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Account(Base):
    __tablename__ = "account"
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(200), index=True)
"""


def readme_steps(path) -> list[list[str]]:
    steps = []
    for line in path.read_text().splitlines():
        match = re.match(r"^    (yamig .*)$", line)
        if match:
            command = match.group(1).split("  #")[0]
            steps.append(shlex.split(command)[1:])
    return steps


def name_the_models(root, config_file) -> None:
    """What the README asks of the reader: models, and target_metadata pointing at them."""
    (root / "myapp").mkdir()
    (root / "myapp" / "__init__.py").write_text("")
    (root / "myapp" / "models.py").write_text(MODELS)
    text = config_file.read_text()
    text = re.sub(r"^# (target_metadata = .*)$", r"\1", text, flags=re.M)
    config_file.write_text(text)


@pytest.mark.parametrize("template, config_name", [("generic", "yamig.ini"),
                                                   ("pyproject", "pyproject.toml"),
                                                   ("multidb", "yamig.ini")])
def test_quick_start(tmp_path, monkeypatch, capsys, template, config_name):
    monkeypatch.chdir(tmp_path)
    for name in ("DATABASE_URL", "MAIN_DATABASE_URL", "ANALYTICS_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    for name in [m for m in sys.modules if m == "myapp" or m.startswith("myapp.")]:
        monkeypatch.delitem(sys.modules, name)
    if template == "pyproject":
        (tmp_path / "pyproject.toml").write_text('[project]\nname = "app"\n')
    assert main(["-q", "init", "--template", template, "migrations"]) == 0
    steps = readme_steps(tmp_path / "migrations" / "README")
    assert steps, "the README shows no commands"
    if template != "multidb":
        name_the_models(tmp_path, tmp_path / config_name)
        assert any("--autogenerate" in step for step in steps)
    outputs = []
    for step in steps:
        code = main(["-q", *step])
        out, err = capsys.readouterr()
        assert code == 0, f"yamig {' '.join(step)} failed:\n{out}{err}"
        outputs.append(out)
    if template != "multidb":
        written = sorted((tmp_path / "migrations" / "versions").glob("*_sync_models.yaml"))
        assert len(written) == 1 and "create_table" in written[0].read_text()
        assert outputs[-1] == "No new upgrade operations detected.\n"


def test_multidb_revision_points_at_the_schema_init_copied(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["init", "--template", "multidb", "proj"]) == 0
    assert main(["-n", "main", "revision", "-m", "x", "--rev-id", "aa1"]) == 0
    path = tmp_path / "proj" / "main" / "versions" / "aa1_x.yaml"
    first = path.read_text().splitlines()[0]
    assert first == "# yaml-language-server: $schema=../../revision.schema.json"
    assert (path.parent / first.split("$schema=")[1]).resolve() == tmp_path / "proj" / "revision.schema.json"


def test_a_project_without_a_schema_copy_gets_no_schema_line(tmp_path, monkeypatch, capsys):
    (tmp_path / "versions").mkdir()
    (tmp_path / "yamig.ini").write_text("[yamig]\nscript_location = .\nsqlalchemy.url = sqlite://\n")
    monkeypatch.chdir(tmp_path)
    assert main(["revision", "-m", "x", "--rev-id", "aa1"]) == 0
    text = (tmp_path / "versions" / "aa1_x.yaml").read_text()
    assert text.startswith('revision: "aa1"\n')  # never a path into site-packages or a checkout
