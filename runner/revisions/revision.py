"""The Revision: one parsed revision file, plain data plus where each node came from."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from runner.operations import Operation

KEY = "\0key"
"""Marks a key's own position in `Revision.positions`: `path + (KEY,)` is where the key is
written, `path` where its value is; errors about the key itself point at the former."""


VERSION_ID_LENGTH = 32
"""The width of the version table's `version_num` (Alembic's VARCHAR(32)): a longer id would
pass every check and fail when the version row is written."""

RESERVED_IDS = frozenset({"base", "head", "heads", "current"})
"""Words the revision grammar gives a meaning (`downgrade base`), so never a revision's id."""

ID_PATTERN = re.compile(r"[A-Za-z0-9_]+")
"""What a revision id is made of (the JSON Schema's pattern): anything else (`-1`, `a+2`,
`x@head`) would be read as a relative step or a branch reference."""


class Revision:
    """A revision as the graph and the interpreter see it.

    `down_revision`, `branch_labels` and `depends_on` are always tuples, whatever
    the file wrote (null, a string, or a list), without repeats (as Alembic's dedupe_tuple:
    `down_revision: [a1, a1]` is one parent, not a loop of the graph walks). `positions` maps a path into the
    document, e.g. ("upgrade", 0, "create_table", "table_name"), to its 1-based
    (line, column), so any later error can point into the file.

    The body (`data`, `positions`) may be loaded lazily through `body_loader`:
    graph-only commands read headers from the loader's cache and never parse it,
    and the data may come from the cache while positions, needed only to report
    a problem, come from parsing the file when first asked for.
    """

    __slots__ = ("revision", "down_revision", "branch_labels", "depends_on", "message", "path",
                 "order", "schema_ok", "on_schema_ok", "invalid", "parsed", "_data", "_positions",
                 "_body_loader")

    def __init__(self, revision: str, down_revision: tuple[str, ...] = (),
                 branch_labels: tuple[str, ...] = (), depends_on: tuple[str, ...] = (),
                 message: str | None = None, path: str = "<memory>", order: int = 0,
                 data: dict[str, Any] | None = None,
                 positions: dict[tuple, tuple[int, int]] | None = None,
                 body_loader: Callable[[bool], tuple[dict, dict | None]] | None = None):
        self.revision = revision
        self.down_revision = tuple(dict.fromkeys(down_revision))
        self.branch_labels = tuple(dict.fromkeys(branch_labels))
        self.depends_on = tuple(dict.fromkeys(depends_on))
        self.message = message
        self.path = path
        self.order = order
        # what the checks learned, so each file is checked and parsed once (runner.revisions.checks):
        self.schema_ok = False  # passed the contract unchanged since (the loader's cache says so)
        self.on_schema_ok: Callable[[], None] | None = None  # the loader's cache, told on a pass
        self.invalid = False  # validate found a problem; the replay of its checks skips it
        self.parsed: dict[str, list[Operation] | None] | None = None  # section -> operations
        self._data = data if data is not None or body_loader else {}
        self._positions = positions if positions is not None or body_loader else {}
        self._body_loader = body_loader

    def _load_body(self, positions: bool = False) -> None:
        """The loader may give the data alone (from its cache) and the positions later."""
        data, where = self._body_loader(positions)  # type: ignore[misc]
        if self._data is None:
            self._data = data
        if where is not None:
            self._positions = where
        if self._data is not None and self._positions is not None:
            self._body_loader = None

    @property
    def data(self) -> dict[str, Any]:
        if self._data is None:
            self._load_body()
        return self._data  # type: ignore[return-value]

    @property
    def known_positions(self) -> dict[tuple, tuple[int, int]] | None:
        """The positions if they are at hand, else None (asking `positions` would load them)."""
        return self._positions

    @property
    def body_loader(self):
        return self._body_loader

    @body_loader.setter
    def body_loader(self, loader: Callable[[bool], tuple[dict, dict | None]]) -> None:
        """Where the body's missing parts come from (the data, or the positions) when asked."""
        self._body_loader = loader
        if self._positions == {} and loader is not None:
            self._positions = None

    @property
    def positions(self) -> dict[tuple, tuple[int, int]]:
        if self._positions is None:
            self._load_body(positions=True)
        return self._positions  # type: ignore[return-value]

    def where(self, *path: Any) -> str:
        """`file:line:column` of the deepest known node on `path` (the file alone if none)."""
        positions = self.positions
        key = tuple(path)
        while key:
            pos = positions.get(key)
            if pos is not None:
                return f"{self.path}:{pos[0]}:{pos[1]}"
            key = key[:-1]
        pos = positions.get(())
        return f"{self.path}:{pos[0]}:{pos[1]}" if pos else self.path

    @property
    def irreversible(self) -> str | None:
        """The reason given by `downgrade: irreversible` ("" when none) or
        `downgrade: {irreversible: why}`; None when the file does not say the revision is
        irreversible. Such a revision is never downgraded: there is nothing to derive either."""
        down = self.data.get("downgrade")
        if down == "irreversible":
            return ""
        if isinstance(down, dict) and isinstance(down.get("irreversible"), str):
            return down["irreversible"]
        return None

    @property
    def squashes(self) -> tuple[str, ...]:
        """The revisions `yamig squash` replaced by this one (its `squashes:`), oldest first."""
        return tuple(self.data.get("squashes") or ())

    @property
    def is_base(self) -> bool:
        return not self.down_revision

    @property
    def is_merge(self) -> bool:
        return len(self.down_revision) > 1

    def __repr__(self) -> str:
        return f"Revision({self.revision!r}, down={self.down_revision!r})"


def split_location(location: str) -> tuple[str, int, int]:
    """(path, line, column) of a `file:line:column` location, as Revision.where writes it; line
    and column 1 when it names the file alone."""
    match = re.match(r"^(.*?):(\d+):(\d+)$", location)
    if match:
        return match.group(1), int(match.group(2)), int(match.group(3))
    return location, 1, 1
