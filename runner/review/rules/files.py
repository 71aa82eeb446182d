"""The file rules: what is wrong with a revision file or the config before any graph is built.
runner.review.validate finds them (the loader and the revision contract say what)."""

from __future__ import annotations

from runner.review.rules.base import Rule

RULES = (
    Rule("invalid-file", "error", "the file is not valid YAML or not a revision", "fix the file"),
    Rule("schema", "error", "the file does not follow the revision format", "see the README's format"),
    Rule("file-name", "warning", "the file name does not follow the config's file_template "
         "(Alembic's default: the revision id, then the slug)", "rename the file as the message says"),
    Rule("alembic-scripts", "error", "the versions folder holds Alembic .py revision scripts, which "
         "yamig does not read (a warning when YAML revisions are there too)",
         "convert them to YAML revisions, keeping their revision ids"),
    Rule("repeated-reference", "warning", "a revision id or label is listed twice in down_revision, "
         "depends_on or branch_labels: it counts once, as in Alembic", "list it once"),
    Rule("unknown-rule", "warning", "validate.disable or an allow: list names no rule, so it silences "
         "nothing", "use one of the rule ids listed in the README"),
)
