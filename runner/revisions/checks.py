"""A revision file against the contract: the JSON Schema, operation names, type strings.

The one place that checks a revision's operation lists and parses them (`operations()`):
the loader and the operations sit below it and never call back into it.

jsonschema's errors are turned into `file:line:column: what is wrong` plus a
hint, pointing at the offending key or value rather than at the document.
"""

from __future__ import annotations

import difflib
import json
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from runner.errors import RevisionFileError, several
from runner.revisions.revision import KEY, Revision, split_location

if TYPE_CHECKING:
    from runner.operations import Operation

_SECTIONS = ("upgrade", "downgrade")


@lru_cache(maxsize=1)
def schema_path() -> Path:
    """The JSON Schema: installed with the package, or beside it in a source checkout."""
    package = Path(__file__).resolve().parent.parent  # runner/
    for candidate in (package / "schemas", package.parent / "schemas"):
        target = candidate / "revision.schema.json"
        if target.is_file():
            return target
    try:
        from importlib.resources import files

        return Path(str(files("runner.schemas").joinpath("revision.schema.json")))
    except (ModuleNotFoundError, TypeError):  # pragma: no cover
        return package.parent / "schemas" / "revision.schema.json"


@lru_cache(maxsize=1)
def schema() -> dict[str, Any]:
    return json.loads(schema_path().read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def _fast_check():
    """The schema compiled to a yes/no check (runner.revisions.fastschema): only a document it
    refuses is walked by jsonschema, for the precise errors."""
    from runner.revisions.fastschema import compile_schema

    return compile_schema(schema())


@lru_cache(maxsize=1)
def _validator():
    from jsonschema import Draft202012Validator

    return Draft202012Validator(schema())


def check_revision(revision: Revision) -> None:
    """Raise RevisionFileError for the first problem in file order (carrying every problem of
    the file, see RevisionFileError.errors); else parse and cache the operations."""
    from runner.operations import parse_operations

    if revision.schema_ok:  # unchanged since it last passed (loader's cache)
        revision.parsed = {section: parse_operations(revision, section) for section in _SECTIONS}
        return
    names, reported = _operation_names(revision)
    found = [(_position(error), error) for error in names]
    fast = _fast_check()
    schema_errors = [] if fast is not None and fast(revision.data) else \
        list(_validator().iter_errors(revision.data))
    if schema_errors:
        from jsonschema.exceptions import best_match

        for error in schema_errors:
            error = best_match([error])  # the most specific of an error and its context
            if tuple(error.absolute_path)[:2] not in reported:
                found += _schema_errors(revision, error)
    if found:
        found.sort(key=lambda pair: pair[0])
        raise several([error for _, error in found])
    revision.parsed = {section: parse_operations(revision, section) for section in _SECTIONS}
    on_schema_ok, revision.on_schema_ok = revision.on_schema_ok, None
    if on_schema_ok is not None:
        on_schema_ok()


def operations(revision: Revision, section: str) -> list[Operation] | None:
    """The revision's operations for `section`, checked against the contract and parsed once."""
    if revision.parsed is None:
        check_revision(revision)  # parses both sections
    return revision.parsed[section]  # type: ignore[index]


def _operation_names(revision: Revision) -> tuple[list[RevisionFileError], set[tuple]]:
    """Unknown operation names, and arguments written beside their operation instead of under
    it; and the items they are in, whose schema errors would only repeat them."""
    from runner.operations import REGISTRY
    from runner.operations.base import unknown_operation

    errors: list[RevisionFileError] = []
    reported: set[tuple] = set()
    for section in ("upgrade", "downgrade"):
        items = revision.data.get(section)
        for i, item in enumerate(items if isinstance(items, list) else ()):
            if not isinstance(item, dict):
                continue
            known = [name for name in item if name in REGISTRY]
            stray = [name for name in item if name != "allow" and name not in REGISTRY]
            if len(known) == 1 and stray and item[known[0]] is None:
                errors.append(_beside(revision, (section, i), known[0], stray))
            else:
                errors += [unknown_operation(name, _key_location(revision, (section, i, name)))
                           for name in stray]
            if stray:
                reported.add((section, i))
    return errors, reported


def _beside(revision: Revision, item: tuple, name: str, stray: list) -> RevisionFileError:
    """`- create_table:` with `table_name: x` below it at the same indent: YAML reads the
    arguments as more keys of the list item, and the operation as having none."""
    keys = ", ".join(f"`{key}`" for key in stray)
    return RevisionFileError(
        f"{keys} {'is' if len(stray) == 1 else 'are'} beside `{name}`, not under it, so `{name}` "
        "has no arguments", location=_key_location(revision, item + (stray[0],)),
        hint=f"indent the arguments two spaces more than `{name}`: YAML reads keys at the same "
             "indent as siblings")


def _position(error: RevisionFileError) -> tuple[int, int]:
    return split_location(error.location or "")[1:]


def _key_location(revision: Revision, path: tuple) -> str:
    pos = revision.positions.get(path + (KEY,))
    if pos:
        return f"{revision.path}:{pos[0]}:{pos[1]}"
    return revision.where(*path)


def unknown_key(key: Any, allowed: Any, where: str, location: str) -> RevisionFileError:
    """A key the format does not have, with the closest one it does."""
    allowed = sorted(allowed)
    close = difflib.get_close_matches(str(key), allowed, n=1)
    hint = f"did you mean `{close[0]}`?" if close else (
        "allowed here: " + ", ".join(allowed) if allowed else None)
    return RevisionFileError(f"unknown key `{key}`{_in(where)}", location=location, hint=hint)


def _schema_errors(revision: Revision, error) -> list[tuple[tuple[int, int], RevisionFileError]]:
    """(where it comes in file order, the error); one per unknown key of a mapping (jsonschema
    reports them together)."""
    path = tuple(error.absolute_path)
    where = _describe(path)
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        allowed = set(error.schema.get("properties", {}))
        extra = [k for k in error.instance if k not in allowed]
        if extra:
            errors = [_allow_misplaced(revision, path) if key == "allow" and len(path) == 3 else
                      unknown_key(key, allowed, where, _key_location(revision, path + (key,)))
                      for key in extra]
            return [(_position(e), e) for e in errors]
    found = _schema_error(revision, error, path, where)
    order = _position(found)
    if error.validator == "required" and isinstance(error.instance, dict) and error.instance:
        # shown at the mapping, but ordered after its last key: a missing key is noticed at the
        # end, after a misspelt one that was probably meant to be it
        order = max(revision.positions.get(path + (key, KEY), order) for key in error.instance)
    return [(order, found)]


def _allow_misplaced(revision: Revision, path: tuple) -> RevisionFileError:
    """`allow:` written among an operation's arguments instead of beside the operation."""
    name = path[2]
    return RevisionFileError(
        f"`allow` is written among the arguments of `{name}`; it goes beside the operation",
        location=_key_location(revision, path + ("allow",)),
        hint=f"move it out of `{name}`'s arguments, to the indent of `{name}` itself: "
             f"`- {name}: {{...}}` then `  allow: [rule-id]` on the next line")


def _schema_error(revision: Revision, error, path: tuple, where: str) -> RevisionFileError:
    if path == ("downgrade",) and error.validator in ("type", "pattern"):
        return RevisionFileError(
            f"`downgrade` is {_kind(error.instance)}; expected a list of operations, `irreversible`, "
            "or {irreversible: <why>}", location=revision.where(*path),
            hint="`downgrade: irreversible` says the revision cannot be downgraded; omit `downgrade` "
                 "to derive it from `upgrade`")
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
