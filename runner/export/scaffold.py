"""The Alembic project files written around exported scripts: alembic.ini, env.py and
script.py.mako, as `alembic init` writes them in spirit, cut to what a run needs. verify
runs an Alembic history that has no env.py of its own with this env.py."""

from __future__ import annotations

from pathlib import Path

ENV_PY = '''"""Alembic's env.py for the scripts `yamig export-alembic` wrote: one transaction per revision
(as yamig runs them), the URL from sqlalchemy.url in alembic.ini."""
from alembic import context
from sqlalchemy import engine_from_config, pool

config = context.config
target_metadata = None  # set to your models' MetaData for `alembic revision --autogenerate`


def run_migrations_offline():
    context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=target_metadata,
                      literal_binds=True, dialect_opts={"paramstyle": "named"},
                      transaction_per_migration=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    connectable = engine_from_config(config.get_section(config.config_ini_section, {}),
                                     prefix="sqlalchemy.", poolclass=pool.NullPool)
    with connectable.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata,
                          transaction_per_migration=True)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
'''

SCRIPT_MAKO = '''"""${message}

Revision ID: ${up_revision}
Revises: ${down_revision | comma,n}
Create Date: ${create_date}

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
${imports if imports else ""}

# revision identifiers, used by Alembic.
revision: str = ${repr(up_revision)}
down_revision: Union[str, Sequence[str], None] = ${repr(down_revision)}
branch_labels: Union[str, Sequence[str], None] = ${repr(branch_labels)}
depends_on: Union[str, Sequence[str], None] = ${repr(depends_on)}


def upgrade() -> None:
    ${upgrades if upgrades else "pass"}


def downgrade() -> None:
    ${downgrades if downgrades else "pass"}
'''

ALEMBIC_INI = '''# Written by `yamig export-alembic`. Set sqlalchemy.url to your database before running
# `alembic upgrade head`; the version table is alembic_version, the one yamig used.
[alembic]
script_location = %(here)s
version_locations = %(here)s/versions
path_separator = os

# the database: set this (e.g. postgresql+psycopg://user:pass@host/dbname)
sqlalchemy.url = driver://user:pass@localhost/dbname

[loggers]
keys = root,sqlalchemy,alembic

[handlers]
keys = console

[formatters]
keys = generic

[logger_root]
level = WARNING
handlers = console
qualname =

[logger_sqlalchemy]
level = WARNING
handlers =
qualname = sqlalchemy.engine

[logger_alembic]
level = INFO
handlers =
qualname = alembic

[handler_console]
class = StreamHandler
args = (sys.stderr,)
level = NOTSET
formatter = generic

[formatter_generic]
format = %(levelname)-5.5s [%(name)s] %(message)s
datefmt = %H:%M:%S
'''


_NO_METADATA = ("target_metadata = None  # set to your models' MetaData for "
                "`alembic revision --autogenerate`\n")


def metadata_line(naming: dict[str, str] | None) -> str:
    """env.py's target_metadata: a MetaData with the config's naming convention when it has one,
    since Alembic's operations name what a script leaves unnamed (None) by target_metadata's."""
    if naming is None:
        return _NO_METADATA
    from runner.schema.naming import convention_of

    return (f"target_metadata = sa.MetaData(naming_convention={convention_of(naming)!r})\n"
            "# yamig's [naming_convention]: the scripts' unnamed constraints and indexes are named by it;\n"
            "# keep it on your models' MetaData when you point target_metadata at them\n")


def env_py(naming: dict[str, str] | None) -> str:
    """ENV_PY, with the target_metadata the config's naming convention needs."""
    if naming is None:
        return ENV_PY
    return ENV_PY.replace("from sqlalchemy import engine_from_config, pool\n",
                          "import sqlalchemy as sa\nfrom sqlalchemy import engine_from_config, pool\n"
                          ).replace(_NO_METADATA, metadata_line(naming))


def alembic_ini(project: Path | None, out: Path) -> str:
    """ALEMBIC_INI, with the yamig project's folder on sys.path (prepend_sys_path), where yamig's
    run_python found the modules the scripts import."""
    if project is None:
        return ALEMBIC_INI
    import os

    relative = Path(os.path.relpath(project.resolve(), out.resolve())).as_posix()
    line = ("# the yamig project's folder, where run_python's modules are\n"
            f"prepend_sys_path = %(here)s/{relative}\n")
    return ALEMBIC_INI.replace("path_separator = os\n", "path_separator = os\n" + line)


def write_scaffold(out: Path, naming: dict[str, str] | None = None,
                   project: Path | None = None) -> list[Path]:
    """alembic.ini, env.py and script.py.mako in `out` (versions/ is where the scripts go)."""
    written = []
    files = (("alembic.ini", alembic_ini(project, out)), ("env.py", env_py(naming)),
             ("script.py.mako", SCRIPT_MAKO))
    for name, text in files:
        path = out / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written
