"""Operations as readable YAML: a mapping or list on one line while it fits, else a block.

Written by hand rather than by a YAML dumper so the file looks as a person
writes it (one column per line, short operations on one line), with scalars
left plain unless YAML would misread them.
"""

from __future__ import annotations

import json
import re
from typing import Any

WIDTH = 110
_PLAIN = re.compile(r"[^\W\d][\w.]*(\([\w.=]*\))?")
_RESERVED = {"true", "false", "null", "yes", "no", "on", "off", "y", "n", "~"}


def scalar(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    text = str(value)
    if _PLAIN.fullmatch(text) and text.lower() not in _RESERVED:
        return text
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a valid YAML scalar


def flow(value: Any) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{scalar(k)}: {flow(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(flow(v) for v in value) + "]"
    return scalar(value)


def block(value: dict | list, indent: int) -> list[str]:
    """Lines for a mapping's or list's body at `indent` spaces."""
    pad = " " * indent
    lines: list[str] = []
    if isinstance(value, dict):
        for key, item in value.items():
            head = f"{pad}{scalar(key)}:"
            one = f"{head} {flow(item)}"
            if not isinstance(item, (dict, list)) or not item or len(one) <= WIDTH:
                lines.append(one)
            else:
                lines.append(head)
                lines += block(item, indent + 2)
        return lines
    for item in value:
        one = f"{pad}- {flow(item)}"
        if not isinstance(item, (dict, list)) or not item or len(one) <= WIDTH:
            lines.append(one)
        else:
            body = block(item, indent + 2)
            body[0] = f"{pad}- {body[0].lstrip()}"
            lines += body
    return lines


def section(name: str, operations: list[dict[str, Any]]) -> list[str]:
    """`upgrade:` / `downgrade:` with its operations."""
    if not operations:
        return [f"{name}: []"]
    lines = [f"{name}:"]
    for operation in operations:
        if isinstance(operation, dict) and len(operation) == 1:  # `- drop_index: {...}`
            key, args = next(iter(operation.items()))
            one = f"  - {scalar(key)}: {flow(args)}"
            if not isinstance(args, (dict, list)) or not args or len(one) <= WIDTH:
                lines.append(one)
            else:
                lines += [f"  - {scalar(key)}:", *block(args, 6)]
        else:
            lines += block([operation], 2)
    return lines
