"""The revision graph: heads, bases, branches, dependencies, labels, identifiers and plans.

`RevisionGraph` (revision_map.py) is one class, as Alembic's RevisionMap, because the
identifier grammar and the plans walk the same nodes and ancestor sets; nodes.py holds the
plain records it is made of.
"""

from runner.errors import GraphError, ResolutionError
from runner.graph.nodes import Node, Step
from runner.graph.revision_map import RevisionGraph

__all__ = ["GraphError", "Node", "ResolutionError", "RevisionGraph", "Step"]
