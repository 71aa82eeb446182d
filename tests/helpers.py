"""Small builders shared by the tests: a project folder with revision files."""

from __future__ import annotations

import io
import re
import subprocess
import textwrap
from pathlib import Path

from runner.config import Config

EVERY_DATABASE = ["sqlite", "postgresql", "mariadb"]
"""db_url's databases with MariaDB, for a test that is ready for it (see tests/conftest.py)."""


def write_project(root: Path, revisions: dict[str, str], url: str | None = None) -> Config:
    """A yamig project in `root` with `revisions` (file name -> YAML text) in versions/."""
    versions = root / "versions"
    versions.mkdir(parents=True, exist_ok=True)
    for name, text in revisions.items():
        (versions / name).write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    ini = root / "yamig.ini"
    ini.write_text(f"[yamig]\nscript_location = .\nsqlalchemy.url = {url or 'sqlite://'}\n")
    return Config(str(ini))


def revision_text(rev: str, down: str | None, upgrade: str = "[]", downgrade: str | None = None,
                  message: str | None = None) -> str:
    text = f"revision: {rev}\ndown_revision: {down if down else 'null'}\n"
    if message:
        text += f"message: {message}\n"
    text += "upgrade:" + (" []\n" if upgrade == "[]" else "\n" + textwrap.indent(
        textwrap.dedent(upgrade).strip("\n"), "  ") + "\n")
    if downgrade is not None:
        text += "downgrade:" + (" []\n" if downgrade == "[]" else "\n" + textwrap.indent(
            textwrap.dedent(downgrade).strip("\n"), "  ") + "\n")
    return text


def validate_code(config: Config, *args, **kwargs) -> int:
    """command.validate's outcome as the CLI's exit code: 0 clean, else ValidationFailed's."""
    from runner import command
    from runner.errors import ValidationFailed

    try:
        command.validate(config, *args, **kwargs)
    except ValidationFailed as failed:
        return failed.exit_code
    return 0


ACCOUNT = revision_text("a1", None, """
    - create_table:
        table_name: account
        columns:
          - {name: id, type: Integer, primary_key: true}
          - {name: email, type: String(255), nullable: false}
          - {name: phone, type: String(30)}
""")
"""a1: the account table the user-trial regressions start from."""


def offline_script(root: Path, revisions: dict[str, str], url: str, target: str = "head",
                   run=None) -> str:
    """What `upgrade --sql` (or `run`, e.g. command.downgrade) prints for `revisions` on `url`'s dialect."""
    from runner import command

    config = write_project(root, revisions, url)
    out = io.StringIO()
    config.stdout = out
    (run or command.upgrade)(config, target, sql=True)
    return out.getvalue()


def skip_without_dot() -> None:
    """Skip a test that needs Graphviz's `dot` where it is not installed; CI (YAMIG_REQUIRE_DOT=1,
    set by .ci/run, which installs it) fails instead, so the check cannot quietly go missing."""
    import os
    import shutil

    import pytest

    if shutil.which("dot") is None:
        if os.environ.get("YAMIG_REQUIRE_DOT") == "1":
            pytest.fail("Graphviz's dot is not installed (YAMIG_REQUIRE_DOT=1): apt-get install graphviz")
        pytest.skip("Graphviz's dot is not installed")


def assert_dot_accepts(text: str) -> str:
    """Graphviz's own verdict on DOT text: `dot -Tsvg` takes it without a word; the SVG."""
    result = subprocess.run(["dot", "-Tsvg"], input=text, capture_output=True, text=True, check=False)
    assert result.returncode == 0 and result.stderr == "", result.stderr
    assert result.stdout.lstrip().startswith("<?xml")
    return result.stdout


MERMAID_NODE = re.compile(r'  (r_\w+)\["([^"]*)"\]$')
MERMAID_EDGE = re.compile(r"  (r_\w+) (-->|-\.->) (r_\w+)$")
MERMAID_FLAG = re.compile(r'  (l_\w+)>"([^"]*)"\]$')
MERMAID_TIE = re.compile(r"  (l_\w+) --- (r_\w+)$")
MERMAID_CLASS = re.compile(r"  class ([\w,]+) (\w+)$")
MERMAID_CLASSDEF = re.compile(r"  classDef (\w+) [\w#:,. -]+$")


def read_mermaid(text: str) -> dict:
    """The flowchart read back: every line must be one of the statements yamig writes."""
    lines = text.splitlines()
    assert lines[0] == "flowchart TB"
    found: dict = {"nodes": {}, "edges": set(), "flags": {}, "ties": set(), "classes": {}}
    for line in lines[1:]:
        if m := MERMAID_NODE.match(line):
            assert m[1] not in found["nodes"], line
            found["nodes"][m[1]] = m[2]
        elif m := MERMAID_EDGE.match(line):
            found["edges"].add((m[1], m[2], m[3]))
        elif m := MERMAID_FLAG.match(line):
            found["flags"][m[1]] = m[2]
        elif m := MERMAID_TIE.match(line):
            found["ties"].add((m[1], m[2]))
        elif m := MERMAID_CLASS.match(line):
            found["classes"][m[2]] = set(m[1].split(","))
        else:
            assert MERMAID_CLASSDEF.match(line), line
    names = set(found["nodes"])
    assert {e[0] for e in found["edges"]} | {e[2] for e in found["edges"]} <= names
    assert {t[1] for t in found["ties"]} <= names and {t[0] for t in found["ties"]} <= set(found["flags"])
    assert set().union(*found["classes"].values()) <= names
    return found
