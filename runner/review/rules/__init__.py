"""The registry of validate's rules: every family's rules, and its checks by operation name.

A family module declares each of its rules once (a Rule: id, severity, reason, fix) in its
`RULES`, beside the checks that find them; its safety checks in `SAFETY` and the replay's
reference checks in `REFERENCES` and its checks against the database's limits in `LIMITS`
(and `KEY_LIMITS`, which read the state) (operation name: check). This module only gathers them, in
FAMILIES' order: the order of SARIF's rule table, and of the checks one operation runs (so of
its findings). A new rule touches its family module (and its case in tests/validate_corpus/).
"""

from __future__ import annotations

from collections.abc import Iterator

from runner.review.rules import (
    constraints,
    defaults,
    drops,
    files,
    graph,
    indexes,
    keys,
    names,
    raw_sql,
    renames,
    replay,
    types,
)
from runner.review.rules.base import Check, Context, Found, Rule
from runner.review.rules.raw_sql import data_only

__all__ = ["RULES", "Context", "Found", "Rule", "data_only", "limits", "references", "safety"]

FAMILIES = (files, graph, replay, drops, renames, defaults, constraints, types, names, keys, indexes,
            raw_sql)

RULES: dict[str, Rule] = {rule.id: rule for family in FAMILIES for rule in family.RULES}


def _by_operation(table: str) -> dict[str, tuple[Check, ...]]:
    found: dict[str, tuple[Check, ...]] = {}
    for family in FAMILIES:
        for name, found_by in getattr(family, table, {}).items():
            found[name] = (*found.get(name, ()), found_by)
    return found


_SAFETY = _by_operation("SAFETY")
_REFERENCES = _by_operation("REFERENCES")
_LIMITS = _by_operation("LIMITS")
_KEY_LIMITS = _by_operation("KEY_LIMITS")


def safety(op, state, ctx: Context) -> Iterator[Found]:
    """The safety rules' findings for one operation, against the state just before it."""
    for found_by in _SAFETY.get(op.name, ()):
        yield from found_by(op, state, ctx)


def references(op, state) -> Iterator[Found]:
    """The reference checks' findings for one operation, against the state just before it."""
    for found_by in _REFERENCES.get(op.name, ()):
        yield from found_by(op, state)


def limits(op, ctx: Context, state=None) -> Iterator[Found]:
    """What the database refuses in one operation (a type beyond its limits; with the `state`
    just before it, an index key too long for the columns' types): the findings that
    upgrade's checks before a run share with validate."""
    for found_by in _LIMITS.get(op.name, ()):
        yield from found_by(op, ctx)
    if state is not None and not state.opaque:
        for found_by in _KEY_LIMITS.get(op.name, ()):
            yield from found_by(op, state, ctx)
