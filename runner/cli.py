"""The `yamig` command line: a thin argparse layer over runner.command.

Errors in the user's input print as `file:line:column: message` with a hint
and exit 1 (`check`: 1 means differences, so its errors exit 2; argparse's usage
errors exit 2); a bug in yamig exits 3 (--raiseerr or YAMIG_DEBUG=1 shows the
traceback).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence


class _Version(argparse.Action):
    """`--version` from the installed package's metadata, read only when it is asked for."""

    def __init__(self, option_strings, dest=argparse.SUPPRESS, default=argparse.SUPPRESS, help=None):
        super().__init__(option_strings, dest=dest, default=default, nargs=0, help=help)

    def __call__(self, parser, namespace, values, option_string=None):
        from importlib import metadata

        try:
            version = metadata.version("yamig")
        except metadata.PackageNotFoundError:  # a checkout on sys.path, not installed
            from runner import __version__ as version
        parser.exit(message=f"yamig {version}\n")


def _x_argument(text: str) -> str:
    """`-x key=value`: refused at once without the `=`, rather than read as an empty value."""
    key, equals, _ = text.partition("=")
    if not key or not equals:
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE (e.g. -x tenant=acme), got {text!r}")
    return text


def _global_options(parser: argparse.ArgumentParser, after: bool) -> None:
    """Options taken before the command and after it (`yamig upgrade head --sql --url mssql://`),
    as people type them; after it, SUPPRESS keeps what was given before when not repeated."""
    def default(value):
        return argparse.SUPPRESS if after else value

    parser.add_argument("-c", "--config", default=default(os.environ.get("YAMIG_CONFIG", "yamig.ini")),
                        help="configuration file (default: ./yamig.ini, or $YAMIG_CONFIG)")
    parser.add_argument("-n", "--name", default=default(None),
                        help="section of the configuration file (default: yamig, else alembic)")
    parser.add_argument("-x", action="append", default=default([]), metavar="KEY=VALUE",
                        type=_x_argument,
                        help="a value for ${x:KEY} in the configuration; may be repeated")
    parser.add_argument("--url", default=default(None),
                        help="database URL, overriding sqlalchemy.url")
    parser.add_argument("-q", "--quiet", action="store_true", default=default(False),
                        help="do not log progress")
    parser.add_argument("--raiseerr", action="store_true", default=default(False),
                        help="show the traceback of an internal error (as YAMIG_DEBUG=1 does)")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="yamig", description="Declarative, YAML-driven database migrations.")
    parser.add_argument("--version", action=_Version, help="print yamig's version and exit")
    _global_options(parser, after=False)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", help="the command to run")
    after = argparse.ArgumentParser(add_help=False)
    _global_options(after.add_argument_group("global options"), after=True)

    def command(name: str, help_text: str) -> argparse.ArgumentParser:
        return commands.add_parser(name, help=help_text, description=help_text, parents=[after])

    def migrating(sub: argparse.ArgumentParser) -> None:
        sub.add_argument("revision", help="target: an id, head, heads, base, +N, -N, label@head, ...")
        sub.add_argument("--sql", action="store_true", help="print the SQL instead of running it")
        sub.add_argument("--tag", help="with --sql, printed as `-- tag: TAG` atop the script")
        sub.add_argument("--no-check", dest="check", action="store_false",
                         help="skip the checks validate makes on the revisions to run")

    migrating(command("upgrade", "Upgrade to a later version."))
    migrating(command("downgrade", "Revert to a previous version."))

    sub = command("current", "Display the current revision for a database.")
    sub.add_argument("-v", "--verbose", action="store_true", help="show each revision in full")
    sub.add_argument("--check-heads", action="store_true",
                     help="fail unless the database is on all head revisions")

    sub = command("heads", "Show current available heads.")
    sub.add_argument("-v", "--verbose", action="store_true", help="show each revision in full")
    sub.add_argument("--resolve-dependencies", action="store_true",
                     help="treat dependency versions as down revisions")

    sub = command("history", "List revisions in order, newest first.")
    sub.add_argument("-r", "--rev-range", help="range as [start]:[end]")
    sub.add_argument("-v", "--verbose", action="store_true", help="show each revision in full")
    sub.add_argument("-i", "--indicate-current", action="store_true",
                     help="mark the database's current revision(s)")

    sub = command("revision", "Create a new revision file.")
    sub.add_argument("-m", "--message", help="what the revision does; also names its file")
    sub.add_argument("--autogenerate", action="store_true",
                     help="fill in the operations from what target_metadata's models changed")
    sub.add_argument("--sql", action="store_true", help="accepted for Alembic compatibility")
    sub.add_argument("--head", default="head", help="the revision to base the new one on")
    sub.add_argument("--splice", action="store_true", help="allow a non-head revision as --head")
    sub.add_argument("--branch-label", help="a label for the new branch")
    sub.add_argument("--version-path", help="folder to write the revision into")
    sub.add_argument("--rev-id", help="an id of your own instead of a generated one")
    sub.add_argument("--depends-on", action="append", help="a revision this one depends on")
    sub.add_argument("--offline", action="store_true",
                     help="with --autogenerate: compare with the revisions at head, not the database")

    sub = command("check", "Check whether the models need a new revision (exit 1 if so).")
    sub.add_argument("--offline", action="store_true",
                     help="compare with the revisions at head instead of the database")

    sub = command("init", "Initialize a new scripts directory.")
    sub.add_argument("directory", help="the folder to create (the script_location)")
    sub.add_argument("-t", "--template", default="generic",
                     help="project template (default: generic; see list_templates)")
    sub.add_argument("--package", action="store_true", help="accepted for Alembic compatibility")

    command("list_templates", "List available templates.")

    sub = command("stamp", "Set the version table to revision(s) without running migrations.")
    sub.add_argument("revisions", nargs="+", help="target revision(s); base empties the table")
    sub.add_argument("--sql", action="store_true", help="print the SQL instead of running it")
    sub.add_argument("--tag", help="with --sql, printed as `-- tag: TAG` atop the script")
    sub.add_argument("--purge", action="store_true", help="delete all version rows first")

    sub = command("ensure_version", "Create the version table if it is missing.")
    sub.add_argument("--sql", action="store_true", help="print the DDL instead of running it")

    sub = command("edit", "Open a revision file in $VISUAL / $EDITOR.")
    sub.add_argument("rev", help="an id, head, current, ...")

    sub = command("validate", "Review revision files without a database.")
    sub.add_argument("paths", nargs="*", help="files or folders (default: the version locations)")
    sub.add_argument("--format", dest="output_format", default="text",
                     choices=("text", "json", "github", "sarif"),
                     help="report format (default: text)")
    sub.add_argument("--changed-since", help="report only files changed since this git ref")

    sub = command("branches", "Show current branch points.")
    sub.add_argument("-v", "--verbose", action="store_true", help="show each revision in full")

    sub = command("show", "Show the revision(s) denoted by the given symbol.")
    sub.add_argument("rev", help="an id, head, heads, base, current, label@head, ...")

    sub = command("merge", "Merge two or more revisions together in a new revision file.")
    sub.add_argument("revisions", nargs="+", help="revisions to merge, e.g. heads")
    sub.add_argument("-m", "--message", help="what the merge is for; also names its file")
    sub.add_argument("--branch-label", help="a label for the merge revision")
    sub.add_argument("--rev-id", help="an id of your own instead of a generated one")
    return parser


def _run(options: argparse.Namespace) -> int:
    from runner import command
    from runner.config import Config

    config = Config(options.config, ini_section=options.name, cmd_opts=options)
    name = options.command
    if name in _LOGGING or (name == "revision" and options.autogenerate):
        config.configure_logging()
    if name == "upgrade":
        command.upgrade(config, options.revision, sql=options.sql, tag=options.tag,
                        check=options.check)
    elif name == "downgrade":
        command.downgrade(config, options.revision, sql=options.sql, tag=options.tag,
                          check=options.check)
    elif name == "current":
        command.current(config, verbose=options.verbose, check_heads=options.check_heads)
    elif name == "heads":
        command.heads(config, verbose=options.verbose,
                      resolve_dependencies=options.resolve_dependencies)
    elif name == "history":
        command.history(config, rev_range=options.rev_range, verbose=options.verbose,
                        indicate_current=options.indicate_current)
    elif name == "revision":
        command.revision(config, message=options.message, autogenerate=options.autogenerate,
                         sql=options.sql, head=options.head, splice=options.splice,
                         branch_label=options.branch_label, version_path=options.version_path,
                         rev_id=options.rev_id, depends_on=options.depends_on,
                         offline=options.offline)
    elif name == "check":
        command.check(config, offline=options.offline)
    elif name == "init":
        command.init(config, options.directory, template=options.template, package=options.package)
    elif name == "list_templates":
        command.list_templates(config)
    elif name == "stamp":
        command.stamp(config, options.revisions, sql=options.sql, tag=options.tag, purge=options.purge)
    elif name == "ensure_version":
        command.ensure_version(config, sql=options.sql)
    elif name == "edit":
        command.edit(config, options.rev)
    elif name == "validate":
        command.validate(config, options.paths, options.output_format, options.changed_since)
    elif name == "branches":
        command.branches(config, verbose=options.verbose)
    elif name == "show":
        command.show(config, options.rev)
    elif name == "merge":
        command.merge(config, options.revisions, message=options.message,
                      branch_label=options.branch_label, rev_id=options.rev_id)


# commands that may reach a database, for which the config file's [loggers] apply (Alembic's
# env.py runs fileConfig); graph commands stay without logging.config
_LOGGING = {"upgrade", "downgrade", "current", "stamp", "ensure_version", "check"}

# read-only commands whose objects nearly all live until the process ends: the cyclic GC
# would only rescan them (a tenth of `heads` at 10,000 revisions, a fifth of `validate`)
_NO_GC = {"heads", "history", "branches", "show", "validate"}


class _ProgressLog:
    """yamig's progress lines (logger `runner`) as bare lines on stderr, -q hiding them, apart
    from the logging a config file's [loggers] sets up for SQLAlchemy and the rest. The logger
    is put back as it was afterwards: `main()` called from Python leaves no handler behind."""

    def __init__(self, quiet: bool):
        import logging

        class Stderr(logging.StreamHandler):
            stream = property(lambda self: sys.stderr, lambda self, _: None)  # pytest swaps sys.stderr

        self.log = logging.getLogger("runner")
        self.level = logging.WARNING if quiet else logging.INFO
        self.handler = Stderr()

    def __enter__(self) -> None:
        self.saved = self.log.level, self.log.propagate
        self.log.setLevel(self.level)
        self.log.propagate = False
        self.log.addHandler(self.handler)

    def __exit__(self, *exc) -> None:
        self.log.removeHandler(self.handler)
        self.log.setLevel(self.saved[0])
        self.log.propagate = self.saved[1]


def _exit_code(name: str, error) -> int:
    """`check` answers with 1 that a new revision is needed, so that it could not look says 2."""
    if name == "check":
        from runner.autogenerate import AutogenerateDiffsDetected

        return 1 if isinstance(error, AutogenerateDiffsDetected) else 2
    return error.exit_code


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    options = parser.parse_args(argv)
    if options.command is None:
        parser.print_help()
        return 2
    if options.command in _NO_GC and argv is None:  # the CLI process, not a caller's
        import gc

        gc.disable()
    from runner.errors import YamigError

    try:
        with _ProgressLog(options.quiet):
            code = _run(options)
    except YamigError as error:
        if not getattr(error, "reported", False):  # validate's findings are printed already
            print(f"yamig: {error}" if not error.location else str(error), file=sys.stderr)
        return _exit_code(options.command, error)
    except KeyboardInterrupt:
        print("yamig: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `yamig history | head`: the reader has what it wanted
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception as error:  # a bug in yamig, not in the user's input
        if os.environ.get("YAMIG_DEBUG") or options.raiseerr:
            raise
        print(f"yamig: internal error: {type(error).__name__}: {error}\n"
              "  hint: this is a bug in yamig; run again with --raiseerr for the traceback "
              "and report it", file=sys.stderr)
        return 3
    return code or 0


if __name__ == "__main__":
    raise SystemExit(main())
