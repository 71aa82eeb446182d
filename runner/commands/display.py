"""Revisions as the commands print them, line for line as Alembic prints them; and the rows
of the applied history (`history --applied`)."""

from __future__ import annotations

from collections.abc import Iterable

from runner.revisions.revision import Revision


class Describer:
    """Knows each revision's children once, so printing N revisions stays O(N)."""

    def __init__(self, revisions: Iterable[Revision], labels=None):
        self.labels = labels or (lambda rev_id: ())  # own and inherited branch labels, as Alembic shows
        self.children: dict[str, list[str]] = {}
        self.dependents: dict[str, list[str]] = {}
        for revision in revisions:
            for parent in revision.down_revision:
                self.children.setdefault(parent, []).append(revision.revision)
            for dependency in revision.depends_on:
                self.dependents.setdefault(dependency, []).append(revision.revision)
        self.current: set[str] = set()

    def is_head(self, rev: Revision) -> bool:
        return not self.children.get(rev.revision)

    def is_real_head(self, rev: Revision) -> bool:
        return self.is_head(rev) and not self.dependents.get(rev.revision)

    def is_branch_point(self, rev: Revision) -> bool:
        return len(self.children.get(rev.revision, ())) > 1

    def line(self, rev: Revision, *, verbose: bool = False, branches: bool = False,
             doc: bool = False, parents: bool = False, tree: bool = True) -> str:
        """Alembic's Script.cmd_format."""
        if verbose:
            return self.log_entry(rev)
        text = rev.revision
        if parents:
            if rev.depends_on:
                text = f"{_down(rev)} ({', '.join(rev.depends_on)}) -> {text}"
            else:
                text = f"{_down(rev)} -> {text}"
        labels = sorted(self.labels(rev.revision)) if branches else ()
        if labels:
            text += f" ({', '.join(labels)})"
        if self.is_real_head(rev):
            text += " (head)"
        elif self.is_head(rev):
            text += " (effective head)"
        if rev.revision in self.current:
            text += " (current)"
        if tree:
            text += " (branchpoint)" if self.is_branch_point(rev) else ""
            text += " (mergepoint)" if rev.is_merge else ""
        if doc:
            text += f", {rev.message or ''}"
        return text

    def log_entry(self, rev: Revision, body: bool = False) -> str:
        """Alembic's verbose form: Rev, Parent/Merges, dependencies, branches, Path, message;
        `body`: also what the revision's body says of it (`downgrade: irreversible`), which
        reads the file past its header."""
        entry = "Rev: " + rev.revision
        entry += " (head)" if self.is_head(rev) else ""
        entry += " (branchpoint)" if self.is_branch_point(rev) else ""
        entry += " (mergepoint)" if rev.is_merge else ""
        entry += " (current)" if rev.revision in self.current else ""
        entry += "\n"
        entry += ("Merges: " if rev.is_merge else "Parent: ") + _down(rev) + "\n"
        if rev.depends_on:
            entry += f"Also depends on: {', '.join(rev.depends_on)}\n"
        if self.is_branch_point(rev):
            entry += f"Branches into: {', '.join(self.children[rev.revision])}\n"
        labels = sorted(self.labels(rev.revision))
        if labels:
            entry += f"Branch names: {', '.join(labels)}\n"
        if body and rev.irreversible is not None:
            entry += "Downgrade: irreversible" + (f" ({rev.irreversible})" if rev.irreversible else "") + "\n"
        entry += f"Path: {rev.path}\n"
        entry += "\n" + "\n".join(f"    {line}" for line in (rev.message or "").splitlines()) + "\n"
        return entry


def _down(rev: Revision) -> str:
    return ", ".join(rev.down_revision) if rev.down_revision else "<base>"


HISTORY_HEADER = ("id", "revision", "direction", "outcome", "started_at (UTC)", "ms", "checksum",
                  "yamig", "run_by", "reason")


def history_lines(rows: list[dict]) -> list[str]:
    """The history table's rows as aligned columns under a header, oldest first."""
    table = [HISTORY_HEADER]
    for row in rows:
        outcome = row["outcome"]
        if row["failed_operation"] is not None:
            outcome += f" at #{row['failed_operation']}"
        outcome += _partial(row)
        started = row["started_at"]
        table.append((
            str(row["id"]), row["revision"], row["direction"], outcome,
            started.strftime("%Y-%m-%d %H:%M:%S") if hasattr(started, "strftime") else str(started),
            str(row["duration_ms"]), (row["checksum"] or "-")[:12], row["yamig_version"],
            row["run_by"], row["reason"] or ""))
    if len(table) == 1:
        return []
    widths = [max(len(line[i]) for line in table) for i in range(len(HISTORY_HEADER))]
    return ["  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip()
            for line in table]


def _partial(row: dict) -> str:
    """Where DDL commits itself, what a failure undid and left (runner.runtime.undo)."""
    import json

    text = ""
    for key, word in (("undone", "undid"), ("left_behind", "left")):
        value = row.get(key)
        items = json.loads(value) if isinstance(value, str) else value
        if items:
            text += f", {word} " + " ".join(f"#{i['operation'] if isinstance(i, dict) else i}"
                                             for i in items)
    return text
