"""The Revision: one parsed revision file, plain data plus where each node came from."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(eq=False)
class Revision:
    """A revision as the graph and the interpreter see it.

    `down_revision`, `branch_labels` and `depends_on` are always tuples, whatever
    the file wrote (null, a string, or a list). `positions` maps a path into the
    document, e.g. ("upgrade", 0, "create_table", "table_name"), to its 1-based
    (line, column), so any later error can point into the file.
    """

    revision: str
    down_revision: tuple[str, ...] = ()
    branch_labels: tuple[str, ...] = ()
    depends_on: tuple[str, ...] = ()
    message: str | None = None
    path: str = "<memory>"
    order: int = 0
    data: dict[str, Any] = field(default_factory=dict)
    positions: dict[tuple, tuple[int, int]] = field(default_factory=dict)
    cache: dict[str, Any] = field(default_factory=dict, repr=False)  # parsed operations

    def where(self, *path: Any) -> str:
        """`file:line:column` of the deepest known node on `path` (the file alone if none)."""
        key = tuple(path)
        while key:
            pos = self.positions.get(key)
            if pos is not None:
                return f"{self.path}:{pos[0]}:{pos[1]}"
            key = key[:-1]
        pos = self.positions.get(())
        return f"{self.path}:{pos[0]}:{pos[1]}" if pos else self.path

    @property
    def is_base(self) -> bool:
        return not self.down_revision

    @property
    def is_merge(self) -> bool:
        return len(self.down_revision) > 1

    def __repr__(self) -> str:
        return f"Revision({self.revision!r}, down={self.down_revision!r})"
