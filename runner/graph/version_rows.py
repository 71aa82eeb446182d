"""How each step changes the version table's rows, as Alembic's RevisionStep does.

Apart from the graph because it is its own question: given the rows before a step, which
to insert, delete or update so the table says where the database is (merges and branch
points make that more than one UPDATE). The graph answers the ancestry it needs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from runner.graph.nodes import Node, Step

if TYPE_CHECKING:
    from runner.graph.revision_map import RevisionGraph


def plan_steps(graph: RevisionGraph, order: list[str], current: tuple[str, ...],
               upgrade: bool) -> list[Step]:
    """The steps for revisions in `order`, each with the row changes that it makes."""
    rows = set(current)
    steps = []
    for rev_id in order:
        step = Step(graph.revisions[rev_id], upgrade)
        (_rows_up if upgrade else _rows_down)(graph, graph.nodes[rev_id], rows, step)
        step.rows_after = tuple(sorted(rows))
        steps.append(step)
    return steps


def _rows_up(graph: RevisionGraph, node: Node, rows: set[str], step: Step) -> None:
    downs = node.norm_down
    present = rows.intersection(downs)
    if not downs or not present:
        step.insert = (node.id,)
        rows.add(node.id)
    elif len(downs) > 1 and len(present) > 1:
        others = rows - set(downs)
        gone = graph.ancestor_mask(others)
        sources = sorted(d for d in set(downs) & rows if not gone >> graph.nodes[d].index & 1)
        step.delete = tuple(sources[:-1])
        step.update = ((sources[-1], node.id),)
        rows.difference_update(sources)
        rows.add(node.id)
    else:
        source = downs[0] if len(downs) == 1 else next(iter(present))
        step.update = ((source, node.id),)
        rows.discard(source)
        rows.add(node.id)


def _rows_down(graph: RevisionGraph, node: Node, rows: set[str], step: Step) -> None:
    downs = node.norm_down
    if node.id in rows and (not downs or not _unmerge_to(graph, node, rows)):
        step.delete = (node.id,)
        rows.discard(node.id)
    elif node.id in rows and len(downs) > 1:
        targets = sorted(_unmerge_to(graph, node, rows))
        step.insert = tuple(targets[:-1])
        step.update = ((node.id, targets[-1]),)
        rows.discard(node.id)
        rows.update(targets)
    else:
        target = downs[0] if len(downs) == 1 else next(iter(rows.intersection(downs)), downs[0])
        step.update = ((node.id, target),)
        rows.discard(node.id)
        rows.add(target)


def _unmerge_to(graph: RevisionGraph, node: Node, rows: set[str]) -> set[str]:
    """The parents of a merge that a downgrade through it leaves as rows."""
    others = rows - {node.id}
    downs = set(node.norm_down)
    if others:
        gone = graph.ancestor_mask(others)
        return {d for d in downs if not gone >> graph.nodes[d].index & 1}
    below = set()
    for d in downs:
        below |= graph.ancestors([graph.nodes[d]]) - {d}
    return downs - below


def stamp_step(rows: set[str], from_: tuple[str, ...], to: tuple[str, ...], upgrade: bool,
               branch_move: bool) -> Step:
    """One `stamp` step from rows `from_` to `to`, changing `rows` as the table will."""
    step = Step(None, upgrade)  # type: ignore[arg-type]  # a stamp runs no revision
    if not upgrade and branch_move:
        step.delete = (from_[0],)
    elif upgrade and (branch_move or set(from_) - rows) and set(to) - rows:
        step.insert = (to[0],)
    elif len(from_) > 1:
        step.delete, step.update = from_[:-1], ((from_[-1], to[0]),)
    elif len(to) > 1:
        step.insert, step.update = to[:-1], ((from_[0], to[-1]),)
    else:
        step.update = ((from_[0], to[0]),)
    rows.difference_update(step.delete)
    rows.difference_update(old for old, _ in step.update)
    rows.update(step.insert)
    rows.update(new for _, new in step.update)
    step.rows_after = tuple(sorted(rows))
    return step
