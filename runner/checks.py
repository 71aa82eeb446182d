"""A revision file against the contract: the JSON Schema, operation names, type strings.

jsonschema's errors are turned into `file:line:column: what is wrong` plus a
hint, pointing at the offending key or value rather than at the document.
"""

from __future__ import annotations

import difflib
import json
from functools import lru_cache
from typing import Any

from runner.errors import RevisionFileError
from runner.revision import Revision

_KEY = "\0key"


@lru_cache(maxsize=1)
def schema() -> dict[str, Any]:
    from runner.loader import schema_path

    return json.loads(schema_path().read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def _validator():
    from jsonschema import Draft202012Validator

    return Draft202012Validator(schema())


def check_revision(revision: Revision) -> None:
    """Raise RevisionFileError for the first problem; parse and cache the operations."""
    from runner.operations import REGISTRY, parse_operations
    from runner.operations.base import unknown_operation

    data = revision.data
    if revision.cache.get("schema_ok"):  # unchanged since it last passed (loader's cache)
        for section in ("upgrade", "downgrade"):
            revision.cache[section] = parse_operations(revision, section)
        return
    for section in ("upgrade", "downgrade"):
        items = data.get(section)
        if isinstance(items, list):
            for i, item in enumerate(items):
                if isinstance(item, dict):
                    for name in item:
                        if name != "allow" and name not in REGISTRY:
                            raise unknown_operation(name, _key_location(revision, (section, i, name)))
    errors = list(_validator().iter_errors(data))
    if errors:
        from jsonschema.exceptions import best_match

        raise _schema_error(revision, best_match(errors))
    for section in ("upgrade", "downgrade"):
        revision.cache[section] = parse_operations(revision, section)
    on_schema_ok = revision.cache.pop("on_schema_ok", None)
    if on_schema_ok is not None:
        on_schema_ok()


def _key_location(revision: Revision, path: tuple) -> str:
    pos = revision.positions.get(path + (_KEY,))
    if pos:
        return f"{revision.path}:{pos[0]}:{pos[1]}"
    return revision.where(*path)


def _schema_error(revision: Revision, error) -> RevisionFileError:
    path = tuple(error.absolute_path)
    where = _describe(path)
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        allowed = set(error.schema.get("properties", {}))
        extra = [k for k in error.instance if k not in allowed]
        if extra:
            key = extra[0]
            close = difflib.get_close_matches(str(key), sorted(allowed), n=1)
            hint = f"did you mean `{close[0]}`?" if close else (
                "allowed here: " + ", ".join(sorted(allowed)) if allowed else None)
            return RevisionFileError(f"unknown key `{key}`{_in(where)}",
                                     location=_key_location(revision, path + (key,)), hint=hint)
    if error.validator == "required":
        missing = error.message.split("'")[1] if "'" in error.message else error.message
        return RevisionFileError(f"missing required key `{missing}`{_in(where)}",
                                 location=revision.where(*path),
                                 hint=f"add `{missing}:`")
    if error.validator == "type":
        expected = error.validator_value
        expected = " or ".join(expected) if isinstance(expected, list) else expected
        return RevisionFileError(
            f"`{where or 'the document'}` must be {_article(expected)}, not {_kind(error.instance)}",
            location=revision.where(*path),
            hint="see the revision format in the README; editors complete keys from "
                 "schemas/revision.schema.json",
        )
    if error.validator == "pattern" and error.schema.get("description"):
        examples = error.schema.get("examples")
        return RevisionFileError(
            f"`{where}` is {error.instance!r}; expected "
            f"{_lower_first(error.schema['description']).rstrip('.')}",
            location=revision.where(*path),
            hint=f"e.g. `{examples[0]}`" if examples else "see the revision format in the README")
    if error.validator == "enum":
        choices = [c if isinstance(c, str) else json.dumps(c) for c in error.validator_value]
        close = difflib.get_close_matches(str(error.instance), choices, n=1)
        return RevisionFileError(
            f"`{where}` is {error.instance!r}, not one of " + ", ".join(choices),
            location=revision.where(*path),
            hint=f"did you mean `{close[0]}`?" if close else "see the revision format in the README")
    return RevisionFileError(f"{where or 'document'}: {error.message}",
                             location=revision.where(*path),
                             hint="see the revision format in the README")


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def _in(where: str) -> str:
    return f" in `{where}`" if where else ""


def _describe(path: tuple) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _article(kind: str) -> str:
    names = {"object": "a mapping", "array": "a list", "string": "a string", "integer": "an integer",
             "boolean": "true or false", "number": "a number", "null": "null"}
    return " or ".join(names.get(k.strip(), k) for k in kind.split(" or "))


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"a boolean ({str(value).lower()})"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, (int, float)):
        return f"a number ({value})"
    return f"a string ({value!r})"
