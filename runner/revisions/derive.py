"""Downgrades derived from upgrades, using the schema state replayed up to each revision.

One pass over every revision in upgrade order builds the state; a revision
that needs its downgrade derived has each upgrade operation reversed against
the state just before that operation, so drop_table and drop_column come back
with the full definition they removed.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from runner.errors import MigrationError
from runner.operations import Operation
from runner.revisions.checks import operations
from runner.revisions.replay import replay
from runner.revisions.revision import Revision
from runner.schema.state import SchemaState


def downgrade_operations(graph, revision_ids: Iterable[str],
                         traits: Any = None) -> dict[str, list[Operation]]:
    """The downgrade operations of each revision: as written, or derived (for the database whose
    `traits` are given, where what an upgrade did differs by database: SchemaState.traits). A
    revision whose file says `downgrade: irreversible` refuses the whole plan, before anything runs."""
    result: dict[str, list[Operation]] = {}
    pending = set()
    for rev_id in revision_ids:
        if graph.revisions[rev_id].irreversible is not None:
            raise irreversible_error(graph.revisions[rev_id])
        written = operations(graph.revisions[rev_id], "downgrade")
        if written is not None:
            result[rev_id] = written
        else:
            pending.add(rev_id)
    if not pending:
        return result
    undo: dict[str, list[list[Operation]]] = {}
    for step, op, state in replay(graph, graph.heads, SchemaState(traits, naming=graph.naming)):
        rev_id = step.revision.revision
        if rev_id in pending:  # reversed against the state just before it
            undo.setdefault(rev_id, []).append(op.reverse(state))
        elif undo.keys() == pending:
            break  # every pending revision is behind: the rest of the replay is not needed
    for rev_id in pending:
        result[rev_id] = [op for group in reversed(undo.get(rev_id, [])) for op in group]
    return result


def reverse_operations(ops: list[Operation], state: SchemaState) -> list[Operation]:
    """Reverse `ops` in reverse order; applies them to `state` on the way."""
    undo: list[list[Operation]] = []
    for op in ops:
        undo.append(op.reverse(state))
        op.state_forwards(state)
    return [op for group in reversed(undo) for op in group]


def irreversible_error(revision: Revision) -> MigrationError:
    """The refusal of a downgrade through a revision its file declares irreversible."""
    reason = revision.irreversible
    return MigrationError(
        f"revision {revision.revision} is irreversible" + (f": {reason}" if reason else ""),
        location=revision.where("downgrade"),
        hint="nothing was run; downgrade to a revision after it, or restore the database from a backup")
