"""`yamig convert` on the corpus (tests/convert/corpus/<family>/versions, Alembic scripts
written for each construct family): the YAML written (golden files in tests/convert/expected,
rewritten with CONVERT_GOLDEN=1), the report of what could not be mapped, the exit codes, and
that the converted revisions load and `validate` clean."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from runner import command
from runner.cli import main
from runner.config import Config
from runner.errors import RevisionFileError
from runner.revisions.loader import load_revision_file

from ..helpers import validate_code

HERE = Path(__file__).resolve().parent
CORPUS = HERE / "corpus"
EXPECTED = HERE / "expected"
FAMILIES = sorted(p.name for p in CORPUS.iterdir() if (p / "versions").is_dir())
TYPES = ["--type", "myapp.db.types.GUID=Uuid", "--type", "myapp.fields.JsonText=Text"]
# families whose revisions use format features other branches of issue 15 add (op.f names,
# enum operations, autocommit_block, irreversible, identity/computed/sequence): their YAML is
# checked against the golden files; loading them needs those features
NEEDS_NEW_FEATURES: set[str] = set()


def convert(family: str, tmp_path: Path, capsys, *extra: str) -> tuple[int, list[str], Path]:
    """Run `yamig convert versions OUT` inside the family's folder: (exit code, stdout lines, OUT)."""
    out = tmp_path / "out" / "versions"
    cwd = os.getcwd()
    os.chdir(CORPUS / family)
    try:
        code = main(["convert", "versions", str(out), *TYPES, *extra])
    finally:
        os.chdir(cwd)
    stdout = capsys.readouterr().out
    return code, [line.replace(str(out), "OUT") for line in stdout.splitlines()], out


@pytest.mark.parametrize("family", FAMILIES)
def test_converted_yaml_as_expected(family, tmp_path, capsys):
    code, report, out = convert(family, tmp_path, capsys, "--partial")
    assert code == 0
    expected = EXPECTED / family
    if os.environ.get("CONVERT_GOLDEN"):
        shutil.rmtree(expected, ignore_errors=True)
        expected.mkdir(parents=True)
        for path in out.iterdir():
            shutil.copy(path, expected / path.name)
        (expected / "report.txt").write_text("\n".join(report) + "\n", encoding="utf-8")
    written = sorted(p.name for p in out.iterdir())
    assert written == sorted(p.name for p in expected.glob("*.yaml"))
    for name in written:
        assert (out / name).read_text(encoding="utf-8") == (expected / name).read_text(encoding="utf-8"), name
    assert report == (expected / "report.txt").read_text(encoding="utf-8").splitlines()


@pytest.mark.parametrize("family", [f for f in FAMILIES if f not in NEEDS_NEW_FEATURES | {"unmappable"}])
def test_converted_project_loads_and_validates_clean(family, tmp_path, capsys):
    code, report, out = convert(family, tmp_path, capsys)
    assert (code, report[:-1]) == (0, [])
    assert report[-1].startswith("Converted ")
    ini = tmp_path / "out" / "yamig.ini"
    ini.write_text("[yamig]\nscript_location = .\nsqlalchemy.url = sqlite://\n")
    assert validate_code(Config(str(ini))) == 0
    capsys.readouterr()


def test_unmappable_constructs_reported_exactly(tmp_path, capsys):
    code, report, out = convert("unmappable", tmp_path, capsys)
    where = "versions/u1_unmappable.py"
    assert code == 1
    assert [line.split(": ")[0] + ": " + line.split(": ")[1] for line in report[:-1]] == [
        f"{where}:23: helpers.backfill_names()",    # the application's module
        f"{where}:25: conn.execute",                # the connection used directly
        f"{where}:26: for ... in rows",             # a loop over rows
        f"{where}:28: Session()",                   # an ORM session
        f"{where}:30: sa.func.now()",               # rendered per dialect
    ]
    assert report[-1] == "Converted 1 script into OUT; 5 constructs not converted"
    assert "application's module myapp.helpers" in report[0]
    # the marker refuses to load at its place until a person replaces it
    with pytest.raises(RevisionFileError) as error:
        load_revision_file(out / "u1_unmappable.yaml")
    assert "unconverted" in str(error.value) and ":11:" in str(error.value)


def test_partial_exits_zero_and_keeps_the_markers(tmp_path, capsys):
    code, report, out = convert("unmappable", tmp_path, capsys, "--partial")
    assert code == 0 and len(report) == 6
    assert (out / "u1_unmappable.yaml").read_text().count("- unconverted:") == 6  # session.add too


def test_application_types_need_mapping(tmp_path, capsys):
    out = tmp_path / "versions"
    code = main(["convert", str(CORPUS / "app_types" / "versions"), str(out)])
    lines = capsys.readouterr().out.splitlines()
    assert code == 1
    assert lines[0].startswith(f"{CORPUS / 'app_types' / 'versions' / 'g1_app.py'}:22: apptypes.GUID(): "
                               "myapp.db.types.GUID comes from the application's module myapp.db.types")
    assert "--type MODULE.NAME=TYPE" in lines[0] and len(lines) == 2


def test_type_mapping_from_the_config(tmp_path, capsys):
    ini = tmp_path / "yamig.ini"
    ini.write_text("[yamig]\nscript_location = .\n\n[convert]\n"
                   "types = myapp.db.types.GUID=Uuid\n    myapp.fields.JsonText=Text\n")
    out = tmp_path / "versions"
    assert main(["-c", str(ini), "convert", str(CORPUS / "app_types" / "versions"), str(out)]) == 0
    text = (out / "g1_app.yaml").read_text()
    assert "{name: id, type: Uuid, primary_key: true}" in text and "{name: data, type: Text" in text


def test_source_as_alembic_ini_or_script_location(tmp_path, capsys):
    project = tmp_path / "proj"
    shutil.copytree(CORPUS / "history" / "versions", project / "migrations" / "versions")
    (project / "migrations" / "env.py").write_text("")
    (project / "alembic.ini").write_text("[alembic]\nscript_location = %(here)s/migrations\n")
    for source in (project / "alembic.ini", project / "migrations"):
        out = tmp_path / f"out_{source.name}"
        command.convert(Config(None), str(source), str(out))
        assert sorted(p.name for p in out.iterdir()) == [
            "h1_base.yaml", "h2_left.yaml", "h3_right.yaml", "h4_merge.yaml", "h5_audit.yaml"]
    capsys.readouterr()


def test_history_keeps_ids_branches_merges_and_depends_on(tmp_path, capsys):
    _, _, out = convert("history", tmp_path, capsys)
    merge = load_revision_file(out / "h4_merge.yaml")
    audit = load_revision_file(out / "h5_audit.yaml")
    base = load_revision_file(out / "h1_base.yaml")
    assert merge.down_revision == ("h2", "h3") and merge.message == "merge left and right"
    assert audit.depends_on == ("h3",) and audit.branch_labels == ("audit",)
    assert base.branch_labels == ("core",)
