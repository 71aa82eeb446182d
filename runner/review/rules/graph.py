"""The graph rules: how the revisions fit together. runner.graph finds the broken links while
it builds the graph; runner.review.validate reports them, and unreachable revisions and heads."""

from __future__ import annotations

from runner.review.rules.base import Rule

RULES = (
    Rule("duplicate-id", "error", "two files define the same revision id", "give one a new id"),
    Rule("duplicate-label", "error", "two revisions use the same branch label", "rename one label"),
    Rule("missing-parent", "error", "down_revision names a revision no file defines", "fix the id"),
    Rule("missing-dependency", "error", "depends_on names no revision or label", "fix the id"),
    Rule("cycle", "error", "revisions point back at each other", "break the cycle"),
    Rule("unreachable", "error", "no chain of parents leads from a base to this revision, so no "
         "upgrade ever applies it", "fix the broken parent or cycle named in the message"),
    Rule("multiple-heads", "error", "the history has several heads", "merge them: yamig merge heads"),
)
