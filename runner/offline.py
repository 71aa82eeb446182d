"""Offline mode: the SQL a run would execute, printed as a script instead.

No database is needed: statements are compiled for the URL's dialect with
literal values, framed by the same transactions an online run would use.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
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


def run_offline(config, graph, plan, ops_for, start: str | None, tag: str | None) -> None:
    from runner.executor import VersionTable

    dialect = dialect_for(config.url)
    current = graph.resolve(start) if start and start != "base" else ()
    steps = plan(current)
    prepared = [(step, ops_for(step)) for step in steps]
    version_table = VersionTable(config.version_table, config.version_table_schema)
    per_migration = config.transaction_per_migration
    out = config.print_stdout

    def emit(statement: Any) -> None:
        text = statement if isinstance(statement, str) else str(
            statement.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
        out(text.strip() + ";\n")

    from sqlalchemy.schema import CreateTable

    uses_state = dialect.name == "sqlite" or any(op.name == "bulk_insert" for _, ops in prepared
                                                 for op in ops)
    statements_for = _replayed_statements(graph, current, dialect) if uses_state else None
    if not per_migration:
        out("BEGIN;\n")
    if not current:
        if per_migration:
            out("BEGIN;\n")
        emit(CreateTable(version_table.table))
        if per_migration:
            out("COMMIT;\n")
    for step, ops in prepared:
        revision = step.revision
        if per_migration:
            out("BEGIN;\n")
        if step.is_upgrade:
            out(f"-- Running upgrade {', '.join(revision.down_revision)} -> {revision.revision}\n")
        else:
            out(f"-- Running downgrade {revision.revision} -> {', '.join(revision.down_revision)}\n")
        for op in ops:
            with compile_errors_at(op):
                for statement in (statements_for(op) if statements_for else op.ddl(dialect)):
                    emit(statement)
        for statement, _ in version_table.statements(step):
            emit(statement)
        if per_migration:
            out("COMMIT;\n")
    if not per_migration:
        out("COMMIT;\n")


@contextmanager
def compile_errors_at(op) -> Iterator[None]:
    """What the dialect cannot spell (a PostgreSQL Enum without a name) is the operation's error."""
    from sqlalchemy import exc

    from runner.errors import MigrationError

    try:
        yield
    except exc.CompileError as err:
        raise MigrationError(f"{op.name} cannot be written for this database: {err}",
                             location=op.location, hint="fix the operation for this dialect") from None


def _replayed_statements(graph, current: tuple[str, ...], dialect: Any):
    """Offline there is no table to reflect: SQLite rebuilds and bulk_insert's column types
    come from the replayed state."""
    from runner import rebuild
    from runner.operations import operations
    from runner.state import SchemaState

    state = SchemaState()
    if current:
        for step in graph.upgrade_plan((), " ".join(current)):
            for op in operations(step.revision, "upgrade") or []:
                op.state_forwards(state)

    def statements(op) -> list[Any]:
        name = rebuild.table_name_of(op)
        table = state.table(name, op.schema) if name else None
        if op.name == "bulk_insert":
            result = op.offline_ddl(dialect, state)
        elif (dialect.name == "sqlite" and table is not None and table.known
              and rebuild.needs_rebuild(op, table)):
            result = rebuild.rebuild(op, table)
        else:
            result = op.ddl(dialect)
        op.state_forwards(state)
        return result

    return statements


def stamp_offline(config, graph, targets: list[str], purge: bool) -> None:
    """`stamp --sql`: the version-table statements, from `start:` when a target has one."""
    from runner.executor import VersionTable

    dialect = dialect_for(config.url)
    starts = {t.split(":", 1)[0] for t in targets if ":" in t}
    if len(starts) > 1:
        raise ConfigError("stamp --sql takes one starting revision at a time")
    destinations = [t.split(":", 1)[-1] for t in targets]
    start = starts.pop() if starts else None
    current = graph.resolve(start) if start and start != "base" else ()
    version_table = VersionTable(config.version_table, config.version_table_schema)
    out = config.print_stdout

    def emit(statement) -> None:
        out(str(statement.compile(dialect=dialect, compile_kwargs={"literal_binds": True})).strip()
            + ";\n")

    from sqlalchemy.schema import CreateTable

    out("BEGIN;\n")
    if not current:
        emit(CreateTable(version_table.table))
    if purge:
        emit(version_table.table.delete())
        current = ()
    for step in graph.stamp_plan(current, destinations):
        for statement, _ in version_table.statements(step):
            emit(statement)
    out("COMMIT;\n")
