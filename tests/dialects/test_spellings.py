"""The DDL constructs of runner.sql.ddl get their spellings from the dialect modules."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

import runner.sql.dialects  # noqa: F401  (registers the spellings)
from runner.sql.ddl import AddColumn, RenameTable

ROOT = Path(__file__).resolve().parents[2]


def _compile(element, name: str) -> str:
    return str(element.compile(dialect=make_url(f"{name}://").get_dialect()()))


@pytest.mark.parametrize(("name", "expected"), [
    ("postgresql", "ALTER TABLE s.a RENAME TO b"),
    ("sqlite", "ALTER TABLE s.a RENAME TO b"),
    ("oracle", "ALTER TABLE s.a RENAME TO b"),
    ("mysql", "ALTER TABLE s.a RENAME TO s.b"),
    ("mariadb", "ALTER TABLE s.a RENAME TO s.b"),
    ("mssql", "EXEC sp_rename 's.a', b"),
])
def test_each_dialect_spells_a_rename(name, expected):
    assert _compile(RenameTable("a", "b", "s"), name) == expected


def test_add_column_is_bare_where_column_is_a_syntax_error():
    import sqlalchemy as sa

    column = sa.Column("c", sa.Integer)
    sa.Table("t", sa.MetaData(), column)
    assert _compile(AddColumn("t", column), "mssql") == "ALTER TABLE t ADD c INTEGER NULL"
    assert _compile(AddColumn("t", column), "postgresql") == "ALTER TABLE t ADD COLUMN c INTEGER"


def test_a_construct_compiled_before_the_dialects_are_loaded_says_so():
    code = ("from sqlalchemy.dialects import sqlite\n"
            "from runner.sql.ddl import RenameTable\n"
            "try:\n"
            "    RenameTable('a', 'b').compile(dialect=sqlite.dialect())\n"
            "except Exception as err:\n"
            "    print(type(err).__name__, err)\n")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert result.stdout.startswith("CompileError RenameTable has no spelling yet"), result.stderr
