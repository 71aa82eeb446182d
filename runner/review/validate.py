"""`yamig validate`: review revision files without a database, every finding in one run.

Layers: files (YAML, the JSON Schema, types, file names), the graph (duplicate
ids and labels, missing parents and dependencies, cycles, revisions no base
reaches, several heads), then the schema replayed along the upgrade plan
(runner.review.semantics) with the safety rules (runner.review.rules). A broken graph does not
stop the replay: what can be reached from a base is still replayed.

Config keys: `validate.disable = rule-id, ...` silences rules for the project;
`validate.multiple_heads = error|warning|off`; `validate.dialect = postgresql`
names the production database when the URL does not. One operation accepts a
finding with `allow: [rule-id]` beside it. The rules are registered in runner.review.rules.
"""

from __future__ import annotations

import difflib
import os
import re
import subprocess
import sys
from pathlib import Path

from runner.errors import GraphError, RevisionFileError, YamigError
from runner.review.findings import Collector, Finding, disabled_rules, report
from runner.review.rules import RULES
from runner.revisions.revision import Revision

__all__ = ["RULES", "Finding", "validate"]


def validate(config, paths: list[str] | None = None, output_format: str = "text",
             changed_since: str | None = None, stdout=None) -> int:
    """Check the revisions; print the findings; return 0 clean, 1 errors, 2 unreadable.

    `paths` (files or folders) are checked with the rest of the project, findings reported
    for them only. A project of several databases (the multidb template) is checked database
    by database, each finding saying which.
    """
    out = stdout or sys.stdout
    try:
        changed = _changed_files(changed_since) if changed_since else None
        targets = _targets(config, paths)
    except YamigError as err:
        out.write(f"yamig: {err}\n")
        return 2
    findings: list[Finding] = []
    code = 0
    several = len(targets) > 1 or len(config.databases) > 1
    for name, database, named in targets:
        name = name if several else None
        try:
            found = _findings(database, named)
        except YamigError as err:
            out.write(f"{f'[{name}] ' if name else ''}yamig: {err}\n")
            if not several:
                return 2
            code = 2
            continue
        if named is not None:
            found = [f for f in found if _within(f.path, named)]
        if changed is not None:
            found = [f for f in found if os.path.realpath(f.path) in changed]
        for finding in found:
            finding.database = name
        findings += found
    report(findings, output_format, out)
    return max(code, 1 if any(f.severity == "error" for f in findings) else 0)


def _findings(config, named: list[Path] | None) -> list[Finding]:
    disabled = disabled_rules(config)
    collector = Collector(disabled, config.get_choice("validate.multiple_heads",
                                                      ("error", "warning", "off"), "error"))
    for rule in sorted(disabled - set(RULES)):
        collector.add("unknown-rule", _option_location(config, rule),
                      f"unknown rule `{rule}` in validate.disable", fix=_rule_hint(rule))
    try:
        project = config.version_locations
    except YamigError:
        if named is None:
            raise
        project = []  # files named outside any project: checked on their own
    revisions = _check_files(project, named or [], collector, config)
    graph = _check_graph(revisions, collector)
    if graph is not None:
        graph.naming = config.naming_convention
    if graph is not None:
        from runner.review.semantics import check_semantics

        named = config.get_main_option("validate.dialect")  # types are judged for a named one only
        check_semantics(graph, collector, _dialect_name(config), judge_types=bool(named))
    return collector.findings


def _targets(config, paths: list[str] | None) -> list[tuple[str | None, object, list[Path] | None]]:
    """(database name or None, its config, the named paths it checks or None for all).

    With several databases a named path goes to the databases whose version locations hold
    it, and one outside all of them to every database."""
    named = None
    if paths:
        named = [Path(p) for p in paths]
        for path in named:
            if not path.exists():
                raise RevisionFileError(f"{path} does not exist",
                                        hint="name revision files or folders of revisions")
    names = config.databases
    if not names:
        return [(None, config, named)]
    databases = [(name, config.for_database(name)) for name in names]
    if named is None:
        return [(name, database, None) for name, database in databases]
    holding = {name: [p for p in named if _within(str(p), _locations(db))] for name, db in databases}
    outside = [p for p in named if not any(p in held for held in holding.values())]
    return [(name, db, holding[name] + outside) for name, db in databases if holding[name] + outside]


def _locations(config) -> list[Path]:
    try:
        return config.version_locations
    except YamigError:
        return []  # reported when that database is checked


def _within(path: str, named: list[Path]) -> bool:
    """Whether `path` is one of `named` or inside one of them."""
    real = os.path.realpath(path)
    for item in named:
        target = os.path.realpath(item)
        if real == target or real.startswith(os.path.join(target, "")):
            return True
    return False


# -- files ---------------------------------------------------------------------------------------

def _check_files(directories: list[Path], named: list[Path], collector: Collector,
                 config) -> list[Revision]:
    """Every file of the version locations, and the named ones outside them, parsed and checked
    against the revision format; every problem of a file is reported, not only the first.

    Folders go through the loader (and its cache, so unchanged files are not parsed or checked
    against the JSON Schema again); only when some file cannot be read is each file of the folder
    loaded on its own, so that every unreadable file is reported.
    """
    from runner.revisions.checks import check_revision
    from runner.revisions.filenames import file_template, follows
    from runner.revisions.files import find_revision_files
    from runner.revisions.loader import load_revisions

    revisions: list[Revision] = []
    notes: list = []
    for directory in directories:
        try:
            revisions += load_revisions([directory], notes=notes)
        except RevisionFileError:
            revisions += _load_each(find_revision_files([directory]), collector)
    seen = {os.path.realpath(r.path) for r in revisions}
    extra = [f for item in named for f in ([item] if item.is_file() else find_revision_files([item]))]
    revisions += _load_each([f for f in dict.fromkeys(extra) if os.path.realpath(f) not in seen],
                            collector)
    for note, fatal in notes:
        collector.add("alembic-scripts", note.location, note.message, fix=note.hint,
                      severity="error" if fatal else "warning")
    for order, revision in enumerate(revisions):
        revision.order = order
        try:
            check_revision(revision)
        except RevisionFileError as err:
            for error in err.errors:
                collector.add("schema", error.location, error.message, fix=error.hint)
            revision.invalid = True
        _repeated_references(revision, collector)
        name = os.path.basename(revision.path)
        expected = follows(config, revision.revision, name)
        if expected:
            collector.add("file-name", f"{revision.path}:1:1", f"file name {name} does not follow "
                          f"file_template {file_template(config)}: expected {expected}")
        _check_allow(revision, collector)
    return revisions


def _load_each(files: list[Path], collector: Collector) -> list[Revision]:
    from runner.revisions.loader import load_revision_file

    loaded = []
    for path in files:
        try:
            loaded.append(load_revision_file(path, check=False))
        except RevisionFileError as err:
            for error in err.errors:
                collector.add("invalid-file", error.location, error.message, fix=error.hint)
    return loaded


def _check_allow(revision: Revision, collector: Collector) -> None:
    """Rule ids in `allow:` lists that name no rule, and so accept nothing."""
    for section in ("upgrade", "downgrade"):
        items = revision.data.get(section)
        for i, item in enumerate(items if isinstance(items, list) else ()):
            allow = item.get("allow") if isinstance(item, dict) else None
            for j, rule in enumerate(allow if isinstance(allow, list) else ()):
                if isinstance(rule, str) and rule not in RULES:
                    collector.add("unknown-rule", revision.where(section, i, "allow", j),
                                  f"unknown rule `{rule}` in allow", fix=_rule_hint(rule))


def _rule_hint(rule: str) -> str:
    close = difflib.get_close_matches(rule, RULES, n=1)
    return f"did you mean `{close[0]}`?" if close else "rule ids: " + ", ".join(RULES)


def _option_location(config, token: str) -> str | None:
    """Where `token` is written in the config's validate.disable (file:line:column), as near
    as the file tells; ConfigParser keeps no lines."""
    name = config.config_file_name
    try:
        lines = Path(name).read_text(encoding="utf-8").splitlines()
    except (OSError, TypeError, UnicodeDecodeError):
        return name
    sections = {config.config_ini_section, "tool.yamig", "tool.yamig.validate"}
    section, inside = None, False
    word = re.compile(rf"(?<![\w-]){re.escape(token)}(?![\w-])")
    for number, line in enumerate(lines, 1):
        header = re.match(r"\s*\[([^\]]+)\]", line)
        if header:
            section, inside = header.group(1).strip(), False
            continue
        key = re.match(r"\s*(?:validate\.)?disable\s*[=:]", line)
        if key and section in sections:
            inside, start = True, key.end()
        elif inside and line[:1] in " \t" and line.strip():
            start = 0  # an ini continuation line
        else:
            inside = False
            continue
        found = word.search(line, start)
        if found:
            return f"{name}:{number}:{found.start() + 1}"
    return name


# -- graph ---------------------------------------------------------------------------------------

def _check_graph(revisions: list[Revision], collector: Collector):
    """All graph findings, not only the first; the graph to replay (all of it, or the part a base
    reaches when the graph is broken), or None when not even that can be built."""
    from runner.graph import RevisionGraph

    problems: list = []
    graph = RevisionGraph(revisions, problems)
    integrity = ("duplicate-id", "duplicate-label", "missing-parent", "missing-dependency")
    for rule, location, message in problems:
        if rule in integrity:
            collector.add(rule, location, message)
    if not collector.has(*integrity):
        if not problems:
            heads = _unlabelled_heads(graph)
            if len(heads) > 1:
                for head in heads:
                    collector.add("multiple-heads", graph.revisions[head].where("revision"),
                                  f"{head} is one of {len(heads)} heads: {', '.join(heads)}")
            return graph
        for rule, location, message in problems[:1]:  # what building the graph would raise
            if rule == "cycle":
                collector.add(rule, location, message)
    _report_unreachable(graph, collector)
    if collector.has("duplicate-id", "duplicate-label"):
        return None  # which file is meant is ambiguous: replaying would only guess
    replayable = graph.reached()
    try:
        return RevisionGraph([r for r in graph.revisions.values() if r.revision in replayable])
    except GraphError:
        return None


def _unlabelled_heads(graph) -> list[str]:
    """The heads not at the tip of a branch of their own: a head with a branch label that no
    other head has (on it or below it) is a deliberate branch, reached as `label@head`, as in
    Alembic's multi-base and branch-label workflows."""
    heads = list(graph.heads)
    labels = {head: graph.labels_of(head) for head in heads}
    return [head for head in heads
            if not labels[head] - frozenset().union(*(labels[h] for h in heads if h != head))]


def _report_unreachable(graph, collector: Collector) -> None:
    by_id = graph.revisions
    reached = graph.reached(deps=False)
    for rev in by_id.values():
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


def _repeated_references(revision: Revision, collector) -> None:
    """`down_revision: [a1, a1]`: the loader keeps one (as Alembic's dedupe_tuple); say so."""
    data = revision.data if isinstance(revision.data, dict) else {}
    for key in ("down_revision", "depends_on", "branch_labels"):
        written = data.get(key)
        if not isinstance(written, list):
            continue
        seen: set = set()
        for index, value in enumerate(written):
            if isinstance(value, str) and value in seen:
                collector.add("repeated-reference", revision.where(key, index),
                              f"{key} lists {value} twice; it counts once")
            seen.add(value)


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
