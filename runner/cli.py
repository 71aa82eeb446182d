"""The `yamig` command line: a thin argparse layer over runner.command.

Errors in the user's input print as `file:line:column: message` with a hint
and exit 1 (`check`: 1 means differences, so its errors exit 2; argparse's usage
errors exit 2); a bug in yamig exits 3 (--raiseerr or YAMIG_DEBUG=1 shows the
traceback).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence

from runner.masking import forget, mask, redact


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


class _Parser(argparse.ArgumentParser):
    """argparse, its usage errors masked: a URL typed where an argument goes keeps its password."""

    def error(self, message):
        super().error(mask(message))


def _parser() -> argparse.ArgumentParser:
    """The parser, one sub-command per runner.command.COMMANDS, from each one's CommandLine;
    a sub-command's defaults carry `cmd` (as Alembic's): its name, CommandLine and the dests to
    pass it, the function being looked up in runner.command when it runs."""
    from runner.command import COMMANDS

    parser = _Parser(
        prog="yamig", description="Declarative, YAML-driven database migrations.")
    parser.add_argument("--version", action=_Version, help="print yamig's version and exit")
    _global_options(parser, after=False)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", help="the command to run")
    after = argparse.ArgumentParser(add_help=False)
    _global_options(after.add_argument_group("global options"), after=True)
    for function in COMMANDS:
        line = function.command_line
        sub = commands.add_parser(line.name or function.__name__, help=line.help, description=line.help,
                                  parents=[after])
        dests = tuple(sub.add_argument(*flags, **kwargs).dest for flags, kwargs in line.arguments)
        sub.set_defaults(cmd=(function.__name__, line, dests))
    return parser


def _run(options: argparse.Namespace) -> None:
    from runner import command
    from runner.config import Config

    name, command_line, dests = options.cmd
    config = Config(options.config, ini_section=options.name, cmd_opts=options)
    logging = command_line.logging
    if logging is True or (logging and getattr(options, logging)):
        config.configure_logging()
    getattr(command, name)(config, **{dest: getattr(options, dest) for dest in dests})


class _ProgressLog:
    """yamig's progress lines (logger `runner`) as bare lines on stderr, -q hiding them, apart
    from the logging a config file's [loggers] sets up for SQLAlchemy and the rest. On a
    terminal each revision's line starts with [n/N] and ends with its time once it is done,
    and the run ends with a summary (logger `runner.progress`); elsewhere the lines are
    Alembic's, plain. The logger is put back as it was afterwards: `main()` called from Python
    leaves no handler behind."""

    def __init__(self, quiet: bool):
        self.log = logging.getLogger("runner")
        self.level = logging.WARNING if quiet else logging.INFO
        self.handler = _Stderr()

    def __enter__(self) -> None:
        self.saved = self.log.level, self.log.propagate
        self.log.setLevel(self.level)
        self.log.propagate = False
        self.log.addHandler(self.handler)

    def __exit__(self, *exc) -> None:
        self.handler.end_line()
        self.log.removeHandler(self.handler)
        self.log.setLevel(self.saved[0])
        self.log.propagate = self.saved[1]


class _Stderr(logging.StreamHandler):
    """The progress handler: a revision's line is left open on a terminal until its time comes."""

    stream = property(lambda self: sys.stderr, lambda self, _: None)  # pytest swaps sys.stderr

    def __init__(self) -> None:
        super().__init__()
        self.open_line = False

    def format(self, record):
        return redact(super().format(record))

    def emit(self, record) -> None:
        try:
            terminal = self.stream.isatty()
            done = getattr(record, "yamig_done", None)
            if done is not None or getattr(record, "yamig_summary", False):
                if not terminal:
                    return  # plain lines, as Alembic's, where no one watches them
                if done is not None and self.open_line:
                    self._write(f"  {done:.2f} s\n")
                    self.open_line = False
                    return
            self.end_line()
            at = getattr(record, "yamig_progress", None) if terminal else None
            if at:
                self._write(f"[{at[0]}/{at[1]}] {self.format(record)}")
                self.open_line = True
            else:
                self._write(self.format(record) + "\n")
        except Exception:  # pragma: no cover - logging's own rule: never raise from a handler
            self.handleError(record)

    def end_line(self) -> None:
        if self.open_line:
            self._write("\n")
            self.open_line = False

    def _write(self, text: str) -> None:
        self.stream.write(text)
        self.stream.flush()


def _exit_code(command_line, error) -> int:
    """A command whose answer is an error (`check`: 1, a new revision is needed) says 2 when it
    could not look."""
    if command_line.answers and not isinstance(error, command_line.answers):
        return 2
    return error.exit_code


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    options = parser.parse_args(argv)
    if options.command is None:
        parser.print_help()
        return 2
    command_line = options.cmd[1]
    forget()  # the secrets of this run: each URL it reads adds its own (runner.masking)
    if not command_line.gc and argv is None:  # the CLI process, not a caller's
        import gc

        gc.disable()
    from runner.errors import YamigError

    try:
        with _ProgressLog(options.quiet):
            _run(options)
    except YamigError as error:
        if not getattr(error, "reported", False):  # validate's findings are printed already
            print(redact(f"yamig: {error}" if not error.location else str(error)), file=sys.stderr)
        return _exit_code(command_line, error)
    except KeyboardInterrupt:
        print("yamig: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `yamig history | head`: the reader has what it wanted
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception as error:  # a bug in yamig, not in the user's input
        if os.environ.get("YAMIG_DEBUG") or options.raiseerr:
            raise
        print(redact(f"yamig: internal error: {type(error).__name__}: {error}\n"
                     "  hint: this is a bug in yamig; run again with --raiseerr for the traceback "
                     "and report it"), file=sys.stderr)
        return 3
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
