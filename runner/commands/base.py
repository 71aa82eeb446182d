"""What every command shares: its CommandLine (how `yamig` offers it), running it on each
database of a several-database project, the revision graph and the version rows."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

from runner.errors import ConfigError, ResolutionError

if TYPE_CHECKING:
    from runner.config import Config
    from runner.graph import RevisionGraph


# -- the command line -----------------------------------------------------------------------

class CommandLine:
    """How `yamig` offers a command, kept beside the function so that a new command needs no
    change to runner.cli: its help, its arguments as argparse.add_argument takes them (each
    dest a parameter of the function), `logging` (True, or the option that turns it on: the
    command may reach a database, so the config's [loggers] apply, as Alembic's env.py runs
    fileConfig), `gc` (False: read-only, its objects nearly all live until the process ends and
    the cyclic GC would only rescan them) and `answers` (errors that are the command's answer,
    exiting 1: every other error then exits 2, as 1 means the answer), and `name`: what `yamig`
    calls it when not the function's name (`export-alembic`, a yamig command Alembic lacks)."""

    def __init__(self, help: str, *arguments: tuple[tuple[str, ...], dict],
                 logging: bool | str = False, gc: bool = True, answers: tuple[type, ...] = (),
                 name: str | None = None):
        self.help, self.arguments = help, arguments
        self.logging, self.gc, self.answers = logging, gc, answers
        self.name = name


def argument(*flags: str, **kwargs) -> tuple[tuple[str, ...], dict]:
    return flags, kwargs


def command_line(help: str, *arguments, **how):
    """Attach the command's CommandLine; the function is unchanged."""
    def attach(command):
        command.command_line = CommandLine(help, *arguments, **how)
        return command
    return attach


VERBOSE = argument("-v", "--verbose", action="store_true", help="show each revision in full")
TAG = argument("--tag", help="with --sql, printed as `-- tag: TAG` atop the script")
REV_ID = argument("--rev-id", help="an id of your own instead of a generated one")
MIGRATING = (
    argument("revision", help="target: an id, head, heads, base, +N, -N, label@head, ..."),
    argument("--sql", action="store_true", help="print the SQL instead of running it"),
    TAG,
    argument("--no-check", dest="check", action="store_false",
         help="skip the checks validate makes on the revisions to run"))


# -- shared plumbing ------------------------------------------------------------------------

def each_database(fn=None, *, single: bool = False):
    """Run a command on each database of a several-database project, in turn.

    Commands that write one file (`single`) need the database named with -n/--name.
    """
    def decorate(command):
        @functools.wraps(command)
        def run(config: Config, *args, **kwargs):
            names = config.databases
            if not names:
                return command(config, *args, **kwargs)
            if single:
                raise ConfigError(
                    f"this project has several databases ({', '.join(names)}): say which one",
                    hint=f"pass -n/--name, e.g. yamig -n {names[0]} {command.__name__} ...")
            result = None
            for name in names:
                if len(names) > 1:
                    config.print_stdout("[%s]", name)
                result = command(config.for_database(name), *args, **kwargs)
            return result
        return run
    return decorate(fn) if fn is not None else decorate


def load_graph(config: Config) -> RevisionGraph:
    """Every revision under the configured version locations, as a checked graph."""
    from runner.graph import RevisionGraph
    from runner.revisions.loader import load_revisions

    graph = RevisionGraph(load_revisions(config.version_locations))
    graph.naming = config.naming_convention
    return graph


def describer_for(graph: RevisionGraph):
    from runner.commands.display import Describer

    return Describer(graph.revisions.values(), graph.labels_of)


def current_rows_of(config: Config) -> tuple[str, ...]:
    from runner.runtime.engine import connect
    from runner.runtime.version_table import VersionTable

    with connect(config) as connection:
        caller_transaction = connection.in_transaction()
        rows = VersionTable(config.version_table, config.version_table_schema).heads(connection)
        if not caller_transaction and connection.in_transaction():
            connection.rollback()
    return rows


def refuse_unknown_rows(graph: RevisionGraph, rows) -> None:
    """A version row no revision file defines: nothing can be planned or shown from it."""
    for row in rows:
        if row not in graph.revisions:
            raise ResolutionError(
                f"the database is at revision {row!r}, which no revision file defines",
                hint="check version_locations (or -c/--config), or restore that revision's file; "
                     "`yamig stamp` can set the version table by hand")
