"""The graph's building blocks: a revision's node (its links, set once by the graph) and a plan's step."""

from __future__ import annotations

from collections.abc import Iterable

from runner.revisions.revision import Revision


class Step:
    """One revision to run, and the version-table changes Alembic makes for it.

    (A plain class: importing dataclasses costs graph-only commands 4 ms of start-up.)
    """

    __slots__ = ("revision", "is_upgrade", "delete", "insert", "update", "rows_after")

    def __init__(self, revision: Revision, is_upgrade: bool, delete: tuple[str, ...] = (),
                 insert: tuple[str, ...] = (), update: tuple[tuple[str, str], ...] = (),
                 rows_after: tuple[str, ...] = ()):
        self.revision = revision
        self.is_upgrade = is_upgrade
        self.delete = delete
        self.insert = insert
        self.update = update
        self.rows_after = rows_after

    def __repr__(self) -> str:
        rev = self.revision.revision if self.revision is not None else None
        return f"Step({rev!r}, up={self.is_upgrade}, rows_after={self.rows_after!r})"


class Node:
    __slots__ = ("rev", "id", "index", "down", "deps", "norm_deps", "nextrev", "all_nextrev", "all_down")

    def __init__(self, rev: Revision, index: int):
        self.rev = rev
        self.id = rev.revision
        self.index = index
        self.down = rev.down_revision            # versioned parents
        self.deps: tuple[str, ...] = ()          # dependencies, as revision ids
        self.norm_deps: tuple[str, ...] = ()     # minus those an ancestor already depends on
        self.nextrev: list[str] = []             # children through down_revision
        self.all_nextrev: list[str] = []         # children and dependents
        self.all_down: tuple[str, ...] = self.down  # parents and dependencies, set by the graph

    @property
    def norm_down(self) -> tuple[str, ...]:
        return dedupe(self.down + self.norm_deps) if self.norm_deps else self.down


def dedupe(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))
