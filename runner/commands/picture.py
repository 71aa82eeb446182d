"""`yamig graph`: the revision graph as a picture (DOT, Mermaid, or SVG through Graphviz).

A graph-only command: without --db it reads no database and imports no SQLAlchemy.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from runner.commands.base import argument, command_line, current_rows_of, each_database, load_graph
from runner.errors import ConfigError, YamigError

if TYPE_CHECKING:
    from runner.config import Config

FORMATS = ("dot", "mermaid", "svg")


@command_line("Draw the revision graph (DOT, Mermaid or SVG).",
      argument("--format", dest="output_format", default="dot", choices=FORMATS,
           help="dot (default), mermaid, or svg (needs Graphviz's `dot` on PATH)"),
      argument("-o", "--output", metavar="FILE", help="write to FILE instead of stdout"),
      argument("-r", "--rev-range", help="only this range, as [start]:[end] (as history takes)"),
      argument("--db", action="store_true",
           help="mark the database's current revision(s), when it can be reached"),
      logging="db", gc=False)
@each_database(single=True)
def graph(config: Config, output_format: str = "dot", output: str | None = None,
          rev_range: str | None = None, db: bool = False) -> None:
    """Draw the revisions: heads, bases, merges, branch points, branch labels and `depends_on`
    edges each drawn apart; `db`: the database's current revisions marked too (a warning, and
    the graph alone, when it cannot be read)."""
    from runner.graph.drawing import Picture, to_dot, to_mermaid

    if rev_range is not None and ":" not in rev_range:
        raise ConfigError("a graph range is [start]:[end], [start]: or :[end]",
                          hint="e.g. yamig graph -r base:head, or -r current: with --db")
    if rev_range and "current" in rev_range and not db:
        raise ConfigError(f"the range {rev_range} names the database's current revision",
                          hint="add --db to read it from the database")
    revisions = load_graph(config)
    current = _current(config, revisions) if db else ()
    ids = [r.revision for r in revisions.history(rev_range, current=current)] if rev_range else None
    picture = Picture(revisions, ids, current)
    text = to_mermaid(picture) if output_format == "mermaid" else to_dot(picture)
    if output_format == "svg":
        text = render_svg(text)
    if output is None:
        stream = config.stdout
        if stream is None:
            import sys

            stream = sys.stdout
        stream.write(text)
        return
    try:
        with open(output, "w", encoding="utf-8") as file:
            file.write(text)
    except OSError as err:
        raise ConfigError(f"cannot write {output}: {err.strerror}",
                          hint="give -o a path in a folder that exists and can be written") from None


def _current(config: Config, revisions) -> tuple[str, ...]:
    """The version rows, or () with a warning when the database cannot be read: the graph is
    still worth drawing. A row no revision file has is said too."""
    log = logging.getLogger("runner")
    try:
        rows = current_rows_of(config)
    except YamigError as err:
        log.warning("yamig: drawing the graph without the current revision: %s", err.message)
        return ()
    for row in rows:
        if row not in revisions.revisions:
            log.warning("yamig: the database is at %s, which no revision file has", row)
    return rows


def render_svg(dot_text: str) -> str:
    """DOT through Graphviz's `dot -Tsvg`; a clear error when it is not installed."""
    import shutil
    import subprocess

    program = shutil.which("dot")
    if program is None:
        raise ConfigError("--format svg needs Graphviz's `dot` program, which is not on PATH",
                          hint="install Graphviz (e.g. apt-get install graphviz, brew install "
                               "graphviz), or use --format dot and render it elsewhere")
    result = subprocess.run([program, "-Tsvg"], input=dot_text, capture_output=True,
                            text=True, encoding="utf-8", check=False)
    if result.returncode:
        raise ConfigError(f"Graphviz's dot failed: {result.stderr.strip()}",
                          hint="this is a bug in yamig's DOT output; report it with the revisions")
    return result.stdout
