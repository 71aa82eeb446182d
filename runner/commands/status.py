"""`yamig status`: what is applied and what is pending for the database, per head (Flyway's
`info`): the applied revisions with when yamig_history says they were applied, the pending
ones in the order `upgrade <head>` would run them, each with its operations summarised.

The report is one dict (`report()`), printed as text or, for scripts, as JSON of the shape
the README documents (section "yamig status"); `version` is bumped if that shape changes.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from runner.commands.base import argument, command_line, each_database, load_graph, refuse_unknown_rows
from runner.masking import mask_url

if TYPE_CHECKING:
    from runner.config import Config
    from runner.graph import RevisionGraph

REPORT_VERSION = 1
# the history rows that make a revision applied
APPLYING = ("upgrade", "stamp", "baseline")


@command_line("Show what is applied and what is pending, per head.",
      argument("--format", dest="output_format", default="text", choices=("text", "json"),
           help="text (default) or json, for scripts"),
      logging=True)
@each_database
def status(config: Config, output_format: str = "text") -> None:
    """Print the database's status: per head, its applied and pending revisions."""
    found = report(config)
    if output_format == "json":
        config.print_stdout(json.dumps(found, indent=2))
        return
    for line in text_lines(found):
        config.print_stdout(line)


def report(config: Config) -> dict[str, Any]:
    """The status as data: `database` (its URL, password masked), `current` (the version rows,
    sorted), and `heads`, one entry per head (sorted) with its `applied` and `pending` revisions."""
    from runner.runtime.engine import connect
    from runner.runtime.history import HistoryTable
    from runner.runtime.version_table import VersionTable

    graph = load_graph(config)
    with connect(config) as connection:
        caller_transaction = connection.in_transaction()
        rows = VersionTable(config.version_table, config.version_table_schema).heads(connection)
        history = HistoryTable(config.history_table, config.version_table_schema).rows(connection)
        url = connection.engine.url.render_as_string(hide_password=True)
        if not caller_transaction and connection.in_transaction():
            connection.rollback()
    refuse_unknown_rows(graph, rows)
    when, failed = _applied_when(history), _failed(history)
    return {"version": REPORT_VERSION, "database": mask_url(url), "current": sorted(rows),
            "heads": [_head(graph, head, rows, when, failed) for head in sorted(graph.heads)]}


def _head(graph: RevisionGraph, head: str, rows: tuple[str, ...],
          when: dict[str, tuple[str, Any]], failed: dict[str, dict]) -> dict:
    from runner.revisions.checks import operations
    from runner.runtime.undo import describe

    applied_ids = graph.ancestors([graph.nodes[r] for r in rows])
    applied = []
    for step in graph.upgrade_plan((), head):  # the order upgrade runs them in from base
        rev_id = step.revision.revision
        if rev_id in applied_ids:
            how, at = when.get(rev_id, ("unknown", None))
            applied.append({"revision": rev_id, "message": _message(graph, rev_id),
                            "state": "stamped" if how == "stamp" else "applied",
                            "applied_at": _iso(at), "recorded_by": how})
    pending = []
    for step in graph.upgrade_plan(rows, head) if head not in applied_ids else ():
        rev = step.revision
        failure = failed.get(rev.revision)
        pending.append({"revision": rev.revision, "message": _message(graph, rev.revision),
                        "state": "failed" if failure else "pending",
                        "failed_at": _iso(failure["finished_at"]) if failure else None,
                        "failed_operation": failure["failed_operation"] if failure else None,
                        "operations": [describe(op) for op in operations(rev, "upgrade") or []]})
    return {"head": head, "branch_labels": sorted(graph.labels_of(head)),
            "applied": applied, "pending": pending}


def _applied_when(history: list[dict]) -> dict[str, tuple[str, Any]]:
    """Per revision, how and when it last became applied: its latest successful upgrade,
    stamp onto it, or baseline row (asked only of the revisions applied now)."""
    when: dict[str, tuple[str, Any]] = {}
    for row in history:
        direction = row["direction"]
        if row["outcome"] == "success" and direction in APPLYING and (
                direction != "stamp" or row["checksum"] is not None):  # not a stamp below it
            when[row["revision"]] = (direction, row["finished_at"])
    return when


def _failed(history: list[dict]) -> dict[str, dict]:
    """Per revision whose latest row is a failed upgrade, that row."""
    latest: dict[str, dict] = {}
    for row in history:
        if row["direction"] != "repair":
            latest[row["revision"]] = row
    return {rev_id: row for rev_id, row in latest.items()
            if row["outcome"] != "success" and row["direction"] == "upgrade"}


def _message(graph: RevisionGraph, rev_id: str) -> str:
    return (graph.revisions[rev_id].message or "").strip().split("\n")[0]


def _iso(at: Any) -> str | None:
    """UTC as the history stores it (no zone), written with its `Z`."""
    return at.strftime("%Y-%m-%dT%H:%M:%SZ") if hasattr(at, "strftime") else at


# -- text ----------------------------------------------------------------------------------

def text_lines(found: dict[str, Any]) -> list[str]:
    """One block per head: a line with its counts, then its revisions oldest first, each
    pending one followed by its operations."""
    lines = [f"Database: {found['database']}",
             f"Current: {', '.join(found['current']) or '(none: nothing applied)'}"]
    if not found["heads"]:
        lines.append("No revisions.")
    table = [(entry, head) for head in found["heads"]
             for entry in head["applied"] + head["pending"]]
    width = max((len(entry["revision"]) for entry, _ in table), default=0)
    for head in found["heads"]:
        labels = "".join(f", {label}" for label in head["branch_labels"])
        applied, pending = len(head["applied"]), len(head["pending"])
        state = f"{pending} pending" if pending else "up to date"
        lines += ["", f"{head['head']} (head{labels}): {applied} applied, {state}"]
        for entry in head["applied"]:
            lines.append(_line(entry["state"], entry["revision"], width,
                               _when(entry["applied_at"]), entry["message"]))
        for entry in head["pending"]:
            at = _when(entry["failed_at"]) if entry["state"] == "failed" else ""
            lines.append(_line(entry["state"], entry["revision"], width, at, entry["message"]))
            if entry["failed_operation"] is not None:
                lines.append(" " * 13 + f"failed at operation #{entry['failed_operation']}")
            lines += [" " * 13 + f"- {text}" for text in entry["operations"]]
    return lines


def _line(state: str, rev_id: str, width: int, at: str, message: str) -> str:
    return f"  {state:<8} {rev_id:<{width}}  {at:<19}  {message}".rstrip()


def _when(iso: str | None) -> str:
    return iso.replace("T", " ").rstrip("Z") if iso else "-"
