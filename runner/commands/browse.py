"""The commands that show the revisions without changing anything: heads, history,
branches, show, validate."""

from __future__ import annotations

from typing import TYPE_CHECKING

from runner.commands.base import _VERBOSE, _arg, _cli, _current_rows, _describer, _each_database, load_graph
from runner.errors import ConfigError

if TYPE_CHECKING:
    from runner.config import Config


@_cli("Show current available heads.",
      _VERBOSE,
      _arg("--resolve-dependencies", action="store_true",
           help="treat dependency versions as down revisions"),
      gc=False)
@_each_database
def heads(config: Config, verbose: bool = False, resolve_dependencies: bool = False) -> None:
    """Show current available heads in the script directory."""
    graph = load_graph(config)
    describer = _describer(graph)
    ids = graph.heads_resolved_dependencies if resolve_dependencies else graph.heads
    for rev_id in ids:
        config.print_stdout(describer.line(graph.revisions[rev_id], verbose=verbose,
                                           branches=True, tree=False))


@_cli("List revisions in order, newest first.",
      _arg("-r", "--rev-range", help="range as [start]:[end]"),
      _VERBOSE,
      _arg("-i", "--indicate-current", action="store_true",
           help="mark the database's current revision(s)"),
      gc=False)
@_each_database
def history(config: Config, rev_range: str | None = None, verbose: bool = False,
            indicate_current: bool = False) -> None:
    """List changeset scripts in chronological order (newest first)."""
    if rev_range is not None and ":" not in rev_range:
        raise ConfigError("a history range is [start]:[end], [start]: or :[end]",
                          hint="e.g. yamig history -r base:head, or -r current:")
    graph = load_graph(config)
    describer = _describer(graph)
    current_rows: tuple[str, ...] = ()
    if indicate_current or (rev_range and "current" in rev_range):
        current_rows = _current_rows(config)
        if indicate_current:
            describer.current = set(current_rows)
    for rev in graph.history(rev_range, current=current_rows):
        config.print_stdout(describer.line(rev, verbose=verbose, branches=True, doc=True,
                                           parents=True))


@_cli("Show current branch points.", _VERBOSE, gc=False)
@_each_database
def branches(config: Config, verbose: bool = False) -> None:
    """Show current branch points."""
    graph = load_graph(config)
    describer = _describer(graph)
    for rev_id, children in graph.branch_points:
        rev = graph.revisions[rev_id]
        lines = [f"{' ' * len(rev_id)} -> "
                 + describer.line(graph.revisions[c], branches=True, doc=verbose) for c in children]
        config.print_stdout("%s\n%s\n", describer.line(rev, verbose=verbose, branches=True),
                            "\n".join(lines))


@_cli("Show the revision(s) denoted by the given symbol.",
      _arg("rev", help="an id, head, heads, base, current, label@head, ..."),
      gc=False)
@_each_database
def show(config: Config, rev: str) -> None:
    """Show the revision(s) denoted by the given symbol (`current`: the database's)."""
    graph = load_graph(config)
    describer = _describer(graph)
    ids = sorted(_current_rows(config)) if rev == "current" else graph.resolve(rev)
    for rev_id in ids:
        config.print_stdout(describer.log_entry(graph.revisions[rev_id]))


@_cli("Review revision files without a database.",
      _arg("paths", nargs="*", help="files or folders (default: the version locations)"),
      _arg("--format", dest="output_format", default="text",
           choices=("text", "json", "github", "sarif"), help="report format (default: text)"),
      _arg("--changed-since", help="report only files changed since this git ref"),
      gc=False)
def validate(config: Config, paths: list[str] | None = None, output_format: str = "text",
             changed_since: str | None = None) -> None:
    """Review revision files without a database, printing the findings; raise ValidationFailed
    (exit_code 1: errors found, 2: the revisions could not be read) unless they are clean."""
    from runner.errors import ValidationFailed
    from runner.validate import validate as run

    code = run(config, paths=paths or None, output_format=output_format,
               changed_since=changed_since, stdout=config.stdout)
    if code:
        raise ValidationFailed(code)
