"""A JSON Schema compiled to plain Python checks: "is this document valid?", fast.

jsonschema walks the schema anew for every document (an evolve, a reference lookup and a type
check per keyword), which made the schema check half of a cold `validate`. This compiles the
subset of draft 2020-12 the revision schema uses, once, into nested closures that only answer
yes or no; the contract stays jsonschema's: a document the compiled check refuses is validated
again by jsonschema, which gives the precise errors (runner.revisions.checks).

So the compiled check may refuse more than jsonschema (it then only costs the slow path) but
never accepts what jsonschema refuses: where the two could differ it refuses (a mapping key that
is not a string, `uniqueItems` compared with Python's looser `==`, an `enum` member of another
type), and a schema with a keyword it does not know is not compiled at all (compile_schema
returns None and every document goes to jsonschema). tests/revisions/test_fastschema.py holds
the two to agreeing on the validate and bad-input corpora.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

Check = Callable[[Any], bool]

_ANNOTATIONS = frozenset({"description", "examples", "default", "title", "$schema", "$id", "$defs",
                          "$comment", "deprecated", "readOnly", "writeOnly"})
_OBJECT_KEYWORDS = frozenset({"properties", "patternProperties", "additionalProperties", "required",
                              "propertyNames", "minProperties", "dependentSchemas"})
_SCALARS = (str, int, float, bool, type(None))


class Unsupported(Exception):
    """The schema uses a keyword (or form of one) this compiler does not implement."""


def compile_schema(schema: Any) -> Check | None:
    """The schema as one `check(document) -> bool`, or None where some keyword is not supported."""
    try:
        return _Compiler(schema).compile(schema)
    except Unsupported:
        return None


def _always(_value: Any) -> bool:
    return True


def _never(_value: Any) -> bool:
    return False


def _is_type(name: str) -> Check:
    if name == "string":
        return lambda x: type(x) is str
    if name == "object":
        return lambda x: type(x) is dict
    if name == "array":
        return lambda x: type(x) is list
    if name == "boolean":
        return lambda x: type(x) is bool
    if name == "null":
        return lambda x: x is None
    if name == "integer":
        return lambda x: type(x) is int or (type(x) is float and x.is_integer())
    if name == "number":
        return lambda x: type(x) is int or type(x) is float
    raise Unsupported(f"type {name!r}")


def _all(checks: list[Check]) -> Check:
    if not checks:
        return _always
    if len(checks) == 1:
        return checks[0]
    if len(checks) == 2:
        first, second = checks
        return lambda x: first(x) and second(x)

    def every(x: Any) -> bool:
        for check in checks:
            if not check(x):
                return False
        return True
    return every


def _enum(members: list) -> Check:
    if not all(isinstance(m, _SCALARS) for m in members):
        raise Unsupported("enum of containers")
    typed = frozenset((type(m), m) for m in members)  # 1 and True are different members
    return lambda x: type(x) in _SCALARS_SET and (type(x), x) in typed


_SCALARS_SET = frozenset(_SCALARS)


class _Compiler:
    def __init__(self, root: Any):
        self.root = root
        self.refs: dict[str, list[Check]] = {}

    def compile(self, schema: Any) -> Check:
        if schema is True:
            return _always
        if schema is False:
            return _never
        if not isinstance(schema, dict):
            raise Unsupported("a schema that is not an object")
        unknown = set(schema) - _ANNOTATIONS - _OBJECT_KEYWORDS - {
            "type", "enum", "const", "minLength", "maxLength", "pattern", "items", "minItems",
            "maxItems", "uniqueItems", "$ref", "if", "then", "else", "anyOf", "oneOf", "allOf", "not"}
        if unknown:
            raise Unsupported(", ".join(sorted(unknown)))
        checks: list[Check] = []
        if "type" in schema:
            names = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
            kinds = [_is_type(name) for name in names]
            checks.append(kinds[0] if len(kinds) == 1 else (lambda x: any(k(x) for k in kinds)))
        if "enum" in schema:
            checks.append(_enum(schema["enum"]))
        if "const" in schema:
            checks.append(_enum([schema["const"]]))
        checks += self._strings(schema) + self._arrays(schema)
        if _OBJECT_KEYWORDS & set(schema):
            checks.append(self._object(schema))
        if "$ref" in schema:
            checks.append(self._ref(schema["$ref"]))
        if "if" in schema:
            test = self.compile(schema["if"])
            then = self.compile(schema.get("then", True))
            other = self.compile(schema.get("else", True))
            checks.append(lambda x: then(x) if test(x) else other(x))
        if "allOf" in schema:
            checks.append(_all([self.compile(s) for s in schema["allOf"]]))
        if "anyOf" in schema:
            options = [self.compile(s) for s in schema["anyOf"]]
            checks.append(lambda x: any(o(x) for o in options))
        if "oneOf" in schema:
            choices = [self.compile(s) for s in schema["oneOf"]]
            checks.append(lambda x: sum(1 for c in choices if c(x)) == 1)
        if "not" in schema:
            negated = self.compile(schema["not"])
            checks.append(lambda x: not negated(x))
        return _all(checks)

    def _strings(self, schema: dict) -> list[Check]:
        checks: list[Check] = []
        if "minLength" in schema:
            low = schema["minLength"]
            checks.append(lambda x: type(x) is not str or len(x) >= low)
        if "maxLength" in schema:
            high = schema["maxLength"]
            checks.append(lambda x: type(x) is not str or len(x) <= high)
        if "pattern" in schema:
            search = re.compile(schema["pattern"]).search
            checks.append(lambda x: type(x) is not str or search(x) is not None)
        return checks

    def _arrays(self, schema: dict) -> list[Check]:
        checks: list[Check] = []
        if "items" in schema:
            if isinstance(schema["items"], list):
                raise Unsupported("items as a list (prefixItems in 2020-12)")
            item = self.compile(schema["items"])
            checks.append(lambda x: type(x) is not list or all(item(v) for v in x))
        if "minItems" in schema:
            low = schema["minItems"]
            checks.append(lambda x: type(x) is not list or len(x) >= low)
        if "maxItems" in schema:
            high = schema["maxItems"]
            checks.append(lambda x: type(x) is not list or len(x) <= high)
        if schema.get("uniqueItems") is True:
            checks.append(_unique)
        return checks

    def _object(self, schema: dict) -> Check:
        properties = {k: self.compile(s) for k, s in schema.get("properties", {}).items()}
        patterns = [(re.compile(p).search, self.compile(s))
                    for p, s in schema.get("patternProperties", {}).items()]
        additional_schema = schema.get("additionalProperties", True)
        additional = None if additional_schema is True else self.compile(additional_schema)
        names = self.compile(schema["propertyNames"]) if "propertyNames" in schema else None
        required = tuple(schema.get("required", ()))
        least = schema.get("minProperties", 0)
        dependent = [(k, self.compile(s)) for k, s in schema.get("dependentSchemas", {}).items()]

        def check(x: Any) -> bool:
            if type(x) is not dict:
                return True
            for key, value in x.items():
                if type(key) is not str:
                    return False  # jsonschema's treatment of such keys is not mirrored here
                if names is not None and not names(key):
                    return False
                known = properties.get(key)
                if known is not None and not known(value):
                    return False
                matched = False
                for search, pattern_check in patterns:
                    if search(key) is not None:
                        matched = True
                        if not pattern_check(value):
                            return False
                if known is None and not matched and additional is not None and not additional(value):
                    return False
            for key in required:
                if key not in x:
                    return False
            if len(x) < least:
                return False
            for key, then in dependent:
                if key in x and not then(x):
                    return False
            return True
        return check

    def _ref(self, ref: str) -> Check:
        """A local `#/$defs/...` reference, compiled once (and lazily, so recursion works)."""
        if not ref.startswith("#/"):
            raise Unsupported(f"$ref {ref!r}")
        cell = self.refs.get(ref)
        if cell is None:
            cell = self.refs[ref] = []
            target: Any = self.root
            for part in ref[2:].split("/"):
                part = part.replace("~1", "/").replace("~0", "~")
                if not isinstance(target, dict) or part not in target:
                    raise Unsupported(f"$ref {ref!r} does not resolve")
                target = target[part]
            cell.append(self.compile(target))
        return lambda x: cell[0](x)


def _unique(x: Any) -> bool:
    """No two equal items, by Python's `==` (which also calls 1 and True equal: stricter than
    JSON Schema's equality, so never more lenient)."""
    if type(x) is not list:
        return True
    for i, item in enumerate(x):
        for other in x[i + 1:]:
            if item == other:
                return False
    return True
