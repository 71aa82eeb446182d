"""`yamig rebase BRANCH_HEAD [--onto REV]`: a branch's revisions moved onto another head.

As Atlas's `migrate rebase`, for two developers who each added revisions on one parent: the
branch's first revision gets the other head as its parent, by editing that one line of its file
(comments and layout kept). Refused when both sides change the same tables, since then the order
they run in matters and a person must decide it; checked afterwards by validate's replay, the
file put back when it finds an error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from runner.errors import ConfigError, RewriteRefused
from runner.revisions.replay import replay
from runner.schema.references import qualified

_WORD = re.compile(r"[A-Za-z_][\w$]*")
_NAMES = ("table_name", "old_table_name", "new_table_name", "source_table")


@dataclass
class Rebase:
    branch: list[str]  # oldest first
    fork: str
    onto: str


def plan_rebase(graph, head: str, onto: str | None) -> Rebase:
    if head not in graph.heads:
        raise ConfigError(f"{head} is not a head: rebase moves a branch by its newest revision",
                          hint=f"the heads are {', '.join(graph.heads)}")
    if onto is None:
        others = [h for h in graph.heads if h != head]
        if len(others) != 1:
            raise ConfigError(f"there are {len(others)} other heads: say which to rebase onto",
                              hint="pass --onto REV")
        onto = others[0]
    below = _ancestors(graph, onto)
    if head in below:
        raise ConfigError(f"{head} is already below {onto}: nothing to rebase")
    branch = [head]
    while True:
        rev = graph.revisions[branch[-1]]
        if len(rev.down_revision) != 1:
            what = "a merge" if rev.down_revision else "a base, not on the line of " + onto
            raise RewriteRefused(f"revision {rev.revision} of the branch is {what}",
                                 location=rev.where("down_revision"),
                                 hint="rebase moves a line of revisions that starts below --onto")
        parent = rev.down_revision[0]
        if parent in below:
            break
        branch.append(parent)
    branch.reverse()
    for rev_id in branch[:-1]:
        children = [c for c in graph.nodes[rev_id].nextrev if c not in branch]
        if children:
            raise RewriteRefused(f"{rev_id} of the branch is a branch point: {', '.join(children)} also "
                                 "build on it", location=graph.revisions[children[0]].where("down_revision"),
                                 hint="rebase or merge that branch first")
    plan = Rebase(branch, parent, onto)
    _refuse_conflicts(graph, plan, below - _ancestors(graph, parent))
    return plan


def _ancestors(graph, rev_id: str) -> set[str]:
    found, todo = set(), [rev_id]
    while todo:
        current = todo.pop()
        if current not in found:
            found.add(current)
            todo += graph.nodes[current].all_down
    return found


def _refuse_conflicts(graph, plan: Rebase, theirs: set[str]) -> None:
    """Both sides changing one table: refused, naming the tables and the revisions."""
    ours = set(plan.branch)
    touched: dict[tuple, tuple[list[str], list[str]]] = {}
    for step, op, state in replay(graph, graph.heads):
        rev_id = step.revision.revision
        if rev_id in ours or rev_id in theirs:
            for key in _tables_of(op, state):
                side = touched.setdefault(key, ([], []))[0 if rev_id in ours else 1]
                if rev_id not in side:
                    side.append(rev_id)
    both = sorted((key, sides) for key, sides in touched.items() if sides[0] and sides[1])
    if both:
        lines = "; ".join(f"{qualified(name, schema)} (branch: {', '.join(mine)}; {plan.onto}'s line: "
                          f"{', '.join(other)})" for (schema, name), (mine, other) in both)
        raise RewriteRefused(f"the branch and {plan.onto} change the same tables: {lines}",
                             location=graph.revisions[plan.branch[0]].where("down_revision"),
                             hint="decide the order by hand: merge the heads (yamig merge heads), or "
                                  "edit the revisions so they no longer overlap")


def _tables_of(op, state) -> set[tuple]:
    """The tables an operation changes or writes to (raw SQL: the known tables it names)."""
    if op.name == "execute":
        words = {w.lower() for w in _WORD.findall(op.args.get("sqltext", ""))}
        return {key for key in state.tables if key[1].lower() in words}
    changed = op.tables_changed(state)
    if changed is not None:
        return set(changed)
    schema = op.args.get("schema")
    return {(schema, op.args[name]) for name in _NAMES if isinstance(op.args.get(name), str)}


def write_rebase(config, graph, plan: Rebase) -> str:
    """Edit the branch's first revision's `down_revision` line, then check the result with
    validate's replay; the file is put back on an error. Returns the file's path."""
    rev = graph.revisions[plan.branch[0]]
    path = Path(rev.path)
    old = path.read_text(encoding="utf-8")
    new = _edited(old, rev, plan.onto)
    path.write_text(new, encoding="utf-8")
    try:
        errors = _replay_errors(config)
    except BaseException:
        path.write_text(old, encoding="utf-8")
        raise
    if errors:
        path.write_text(old, encoding="utf-8")
        first = errors[0]
        raise RewriteRefused(f"on {plan.onto} the branch does not replay cleanly: {first.message}"
                             + (f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""),
                             location=first.location, hint="nothing was changed; merge the heads instead")
    return str(path)


def _edited(text: str, rev, onto: str) -> str:
    """The file with the value of `down_revision` (on its line) replaced by `onto`."""
    from runner.revisions.revision import split_location

    _, line, column = split_location(rev.where("down_revision"))
    lines = text.splitlines(keepends=True)
    here = lines[line - 1]
    start = column - 1
    match = re.compile(r"\[[^\]\n]*\]|\"[^\"\n]*\"|'[^'\n]*'|[A-Za-z0-9_]+").match(here, start)
    if match is None or not here.lstrip().startswith("down_revision"):
        raise RewriteRefused("down_revision is not written on one line, so it cannot be edited in place",
                             location=rev.where("down_revision"),
                             hint=f"write `down_revision: {onto}` by hand")
    value = match.group()
    replacement = f'"{onto}"' if value.startswith('"') else f"'{onto}'" if value.startswith("'") else onto
    lines[line - 1] = here[:start] + replacement + here[match.end():]
    return "".join(lines)


def _replay_errors(config) -> list:
    from runner.graph import RevisionGraph
    from runner.review.findings import Collector
    from runner.review.semantics import check_semantics
    from runner.revisions.loader import load_revisions

    graph = RevisionGraph(load_revisions(config.version_locations))
    graph.naming = config.naming_convention
    collector = Collector(set())
    check_semantics(graph, collector, None, judge_types=False)
    return [f for f in collector.findings if f.severity == "error"]

