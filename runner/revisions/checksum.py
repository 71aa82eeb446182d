"""A revision's checksum: of its operations as parsed, not of its text.

The operations (runner.revisions.checks.operations, each Operation.to_dict()) are written as
canonical JSON (sorted keys, no spaces), so comments, key order, quoting, flow or block style
and `message` never change it: reformatting a file never churns, unlike Flyway's CRC32 of the
lines or Liquibase's checksum versions. The upgrade and a written downgrade both count; a
derived downgrade is a function of the upgrade, so it adds nothing. `allow` (the review rules
accepted for an operation) is left out: it changes what validate says, not what runs.

Each operation also gets a short digest of its own, kept beside the checksum, so that a changed
revision can be reported at its first changed operation.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from runner.revisions.checks import operations
from runner.revisions.revision import Revision

SECTIONS = ("upgrade", "downgrade")
OPERATION_DIGEST = 12  # hex digits kept per operation: enough to tell an edit, short to store


@dataclass(frozen=True)
class Checksum:
    """`value`: the revision's checksum (sha256, hex); `operations`: per section, each
    operation's digest in order (None: the section is not written)."""

    value: str
    operations: dict[str, list[str] | None]

    def operations_text(self) -> str:
        """The digests as stored beside the checksum (canonical JSON)."""
        return canonical(self.operations)


def canonical(data: Any) -> str:
    """`data` as canonical JSON: what is hashed, so equal data always gives equal text."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def _operation_data(op: Any) -> dict[str, Any]:
    data = op.to_dict()
    data.pop("allow", None)
    if op.contents:  # an autocommit_block: its operations' `allow` is left out too
        data[op.name] = [_operation_data(inner) for inner in op.contents]
    return data


def checksum(revision: Revision) -> Checksum:
    """The revision's checksum, from its parsed operations (parsed once, see checks.operations)."""
    sections: dict[str, list | None] = {}
    digests: dict[str, list[str] | None] = {}
    for section in SECTIONS:
        ops = operations(revision, section)
        if section == "downgrade" and revision.irreversible is not None:
            sections[section] = {"irreversible": revision.irreversible}
            digests[section] = None
            continue
        if ops is None:
            sections[section] = digests[section] = None
            continue
        data = [_operation_data(op) for op in ops]
        sections[section] = data
        digests[section] = [hashlib.sha256(canonical(item).encode()).hexdigest()[:OPERATION_DIGEST]
                            for item in data]
    value = hashlib.sha256(canonical(sections).encode()).hexdigest()
    return Checksum(value, digests)


def first_change(revision: Revision, stored_operations: str | None, now: Checksum) -> str:
    """`file:line:column` of the first operation that differs from the digests stored when the
    revision was applied (its section, or the file, when that is all that can be said)."""
    try:
        before = json.loads(stored_operations) if stored_operations else None
    except ValueError:
        before = None
    if not isinstance(before, dict):
        return revision.where()
    for section in SECTIONS:
        old, new = before.get(section), now.operations.get(section)
        if old == new:
            continue
        if old is None or new is None:
            return revision.where(section) if new is not None or section in revision.data \
                else revision.where()
        for index in range(max(len(old), len(new))):
            if index >= len(new):  # operations removed at the end: the section's last one
                return revision.where(section, len(new) - 1) if new else revision.where(section)
            if index >= len(old) or old[index] != new[index]:
                return revision.where(section, index)
    return revision.where()
