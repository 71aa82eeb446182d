"""Offline mode: the SQL a run would execute, printed as a script instead.

No database is needed: statements are compiled for the URL's dialect with
literal values. The script looks as Alembic's `--sql` scripts do on each
dialect (Script below), so tools and people used to those read it as they are.
"""

from __future__ import annotations

from typing import Any

from runner.errors import ConfigError


def dialect_for(url: str) -> Any:
    """A dialect instance for `url` without importing its DBAPI driver."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError

    try:
        dialect = make_url(url).get_dialect()()
    except (ArgumentError, NoSuchModuleError) as err:
        raise ConfigError(f"no SQLAlchemy dialect for {url!r}: {err}",
                          hint="offline mode needs a URL such as postgresql:// or sqlite://") from None
    if dialect.name == "mssql" and dialect.default_schema_name is None:
        dialect.default_schema_name = "dbo"  # what a connection would report; comments need it
    return dialect


class Script:
    """How one dialect's script is written, as Alembic writes it.

    Statements end with `;` (Oracle: none) and, where the client needs batches,
    a separator line follows each (`GO` for MSSQL, `/` for Oracle). Transactions
    are printed only where DDL is transactional: PostgreSQL, MSSQL (`BEGIN
    TRANSACTION`) and SQLite, which yamig runs in transactions online too
    (Alembic prints none for SQLite). MySQL, MariaDB and Oracle commit each DDL
    statement themselves, so a BEGIN there would promise what does not happen.
    """

    def __init__(self, dialect: Any, out) -> None:
        self.dialect = dialect
        self.out = out
        name = dialect.name
        self.terminator = "" if name == "oracle" else ";"
        self.separator = {"mssql": "GO", "oracle": "/"}.get(name)
        self.transactional = name in ("postgresql", "mssql", "sqlite")
        self.begin_text = "BEGIN TRANSACTION" if name == "mssql" else "BEGIN"

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
    from sqlalchemy.schema import CreateTable

    from runner.runtime.context import OfflineContext
    from runner.runtime.executor import VersionTable

    current = graph.resolve(start) if start and start != "base" else ()
    steps = plan(current)
    prepared = [(step, ops_for(step)) for step in steps]
    script = _script(config, tag)  # after planning: a refused run prints nothing
    version_table = VersionTable(config.version_table, config.version_table_schema)
    per_migration = config.transaction_per_migration
    context = OfflineContext(script, graph, current)
    if per_migration and current and not prepared:
        return  # nothing to run and no transaction to print, as Alembic
    script.begin()
    if not current:
        script.statement(CreateTable(version_table.table))
    for index, (step, ops) in enumerate(prepared):
        revision = step.revision
        if per_migration and index:
            script.begin()
        if step.is_upgrade:
            script.comment(f"Running upgrade {', '.join(revision.down_revision)} -> {revision.revision}")
        else:
            script.comment(f"Running downgrade {revision.revision} -> {', '.join(revision.down_revision)}")
        context.run(ops, _unwritable)
        for statement, _ in version_table.statements(step):
            script.statement(statement)
        if per_migration:
            script.commit()
    if not per_migration or not prepared:
        script.commit()


def _unwritable(group: list, err: Exception) -> Exception:
    """What the dialect cannot spell (a PostgreSQL Enum without a name) is the operation's error."""
    from runner.errors import MigrationError

    op = group[0]
    return MigrationError(f"{op.name} cannot be written for this database: {err}",
                          location=op.location, hint="fix the operation for this dialect")


def stamp_offline(config, graph, targets: list[str], purge: bool, tag: str | None = None) -> None:
    """`stamp --sql`: the version-table statements, from `start:` when a target has one."""
    from sqlalchemy.schema import CreateTable

    from runner.runtime.executor import VersionTable

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
