"""sa.Column, its foreign key, identity, computed and sequence, create_table's constraints and
indexes, and server defaults: built from arguments the evaluator (values.py) has read."""

from __future__ import annotations

import ast
from dataclasses import dataclass

from runner.convert.report import Unmappable
from runner.convert.types import TypeValue


@dataclass(frozen=True)
class Named:
    """op.f("name"): a name used as given, never passed through the naming convention."""

    name: str

    def emit(self) -> dict:
        return {"f": self.name}


@dataclass(frozen=True)
class SqlText:
    """sa.text(...) / literal_column(...): SQL as written."""

    text: str


@dataclass(frozen=True)
class Func:
    """sa.func.<name>(args), rendered where SQLAlchemy renders it the same on every dialect."""

    name: str
    args: tuple


@dataclass
class Spec:
    """A built piece: `kind` is column, constraint, index, foreign_key, identity, computed, sequence."""

    kind: str
    data: dict


# SQLAlchemy renders these without parentheses, on every dialect
_ANSI = {"current_timestamp", "current_date", "current_time", "localtime", "localtimestamp",
         "current_user", "session_user", "user"}
# ...and these differently per dialect (func.now() is CURRENT_TIMESTAMP on SQLite, now() elsewhere)
_PER_DIALECT = {"now", "random", "concat", "char_length", "sysdate", "utc_timestamp", "aggregate_strings"}


def name_of(value, node: ast.AST, what: str):
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, Named):
        return value.emit()
    raise Unmappable(node, what, f"{ast.unparse(node)} is not a name convert can read")


def sql_of(value, node: ast.AST, what: str) -> str:
    """SQL text: a string, sa.text(...) or a function call SQLAlchemy renders one way."""
    if isinstance(value, str):
        return value
    if isinstance(value, SqlText):
        return value.text
    if isinstance(value, Func):
        return render_func(value, node)
    raise Unmappable(node, what, f"{ast.unparse(node)} is an SQL expression convert cannot render; "
                     "write it as a string or sa.text(...)")


def render_func(func: Func, node: ast.AST) -> str:
    if func.name.lower() in _PER_DIALECT:
        raise Unmappable(node, f"sa.func.{func.name}()", "SQLAlchemy renders it differently per dialect "
                         "(func.now() is CURRENT_TIMESTAMP on SQLite, now() elsewhere); write the "
                         "SQL your databases take, e.g. {sql: CURRENT_TIMESTAMP}")
    if func.name.lower() in _ANSI and not func.args:
        return func.name.upper()
    args = []
    for arg in func.args:
        if isinstance(arg, bool) or arg is None:
            raise Unmappable(node, f"sa.func.{func.name}()", "a boolean or NULL argument renders per dialect")
        if isinstance(arg, (int, float)):
            args.append(repr(arg))
        elif isinstance(arg, str):
            args.append("'" + arg.replace("'", "''") + "'")
        else:
            args.append(sql_of(arg, node, f"sa.func.{func.name}()"))
    return f"{func.name}({', '.join(args)})"


def server_default(value, node: ast.AST, what: str = "server_default"):
    """Alembic's server_default as yamig's: a string literal, or {sql: ...}; None drops it."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, (SqlText, Func)):
        return {"sql": sql_of(value, node, what)}
    raise Unmappable(node, what, f"{ast.unparse(node)}: SQLAlchemy takes a string or sa.text(...) here")


def _flag(value, node, what):
    if not isinstance(value, bool):
        raise Unmappable(node, what, f"{ast.unparse(node)} is not True or False")
    return value


# keyword arguments of sa.Column that change nothing in the DDL Alembic emits
_PYTHON_ONLY = {"default", "onupdate", "doc", "info", "key", "server_onupdate", "insert_default",
                "sort_order", "system"}


def column(args: list, kwargs: dict, nodes: dict, node: ast.AST) -> Spec:
    """sa.Column(name, type, *schema_items, **kw) as a yamig column mapping."""
    args = list(args)
    data: dict = {}
    if args and isinstance(args[0], str):
        data["name"] = args.pop(0)
    elif "name" in kwargs:
        data["name"] = kwargs.pop("name")
    else:
        raise Unmappable(node, "sa.Column(...)", "it has no name")
    type_ = kwargs.pop("type_", None)
    if args and isinstance(args[0], TypeValue):
        type_ = args.pop(0)
    if not isinstance(type_, TypeValue):
        raise Unmappable(node, f"column {data['name']}", "it has no type convert can read (a column "
                         "without one takes its type from the referenced column in SQLAlchemy)")
    data["type"] = type_.text
    for item in args:
        if not isinstance(item, Spec) or item.kind not in ("foreign_key", "identity", "computed", "sequence"):
            raise Unmappable(node, f"column {data['name']}", "an argument convert cannot read")
        if item.kind in data:
            raise Unmappable(node, f"column {data['name']}", f"more than one {item.kind}")
        data[item.kind] = item.data
    for key, value in kwargs.items():
        at = nodes.get(key, node)
        if key in _PYTHON_ONLY:
            continue
        if key in ("nullable", "primary_key", "unique", "index"):
            if value is not None:
                data[key] = _flag(value, at, key)
        elif key == "autoincrement":
            if value != "auto":
                data[key] = value if isinstance(value, bool) else _flag(value, at, key)
        elif key == "server_default":
            if value is not None:
                data[key] = server_default(value, at)
        elif key == "comment":
            if value is not None:
                data[key] = value
        else:
            raise Unmappable(at, f"column {data['name']}: {key}=", "yamig's columns have no such argument")
    # the order yamig's files use
    order = ["name", "type", "nullable", "primary_key", "autoincrement", "unique", "index",
             "server_default", "comment", "foreign_key", "identity", "computed", "sequence"]
    return Spec("column", {k: data[k] for k in order if k in data})


def _options(kwargs: dict, nodes: dict, allowed: tuple[str, ...], what: str, node) -> dict:
    out = {}
    for key, value in kwargs.items():
        if key not in allowed:
            raise Unmappable(nodes.get(key, node), f"{what}: {key}=", "yamig has no such argument here")
        if value is not None:
            out[key] = value
    return out


_FK = ("ondelete", "onupdate", "deferrable", "initially", "use_alter")


def foreign_key(args, kwargs, nodes, node) -> Spec:
    if len(args) != 1 or not isinstance(args[0], str):
        raise Unmappable(node, "sa.ForeignKey(...)", "its target is not a 'table.column' string")
    name = name_of(kwargs.pop("name", None), nodes.get("name", node), "foreign key name")
    data = {"column": args[0], **_options(kwargs, nodes, _FK, "sa.ForeignKey", node)}
    if name is not None:
        data["name"] = name
    return Spec("foreign_key", data)


def _names(value, node, what) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        return value
    raise Unmappable(node, what, f"{ast.unparse(node)}: columns given as names only are converted")


def constraint(kind: str, args, kwargs, nodes, node) -> Spec:
    """PrimaryKeyConstraint / UniqueConstraint / CheckConstraint / ForeignKeyConstraint."""
    name = name_of(kwargs.pop("name", None), nodes.get("name", node), f"{kind} name")
    if kind == "foreign_key":
        if len(args) != 2:
            raise Unmappable(node, "sa.ForeignKeyConstraint(...)", "it takes columns and referenced columns")
        body = {"columns": _names(args[0], node, "foreign key columns"),
                "references": _names(args[1], node, "foreign key references"),
                **_options(kwargs, nodes, _FK, "sa.ForeignKeyConstraint", node)}
    elif kind == "check":
        if len(args) != 1:
            raise Unmappable(node, "sa.CheckConstraint(...)", "it takes one condition")
        body = sql_of(args[0], node, "check condition")
        _options(kwargs, nodes, (), "sa.CheckConstraint", node)
    else:
        if not args or not all(isinstance(a, str) for a in args):
            raise Unmappable(node, f"{kind} constraint", "columns given as names only are converted")
        body = list(args)
        _options(kwargs, nodes, (), f"{kind} constraint", node)
    data = {kind: body}
    if name is not None:
        data["name"] = name
    return Spec("constraint", data)


def index(args, kwargs, nodes, node) -> Spec:
    """sa.Index(name, *columns, unique=..., dialect options) inside create_table."""
    if not args:
        raise Unmappable(node, "sa.Index(...)", "it has no name")
    name = name_of(args[0], node, "index name")
    columns = [c if isinstance(c, str) else {"sql": sql_of(c, node, "index column")} for c in args[1:]]
    if not columns:
        raise Unmappable(node, "sa.Index(...)", "it has no columns")
    data = {"index_name": name, "columns": columns}
    for key, value in kwargs.items():
        if key != "unique" and "_" not in key:
            raise Unmappable(nodes.get(key, node), f"sa.Index: {key}=", "yamig has no such argument")
        if value is not None:
            data[key] = sql_of(value, nodes.get(key, node), key) if key.endswith("_where") else value
    return Spec("index", data)


_IDENTITY = ("start", "increment", "always", "minvalue", "maxvalue", "cycle", "cache", "on_null",
             "nominvalue", "nomaxvalue", "order")


def identity(args, kwargs, nodes, node) -> Spec:
    if args:
        raise Unmappable(node, "sa.Identity(...)", "give its options by keyword")
    return Spec("identity", _options(kwargs, nodes, _IDENTITY, "sa.Identity", node))


def computed(args, kwargs, nodes, node) -> Spec:
    if len(args) != 1:
        raise Unmappable(node, "sa.Computed(...)", "it takes one SQL expression")
    data = {"sqltext": sql_of(args[0], node, "sa.Computed")}
    data.update(_options(kwargs, nodes, ("persisted",), "sa.Computed", node))
    return Spec("computed", data)


def sequence(args, kwargs, nodes, node) -> Spec:
    if len(args) != 1 or not isinstance(args[0], str):
        raise Unmappable(node, "sa.Sequence(...)", "it needs a name")
    data = {"name": args[0]}
    data.update(_options(kwargs, nodes, (*_IDENTITY, "schema"), "sa.Sequence", node))
    return Spec("sequence", data)
