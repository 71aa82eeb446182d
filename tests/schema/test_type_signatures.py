"""The snapshot of SQLAlchemy's type constructors that validate reads (runner/schema/type_signatures.json):
it matches the installed SQLAlchemy, and checking a type against it imports no SQLAlchemy."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from runner.schema import signatures
from runner.schema.types import SIGNATURES_FILE

ROOT = Path(__file__).resolve().parents[2]


def test_the_snapshot_matches_the_installed_sqlalchemy():
    fresh = signatures.render(signatures.snapshot())
    assert SIGNATURES_FILE.read_text(encoding="utf-8") == fresh, (
        "runner/schema/type_signatures.json differs from the installed SQLAlchemy: "
        "run `python -m runner.schema.signatures` to refresh it")


def test_checking_type_arguments_imports_no_sqlalchemy():
    code = ("import sys; from runner.schema.types import TypeGrammarError\n"
            "from runner.schema.type_arguments import check_arguments\n"
            "for text in ['Integer', 'String(255)', 'Numeric(10, 2)', 'postgresql.ARRAY(String(20))',\n"
            "             'Enum(\"a\", \"b\", name=\"e\")', 'mysql.VARCHAR(10, charset=\"utf8\")',\n"
            "             'Integer(5)',\n"
            "             'String(-1)', 'Float(60)', 'mysql.INTEGER(bogus=1)', 'postgresql.ARRAY']:\n"
            "    try:\n"
            "        check_arguments(text)\n"
            "    except TypeGrammarError:\n"
            "        pass\n"
            "print([m for m in sys.modules if m.startswith('sqlalchemy')])")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert result.stdout.splitlines()[-1] == "[]", result.stderr
