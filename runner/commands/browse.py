"""The commands that show the revisions without changing anything: heads, history,
branches, show, validate."""

from __future__ import annotations

from typing import TYPE_CHECKING

from runner.commands.base import (
    VERBOSE,
    argument,
    command_line,
    current_rows_of,
    describer_for,
    each_database,
    load_graph,
)
from runner.errors import ConfigError

if TYPE_CHECKING:
    from runner.config import Config


@command_line("Show current available heads.",
      VERBOSE,
      argument("--resolve-dependencies", action="store_true",
           help="treat dependency versions as down revisions"),
      gc=False)
@each_database
def heads(config: Config, verbose: bool = False, resolve_dependencies: bool = False) -> None:
    """Show current available heads in the script directory."""
    graph = load_graph(config)
    describer = describer_for(graph)
    ids = graph.heads_resolved_dependencies if resolve_dependencies else graph.heads
    for rev_id in ids:
        config.print_stdout(describer.line(graph.revisions[rev_id], verbose=verbose,
                                           branches=True, tree=False))


@command_line("List revisions in order, newest first.",
      argument("-r", "--rev-range", help="range as [start]:[end]"),
      VERBOSE,
      argument("-i", "--indicate-current", action="store_true",
           help="mark the database's current revision(s)"),
      argument("--applied", action="store_true",
           help="show the database's applied history instead (oldest first)"),
      gc=False)
@each_database
def history(config: Config, rev_range: str | None = None, verbose: bool = False,
            indicate_current: bool = False, applied: bool = False) -> None:
    """List changeset scripts in chronological order (newest first); `applied`: the rows of the
    database's history table, oldest first (runner.runtime.history)."""
    if applied:
        from runner.commands.display import history_lines
        from runner.runtime.engine import connect
        from runner.runtime.history import HistoryTable

        table = HistoryTable(config.history_table, config.version_table_schema)
        with connect(config) as connection:
            rows = table.rows(connection)
            if not config.attributes.get("connection") and connection.in_transaction():
                connection.rollback()
        if not rows:
            config.print_stdout("No applied history: %s is empty or missing", table.name)
        for line in history_lines(rows):
            config.print_stdout(line)
        return
    if rev_range is not None and ":" not in rev_range:
        raise ConfigError("a history range is [start]:[end], [start]: or :[end]",
                          hint="e.g. yamig history -r base:head, or -r current:")
    graph = load_graph(config)
    describer = describer_for(graph)
    current_rows: tuple[str, ...] = ()
    if indicate_current or (rev_range and "current" in rev_range):
        current_rows = current_rows_of(config)
        if indicate_current:
            describer.current = set(current_rows)
    for rev in graph.history(rev_range, current=current_rows):
        config.print_stdout(describer.line(rev, verbose=verbose, branches=True, doc=True,
                                           parents=True))


@command_line("Show current branch points.", VERBOSE, gc=False)
@each_database
def branches(config: Config, verbose: bool = False) -> None:
    """Show current branch points."""
    graph = load_graph(config)
    describer = describer_for(graph)
    for rev_id, children in graph.branch_points:
        rev = graph.revisions[rev_id]
        lines = [f"{' ' * len(rev_id)} -> "
                 + describer.line(graph.revisions[c], branches=True, doc=verbose) for c in children]
        config.print_stdout("%s\n%s\n", describer.line(rev, verbose=verbose, branches=True),
                            "\n".join(lines))


@command_line("Show the revision(s) denoted by the given symbol.",
      argument("rev", help="an id, head, heads, base, current, label@head, ..."),
      gc=False)
@each_database
def show(config: Config, rev: str) -> None:
    """Show the revision(s) denoted by the given symbol (`current`: the database's)."""
    graph = load_graph(config)
    describer = describer_for(graph)
    ids = sorted(current_rows_of(config)) if rev == "current" else graph.resolve(rev)
    for rev_id in ids:
        config.print_stdout(describer.log_entry(graph.revisions[rev_id], body=True))


@command_line("Review revision files without a database.",
      argument("paths", nargs="*", help="files or folders (default: the version locations)"),
      argument("--format", dest="output_format", default="text",
           choices=("text", "json", "github", "sarif"), help="report format (default: text)"),
      argument("--changed-since", help="report only files changed since this git ref"),
      gc=False)
def validate(config: Config, paths: list[str] | None = None, output_format: str = "text",
             changed_since: str | None = None) -> None:
    """Review revision files without a database, printing the findings; raise ValidationFailed
    (exit_code 1: errors found, 2: the revisions could not be read) unless they are clean."""
    from runner.errors import ValidationFailed
    from runner.review.validate import validate as run

    code = run(config, paths=paths or None, output_format=output_format,
               changed_since=changed_since, stdout=config.stdout)
    if code:
        raise ValidationFailed(code)
