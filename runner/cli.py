"""The `yamig` command line: a thin argparse layer over runner.command.

Errors in the user's input print as `file:line:column: message` with a hint
and exit 1; a traceback means a bug in yamig (YAMIG_DEBUG=1 shows it).
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


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="yamig", description="Declarative, YAML-driven database migrations.")
    parser.add_argument("--version", action=_Version, help="print yamig's version and exit")
    parser.add_argument("-c", "--config", default=os.environ.get("YAMIG_CONFIG", "yamig.ini"),
                        help="configuration file (default: ./yamig.ini, or $YAMIG_CONFIG)")
    parser.add_argument("-n", "--name", default=None,
                        help="section of the configuration file (default: yamig, else alembic)")
    parser.add_argument("-x", action="append", default=[], metavar="KEY=VALUE",
                        help="extra arguments for the run; may be repeated")
    parser.add_argument("--url", help="database URL, overriding sqlalchemy.url")
    parser.add_argument("-q", "--quiet", action="store_true", help="do not log progress")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    # the same options after the command (`yamig upgrade head --sql --url mssql://`), as people
    # type them; SUPPRESS keeps what was given before the command when they are not repeated
    after = argparse.ArgumentParser(add_help=False)
    after.add_argument("-c", "--config", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    after.add_argument("-n", "--name", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    after.add_argument("-x", action="append", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    after.add_argument("--url", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    after.add_argument("-q", "--quiet", action="store_true", default=argparse.SUPPRESS,
                       help=argparse.SUPPRESS)

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
    sub.add_argument("-v", "--verbose", action="store_true")
    sub.add_argument("--check-heads", action="store_true",
                     help="fail unless the database is on all head revisions")

    sub = command("heads", "Show current available heads.")
    sub.add_argument("-v", "--verbose", action="store_true")
    sub.add_argument("--resolve-dependencies", action="store_true",
                     help="treat dependency versions as down revisions")

    sub = command("history", "List revisions in order, newest first.")
    sub.add_argument("-r", "--rev-range", help="range as [start]:[end]")
    sub.add_argument("-v", "--verbose", action="store_true")
    sub.add_argument("-i", "--indicate-current", action="store_true")

    sub = command("revision", "Create a new revision file.")
    sub.add_argument("-m", "--message")
    sub.add_argument("--autogenerate", action="store_true")
    sub.add_argument("--sql", action="store_true")
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
    sub.add_argument("directory")
    sub.add_argument("-t", "--template", default="generic")
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
                     choices=("text", "json", "github", "sarif"))
    sub.add_argument("--changed-since", help="report only files changed since this git ref")

    sub = command("branches", "Show current branch points.")
    sub.add_argument("-v", "--verbose", action="store_true")

    sub = command("show", "Show the revision(s) denoted by the given symbol.")
    sub.add_argument("rev", help="an id, head, heads, base, current, label@head, ...")

    sub = command("merge", "Merge two or more revisions together in a new revision file.")
    sub.add_argument("revisions", nargs="+", help="revisions to merge, e.g. heads")
    sub.add_argument("-m", "--message")
    sub.add_argument("--branch-label", help="a label for the merge revision")
    sub.add_argument("--rev-id", help="an id of your own instead of a generated one")
    return parser


def _run(options: argparse.Namespace) -> int:
    from runner import command
    from runner.config import Config

    config = Config(options.config, ini_section=options.name, cmd_opts=options)
    name = options.command
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
        return command.validate(config, options.paths or None, options.output_format,
                                options.changed_since)
    elif name == "branches":
        command.branches(config, verbose=options.verbose)
    elif name == "show":
        command.show(config, options.rev)
    elif name == "merge":
        command.merge(config, options.revisions, message=options.message,
                      branch_label=options.branch_label, rev_id=options.rev_id)


# read-only commands whose objects nearly all live until the process ends: the cyclic GC
# would only rescan them (a tenth of `heads` at 10,000 revisions, a fifth of `validate`)
_NO_GC = {"heads", "history", "branches", "show", "validate"}


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    options = parser.parse_args(argv)
    if options.command is None:
        parser.print_help()
        return 2
    if options.command in _NO_GC and argv is None:  # the CLI process, not a caller's
        import gc

        gc.disable()
    if not options.quiet:
        import logging

        logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    from runner.errors import YamigError

    try:
        code = _run(options)
    except YamigError as error:
        print(f"yamig: {error}" if not error.location else str(error), file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        print("yamig: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `yamig history | head`: the reader has what it wanted
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception as error:  # a bug in yamig, not in the user's input
        if os.environ.get("YAMIG_DEBUG"):
            raise
        print(f"yamig: internal error: {type(error).__name__}: {error}\n"
              "  hint: this is a bug in yamig; run again with YAMIG_DEBUG=1 for the traceback "
              "and report it", file=sys.stderr)
        return 3
    return code or 0


if __name__ == "__main__":
    raise SystemExit(main())
