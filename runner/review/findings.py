"""What `yamig validate` reports: the rules (id, severity, reason, fix), findings, and their formats.

Every rule is listed here once, so that the text output, SARIF's rule table and
the README name the same ids with the same reasons.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import asdict, dataclass
from pathlib import Path, PurePath
from urllib.parse import quote

# id: (severity, why it matters in one line, what to do)
RULES: dict[str, tuple[str, str, str]] = {
    # files
    "invalid-file": ("error", "the file is not valid YAML or not a revision", "fix the file"),
    "schema": ("error", "the file does not follow the revision format", "see the README's format"),
    "file-name": ("warning", "the file name does not follow the config's file_template "
                  "(Alembic's default: the revision id, then the slug)",
                  "rename the file as the message says"),
    "alembic-scripts": ("error", "the versions folder holds Alembic .py revision scripts, which "
                        "yamig does not read (a warning when YAML revisions are there too)",
                        "convert them to YAML revisions, keeping their revision ids"),
    "unknown-rule": ("warning", "validate.disable or an allow: list names no rule, so it silences "
                     "nothing", "use one of the rule ids listed in the README"),
    # graph
    "duplicate-id": ("error", "two files define the same revision id", "give one a new id"),
    "duplicate-label": ("error", "two revisions use the same branch label", "rename one label"),
    "missing-parent": ("error", "down_revision names a revision no file defines", "fix the id"),
    "missing-dependency": ("error", "depends_on names no revision or label", "fix the id"),
    "cycle": ("error", "revisions point back at each other", "break the cycle"),
    "unreachable": ("error", "no chain of parents leads from a base to this revision, so no "
                    "upgrade ever applies it", "fix the broken parent or cycle named in the message"),
    "multiple-heads": ("error", "the history has several heads", "merge them: yamig merge heads"),
    # semantics: the schema replayed from base
    "state": ("error", "the operation does not match the schema at that point",
              "fix the names, or the order of the operations"),
    "foreign-key": ("error", "the foreign key cannot be created as written",
                    "point it at an existing table and columns that have a primary key or unique "
                    "constraint, with as many columns on both sides"),
    "downgrade-mismatch": ("error", "the downgrade does not bring the schema back to what it was "
                           "before the upgrade", "make the downgrade undo exactly what the upgrade did"),
    "irreversible": ("error", "the revision cannot be downgraded",
                     "write a `downgrade:` list (`downgrade: []` if nothing needs undoing)"),
    # safety
    "drop-table": ("warning", "dropping a table deletes its data",
                   "make sure no code reads it, and keep a backup; allow: [drop-table] to accept"),
    "drop-column": ("warning", "dropping a column deletes its data and breaks code that reads it",
                    "deploy code that no longer reads it first; allow: [drop-column] to accept"),
    "drop-referenced": ("error", "another table's foreign key still points at what is dropped; the "
                        "database refuses, or drops the foreign key with it",
                        "drop (drop_constraint) or re-point those foreign keys first"),
    "rename-table": ("warning", "code still using the old table name fails from the moment the "
                     "rename runs until new code is deployed",
                     "expand and contract: create the new table, write to both, move readers, then drop "
                     "the old one; or accept a short outage with allow: [rename-table]"),
    "rename-column": ("warning", "code still using the old column name fails from the moment the "
                      "rename runs until new code is deployed",
                      "add the new column, backfill and write to both, move readers, then drop the old "
                      "one; or accept with allow: [rename-column]"),
    "type-narrowing": ("error", "the new type holds less than the old one: the change fails, or "
                       "truncates values, as soon as a row does not fit",
                       "check the data fits first (and keep the old type if unsure); allow: "
                       "[type-narrowing] once it is checked"),
    "type-rewrite": ("warning", "the database rewrites the whole table (and its indexes) under an "
                     "exclusive lock to change the type",
                     "add a column of the new type, backfill it in batches, then switch over; or "
                     "allow: [type-rewrite] for a small table"),
    "not-null-without-default": ("error", "NOT NULL column added to an existing table without a "
                                 "server default fails on any row",
                                 "add a server_default, or add it nullable, backfill, then alter"),
    "set-not-null": ("warning", "SET NOT NULL scans the whole table under an exclusive lock, and "
                     "fails if any row still holds NULL",
                     "backfill first; on PostgreSQL add CHECK (column IS NOT NULL) NOT VALID, VALIDATE "
                     "CONSTRAINT in a later revision, then set NOT NULL (12+ then skips the scan)"),
    "add-foreign-key": ("warning", "adding a foreign key to an existing table scans it to validate "
                        "every row while blocking writes to both tables",
                        "on PostgreSQL add it NOT VALID, then VALIDATE CONSTRAINT in a later revision "
                        "(that takes a lock that lets writes through)"),
    "add-unique-constraint": ("warning", "adding a unique constraint builds its index under a lock "
                              "that blocks reads and writes, and fails on duplicate rows",
                              "on PostgreSQL create a unique index with postgresql_concurrently, then "
                              "ADD CONSTRAINT ... UNIQUE USING INDEX"),
    "add-check-constraint": ("warning", "adding a CHECK constraint to an existing table scans every "
                             "row under an exclusive lock",
                             "on PostgreSQL add it NOT VALID, then VALIDATE CONSTRAINT in a later "
                             "revision"),
    "add-primary-key": ("warning", "adding a primary key to an existing table builds a unique index "
                        "and checks NOT NULL under a lock that blocks reads and writes",
                        "on PostgreSQL create a unique index with postgresql_concurrently, then ADD "
                        "CONSTRAINT ... PRIMARY KEY USING INDEX"),
    "index-not-concurrently": ("warning", "CREATE INDEX blocks writes to the table on PostgreSQL "
                               "while the index is built",
                               "add postgresql_concurrently: true (yamig runs it outside the "
                               "revision's transaction)"),
    "drop-index-not-concurrently": ("warning", "DROP INDEX takes an exclusive lock on the table on "
                                    "PostgreSQL, queued behind every running query",
                                    "add postgresql_concurrently: true (yamig runs it outside the "
                                    "revision's transaction)"),
    "volatile-default": ("warning", "a column added with a volatile server default (random(), "
                         "clock_timestamp(), gen_random_uuid(), ...) rewrites the whole table on "
                         "PostgreSQL; constant and stable defaults such as now() do not",
                         "add the column without a default (or with a constant one), backfill in "
                         "batches, then set the default"),
    "execute": ("warning", "raw SQL that changes the schema cannot be checked or reversed by yamig, "
                "and the checks after it assume less", "prefer operations; write its downgrade; "
                "allow: [execute] to accept"),
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
    database: str | None = None  # the section, in a project of several databases

    @property
    def location(self) -> str:
        return f"{self.path}:{self.line}:{self.column}"

    @property
    def text_with_fix(self) -> str:
        """The message and its fix, for formats with one text field (annotations, SARIF)."""
        return f"{self.message}\nfix: {self.fix}"


class Collector:
    """Findings in the order found, without repeats, less what the project or the operation allows."""

    def __init__(self, disabled: set[str], multiple_heads: str = "error"):
        self.findings: list[Finding] = []
        self.disabled = disabled
        self.multiple_heads = multiple_heads
        self._seen: set[tuple[str, str, str]] = set()

    def add(self, rule: str, location: str | None, message: str, allow: tuple = (),
            fix: str | None = None, severity: str | None = None) -> None:
        """`fix`: the error's own hint (a did-you-mean), in place of the rule's general one;
        `severity`, in place of the rule's."""
        if rule in self.disabled or rule in allow:
            return
        default, _, general_fix = RULES[rule]
        severity, fix = severity or default, fix or general_fix
        if rule == "multiple-heads":
            if self.multiple_heads == "off":
                return
            severity = self.multiple_heads
        key = (rule, location or "", message)
        if key in self._seen:
            return
        self._seen.add(key)
        path, line, column = split_location(location or "")
        self.findings.append(Finding(rule, severity, path, line, column, message, fix))

    def has(self, *rules: str) -> bool:
        return any(f.rule in rules for f in self.findings)


def disabled_rules(config) -> set[str]:
    """The rules the project silences with `validate.disable = rule-id, ...`."""
    return {r for r in re.split(r"[,\s]+", config.get_main_option("validate.disable") or "") if r}


def split_location(location: str) -> tuple[str, int, int]:
    match = re.match(r"^(.*?):(\d+):(\d+)$", location)
    if match:
        return match.group(1), int(match.group(2)), int(match.group(3))
    return location, 1, 1


def report(findings: list[Finding], output_format: str, out) -> None:
    """The findings in one of the formats; `database` (several databases) is a field of each in
    JSON and SARIF, a `[name]` line before each database's findings in text, a message prefix
    for GitHub."""
    if output_format == "json":
        out.write(json.dumps([{k: v for k, v in asdict(f).items() if k != "database" or v}
                              for f in findings], indent=2) + "\n")
    elif output_format == "github":
        for f in findings:
            out.write(_github_annotation(f) + "\n")
    elif output_format == "sarif":
        out.write(json.dumps(_sarif(findings), indent=2) + "\n")
    else:
        database = None
        for f in findings:
            if f.database != database:
                database = f.database
                out.write(f"[{database}]\n")
            out.write(f"{f.location}: {f.severity} {f.rule}: {f.message}\n")
            source = _source_line(f.path, f.line)
            if source is not None:
                out.write(f"    {source}\n    {' ' * (f.column - 1)}^\n")
            out.write(f"    fix: {f.fix}\n")
        errors = sum(f.severity == "error" for f in findings)
        out.write(f"{errors} error(s), {len(findings) - errors} warning(s)\n")


def _github_annotation(f: Finding) -> str:
    """A workflow command, escaped as GitHub's runner unescapes it (actions/toolkit's
    escapeData and escapeProperty): a newline in a message, or a `,` or `:` in a file name,
    would otherwise end the annotation or its property early."""
    def data(text: str) -> str:
        return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")

    def prop(text: str) -> str:
        return data(text).replace(":", "%3A").replace(",", "%2C")

    level = "error" if f.severity == "error" else "warning"
    where = f"file={prop(f.path)},line={f.line},col={f.column}," if f.path else ""
    database = f"[{f.database}] " if f.database else ""
    return f"::{level} {where}title={prop(f.rule)}::{data(database + f.text_with_fix)}"


def _source_line(path: str, line: int) -> str | None:
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:  # shown even if not UTF-8
            for number, text in enumerate(handle, 1):
                if number == line:
                    return text.rstrip("\n")
    except OSError:
        return None
    return None


def _sarif(findings: list[Finding]) -> dict:
    """A SARIF 2.1.0 log. Paths under the working directory are URIs relative to %SRCROOT%
    (the working directory, as code scanning expects: relative to the checkout), others
    absolute file URIs; columns count code points, as yamig's do."""
    from runner import __version__

    root = Path.cwd().as_uri()
    index = {rule: i for i, rule in enumerate(RULES)}
    return {
        "version": "2.1.0",
        "$schema": "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/"
                   "sarif-schema-2.1.0.json",
        "runs": [{
            "tool": {"driver": {"name": "yamig", "version": __version__, "rules": [
                {"id": rule, "shortDescription": {"text": why}, "help": {"text": fix},
                 "defaultConfiguration": {"level": severity}}
                for rule, (severity, why, fix) in RULES.items()]}},
            "originalUriBaseIds": {"%SRCROOT%": {"uri": root if root.endswith("/") else root + "/"}},
            "columnKind": "unicodeCodePoints",
            "results": [{
                "ruleId": f.rule, "ruleIndex": index[f.rule],
                "level": "error" if f.severity == "error" else "warning",
                "message": {"text": f.text_with_fix},
                "locations": [{"physicalLocation": {
                    "artifactLocation": _artifact_location(f.path),
                    "region": {"startLine": f.line, "startColumn": f.column}}}] if f.path else [],
                **({"properties": {"database": f.database}} if f.database else {}),
            } for f in findings],
        }],
    }


def _artifact_location(path: str) -> dict:
    """RFC 3986: spaces, `%`, `:` and non-ASCII (as UTF-8) percent-encoded."""
    if os.path.isabs(path):
        return {"uri": Path(path).as_uri()}
    return {"uri": quote(PurePath(path).as_posix()), "uriBaseId": "%SRCROOT%"}
