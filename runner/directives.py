"""What `revision` is about to write, as process_revision_directives sees it (no SQLAlchemy here:
plain `revision` stays a graph-only command)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


class OperationList(list):
    """A list of operations (YAML-shaped dicts), with Alembic's UpgradeOps spellings."""

    @property
    def ops(self) -> OperationList:
        return self

    def is_empty(self) -> bool:
        return not self


@dataclass
class RevisionDirective:
    """The revision about to be written, as process_revision_directives sees and may change it."""

    rev_id: str
    message: str | None
    head: tuple[str, ...]
    branch_label: Any = None
    version_path: str | None = None
    depends_on: Any = None
    upgrade_ops: OperationList = field(default_factory=OperationList)
    downgrade_ops: list | None = None  # None: left out, derived from upgrade_ops
    comments: list[str] = field(default_factory=list)
