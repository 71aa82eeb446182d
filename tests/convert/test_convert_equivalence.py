"""The converted histories run by yamig give the schema Alembic 1.20.1 gives running the
original scripts (for real, in a scratch project with an env.py), on SQLite and PostgreSQL,
compared with the inspector after `upgrade heads`."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from runner import command
from runner.config import Config

from ..test_alembic_equivalence import (
    any_column_order,
    databases,  # noqa: F401 - a fixture the test takes
    snapshot,
)

CORPUS = Path(__file__).resolve().parent / "corpus"

ENV_PY = '''
from alembic import context
from sqlalchemy import create_engine, pool

url = context.config.get_main_option("sqlalchemy.url")
engine = create_engine(url, poolclass=pool.NullPool)
with engine.connect() as connection:
    context.configure(connection=connection, target_metadata=None)
    with context.begin_transaction():
        context.run_migrations()
'''

# family -> the backends its scripts run on under Alembic (without batch mode, Alembic cannot
# alter a column's type or add a foreign key on SQLite; basic's b2 does both)
CASES = [("basic", ("postgresql",)), ("batch", ("sqlite", "postgresql")),
         ("data", ("sqlite", "postgresql")), ("history", ("sqlite", "postgresql"))]
# Alembic's batch rebuild on SQLite orders a table's columns by a topological sort of the old
# and new ones (an added column may land before existing ones); yamig's rebuild appends it, as
# ADD COLUMN does everywhere else: the same columns, types and constraints, in another order
ANY_COLUMN_ORDER = {("batch", "sqlite")}
PARAMS = [pytest.param(family, backend, id=f"{family}-{backend}") for family, backends in CASES
          for backend in backends]


def run_alembic(family: str, root: Path, url: str) -> None:
    from alembic import command as alembic_command
    from alembic.config import Config as AlembicConfig

    scripts = root / "alembic"
    shutil.copytree(CORPUS / family / "versions", scripts / "versions")
    (scripts / "env.py").write_text(ENV_PY)
    config = AlembicConfig()
    config.set_main_option("script_location", str(scripts))
    config.set_main_option("sqlalchemy.url", url)
    alembic_command.upgrade(config, "heads")


def run_yamig(family: str, root: Path, url: str) -> None:
    out = root / "yamig" / "versions"
    command.convert(Config(None), str(CORPUS / family / "versions"), str(out))
    ini = root / "yamig" / "yamig.ini"
    ini.write_text(f"[yamig]\nscript_location = .\nsqlalchemy.url = {url}\n")
    command.upgrade(Config(str(ini)), "heads")


@pytest.mark.parametrize("family, databases", [(f, b) for f, b in (p.values for p in PARAMS)],
                         ids=[p.id for p in PARAMS], indirect=["databases"])
def test_converted_history_gives_alembics_schema(family, databases, tmp_path, capsys):  # noqa: F811
    _, make = databases
    alembic_url, yamig_url = make(), make()
    run_alembic(family, tmp_path, alembic_url)
    run_yamig(family, tmp_path, yamig_url)
    capsys.readouterr()
    expected, got = snapshot(alembic_url), snapshot(yamig_url)
    assert expected  # the scripts made tables
    if (family, databases[0]) in ANY_COLUMN_ORDER:
        expected, got = any_column_order(expected), any_column_order(got)
    assert got == expected
