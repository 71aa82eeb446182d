"""Downgrades derived from upgrades, using the schema state replayed up to each revision.

One pass over every revision in upgrade order builds the state; a revision
that needs its downgrade derived has each upgrade operation reversed against
the state just before that operation, so drop_table and drop_column come back
with the full definition they removed.
"""

from __future__ import annotations

from collections.abc import Iterable

from runner.operations import Operation
from runner.revisions.checks import operations
from runner.schema.state import SchemaState


def downgrade_operations(graph, revision_ids: Iterable[str]) -> dict[str, list[Operation]]:
    """The downgrade operations of each revision: as written, or derived."""
    result: dict[str, list[Operation]] = {}
    pending = set()
    for rev_id in revision_ids:
        written = operations(graph.revisions[rev_id], "downgrade")
        if written is not None:
            result[rev_id] = written
        else:
            pending.add(rev_id)
    if not pending:
        return result
    state = SchemaState()
    for step in graph.upgrade_plan((), "heads"):
        revision = step.revision
        ops = operations(revision, "upgrade") or []
        if revision.revision in pending:
            result[revision.revision] = reverse_operations(ops, state)
            pending.discard(revision.revision)
            if not pending:
                break
        else:
            for op in ops:
                op.state_forwards(state)
    return result


def reverse_operations(ops: list[Operation], state: SchemaState) -> list[Operation]:
    """Reverse `ops` in reverse order; applies them to `state` on the way."""
    undo: list[list[Operation]] = []
    for op in ops:
        undo.append(op.reverse(state))
        op.state_forwards(state)
    return [op for group in reversed(undo) for op in group]
