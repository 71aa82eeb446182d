"""What convert could not map: one Problem per construct, and the marker left in its place.

The marker is an operation yamig does not know (`unconverted:`), so loading, `validate` and
`upgrade` refuse the revision at that line until a person replaces it: it can never run as if
it had been converted.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

MARKER = "unconverted"


class Unmappable(Exception):
    """A construct convert cannot map: `what` it is and `why`, at `node`."""

    def __init__(self, node: ast.AST | None, what: str, why: str):
        super().__init__(f"{what}: {why}")
        self.node, self.what, self.why = node, what, why


@dataclass(frozen=True)
class Problem:
    path: str
    line: int
    what: str
    why: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.what}: {self.why}"


def marker(problem: Problem, code: str) -> dict:
    """The operation written where `code` could not be converted."""
    return {MARKER: {"source": f"{problem.path}:{problem.line}", "code": code,
                     "why": f"{problem.what}: {problem.why}"}}
