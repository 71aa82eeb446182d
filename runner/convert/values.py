"""The simple Python around op.* calls, evaluated from the syntax tree: constants, module-level
names, f-strings and `+` / `%` of constants, lists and dicts, imports resolved to their dotted
paths, SQLAlchemy's constructors (columns, types, constraints, sa.text, sa.func, sa.table),
op.f, and the dialect name (`context.dialect.name == "postgresql"`) as a set of dialects.

Anything else raises Unmappable: convert never runs a script's code.
"""

from __future__ import annotations

import ast
import operator
from dataclasses import dataclass

from runner.convert import columns, types
from runner.convert.report import Unmappable
from runner.schema.types import DIALECTS


@dataclass(frozen=True)
class Ref:
    """An imported name not otherwise understood, by its dotted path."""

    name: str


class Connection:
    """op.get_bind(): the database connection."""


class Context:
    """op.get_context() / alembic.context: the migration context."""


class Dialect:
    """.dialect of the connection or the context."""


class DialectName:
    """.dialect.name: compared with names, it gives a Dialects."""


@dataclass(frozen=True)
class Dialects:
    """The dialects on which a condition holds."""

    names: frozenset

    def complement(self) -> Dialects:
        return Dialects(frozenset(DIALECTS) - self.names)


class BatchOp:
    """The `batch_op` of a batch_alter_table block: its table."""

    def __init__(self, table: dict):
        self.table = table


class AutocommitBlock:
    """op.get_context().autocommit_block()."""


@dataclass(frozen=True)
class TableRef:
    """sa.table(name, *columns, schema=...), for op.bulk_insert."""

    name: str
    schema: str | None


class LightColumn:
    """sa.column(...) of an sa.table."""


@dataclass
class Poison:
    """A name whose assignment could not be converted (reported there)."""

    node: ast.AST
    what: str


class Reported(Unmappable):
    """An Unmappable already in the report: marked again, not reported twice."""


_CANONICAL = ("sqlalchemy.sql.expression.", "sqlalchemy.sql.functions.", "sqlalchemy.sql.schema.",
              "sqlalchemy.sql.", "sqlalchemy.schema.", "sqlalchemy.types.", "sqlalchemy.sql.sqltypes.")


def canonical(name: str) -> str:
    """`sqlalchemy.schema.Column` and friends as `sqlalchemy.Column`; dialects kept."""
    for prefix in _CANONICAL:
        if name.startswith(prefix):
            return "sqlalchemy." + name[len(prefix):]
    return name


_BUILDERS = {
    "sqlalchemy.Column": columns.column,
    "sqlalchemy.ForeignKey": columns.foreign_key,
    "sqlalchemy.Identity": columns.identity,
    "sqlalchemy.Computed": columns.computed,
    "sqlalchemy.Sequence": columns.sequence,
    "sqlalchemy.Index": columns.index,
    "sqlalchemy.PrimaryKeyConstraint": lambda *a: columns.constraint("primary_key", *a),
    "sqlalchemy.UniqueConstraint": lambda *a: columns.constraint("unique", *a),
    "sqlalchemy.CheckConstraint": lambda *a: columns.constraint("check", *a),
    "sqlalchemy.ForeignKeyConstraint": lambda *a: columns.constraint("foreign_key", *a),
}
_BINOPS = {ast.Add: operator.add, ast.Mod: operator.mod, ast.Mult: operator.mul, ast.Sub: operator.sub}


def why_not(name: str) -> str:
    """Why a call or name of this dotted path is not converted, by where it comes from."""
    top = name.split(".")[0]
    if name.startswith("sqlalchemy.orm"):
        return "an ORM session or model: Python convert does not run; write it as execute SQL or run_python"
    if top in ("sqlalchemy", "alembic"):
        return f"{name} has no yamig equivalent convert knows"
    if top in ("datetime", "uuid", "json", "os", "sys", "re", "decimal", "time", "logging", "enum",
               "typing", "collections", "itertools", "functools", "textwrap"):
        return f"{name} is Python convert does not run"
    return (f"{name} comes from the application's module {name.rpartition('.')[0] or name}, which "
            "convert does not import (a column type can be mapped with --type MODULE.NAME=TYPE)")


class Evaluator:
    """Values of expressions in a script, with `scope` holding the function's local names."""

    def __init__(self, script, type_map: dict[str, str], scope: dict | None = None):
        self.script, self.type_map = script, type_map
        self.scope = scope if scope is not None else {}
        self._module: dict = {}

    def child(self, scope: dict) -> Evaluator:
        other = Evaluator(self.script, self.type_map, scope)
        other._module = self._module
        return other

    # -- names -----------------------------------------------------------------------------

    def name(self, node: ast.Name):
        key = node.id
        if key in self.scope:
            return self._use(self.scope[key], node)
        if key in self.script.constants:
            if key not in self._module:
                self._module[key] = Poison(node, f"module-level {key}")  # a cycle reads as poison
                try:
                    self._module[key] = self.child({}).value(self.script.constants[key])
                except Unmappable as error:
                    self._module[key] = Poison(node, f"{key} = ...: {error.why}")
            return self._use(self._module[key], node)
        if key in self.script.aliases:
            return self.ref(self.script.aliases[key], node)
        raise Unmappable(node, f"name {key}", "not a constant, import or local name convert can read")

    @staticmethod
    def _use(value, node):
        if isinstance(value, Poison):
            raise Reported(node, f"uses {ast.unparse(node)}", f"its value could not be read ({value.what})")
        if isinstance(value, Unmappable):
            raise Reported(node, value.what, value.why)
        return value

    def ref(self, name: str, node: ast.AST):
        name = canonical(name)
        if name == "alembic.context":
            return Context()
        mapped = self._mapped_type(name)
        if mapped is not None:
            return mapped
        found = types.type_name(name)
        if found:
            return types.render(found[0], found[1], [], {}, node)
        return Ref(name)

    def _mapped_type(self, name: str):
        text = self.type_map.get(name)
        if text is None:
            return None
        from runner.schema.types import TypeGrammarError, parse_type

        try:
            parse_type(text)
        except TypeGrammarError as error:
            raise Unmappable(None, f"--type {name}={text}", error.message) from None
        return types.TypeValue(text)

    # -- expressions -----------------------------------------------------------------------

    def value(self, node: ast.AST):
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.Name):
            return self.name(node)
        if isinstance(node, ast.JoinedStr):
            return "".join(self._formatted(part) for part in node.values)
        if isinstance(node, (ast.List, ast.Tuple)):
            if any(isinstance(e, ast.Starred) for e in node.elts):
                raise Unmappable(node, ast.unparse(node), "a starred item")
            return [self.value(e) for e in node.elts]
        if isinstance(node, ast.Dict):
            if any(k is None for k in node.keys):
                raise Unmappable(node, ast.unparse(node), "a ** item")
            return {self._key(k): self.value(v) for k, v in zip(node.keys, node.values, strict=False)}
        if isinstance(node, ast.Attribute):
            return self.attribute(node)
        if isinstance(node, ast.Call):
            return self.call(node)
        if isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
            left, right = self.value(node.left), self.value(node.right)
            if all(isinstance(v, (str, int, float, list, tuple)) and not isinstance(v, bool)
                   for v in (left, right)):
                if isinstance(right, list) and isinstance(node.op, ast.Mod):
                    right = tuple(right)
                try:
                    return _BINOPS[type(node.op)](left, right)
                except (TypeError, ValueError):
                    pass
            raise Unmappable(node, ast.unparse(node), "an expression of values convert cannot compute")
        if isinstance(node, ast.UnaryOp):
            operand = self.value(node.operand)
            if isinstance(node.op, ast.Not) and isinstance(operand, Dialects):
                return operand.complement()
            if isinstance(node.op, ast.USub) and isinstance(operand, (int, float)) \
                    and not isinstance(operand, bool):
                return -operand
            raise Unmappable(node, ast.unparse(node), "an expression convert cannot compute")
        if isinstance(node, ast.Compare):
            return self.compare(node)
        if isinstance(node, ast.BoolOp):
            parts = [self.value(v) for v in node.values]
            if all(isinstance(p, Dialects) for p in parts):
                combine = frozenset.intersection if isinstance(node.op, ast.And) else frozenset.union
                return Dialects(combine(*(p.names for p in parts)))
            raise Unmappable(node, ast.unparse(node),
                             "a condition convert can read only on the dialect's name")
        raise Unmappable(node, ast.unparse(node),
                         f"a Python {type(node).__name__} expression convert does not run")

    def _key(self, node):
        key = self.value(node)
        if not isinstance(key, (str, int, float, bool)) and key is not None:
            raise Unmappable(node, ast.unparse(node), "a mapping key that is not a constant")
        return key

    def _formatted(self, part) -> str:
        if isinstance(part, ast.Constant):
            return str(part.value)
        value = self.value(part.value)
        if not isinstance(value, (str, int, float)) or part.conversion not in (-1, 115):
            raise Unmappable(part, ast.unparse(part.value), "an f-string part that is not a constant")
        spec = self._formatted(part.format_spec) if part.format_spec is not None else ""
        return format(value, spec)

    def compare(self, node: ast.Compare):
        if len(node.ops) != 1:
            raise Unmappable(node, ast.unparse(node), "a chained comparison")
        left, right = self.value(node.left), self.value(node.comparators[0])
        op = node.ops[0]
        if isinstance(right, DialectName) and isinstance(op, (ast.Eq, ast.NotEq)):
            left, right = right, left
        if isinstance(left, DialectName):
            if isinstance(op, (ast.Eq, ast.NotEq)) and isinstance(right, str):
                names = {right}
            elif isinstance(op, (ast.In, ast.NotIn)) and isinstance(right, list) \
                    and all(isinstance(r, str) for r in right):
                names = set(right)
            else:
                raise Unmappable(node, ast.unparse(node),
                                 "a comparison of the dialect's name convert cannot read")
            unknown = names - set(DIALECTS)
            if unknown:
                raise Unmappable(node, ast.unparse(node),
                                 f"dialect {sorted(unknown)[0]!r} is not one yamig runs on")
            found = Dialects(frozenset(names))
            return found.complement() if isinstance(op, (ast.NotEq, ast.NotIn)) else found
        raise Unmappable(node, ast.unparse(node), "a comparison convert can read only on the dialect's name")

    def attribute(self, node: ast.Attribute):
        base = self.value(node.value)
        attr = node.attr
        if isinstance(base, Ref):
            return self.ref(f"{base.name}.{attr}", node)
        if isinstance(base, (Connection, Context)) and attr == "dialect":
            return Dialect()
        if isinstance(base, Context) and attr in ("bind", "connection"):
            return Connection()
        if isinstance(base, Dialect) and attr == "name":
            return DialectName()
        if isinstance(base, Connection):
            raise Unmappable(node, ast.unparse(node),
                             "uses the database connection, which convert does not run")
        raise Unmappable(node, ast.unparse(node), "an attribute convert cannot read")

    # -- calls -----------------------------------------------------------------------------

    def arguments(self, node: ast.Call) -> tuple[list, dict, dict]:
        """(positional values, keyword values, keyword -> its value's node)."""
        args, kwargs, nodes = [], {}, {}
        for arg in node.args:
            if isinstance(arg, ast.Starred):
                raise Unmappable(arg, ast.unparse(arg), "a starred argument")
            args.append(self.value(arg))
        for keyword in node.keywords:
            if keyword.arg is None:
                raise Unmappable(keyword, ast.unparse(keyword), "a ** argument")
            kwargs[keyword.arg] = self.value(keyword.value)
            nodes[keyword.arg] = keyword.value
        return args, kwargs, nodes

    def call(self, node: ast.Call):
        func = node.func
        if isinstance(func, ast.Attribute):
            base = self.value(func.value)
            if isinstance(base, Context) and func.attr == "autocommit_block":
                return AutocommitBlock()
            if isinstance(base, Context) and func.attr in ("get_context", "get_bind") and not node.args:
                return Context() if func.attr == "get_context" else Connection()
            if isinstance(base, BatchOp) and func.attr == "f":
                return self.call_named("alembic.op.f", node)
            if isinstance(base, Ref):
                return self.call_named(f"{base.name}.{func.attr}", node)
            if isinstance(base, Connection):
                raise Unmappable(node, ast.unparse(node.func), "uses the database connection (reads or "
                                 "writes rows in Python), which convert does not run; write it as "
                                 "execute SQL or run_python")
            if isinstance(base, types.TypeValue):
                raise Unmappable(node, ast.unparse(node.func), f"a type's .{func.attr}() convert cannot map")
            raise Unmappable(node, ast.unparse(node.func), "a method call convert does not run")
        callee = self.value(func)
        if isinstance(callee, Ref):
            return self.call_named(callee.name, node)
        if isinstance(callee, types.TypeValue):  # a mapped or bare type, called
            return self.call_type(callee, node)
        raise Unmappable(node, ast.unparse(func) + "()", "a call convert does not run")

    def call_type(self, mapped: types.TypeValue, node: ast.Call):
        if node.args or node.keywords:
            raise Unmappable(node, ast.unparse(node), f"arguments of a type mapped to {mapped.text} "
                             "are not carried: map the type with its arguments written in")
        return mapped

    def call_named(self, name: str, node: ast.Call):
        name = canonical(name)
        mapped = self._mapped_type(name)
        if mapped is not None:
            return self.call_type(mapped, node)
        found = types.type_name(name)
        if found:
            args, kwargs, _ = self.arguments(node)
            return types.render(found[0], found[1], args, kwargs, node)
        short = name.rpartition(".")[2]
        if name in ("alembic.op.f",):
            args, kwargs, _ = self.arguments(node)
            if len(args) != 1 or kwargs or not isinstance(args[0], str):
                raise Unmappable(node, ast.unparse(node), "op.f takes one name")
            return columns.Named(args[0])
        if name in ("alembic.op.get_bind", "alembic.context.get_bind"):
            return Connection()
        if name in ("alembic.op.get_context", "alembic.context.get_context"):
            return Context()
        if name in ("sqlalchemy.text", "sqlalchemy.literal_column"):
            args, kwargs, _ = self.arguments(node)
            if len(args) != 1 or kwargs or not isinstance(args[0], str):
                raise Unmappable(node, ast.unparse(node), f"sa.{short} with anything but one SQL string")
            return columns.SqlText(args[0])
        if name.startswith("sqlalchemy.func."):
            args, kwargs, _ = self.arguments(node)
            if kwargs:
                raise Unmappable(node, ast.unparse(node), "keyword arguments of a SQL function")
            return columns.Func(name[len("sqlalchemy.func."):], tuple(args))
        if name == "sqlalchemy.table":
            args, kwargs, _ = self.arguments(node)
            if not args or not isinstance(args[0], str) or set(kwargs) - {"schema"}:
                raise Unmappable(node, ast.unparse(node), "sa.table needs a name (and schema=)")
            return TableRef(args[0], kwargs.get("schema"))
        if name == "sqlalchemy.column":
            return LightColumn()
        if name in _BUILDERS:
            args, kwargs, nodes = self.arguments(node)
            return _BUILDERS[name](args, kwargs, nodes, node)
        raise Unmappable(node, f"{ast.unparse(node.func)}()", why_not(name))
