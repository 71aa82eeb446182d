"""The one replay: revisions applied in upgrade order to an in-memory schema state.

Offline scripts, derived downgrades, autogenerate's `--offline` compare and the pre-run checks
all need "the schema as the revisions describe it"; each asks here, so they cannot disagree on
which revisions count or in which order they apply.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from runner.revisions.checks import operations
from runner.schema.state import SchemaState


def replay(graph, current: tuple[str, ...], state: SchemaState | None = None
           ) -> Iterator[tuple[Any, Any, SchemaState]]:
    """(step, operation, state) for each upgrade operation that leads to `current` (version
    rows) from an empty database, the state as it is just before the operation; the operation
    is applied once the caller asks for the next one. One row target at a time, each plan
    starting where the previous one ended, so every revision applies once."""
    state = SchemaState(naming=graph.naming) if state is None else state
    rows: tuple[str, ...] = ()
    for row in current:
        for step in graph.upgrade_plan(rows, row):
            for op in operations(step.revision, "upgrade") or []:
                yield step, op, state
                op.state_forwards(state)
            rows = step.rows_after


def state_at(graph, current: tuple[str, ...], traits: Any = None) -> SchemaState:
    """The schema once `current` and everything it needs are applied (on the database whose
    `traits` are given, where databases differ: SchemaState.traits)."""
    state = SchemaState(traits, naming=graph.naming)
    for _ in replay(graph, current, state):
        pass
    return state
