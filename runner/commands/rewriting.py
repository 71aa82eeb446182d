"""The commands that rewrite the history's files: squash and rebase (runner.rewrite)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from runner.commands.base import argument, command_line, each_database, load_graph
from runner.errors import ConfigError

if TYPE_CHECKING:
    from runner.config import Config


@command_line("Replace a linear stretch A:B of revisions by one, derived from the replayed schema.",
      argument("stretch", metavar="A:B", help="the oldest and the newest revision of the stretch"),
      argument("--keep", metavar="DIR", help="move the squashed files into DIR instead of removing them"))
@each_database(single=True)
def squash(config: Config, stretch: str, keep: str | None = None) -> str:
    """Write the revisions A..B as one revision with B's id on A's parent; returns its path.
    Databases at B or later need nothing run; those between A and B are told what to do."""
    from runner.rewrite.squash import plan_squash, write_squash
    from runner.rewrite.stretch import linear_stretch, one

    first, colon, last = stretch.partition(":")
    if not colon or not first or not last:
        raise ConfigError(f"expected A:B (the oldest and the newest revision), got {stretch!r}",
                          hint="e.g. yamig squash 1975ea83b712:3c2f6a1d9b7e")
    graph = load_graph(config)
    ids = linear_stretch(graph, one(graph, first), one(graph, last))
    if len(ids) < 2:
        raise ConfigError(f"{stretch} is one revision: nothing to squash",
                          hint="name the oldest and the newest revision of two or more")
    plan = plan_squash(config, graph, ids)
    path = write_squash(config, graph, plan, keep)
    b = ids[-1]
    config.print_stdout("Squashed %d revisions (%s..%s) into %s: %s", len(ids), ids[0], b, b, path)
    config.print_stdout("%s", "Removed: " + ", ".join(ids[:-1]) if not keep else
                        f"Moved the old files into {keep}")
    parent = plan.parent or "base"
    config.print_stdout("What each database must do:")
    config.print_stdout("  at %s or before: nothing special, `yamig upgrade` runs the squashed revision",
                        parent)
    config.print_stdout("  at %s or after: nothing; the new file says it `squashes` the old ones, and the "
                        "next run records it as applied", b)
    config.print_stdout("  at one of %s: upgrade it to %s with the old files before this change is "
                        "deployed; or, if its schema is already as at %s, `yamig stamp %s`",
                        ", ".join(ids[:-1]), b, b, b)
    return path


@command_line("Move a branch's revisions onto another head (the other head by default).",
      argument("branch_head", metavar="BRANCH_HEAD", help="the newest revision of the branch to move"),
      argument("--onto", help="the revision to move it onto (default: the one other head)"))
@each_database(single=True)
def rebase(config: Config, branch_head: str, onto: str | None = None) -> str:
    """Give the branch's first revision `onto` as its parent (one line of its file edited), when
    the two lines change different tables and the result replays cleanly; returns the file."""
    from runner.rewrite.rebase import plan_rebase, write_rebase
    from runner.rewrite.stretch import one

    graph = load_graph(config)
    plan = plan_rebase(graph, one(graph, branch_head), one(graph, onto) if onto else None)
    path = write_rebase(config, graph, plan)
    config.print_stdout("Rebased %d revision%s (%s) from %s onto %s: %s", len(plan.branch),
                        "" if len(plan.branch) == 1 else "s", ", ".join(plan.branch), plan.fork,
                        plan.onto, path)
    config.print_stdout("A database that ran the branch before the rebase (at %s) has not run the "
                        "revisions now below it: downgrade it to %s with the old files, then upgrade",
                        plan.branch[-1], plan.fork)
    return path
