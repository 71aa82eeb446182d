"""Type arguments against SQLAlchemy's constructors, without importing it: what parse_type
(runner.schema.types, the grammar) cannot see: an argument the constructor does not take, one
of the wrong kind, or beyond every database's limits. The constructors come from the snapshot
in type_signatures.json (runner.schema.types.signature)."""

from __future__ import annotations

import re
from functools import lru_cache

from runner.schema.types import (
    ENUM_KWARGS,
    UNSET,
    TypeGrammarError,
    TypeSpec,
    Value,
    check_enum_keywords,
    constructor_error,
    parse_type,
    quote,
    signature,
    stand_in,
    value_text,
)

# (low, high) of integer arguments by parameter name; precision depends on the type (below)
_RANGES: dict[str, tuple[int, int | None]] = {
    "length": (1, None), "scale": (0, 1000), "dimensions": (1, None), "display_width": (1, 255),
    "second_precision": (0, 6), "day_precision": (0, 9), "fsp": (0, 6),
}


def check_arguments(text: str) -> None:
    """What parse_type cannot see: the arguments against the constructor (`Integer(5)`: Integer
    takes none), their kinds from its annotations (`String('x')`), and the limits every database
    enforces (`String(-1)`, `Numeric(10, 12)`, an `Enum()` without values), so that validate
    refuses what would fail halfway through a run. Reads the constructors from SIGNATURES_FILE,
    never importing SQLAlchemy."""
    _checked(text)


@lru_cache(maxsize=4096)
def _checked(text: str) -> None:
    spec = parse_type(text)
    _call(spec)  # unknown, missing and surplus arguments, as the constructor says them
    _check_spec(spec, text)


def _call(spec: TypeSpec) -> None:
    """Raises as to_sqlalchemy would for a bad call: inner types first, as it builds them."""
    for value in list(spec.args) + [v for _, v in spec.kwargs]:
        if isinstance(value, TypeSpec):
            _call(value)
    _bind(spec)


def _bind(spec: TypeSpec) -> dict[str, Value]:
    """The arguments as the constructor binds them (those given, by parameter name)."""
    entry = signature(spec.dialect, spec.name)
    enum_kwargs = ENUM_KWARGS.get((spec.dialect, spec.name))
    try:
        if enum_kwargs is not None:
            check_enum_keywords(dict(spec.kwargs), enum_kwargs)
            return {}
        given = stand_in(spec.dialect, spec.name)(*spec.args, **dict(spec.kwargs))
        bound = {k: v for k, v in given.items() if v is not UNSET}
        unknown = entry.get("unknown_keyword")
        for param, kind, _, _ in entry["params"]:
            if kind == "VAR_KEYWORD" and unknown is not None:
                for key in bound.pop(param):  # what **kw hands on to classes that do not take it
                    if key not in entry["passes_on"]:
                        raise TypeError(unknown.replace("{name}", key))
    except TypeError as exc:
        raise constructor_error(spec, str(exc), enum_kwargs) from None
    item = bound.get("item_type")
    if entry["base"] == "ARRAY" and isinstance(item, TypeSpec) \
            and entry["arrays"][0] in signature(item.dialect, item.name).get("arrays", ()):
        raise TypeGrammarError(f"bad arguments for {spec.qualname} in '{spec}': Do not nest ARRAY types; "
                               "ARRAY(basetype) handles multi-dimensional arrays of basetype", text=str(spec))
    return bound


def _check_spec(spec: TypeSpec, text: str) -> None:
    for value in list(spec.args) + [v for _, v in spec.kwargs]:
        if isinstance(value, TypeSpec):
            _check_spec(value, text)
    if (spec.dialect, spec.name) in ENUM_KWARGS:
        _check_enum(spec, text)
        return
    entry = signature(spec.dialect, spec.name)
    bound = _bind(spec)
    kinds = {param: (kind, annotation) for param, kind, _, annotation in entry["params"]}
    for name, value in bound.items():
        kind, annotation = kinds[name]
        if value is None or kind in ("VAR_POSITIONAL", "VAR_KEYWORD"):
            continue
        if annotation == "bool" and not isinstance(value, bool):
            raise _bad(spec, text, f"{name} is {value_text(value)}, not True or False")
        if "TypeEngine" in annotation and not isinstance(value, TypeSpec):
            raise _bad(spec, text, f"{name} is {value_text(value)}, not a type",
                       hint=f"e.g. {spec.qualname}(Integer)")
        if annotation in ("str", "Optional[str]") and not isinstance(value, str):
            raise _bad(spec, text, f"{name} is {value_text(value)}, not a quoted string")
        wants_int = re.search(r"\bint\b", annotation) and "str" not in annotation
        if (wants_int or name in _RANGES or name == "precision") and not (
                isinstance(value, int) and not isinstance(value, bool)):
            if wants_int or name in _RANGES:
                raise _bad(spec, text, f"{name} is {value_text(value)}, not a whole number")
            continue
        low, high = _range(entry["base"], name, bound)
        if low is not None and value < low or high is not None and value > high:
            span = f"from {low} to {high}" if high is not None else f"{low} or more"
            raise _bad(spec, text, f"{name} is {value}; it must be {span}")


def _range(base: str | None, name: str, arguments: dict) -> tuple[int | None, int | None]:
    """`base`: the snapshot's numeric base of the type (Float, Numeric) or None."""
    if name == "precision":
        if base == "Float":
            return 1, 53
        if base == "Numeric":
            return 1, 1000
        return 0, 6  # fractional seconds of TIME, TIMESTAMP, DATETIME
    if name == "scale":
        precision = arguments.get("precision")
        return 0, precision if isinstance(precision, int) and not isinstance(precision, bool) else 1000
    return _RANGES.get(name, (None, None))


def _check_enum(spec: TypeSpec, text: str) -> None:
    """An enumeration needs values, each a distinct string (CREATE TYPE ... AS ENUM () and
    repeated labels are refused by PostgreSQL, and MySQL's ENUM() by MySQL). One with
    `create_type=False` names a type that exists: its values may be left out (Alembic's
    `postgresql.ENUM(name='mood', create_type=False)`)."""
    uses_existing = any(key == "create_type" and value is False for key, value in spec.kwargs)
    if not spec.args and not uses_existing:
        raise _bad(spec, text, "it has no values", hint=f"list them: {spec.qualname}('open', 'paid', "
                                                       "name='order_status')")
    seen: set[str] = set()
    for value in spec.args:
        if not isinstance(value, str):
            raise _bad(spec, text, f"its values must be quoted strings, got {value_text(value)}")
        if value in seen:
            raise _bad(spec, text, f"the value {quote(value)} is given twice")
        seen.add(value)


def _bad(spec: TypeSpec, text: str, reason: str, hint: str | None = None) -> TypeGrammarError:
    return TypeGrammarError(f"bad arguments for {spec.qualname} in '{text}': {reason}",
                            text=text, hint=hint)
