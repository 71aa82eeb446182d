"""`yamig validate`: review revision files without a database, every finding in one run.

Layers: files (YAML, the JSON Schema, types, file names), the graph (duplicate
ids and labels, missing parents and dependencies, cycles, revisions no base
reaches, several heads), then the schema replayed along the upgrade plan
(runner.semantics) with the safety rules (runner.lint). A broken graph does not
stop the replay: what can be reached from a base is still replayed.

Config keys: `validate.disable = rule-id, ...` silences rules for the project;
`validate.multiple_heads = error|warning|off`; `validate.dialect = postgresql`
names the production database when the URL does not. One operation accepts a
finding with `allow: [rule-id]` beside it. The rules are listed in runner.findings.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

from runner.errors import GraphError, RevisionFileError, YamigError
from runner.findings import RULES, Collector, Finding, disabled_rules, report
from runner.revision import Revision

__all__ = ["RULES", "Finding", "validate"]


def validate(config, paths: list[str] | None = None, output_format: str = "text",
             changed_since: str | None = None, stdout=None) -> int:
    """Check the revisions; print the findings; return 0 clean, 1 errors, 2 unreadable."""
    out = stdout or sys.stdout
    collector = Collector(disabled_rules(config),
                          config.get_main_option("validate.multiple_heads") or "error")
    try:
        directories = [Path(p) for p in paths] if paths else config.version_locations
        revisions = _check_files(directories, collector)
        changed = _changed_files(changed_since) if changed_since else None
    except YamigError as err:
        out.write(f"yamig: {err}\n")
        return 2
    graph = _check_graph(revisions, collector)
    if graph is not None:
        from runner.semantics import check_semantics

        check_semantics(graph, collector, _dialect_name(config))
    findings = collector.findings
    if changed is not None:
        findings = [f for f in findings if os.path.realpath(f.path) in changed]
    report(findings, output_format, out)
    return 1 if any(f.severity == "error" for f in findings) else 0


# -- files ---------------------------------------------------------------------------------------

def _check_files(directories: list[Path], collector: Collector) -> list[Revision]:
    """Every file parsed and checked against the revision format.

    Folders go through the loader (and its cache, so unchanged files are not parsed or checked
    against the JSON Schema again); only when some file cannot be read is each file of the folder
    loaded on its own, so that every unreadable file is reported.
    """
    from runner.checks import check_revision
    from runner.loader import find_revision_files, load_revisions

    revisions: list[Revision] = []
    for item in directories:
        if item.is_file():
            loaded = _load_each([item], collector)
        else:
            try:
                loaded = load_revisions([item])
            except RevisionFileError:
                loaded = _load_each(find_revision_files([item]), collector)
        for revision in loaded:
            revision.order = len(revisions)
            revisions.append(revision)
            try:
                check_revision(revision)
            except RevisionFileError as err:
                collector.add("schema", err.location, err.message, fix=err.hint)
                revision.cache["invalid"] = True
            name = os.path.basename(revision.path)
            if not name.startswith((revision.revision + "_", revision.revision + ".")):
                collector.add("file-name", f"{revision.path}:1:1",
                              f"file name {name} does not start with its id {revision.revision}")
    return revisions


def _load_each(files: list[Path], collector: Collector) -> list[Revision]:
    from runner.loader import load_revision_file

    loaded = []
    for path in files:
        try:
            loaded.append(load_revision_file(path, check=False))
        except RevisionFileError as err:
            collector.add("invalid-file", err.location, err.message, fix=err.hint)
    return loaded


# -- graph ---------------------------------------------------------------------------------------

def _check_graph(revisions: list[Revision], collector: Collector):
    """All graph findings, not only the first; the graph to replay (all of it, or the part a base
    reaches when the graph is broken), or None when not even that can be built."""
    from runner.graph import RevisionGraph

    ids = Counter(r.revision for r in revisions)
    labels: dict[str, Revision] = {}
    first: dict[str, Revision] = {}
    for rev in revisions:
        if rev.revision in first:
            collector.add("duplicate-id", rev.where("revision"), f"revision id {rev.revision} is defined "
                          f"by more than one file (also {first[rev.revision].path})")
        first.setdefault(rev.revision, rev)
        for label in rev.branch_labels:
            if label in labels:
                collector.add("duplicate-label", rev.where("branch_labels"),
                              f"branch label {label!r} is also used by {labels[label].path}")
            labels.setdefault(label, rev)
    for rev in revisions:
        for i, parent in enumerate(rev.down_revision):
            if parent not in ids:
                at = ("down_revision", i) if len(rev.down_revision) > 1 else ("down_revision",)
                collector.add("missing-parent", rev.where(*at), f"parent {parent!r} is defined by no file")
        for dep in rev.depends_on:
            if dep not in ids and dep not in labels:
                collector.add("missing-dependency", rev.where("depends_on"),
                              f"dependency {dep!r} is neither a revision nor a branch label")
    broken = collector.has("duplicate-id", "duplicate-label", "missing-parent", "missing-dependency")
    if not broken:
        try:
            graph = RevisionGraph(revisions)
        except GraphError as err:
            collector.add("cycle", err.location, err.message)
        else:
            if len(graph.heads) > 1:
                for head in graph.heads:
                    collector.add("multiple-heads", f"{graph.revisions[head].path}:1:1",
                                  f"{head} is one of {len(graph.heads)} heads: {', '.join(graph.heads)}")
            return graph
    unique = list(first.values())
    _report_unreachable(unique, first, collector)
    if collector.has("duplicate-id", "duplicate-label"):
        return None  # which file is meant is ambiguous: replaying would only guess

    def prerequisites(rev: Revision) -> list[str]:
        return list(rev.down_revision) + [labels[d].revision if d in labels else d for d in rev.depends_on]

    replayable = _reachable(unique, first, prerequisites)
    try:
        return RevisionGraph([r for r in unique if r.revision in replayable])
    except GraphError:
        return None


def _reachable(revisions: list[Revision], by_id: dict[str, Revision], prerequisites) -> set[str]:
    """Ids whose prerequisites all exist and are themselves reachable, from the bases down."""
    waiting: dict[str, int] = {}
    after: dict[str, list[str]] = {}
    todo = []
    for rev in revisions:
        needs = set(prerequisites(rev))
        if any(n not in by_id for n in needs):
            continue
        waiting[rev.revision] = len(needs)
        for need in needs:
            after.setdefault(need, []).append(rev.revision)
        if not needs:
            todo.append(rev.revision)
    reached = set()
    while todo:
        rev_id = todo.pop()
        reached.add(rev_id)
        for child in after.get(rev_id, ()):
            waiting[child] -= 1
            if waiting[child] == 0:
                todo.append(child)
    return reached


def _report_unreachable(revisions: list[Revision], by_id: dict[str, Revision], collector: Collector):
    reached = _reachable(revisions, by_id, lambda rev: rev.down_revision)
    for rev in revisions:
        if rev.revision in reached or any(p not in by_id for p in rev.down_revision):
            continue  # reachable, or its own missing parent is already reported
        collector.add("unreachable", rev.where("down_revision"),
                      f"no base leads to {rev.revision}: {_why_unreachable(rev, by_id, reached)}")


def _why_unreachable(rev: Revision, by_id: dict[str, Revision], reached: set[str]) -> str:
    seen, todo = set(), [rev]
    while todo:
        current = todo.pop()
        for parent in current.down_revision:
            if parent not in by_id:
                return f"its ancestor {current.revision} names parent {parent!r}, which no file defines"
            if parent not in reached and parent not in seen:
                seen.add(parent)
                todo.append(by_id[parent])
    return "it is part of a cycle, or descends from one"


# -- configuration and git -----------------------------------------------------------------------

def _dialect_name(config) -> str | None:
    named = config.get_main_option("validate.dialect")
    if named:
        return named.strip()
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
