"""What `yamig validate` reports: findings of the registry's rules, collected, and their formats
(text, JSON, GitHub annotations, SARIF).

A finding takes its default severity and fix from its rule in runner.review.rules, as SARIF's
rule table does, so that every output names the same ids with the same reasons.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import asdict, dataclass
from pathlib import Path, PurePath
from urllib.parse import quote

from runner.review.rules import RULES
from runner.revisions.revision import split_location


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
        severity, fix = severity or RULES[rule].severity, fix or RULES[rule].fix
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
                {"id": rule.id, "shortDescription": {"text": rule.reason}, "help": {"text": rule.fix},
                 "defaultConfiguration": {"level": rule.severity}}
                for rule in RULES.values()]}},
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
