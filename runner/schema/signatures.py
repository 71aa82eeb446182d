"""Writes schema/type_signatures.json: what validate's type check reads from SQLAlchemy, so that it
imports none.

For each name the grammar knows (schema.types' tables), the constructor's parameters (name, kind,
whether it has a default, its annotation as text), which of ARRAY, Float and Numeric the class is
(an ARRAY refuses one of its own kind; precision ranges differ) and, for a constructor that passes
`**kw` on, the keywords its bases take and what the installed SQLAlchemy says of one they do not. Run
`python -m runner.schema.signatures` after upgrading SQLAlchemy; tests/schema/test_type_signatures.py
fails until the file matches.
"""

from __future__ import annotations

import inspect
import json
import warnings
from pathlib import Path
from typing import Any

from runner.schema.types import DIALECT_TYPES, GENERIC_TYPES, SIGNATURES_FILE, sqlalchemy_class

PROBE = "yamig_probe_keyword"  # a keyword no constructor takes


def snapshot() -> dict[str, Any]:
    """The snapshot of the installed SQLAlchemy, as the file holds it."""
    import sqlalchemy

    namespaces: dict[str, dict[str, Any]] = {"": _entries(None, GENERIC_TYPES)}
    for dialect, names in DIALECT_TYPES.items():
        namespaces[dialect] = _entries(dialect, names)
    return {"sqlalchemy": sqlalchemy.__version__, "types": namespaces}


def render(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=1, sort_keys=True) + "\n"


def write(path: Path = SIGNATURES_FILE) -> None:
    path.write_text(render(snapshot()), encoding="utf-8")


def _entries(dialect: str | None, names: frozenset[str]) -> dict[str, Any]:
    from runner.schema.types import TypeGrammarError

    entries = {}
    for name in sorted(names):
        try:
            cls = sqlalchemy_class(dialect, name)
        except TypeGrammarError:  # not in this SQLAlchemy: the check says so
            continue
        entries[name] = _entry(cls)
    return entries


def _entry(cls: type) -> dict[str, Any]:
    import sqlalchemy as sa

    params = _params(cls)
    entry: dict[str, Any] = {
        "params": params,
        "base": next((b.__name__ for b in (sa.ARRAY, sa.Float, sa.Numeric) if issubclass(cls, b)), None),
    }
    if issubclass(cls, sa.ARRAY):  # each ARRAY refuses an item of its own ARRAY class, nearest first
        entry["arrays"] = [f"{b.__module__}.{b.__qualname__}" for b in cls.__mro__
                           if b.__name__ == "ARRAY" and issubclass(b, sa.ARRAY)]
    if any(kind == "VAR_KEYWORD" for _, kind, _, _ in params):
        entry["passes_on"] = sorted(_passed_on(cls))
        entry["unknown_keyword"] = _unknown_keyword(cls)
    return entry


def _params(cls: type) -> list[list[Any]]:
    """[name, kind, has a default, annotation text] of each parameter after `self`."""
    if cls.__init__ is object.__init__:
        return []
    signature = inspect.signature(cls.__init__)
    return [[p.name, p.kind.name, p.default is not p.empty, str(p.annotation)]
            for p in list(signature.parameters.values())[1:]]


def _passed_on(cls: type) -> set[str]:
    """The keywords the classes further up the MRO name, which `**kw` hands them, less those the
    constructor refuses as it refuses an unknown one (each tried set to None)."""
    names: set[str] = set()
    for base in cls.__mro__[1:]:
        init = base.__dict__.get("__init__")
        if init is None:
            continue
        if init is object.__init__:
            break
        params = list(inspect.signature(init).parameters.values())[1:]
        names |= {p.name for p in params if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)}
        if not any(p.kind is p.VAR_KEYWORD for p in params):
            break
    names -= {name for name, *_ in _params(cls)}
    unknown = _unknown_keyword(cls)
    return {name for name in names if unknown is None or _refusal(cls, name) not in (
        unknown.replace("{name}", name), unknown)}


def _unknown_keyword(cls: type) -> str | None:
    """What the constructor raises for a keyword nobody takes (`{name}` standing for it), None
    if it swallows it or says something else."""
    refusal = _refusal(cls, PROBE)
    return refusal.replace(PROBE, "{name}") if refusal is not None and "missing" not in refusal else None


def _refusal(cls: type, keyword: str) -> str | None:
    """The TypeError the constructor raises given `keyword=None` (and its required arguments)."""
    import re

    import sqlalchemy as sa

    required = {p.name: sa.Integer if "TypeEngine" in str(p.annotation) else "x"
                for p in list(inspect.signature(cls.__init__).parameters.values())[1:]
                if p.default is p.empty and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # deprecated keywords, still taken
            cls(**required, **{keyword: None})
    except TypeError as exc:
        return re.sub(r"^[\w.]*\(\) ", "", str(exc))
    except Exception:  # noqa: BLE001 - refused None, not the keyword
        return None
    return None


if __name__ == "__main__":
    write()
    print(f"wrote {SIGNATURES_FILE}")
