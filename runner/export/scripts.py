"""A yamig history as Alembic scripts: one `.py` per revision, with Alembic's header (its
revision, down_revision, branch_labels, depends_on and the docstring Alembic's template writes)
and the upgrade and downgrade as `op.*` calls (runner.export.render).

One replay of the history (runner.revisions.replay) gives the schema just before each operation:
what a SQLite rebuild or MySQL's restated column needs, and what a derived downgrade is derived
from. Alembic cannot derive a downgrade, so derived ones are written out in full; one yamig
cannot derive (an `execute` with no written downgrade) raises in the script, as an Alembic
user writes an irreversible downgrade.
"""

from __future__ import annotations

import datetime
import textwrap
from pathlib import Path
from typing import Any

from runner.errors import MigrationError
from runner.export.render import Renderer
from runner.revisions.checks import operations
from runner.revisions.replay import replay
from runner.schema.state import SchemaState


class _Script:
    """What one revision's script collects while the replay passes through it."""

    def __init__(self, revision) -> None:
        self.revision = revision
        self.renderer = Renderer()
        self.upgrade: list[str] = []
        self.undo: list[list[Any]] = []
        self.irreversible: str | None = None


def export_history(graph, versions: Path) -> list[Path]:
    """Write a script per revision of `graph` into `versions`; the paths written, in upgrade order."""
    versions.mkdir(parents=True, exist_ok=True)
    scripts: dict[str, _Script] = {}
    for step, op, state in replay(graph, graph.heads):
        script = scripts.setdefault(step.revision.revision, _Script(step.revision))
        script.upgrade += script.renderer.operation(op, _where(step.revision), state)
        if operations(step.revision, "downgrade") is None and script.irreversible is None:
            try:
                script.undo.append(op.reverse(state))
            except MigrationError as error:
                script.irreversible = _irreversible(error)
    written = []
    states = _states_after(graph)
    for rev_id in graph.order:
        script = scripts.get(rev_id) or _Script(graph.revisions[rev_id])
        path = versions / f"{rev_id}_{_slug(script.revision.message)}.py"
        path.write_text(_text(script, states.get(rev_id, SchemaState())), encoding="utf-8")
        written.append(path)
    return written


def _states_after(graph) -> dict[str, SchemaState]:
    """The schema just after each revision: what its downgrade starts from."""
    after: dict[str, SchemaState] = {}
    last: tuple[str, SchemaState] | None = None
    for step, _op, state in replay(graph, graph.heads):
        rev = step.revision.revision
        if last is not None and last[0] != rev:
            after[last[0]] = state.copy()
        last = (rev, state)
    if last is not None:
        after[last[0]] = last[1].copy()
    return after


def _where(revision) -> str:
    return f"revision {revision.revision}"


def _irreversible(error: MigrationError) -> str:
    return error.message.splitlines()[0]


def _downgrade(script: _Script, state: SchemaState) -> list[str]:
    said = script.revision.data.get("downgrade")
    if said == "irreversible" or (isinstance(said, dict) and "irreversible" in said):
        why = said["irreversible"] if isinstance(said, dict) else None
        return [f"raise NotImplementedError({(why or 'this revision is irreversible')!r})"]
    written = operations(script.revision, "downgrade")
    if written is None and script.irreversible is not None:
        return [f"raise NotImplementedError({script.irreversible!r})"]
    ops = written if written is not None else [op for group in reversed(script.undo) for op in group]
    state = state.copy()
    lines = []
    for op in ops:
        lines += script.renderer.operation(op, _where(script.revision), state, "downgrade")
        op.state_forwards(state)
    return lines


def _text(script: _Script, state: SchemaState) -> str:
    revision = script.revision
    downgrade = _downgrade(script, state)
    upgrade = script.upgrade
    message = revision.message or ""
    created = revision.data.get("create_date")
    created = created if created is not None else datetime.datetime.now()
    imports = sorted(script.renderer.imports)
    down = _ids(revision.down_revision)
    lines = [
        f'"""{_docstring(message)}',
        "",
        f"Revision ID: {revision.revision}",
        f"Revises: {', '.join(revision.down_revision)}",
        f"Create Date: {created}",
        "",
        '"""',
        "from typing import Sequence, Union",
        "",
        "from alembic import op",
        "import sqlalchemy as sa",
        *imports,
        "",
        "# revision identifiers, used by Alembic.",
        f"revision: str = {revision.revision!r}",
        f"down_revision: Union[str, Sequence[str], None] = {down!r}",
        f"branch_labels: Union[str, Sequence[str], None] = {_ids(revision.branch_labels)!r}",
        f"depends_on: Union[str, Sequence[str], None] = {_ids(revision.depends_on)!r}",
        "",
        "",
        "def upgrade() -> None:",
        *_body(upgrade),
        "",
        "",
        "def downgrade() -> None:",
        *_body(downgrade),
    ]
    return "\n".join(lines) + "\n"


def _body(lines: list[str]) -> list[str]:
    return textwrap.indent("\n".join(lines), "    ").splitlines() if lines else ["    pass"]


def _ids(ids: tuple[str, ...]) -> Any:
    if not ids:
        return None
    return ids[0] if len(ids) == 1 else tuple(ids)


def _docstring(message: str) -> str:
    return message.replace("\\", "\\\\").replace('"""', '\\"\\"\\"')


def _slug(message: str | None) -> str:
    import re

    slug = re.sub(r"[^0-9a-zA-Z]+", "_", (message or "").lower()).strip("_")[:40].rstrip("_")
    return slug or "revision"
