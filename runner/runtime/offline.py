"""Offline mode: the SQL a run would execute, printed as a script instead.

No database is needed: statements are compiled for the URL's dialect with
literal values. The script looks as Alembic's `--sql` scripts do on each
dialect (Script below), so tools and people used to those read it as they are.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from runner.errors import ConfigError
from runner.masking import mask, mask_url
from runner.runtime.context import MigrationContext, parts_of
from runner.runtime.version_table import VersionTable
from runner.schema.state import TableState
from runner.sql.dialects import impl_for


def dialect_for(url: str) -> Any:
    """A dialect instance for `url` without importing its DBAPI driver.

    With the named paramstyle, as Alembic's env.py templates make it: a format/pyformat
    dialect (psycopg, mysqlclient) would double every `%` in names, literals and text, which
    the script, run by psql or mysql and not by the driver, would keep doubled."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError

    try:
        dialect = make_url(url).get_dialect()(paramstyle="named")
    except (ArgumentError, NoSuchModuleError) as err:
        raise ConfigError(f"no SQLAlchemy dialect for {mask_url(url)!r}: {mask(str(err))}",
                          hint="offline mode needs a URL such as postgresql:// or sqlite://") from None
    except ValueError as err:
        from runner.runtime.engine import unreadable_url

        raise unreadable_url(url, err) from None
    impl_for(dialect).prepare_offline_dialect(dialect)  # what a connection would have reported
    return dialect


class Script:
    """How one dialect's script is written, as Alembic writes it: the dialect's impl says how a
    statement ends, what separates batches, and whether transactions are printed (only where
    they hold DDL: a BEGIN on MySQL would promise what does not happen; SQLite gets them
    because yamig runs it in transactions online too, where Alembic prints none)."""

    def __init__(self, dialect: Any, out) -> None:
        impl = impl_for(dialect)
        self.dialect = dialect
        self.out = out
        self.terminator = impl.terminator
        self.separator = impl.batch_separator
        self.transactional = impl.script_transactions
        self.begin_text = impl.begin_text

    def comment(self, text: str) -> None:
        self.out(f"-- {text}\n")

    def statement(self, statement: Any) -> None:
        from sqlalchemy.schema import DDLElement

        if isinstance(statement, str):
            text = statement
        elif isinstance(statement, DDLElement):  # as Alembic: DDL takes no literal_binds (some of
            text = str(statement.compile(dialect=self.dialect))  # Alembic's own DDL compilers refuse it)
        else:
            text = str(statement.compile(dialect=self.dialect, compile_kwargs={"literal_binds": True}))
        self.out(text.replace("\t", "    ").strip() + self.terminator + "\n")  # as Alembic's
        if self.separator:
            self.out(self.separator + "\n")

    def begin(self) -> None:
        if self.transactional:
            self.out(self.begin_text + ";\n")

    def commit(self) -> None:
        if self.transactional:
            self.out("COMMIT;\n")
            if self.separator:
                self.out(self.separator + "\n")


def _script(config, tag: str | None) -> Script:
    """The script for the config's URL, headed by `-- tag: ...` when `--tag` was given."""
    script = Script(dialect_for(config.url), config.print_stdout)
    if tag:
        script.comment(f"tag: {tag}")
    return script


def run_offline(config, graph, plan, ops_for, start: str | None, tag: str | None) -> None:
    """Print the script of a run from `start` (a revision, or base/None for an empty database).

    As Alembic does: one transaction for the whole run, or one per revision with
    `transaction_per_migration` (the version table created in the first one).
    """
    current = graph.resolve(start) if start and start != "base" else ()
    steps = plan(current)
    prepared = [(step, ops_for(step)) for step in steps]
    _refuse_unprintable(prepared)
    script = _script(config, tag)  # after planning: a refused run prints nothing
    version_table = VersionTable(config.version_table, config.version_table_schema)
    context = OfflineContext(script, graph, current, version_table)
    if config.transaction_per_migration and not prepared:
        if not current:  # nothing to run, but the version table, as Alembic
            with context.transaction():
                context.in_first_transaction()
        return
    context.run_steps([(step, parts_of(script.dialect, ops)) for step, ops in prepared],
                      config.transaction_per_migration)


def _refuse_unprintable(prepared: list) -> None:
    """What the script cannot hold (run_python without `sql`) refuses the run before it prints."""
    for _, ops in prepared:
        for op in ops:
            op.refuse_offline()


class OfflineContext(MigrationContext):
    """A script printed by `script` (runner.runtime.offline.Script): the schema is the revisions replayed
    up to `current` (version rows), then followed forward by each group emitted. The replay is
    made only when an operation first asks; the groups emitted before that are applied then."""

    def __init__(self, script: Any, graph: Any, current: tuple[str, ...], version_table: Any) -> None:
        from sqlalchemy import exc

        super().__init__(script.dialect, as_sql=True, graph=graph, current=current)
        self.script = script
        self.failures = (exc.CompileError,)  # what the dialect cannot spell
        self.version_table = version_table
        self._version_table_made = False
        self._open = False  # inside a transaction this script printed

    def emit(self, statement: Any) -> None:
        self.script.statement(statement)

    # -- walking a plan ----------------------------------------------------------------------
    @contextmanager
    def transaction(self) -> Iterator[None]:
        """BEGIN and COMMIT printed around the block (nothing where DDL is not transactional);
        an error inside leaves the script unfinished rather than committed."""
        self.script.begin()
        self._open = True
        yield
        self._open = False
        self.script.commit()

    @contextmanager
    def outside_transaction(self) -> Iterator[None]:
        """Inside the run's one transaction, the script commits before the part and begins again
        after it, as online; between the transactions of each step there is none to leave."""
        if not self._open:
            yield
            return
        self.script.commit()
        yield
        self.script.begin()

    def announce(self, step: Any) -> None:
        revision = step.revision
        if step.is_upgrade:
            self.script.comment(f"Running upgrade {', '.join(revision.down_revision)} -> {revision.revision}")
        else:
            self.script.comment(
                f"Running downgrade {revision.revision} -> {', '.join(revision.down_revision)}")

    def before_steps(self, per_migration: bool) -> None:
        if not per_migration:
            self.in_first_transaction()

    def in_first_transaction(self) -> None:
        """On an empty database the script makes the version table first, as Alembic's."""
        from sqlalchemy.schema import CreateTable

        if not self.current and not self._version_table_made:
            self.script.statement(CreateTable(self.version_table.table))
            self._version_table_made = True

    def record(self, step: Any) -> None:
        for statement, _ in self.version_table.statements(step):
            self.script.statement(statement)

    def failure(self, step: Any, group: list, err: Exception, committed: bool) -> Exception:
        """What the dialect cannot spell (a PostgreSQL Enum without a name) is the operation's error."""
        from runner.errors import MigrationError

        op = group[0]
        return MigrationError(f"{op.name} cannot be written for this database: {err}",
                              location=op.location, hint="fix the operation for this dialect")

    def column_types(self, table: str, schema: str | None) -> dict[str, Any]:
        from runner.schema.types import parse_type

        found = self.table(table, schema)
        if found is None:
            return {}
        return {name: parse_type(column["type"]).to_sqlalchemy() for name, column in found.columns.items()}

    def type_exists(self, key: tuple[str | None, str]) -> bool:
        return key in self.state.named_types

    def table(self, name: str, schema: str | None) -> TableState | None:
        """With no database, the table as it is is the table as the revisions define it."""
        return self.defined_table(name, schema)


def stamp_offline(config, graph, targets: list[str], purge: bool, tag: str | None = None) -> None:
    """`stamp --sql`: the version-table statements, from `start:` when a target has one."""
    from sqlalchemy.schema import CreateTable

    starts = {t.split(":", 1)[0] for t in targets if ":" in t}
    if len(starts) > 1:
        raise ConfigError("stamp --sql takes one starting revision at a time")
    destinations = [t.split(":", 1)[-1] for t in targets]
    start = starts.pop() if starts else None
    current = graph.resolve(start) if start and start != "base" else ()
    version_table = VersionTable(config.version_table, config.version_table_schema)
    script = _script(config, tag)
    script.begin()
    if not current:
        script.statement(CreateTable(version_table.table))
    if purge:
        script.statement(version_table.table.delete())
        current = ()
    for step in graph.stamp_plan(current, destinations):
        before = [old for old, _ in step.update] + list(step.delete)
        after = [new for _, new in step.update] + list(step.insert)
        script.comment(f"Running stamp_revision {', '.join(before)} -> {', '.join(after)}")
        for statement, _ in version_table.statements(step):
            script.statement(statement)
    script.commit()
