"""Hostile configuration files end in `file:line: what is wrong` (issue 14), not a traceback."""

from __future__ import annotations

import pytest

from runner.cli import main
from tests.helpers import revision_text, write_project


def _run(capsys, tmp_path, *argv):
    code = main(["-q", "-c", str(tmp_path / "yamig.ini"), *argv])
    captured = capsys.readouterr()
    return code, captured.err + captured.out


@pytest.fixture
def project(tmp_path):
    write_project(tmp_path, {"a1_first.yaml": revision_text("a1", None)},
                  f"sqlite:///{tmp_path / 'app.db'}")
    return tmp_path


def test_an_ini_with_a_byte_order_mark_reads(project, capsys):
    ini = project / "yamig.ini"
    ini.write_bytes(b"\xef\xbb\xbf" + ini.read_bytes())
    assert _run(capsys, project, "heads")[0] == 0


def test_an_ini_that_is_not_utf8_is_positioned(project, capsys):
    ini = project / "yamig.ini"
    ini.write_bytes(b"# caf\xe9\n" + ini.read_bytes())
    code, err = _run(capsys, project, "heads")
    assert code == 1 and "yamig.ini:1:6: not UTF-8 text: byte 0xe9" in err


@pytest.mark.parametrize("line, command, expected", [
    ("transaction_per_migration = maybe", "upgrade",
     "yamig.ini:4: transaction_per_migration is 'maybe', not a boolean"),
    ("version_locations = versions\nversion_path_separator = spaces", "upgrade",
     "yamig.ini:5: version_path_separator is 'spaces', not one of"),
    ("validate.multiple_heads = sometimes", "validate",
     "yamig.ini:4: validate.multiple_heads is 'sometimes'"),
    ("version_table_schema = nowhere", "upgrade",
     "yamig.ini:4: version_table_schema is 'nowhere', a schema this database does not have (it has: main)"),
])
def test_bad_values_are_positioned(project, capsys, line, command, expected):
    ini = project / "yamig.ini"
    ini.write_text(ini.read_text() + line + "\n")
    code, err = _run(capsys, project, command, *(["head"] if command == "upgrade" else []))
    assert code in (1, 2) and expected in err, err
    assert not (project / "app.db").exists() or "a1" not in (project / "app.db").read_bytes().decode("latin1")


def test_a_percent_in_the_project_folder_is_not_an_interpolation(tmp_path, capsys):
    project = tmp_path / "50%off"
    project.mkdir()
    write_project(project, {"a1_first.yaml": revision_text("a1", None)})
    ini = project / "yamig.ini"
    ini.write_text(ini.read_text().replace("sqlite://", "sqlite:///%(here)s/app.db"))
    assert _run(capsys, project, "upgrade", "head")[0] == 0
    assert (project / "app.db").exists()
