"""`yamig validate`: review revision files without a database, every finding in one run.

Layers: files (YAML, the JSON Schema, types, file names), the graph (duplicate
ids and labels, missing parents and dependencies, cycles, several heads),
semantics (each revision replayed on the schema state: references to what does
not exist, downgrades that do not undo their upgrade), and safety rules.

Config keys: `validate.disable = rule-id, ...` silences rules for the project;
`validate.multiple_heads = error|warning|off`. One operation accepts a finding
with `allow: [rule-id]` beside it.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path

from runner.errors import GraphError, MigrationError, RevisionFileError, YamigError
from runner.revision import Revision

RULES = {
    "invalid-file": ("error", "the file is not valid YAML or not a revision", "fix the file"),
    "schema": ("error", "the file does not follow the revision format", "see the README's format"),
    "file-name": ("warning", "the file name does not start with the revision id",
                  "rename the file to <revision>_<slug>.yaml"),
    "duplicate-id": ("error", "two files define the same revision id", "give one a new id"),
    "duplicate-label": ("error", "two revisions use the same branch label", "rename one label"),
    "missing-parent": ("error", "down_revision names a revision no file defines", "fix the id"),
    "missing-dependency": ("error", "depends_on names no revision or label", "fix the id"),
    "cycle": ("error", "revisions point back at each other", "break the cycle"),
    "multiple-heads": ("error", "the history has several heads", "merge them: yamig merge heads"),
    "state": ("error", "the operation does not match the schema at that point", "fix the names"),
    "downgrade-mismatch": ("error", "the downgrade does not restore the schema", "fix the downgrade"),
    "irreversible": ("error", "the revision cannot be downgraded", "write a downgrade"),
    "drop-table": ("warning", "dropping a table deletes its data",
                   "make sure no code reads it, and keep a backup; allow: [drop-table] to accept"),
    "drop-column": ("warning", "dropping a column deletes its data and breaks code that reads it",
                    "deploy code that no longer reads it first; allow: [drop-column] to accept"),
    "not-null-without-default": ("error", "NOT NULL column added to an existing table without a "
                                 "server default fails on any row",
                                 "add a server_default, or add it nullable, backfill, then alter"),
    "index-not-concurrently": ("warning", "CREATE INDEX locks writes to the table on PostgreSQL",
                               "add postgresql_concurrently: true (and run outside a transaction)"),
    "execute": ("warning", "raw SQL cannot be checked or reversed by yamig",
                "prefer operations; write its downgrade"),
}


@dataclass
class Finding:
    rule: str
    severity: str
    path: str
    line: int
    column: int
    message: str
    fix: str

    @property
    def location(self) -> str:
        return f"{self.path}:{self.line}:{self.column}"


class _Collector:
    def __init__(self, disabled: set[str], multiple_heads: str):
        self.findings: list[Finding] = []
        self.disabled = disabled
        self.multiple_heads = multiple_heads

    def add(self, rule: str, location: str | None, message: str, allow: tuple = ()) -> None:
        if rule in self.disabled or rule in allow:
            return
        severity, _, fix = RULES[rule]
        if rule == "multiple-heads":
            if self.multiple_heads == "off":
                return
            severity = self.multiple_heads
        path, line, column = _split(location or "")
        self.findings.append(Finding(rule, severity, path, line, column, message, fix))


def _split(location: str) -> tuple[str, int, int]:
    match = re.match(r"^(.*?):(\d+):(\d+)$", location)
    if match:
        return match.group(1), int(match.group(2)), int(match.group(3))
    return location, 1, 1


def validate(config, paths: list[str] | None = None, output_format: str = "text",
             changed_since: str | None = None, stdout=None) -> int:
    """Check the revisions; print the findings; return 0 clean, 1 errors, 2 unreadable."""
    from runner.loader import find_revision_files

    out = stdout or sys.stdout
    disabled = {r for r in re.split(r"[,\s]+", config.get_main_option("validate.disable") or "") if r}
    collector = _Collector(disabled, config.get_main_option("validate.multiple_heads") or "error")
    try:
        directories = [Path(p) for p in paths] if paths else config.version_locations
        files = []
        for item in directories:
            files += [item] if item.is_file() else find_revision_files([item])
    except YamigError as err:
        out.write(f"yamig: {err}\n")
        return 2
    revisions = _check_files(files, collector)
    graph = _check_graph(revisions, collector)
    if graph is not None:
        _check_semantics(graph, collector, _dialect_name(config))
    findings = collector.findings
    if changed_since:
        changed = _changed_files(changed_since)
        findings = [f for f in findings if os.path.realpath(f.path) in changed]
    _report(findings, output_format, out)
    return 1 if any(f.severity == "error" for f in findings) else 0


def _check_files(files: list[Path], collector: _Collector) -> list[Revision]:
    from runner.checks import check_revision
    from runner.loader import load_revision_file

    revisions = []
    for path in files:
        try:
            revision = load_revision_file(path, check=False)
        except RevisionFileError as err:
            collector.add("invalid-file", err.location, err.message)
            continue
        revisions.append(revision)
        try:
            check_revision(revision)
        except RevisionFileError as err:
            collector.add("schema", err.location, err.message)
            revision.cache["invalid"] = True
        if not path.name.startswith((revision.revision + "_", revision.revision + ".")):
            collector.add("file-name", f"{revision.path}:1:1",
                          f"file name {path.name} does not start with its id {revision.revision}")
    return revisions


def _check_graph(revisions: list[Revision], collector: _Collector):
    """All graph findings, not only the first; the graph itself when it can be built."""
    from runner.graph import RevisionGraph

    ids = Counter(r.revision for r in revisions)
    labels: dict[str, Revision] = {}
    seen: set[str] = set()
    for rev in revisions:
        if ids[rev.revision] > 1 and rev.revision in seen:
            collector.add("duplicate-id", rev.where("revision"), f"revision id {rev.revision} is defined "
                          "by more than one file")
        seen.add(rev.revision)
        for label in rev.branch_labels:
            if label in labels:
                collector.add("duplicate-label", rev.where("branch_labels"),
                              f"branch label {label!r} is also used by {labels[label].path}")
            labels.setdefault(label, rev)
    for rev in revisions:
        for parent in rev.down_revision:
            if parent not in ids:
                collector.add("missing-parent", rev.where("down_revision"),
                              f"parent {parent!r} is defined by no file")
        for dep in rev.depends_on:
            if dep not in ids and dep not in labels:
                collector.add("missing-dependency", rev.where("depends_on"),
                              f"dependency {dep!r} is neither a revision nor a branch label")
    if any(f.rule in ("duplicate-id", "missing-parent", "missing-dependency") for f in collector.findings):
        return None
    try:
        graph = RevisionGraph(revisions)
    except GraphError as err:
        rule = "cycle" if "cycle" in err.message else "duplicate-label"
        collector.add(rule, err.location, err.message)
        return None
    if len(graph.heads) > 1:
        for head in graph.heads:
            collector.add("multiple-heads", f"{graph.revisions[head].path}:1:1",
                          f"{head} is one of {len(graph.heads)} heads: {', '.join(graph.heads)}")
    return graph


def _check_semantics(graph, collector: _Collector, dialect: str | None) -> None:
    from runner.derive import reverse_operations
    from runner.operations import operations
    from runner.state import SchemaState

    state = SchemaState()
    for step in graph.upgrade_plan((), "heads"):
        rev = step.revision
        if rev.cache.get("invalid"):
            continue
        ops = operations(rev, "upgrade") or []
        before = state.copy()
        created = set()
        for op in ops:
            _rules(op, state, created, collector, dialect)
            start = len(state.problems)
            op.state_forwards(state)
            for problem in state.problems[start:]:
                collector.add("state", problem.location, problem.message, getattr(op, "allow", ()))
        written = operations(rev, "downgrade")
        try:
            down = written if written is not None else reverse_operations(ops, before.copy())
        except MigrationError as err:
            collector.add("irreversible", err.location, err.message)
            continue
        if written is not None and not (before.opaque or state.opaque):
            restored = state.copy()
            for op in down:
                op.state_forwards(restored)
            difference = _difference(before, restored)
            if difference:
                collector.add("downgrade-mismatch", rev.where("downgrade"),
                              f"after the downgrade of {rev.revision}, {difference}")


def _rules(op, state, created: set, collector: _Collector, dialect: str | None) -> None:
    allow = getattr(op, "allow", ())
    args = op.args
    if op.name == "create_table":
        created.add(args["table_name"])
    elif op.name == "drop_table":
        collector.add("drop-table", op.location, f"drops table {args['table_name']} and its data", allow)
    elif op.name == "drop_column":
        collector.add("drop-column", op.location,
                      f"drops column {args['table_name']}.{args['column_name']} and its data", allow)
    elif op.name == "add_column":
        column = args["column"]
        table = state.table(args["table_name"], op.schema)
        if (column.get("nullable") is False and column.get("server_default") is None
                and args["table_name"] not in created and (table is None or table.known)):
            collector.add("not-null-without-default", op.location,
                          f"{args['table_name']}.{column['name']} is NOT NULL with no server_default",
                          allow)
    elif op.name == "create_index":
        if (dialect == "postgresql" and not args.get("postgresql_concurrently")
                and args["table_name"] not in created):
            collector.add("index-not-concurrently", op.location,
                          f"index {args['index_name']} on existing table {args['table_name']} "
                          "is built without postgresql_concurrently", allow)
    elif op.name == "execute":
        collector.add("execute", op.location, "raw SQL: yamig cannot check what it does", allow)


def _difference(before, after) -> str:
    missing = sorted(set(before.tables) - set(after.tables))
    extra = sorted(set(after.tables) - set(before.tables))
    if missing:
        return f"table {missing[0][1]} is missing"
    if extra:
        return f"table {extra[0][1]} is still there"
    for key, table in before.tables.items():
        other = after.tables[key]
        if set(table.columns) != set(other.columns):
            lost = sorted(set(table.columns) - set(other.columns))
            kept = sorted(set(other.columns) - set(table.columns))
            return (f"table {table.name} lacks column {lost[0]}" if lost
                    else f"table {table.name} still has column {kept[0]}")
        if set(table.indexes) != set(other.indexes):
            return f"the indexes of table {table.name} differ"
    return ""


def _dialect_name(config) -> str | None:
    try:
        return re.split(r"[+:]", config.url, maxsplit=1)[0]
    except YamigError:
        return None


def _changed_files(ref: str) -> set[str]:
    try:
        top = subprocess.run(["git", "rev-parse", "--show-toplevel"], capture_output=True, text=True,
                             check=True).stdout.strip()
        names = subprocess.run(["git", "diff", "--name-only", ref, "--"], capture_output=True,
                               text=True, check=True).stdout.split()
        names += subprocess.run(["git", "ls-files", "--others", "--exclude-standard"],
                                capture_output=True, text=True, check=True).stdout.split()
    except (OSError, subprocess.CalledProcessError) as err:
        raise YamigError(f"cannot list files changed since {ref!r}: {err}",
                         hint="run inside a git checkout and give a ref that exists") from None
    return {os.path.realpath(os.path.join(top, n)) for n in names}


def _report(findings: list[Finding], output_format: str, out) -> None:
    if output_format == "json":
        out.write(json.dumps([asdict(f) for f in findings], indent=2) + "\n")
    elif output_format == "github":
        for f in findings:
            level = "error" if f.severity == "error" else "warning"
            out.write(f"::{level} file={f.path},line={f.line},col={f.column},title={f.rule}::"
                      f"{f.message}\n")
    elif output_format == "sarif":
        out.write(json.dumps(_sarif(findings), indent=2) + "\n")
    else:
        for f in findings:
            out.write(f"{f.location}: {f.severity} {f.rule}: {f.message}\n")
            source = _source_line(f.path, f.line)
            if source is not None:
                out.write(f"    {source}\n    {' ' * (f.column - 1)}^\n")
            out.write(f"    fix: {f.fix}\n")
        errors = sum(f.severity == "error" for f in findings)
        out.write(f"{errors} error(s), {len(findings) - errors} warning(s)\n")


def _source_line(path: str, line: int) -> str | None:
    try:
        with open(path, encoding="utf-8") as handle:
            for number, text in enumerate(handle, 1):
                if number == line:
                    return text.rstrip("\n")
    except OSError:
        return None
    return None


def _sarif(findings: list[Finding]) -> dict:
    rules = sorted({f.rule for f in findings})
    return {
        "version": "2.1.0",
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "runs": [{
            "tool": {"driver": {"name": "yamig", "rules": [
                {"id": r, "shortDescription": {"text": RULES[r][1]}, "help": {"text": RULES[r][2]}}
                for r in rules]}},
            "results": [{
                "ruleId": f.rule, "level": "error" if f.severity == "error" else "warning",
                "message": {"text": f.message},
                "locations": [{"physicalLocation": {
                    "artifactLocation": {"uri": f.path},
                    "region": {"startLine": f.line, "startColumn": f.column}}}],
            } for f in findings],
        }],
    }
