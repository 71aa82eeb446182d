"""The commands that read or write a database's version table and its applied history:
upgrade, downgrade, stamp, current, ensure_version, repair."""

from __future__ import annotations

from typing import TYPE_CHECKING

from runner.commands.base import (
    MIGRATING,
    TAG,
    VERBOSE,
    argument,
    command_line,
    current_rows_of,
    describer_for,
    each_database,
    load_graph,
    refuse_unknown_rows,
)
from runner.errors import ConfigError, YamigError
from runner.masking import mask_url

ALLOW_CHANGED = argument("--allow-changed", action="store_true",
                         help="run even if applied revisions changed since they were applied "
                              "(the history rows say so)")

if TYPE_CHECKING:
    from runner.config import Config


@command_line("Upgrade to a later version.", *MIGRATING, ALLOW_CHANGED, logging=True)
@each_database
def upgrade(config: Config, revision: str, sql: bool = False, tag: str | None = None,
            check: bool = True, allow_changed: bool = False) -> None:
    """Upgrade to a later version.

    `check`: first replay the revisions to run as validate does, from the database's revision,
    and refuse the run before anything runs when that finds an error. An applied revision
    whose operations changed since it was applied refuses the run (RevisionsChanged) unless
    `allow_changed`.
    """
    from runner.revisions.checks import operations

    graph = load_graph(config)
    start, revision = _split_range(revision, sql)
    _migrate(config, graph, sql, tag,
             plan=lambda current: graph.upgrade_plan(current, revision),
             ops_for=lambda step: operations(step.revision, "upgrade") or [],
             start=start, check=check, allow_changed=allow_changed)


@command_line("Revert to a previous version.", *MIGRATING, ALLOW_CHANGED, logging=True)
@each_database
def downgrade(config: Config, revision: str, sql: bool = False, tag: str | None = None,
              check: bool = True, allow_changed: bool = False) -> None:
    """Revert to a previous version (`check`, `allow_changed`: as for upgrade)."""
    from runner.revisions.derive import downgrade_operations

    graph = load_graph(config)
    if sql and ":" not in revision:
        raise ConfigError("downgrade with --sql needs a range: <from>:<to>",
                          hint="e.g. yamig downgrade --sql head:base")
    start, revision = _split_range(revision, sql)
    derived: dict = {}

    def plan(current):
        steps = graph.downgrade_plan(current, revision)
        derived.update(downgrade_operations(graph, [s.revision.revision for s in steps],
                                            _traits_of(config.url)))
        return steps

    _migrate(config, graph, sql, tag, plan=plan,
             ops_for=lambda step: derived[step.revision.revision], start=start, check=check,
             allow_changed=allow_changed)


def _traits_of(url: str):
    """What the database of `url` does, for the derived downgrades (runner.sql.dialects.traits)."""
    import sqlalchemy as sa

    from runner.sql.dialects.traits import traits_for

    return traits_for(sa.engine.make_url(url).get_backend_name())


def _split_range(revision: str, sql: bool) -> tuple[str | None, str]:
    """`start:end` is for offline mode only, as in Alembic."""
    if ":" not in revision:
        return None, revision
    if not sql:
        raise ConfigError(f"a range ({revision}) is only allowed with --sql",
                          hint="online, give just the target; the start is the database's version")
    start, end = revision.split(":", 1)
    return start or None, end


def _known_rows(graph, plan):
    """Refuse to plan from version rows that no revision file defines."""
    def checked(current):
        refuse_unknown_rows(graph, current)
        return plan(current)
    return checked


def _checked(config: Config, graph, plan, ops_for, check: bool, dialect):
    """The plan, refused before anything runs when the replay finds errors in the steps to run
    (on the SQLAlchemy dialect that `dialect()` names: the types must be within its limits)."""
    if not check:
        return plan

    def checked(current):
        steps = plan(current)
        if steps:
            from runner.review.findings import disabled_rules
            from runner.review.semantics import check_run, run_refused

            errors = check_run(graph, current, steps, ops_for, disabled_rules(config), dialect())
            if errors:
                raise run_refused(errors)
        return steps
    return checked


def _migrate(config: Config, graph, sql: bool, tag: str | None, plan, ops_for, start,
             check: bool = True, allow_changed: bool = False) -> None:
    plan = _known_rows(graph, plan)
    if sql:
        from runner.runtime.offline import dialect_for, run_offline

        plan = _checked(config, graph, plan, ops_for, check, lambda: dialect_for(config.url).name)
        run_offline(config, graph, plan, ops_for, start, tag)
        return
    from runner.runtime.drift import AppliedHistory
    from runner.runtime.engine import connect
    from runner.runtime.executor import migrate
    from runner.sql.dialects import impl_for

    with connect(config) as connection:
        plan = _checked(config, graph, plan, ops_for, check,
                        lambda: impl_for(connection.dialect).traits_name)
        migrate(connection, config, plan, ops_for, AppliedHistory(config, graph, allow_changed),
                graph=graph)


@command_line("Set the version table to revision(s) without running migrations.",
      argument("revision", nargs="+", metavar="revisions",
           help="target revision(s); base empties the table"),
      argument("--sql", action="store_true", help="print the SQL instead of running it"),
      TAG,
      argument("--purge", action="store_true", help="delete all version rows first"),
      logging=True)
@each_database
def stamp(config: Config, revision: str | list[str], sql: bool = False, tag: str | None = None,
          purge: bool = False) -> None:
    """Make the version table say `revision` without running any migration."""
    graph = load_graph(config)
    targets = [revision] if isinstance(revision, str) else list(revision)
    if sql:
        from runner.runtime.offline import stamp_offline

        stamp_offline(config, graph, targets, purge, tag)
        return
    from runner.runtime.drift import AppliedHistory
    from runner.runtime.engine import connect
    from runner.runtime.executor import stamp as stamp_rows

    with connect(config) as connection:
        stamp_rows(connection, config, lambda current: graph.stamp_plan(current, targets), purge,
                   AppliedHistory(config, graph))


@command_line("Display the current revision for a database.",
      VERBOSE,
      argument("--check-heads", action="store_true",
           help="fail unless the database is on all head revisions"),
      argument("--check", dest="check_changed", action="store_true",
           help="fail if an applied revision changed since it was applied"),
      logging=True)
@each_database
def current(config: Config, verbose: bool = False, head_only: bool = False,
            check_heads: bool = False, check_changed: bool = False) -> None:
    """Display the current revision for a database (`check_changed`: raise RevisionsChanged
    when an applied revision's operations differ from those it was applied with)."""
    graph = load_graph(config)
    rows = current_rows_of(config)
    if check_changed:
        _refuse_changed(config, graph, rows)
    if verbose:
        from runner.runtime.engine import create_engine

        url = config.attributes.get("connection")
        url = url.engine.url if url is not None else create_engine(config.url).url
        config.print_stdout("Current revision(s) for %s:", mask_url(url.render_as_string(hide_password=True)))
    if check_heads and set(rows) != set(graph.heads):
        raise YamigError("the database is not on all head revisions",
                         hint="run `yamig upgrade heads`")
    describer = describer_for(graph)
    _known_rows(graph, lambda current: None)(rows)
    for row in sorted(rows):
        config.print_stdout(describer.line(graph.revisions[row], verbose=verbose))


@command_line("Create the version table if it is missing.",
      argument("--sql", action="store_true", help="print the DDL instead of running it"),
      logging=True)
@each_database
def ensure_version(config: Config, sql: bool = False) -> None:
    """Create the version table if it is missing (`sql`: print its DDL instead)."""
    from runner.runtime.version_table import VersionTable

    version_table = VersionTable(config.version_table, config.version_table_schema)
    if sql:
        from sqlalchemy.schema import CreateTable

        from runner.runtime.offline import Script, dialect_for

        Script(dialect_for(config.url), config.print_stdout).statement(CreateTable(version_table.table))
        return
    from runner.runtime.engine import connect
    from runner.runtime.transactions import transaction

    with connect(config) as connection:
        with transaction(connection):
            version_table.create(connection)


def _refuse_changed(config: Config, graph, rows: tuple[str, ...]) -> None:
    from runner.runtime.drift import AppliedHistory, refusal
    from runner.runtime.engine import connect

    history = AppliedHistory(config, graph)
    with connect(config) as connection:
        changed = history.changed(connection, rows)
        if not config.attributes.get("connection") and connection.in_transaction():
            connection.rollback()
    if changed:
        raise refusal(changed)


@command_line("Accept today's files of changed applied revisions (recorded in the history).",
      argument("revisions", nargs="*", help="the revisions to accept (default: every changed one)"),
      argument("--reason", help="why: kept in the history row"),
      logging=True)
@each_database
def repair(config: Config, revisions: str | list[str] | None = None,
           reason: str | None = None) -> list[str]:
    """Record today's checksums of applied revisions as accepted: a `repair` row each, with
    `reason`. Without `revisions`, every applied revision that changed, and every revision
    whose failure left operations behind (runner.runtime.undo). Returns the ids."""
    from runner.runtime.drift import AppliedHistory
    from runner.runtime.engine import connect
    from runner.runtime.executor import repair as repair_rows

    graph = load_graph(config)
    targets = [revisions] if isinstance(revisions, str) else list(revisions or ())
    history = AppliedHistory(config, graph)
    with connect(config) as connection:
        repaired = repair_rows(connection, config, history, targets, reason)
    if not repaired:
        config.print_stdout("Nothing to repair: no applied revision changed since it was applied")
    for rev_id in repaired:
        revision = graph.revisions[rev_id]
        if rev_id in history.dealt_with:
            config.print_stdout("Recorded that what %s left behind when it failed was dealt with: %s",
                                rev_id, revision.path)
        else:
            config.print_stdout("Accepted %s as applied: %s", rev_id, revision.path)
    return repaired
