"""`yamig convert --verify URL`: run an Alembic history and its yamig conversion side by side, on
two scratch databases made from URL, one revision at a time in yamig's upgrade order and then
back down step by step, comparing the inspected schemas after every step (runner.convert.inspected
normalises what reflection spells differently). Each difference names the revision it came after.

Alembic is an optional extra: without it, verify says how to install it.
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from runner.errors import ConfigError, YamigError

if TYPE_CHECKING:
    from runner.config import Config

log = logging.getLogger(__name__)


def require_alembic() -> Any:
    try:
        import alembic
    except ImportError:
        raise ConfigError("verifying against Alembic needs Alembic installed",
                          hint="pip install 'yamig[alembic]' (or pip install 'alembic>=1.13')") from None
    return alembic


def verify_histories(alembic_dir: Path, yamig_config: Config, url: str) -> list[str]:
    """The differences between the Alembic history at `alembic_dir` (an alembic.ini, a
    script_location folder, or a versions folder) and `yamig_config`'s history, each line naming
    the revision after which it was seen; [] when the two agree at every step."""
    require_alembic()
    from runner.graph import RevisionGraph
    from runner.revisions.loader import load_revisions

    graph = RevisionGraph(load_revisions(yamig_config.version_locations))
    graph.naming = yamig_config.naming_convention  # as load_graph: yamig names by it too
    skip = {"alembic_version", "yamig_history", yamig_config.version_table, yamig_config.history_table}
    with tempfile.TemporaryDirectory(prefix="yamig-verify-") as work, \
            scratch_databases(url, 2, Path(work)) as (alembic_url, yamig_url):
        theirs = AlembicSide(Path(alembic_dir), alembic_url, Path(work))
        ours = YamigSide(yamig_config, graph, yamig_url)
        missing = [rev for rev in graph.revisions if rev not in theirs.revisions()]
        if missing:
            return [f"revision {rev}: not in the Alembic history" for rev in missing]
        extra = sorted(set(theirs.revisions()) - set(graph.revisions))
        if extra:
            return [f"revision {rev}: in the Alembic history only" for rev in extra]
        return _walk(graph, theirs, ours, frozenset(skip))


def _walk(graph, theirs: AlembicSide, ours: YamigSide, skip: frozenset[str]) -> list[str]:
    from runner.convert.inspected import any_column_order, differences, snapshot

    found: list[str] = []
    carried: list[str] = []  # the last step's differences: reported where they first appear
    up = graph.upgrade_plan((), "heads")
    rows = up[-1].rows_after if up else ()
    down = graph.downgrade_plan(rows, "base")
    for steps, verb in ((up, "upgrade"), (down, "downgrade")):
        for step in steps:
            rev = step.revision.revision
            where = f"after {verb} of {rev} ({_message(step.revision)})"
            failed = [f"{where}: {side} failed: {error}" for side, error in
                      (("Alembic", theirs.run(step)), ("yamig", ours.run(step))) if error]
            if failed:
                return found + failed  # the two databases can no longer be compared step by step
            now = differences(any_column_order(snapshot(theirs.url, skip)),
                              any_column_order(snapshot(ours.url, skip)))
            found += [f"{where}: {line}" for line in now if line not in carried]
            carried = now
    return found


def _message(revision) -> str:
    return revision.message or "no message"


class YamigSide:
    """yamig's runs, one plan step at a time, on its scratch database."""

    def __init__(self, config: Config, graph, url: str):
        self.config, self.graph, self.url = config, graph, url

    def run(self, step) -> str | None:
        import sqlalchemy as sa

        from runner.revisions.checks import operations
        from runner.revisions.derive import downgrade_operations
        from runner.runtime.engine import create_engine
        from runner.runtime.executor import migrate

        rev = step.revision.revision
        if step.is_upgrade:
            ops = operations(step.revision, "upgrade") or []
        else:
            try:
                ops = downgrade_operations(self.graph, [rev])[rev]
            except YamigError as error:
                return str(error)
        engine = create_engine(self.url, poolclass=sa.pool.NullPool)
        try:
            with engine.connect() as connection:
                migrate(connection, self.config, lambda current: [step], lambda _: ops, graph=self.graph)
        except YamigError as error:
            return str(error)
        except Exception as error:  # the database refused a statement: the difference to report
            return f"{type(error).__name__}: {_first_line(error)}"
        finally:
            engine.dispose()
        return None


class AlembicSide:
    """Alembic's runs of the same steps: its own env.py when the project has one that runs,
    else yamig's minimal env.py (runner.export.scaffold) over the project's versions."""

    def __init__(self, source: Path, url: str, work: Path):
        from alembic.config import Config as AlembicConfig
        from alembic.script import ScriptDirectory

        self.url = url
        if source.is_file():
            self.config = AlembicConfig(str(source))
        else:
            self.config = AlembicConfig()
            self.config.set_main_option("script_location", str(source))
            if not (source / "env.py").is_file() and not (source / "versions").is_dir():
                self.config.set_main_option("version_locations", str(source))  # a versions folder
        self.config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
        self.script = ScriptDirectory.from_config(self.config)
        self.work = work
        if not Path(self.script.env_py_location).is_file():
            self._own_env()

    def revisions(self) -> set[str]:
        return {script.revision for script in self.script.walk_revisions()}

    def _own_env(self) -> None:
        from alembic.config import Config as AlembicConfig
        from alembic.script import ScriptDirectory

        from runner.export.scaffold import ENV_PY

        locations = [str(p) for p in self.script._version_locations]
        env = self.work / "alembic-env"
        env.mkdir(exist_ok=True)
        (env / "env.py").write_text(ENV_PY, encoding="utf-8")
        log.info("the Alembic history has no env.py: running it with yamig's")
        self.config = AlembicConfig()
        self.config.set_main_option("script_location", str(env))
        self.config.set_main_option("path_separator", "newline")
        self.config.set_main_option("version_locations", "\n".join(locations))
        self.config.set_main_option("sqlalchemy.url", self.url.replace("%", "%%"))
        self.script = ScriptDirectory.from_config(self.config)

    def run(self, step) -> str | None:
        from alembic.runtime.environment import EnvironmentContext
        from alembic.runtime.migration import MigrationStep

        script = self.script.get_revision(step.revision.revision)
        make = MigrationStep.upgrade_from_script if step.is_upgrade else MigrationStep.downgrade_from_script

        def steps(rev, context):
            return [make(self.script.revision_map, script)]

        try:
            with EnvironmentContext(self.config, self.script, fn=steps):
                self.script.run_env()
        except Exception as error:  # the scripts are the user's code: any error is the answer
            return f"{type(error).__name__}: {_first_line(error)}"
        return None


def _first_line(error: BaseException) -> str:
    text = str(getattr(error, "orig", None) or error).strip()
    return text.splitlines()[0] if text else type(error).__name__


# -- scratch databases --------------------------------------------------------------------------

@contextlib.contextmanager
def scratch_databases(url: str, count: int, folder: Path) -> Iterator[list[str]]:
    """`count` new empty databases like the one at `url`: files in `folder` for a file database
    (SQLite), else databases made with CREATE DATABASE on url's server and dropped afterwards."""
    import sqlalchemy as sa

    from runner.sql.dialects import impl_for

    base = sa.engine.make_url(url)
    if not impl_for(base.get_backend_name()).shared_server:
        yield [base.set(database=str(folder / f"verify{i}.db")).render_as_string(hide_password=False)
               for i in range(count)]
        return
    token = f"{os.getpid()}_{secrets.token_hex(3)}"
    names = [f"yamig_verify_{token}_{i}" for i in range(count)]
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    made: list[str] = []
    try:
        with admin.connect() as connection:
            quote = connection.dialect.identifier_preparer.quote
            for name in names:
                connection.exec_driver_sql(f"CREATE DATABASE {quote(name)}")
                made.append(name)
        yield [base.set(database=name).render_as_string(hide_password=False) for name in names]
    finally:
        with admin.connect() as connection:
            quote = connection.dialect.identifier_preparer.quote
            for name in made:
                connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {quote(name)}")
        admin.dispose()
