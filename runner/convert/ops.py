"""The statements of upgrade()/downgrade() as yamig operations: op.* calls bound to Alembic's
signatures, batch_alter_table blocks, autocommit blocks, dialect conditions, enum types'
.create()/.drop(), loops over constant lists, calls of the script's own functions.

A statement that cannot be mapped becomes a marker (report.marker) and a Problem.
"""

from __future__ import annotations

import ast
import json
from functools import lru_cache

from runner.convert import columns
from runner.convert.columns import Spec, name_of, server_default, sql_of
from runner.convert.report import Problem, Unmappable, marker
from runner.convert.types import TypeValue
from runner.convert.values import (
    AutocommitBlock,
    BatchOp,
    Connection,
    Dialects,
    Evaluator,
    Poison,
    Ref,
    Reported,
    TableRef,
    canonical,
)

# Alembic's positional parameters of each op.* function, in order (`*` collects the rest)
SIGNATURES: dict[str, tuple[str, ...]] = {
    "create_table": ("table_name", "*columns"),
    "drop_table": ("table_name",),
    "rename_table": ("old_table_name", "new_table_name"),
    "add_column": ("table_name", "column"),
    "drop_column": ("table_name", "column_name"),
    "alter_column": ("table_name", "column_name"),
    "create_index": ("index_name", "table_name", "columns"),
    "drop_index": ("index_name", "table_name"),
    "create_unique_constraint": ("constraint_name", "table_name", "columns"),
    "create_primary_key": ("constraint_name", "table_name", "columns"),
    "create_foreign_key": ("constraint_name", "source_table", "referent_table", "local_cols", "remote_cols"),
    "create_check_constraint": ("constraint_name", "table_name", "condition"),
    "drop_constraint": ("constraint_name", "table_name", "type_"),
    "create_table_comment": ("table_name", "comment"),
    "drop_table_comment": ("table_name",),
    "execute": ("sqltext",),
    "bulk_insert": ("table", "rows"),
}
# batch_op.* : the same, without the table (given by the block)
BATCH_SIGNATURES: dict[str, tuple[str, ...]] = {
    "add_column": ("column",), "drop_column": ("column_name",), "alter_column": ("column_name",),
    "create_index": ("index_name", "columns"), "drop_index": ("index_name",),
    "create_unique_constraint": ("constraint_name", "columns"),
    "create_primary_key": ("constraint_name", "columns"),
    "create_foreign_key": ("constraint_name", "referent_table", "local_cols", "remote_cols"),
    "create_check_constraint": ("constraint_name", "condition"),
    "drop_constraint": ("constraint_name", "type_"),
    "create_table_comment": ("comment",), "drop_table_comment": (), "execute": ("sqltext",),
}
# keyword arguments that change nothing Alembic emits
_IGNORED = {"info", "multiinsert", "existing_autoincrement"}
_NAMES = {"index_name", "constraint_name"}
_TYPES = {"type", "existing_type"}
_DEFAULTS = {"server_default", "existing_server_default"}


@lru_cache(maxsize=1)
def _schema_arguments() -> dict[str, tuple[set[str], list[str]]]:
    """Each operation's argument names and option patterns, from the JSON Schema."""
    from runner.revisions.checks import schema_path

    defs = json.loads(schema_path().read_text(encoding="utf-8"))["$defs"]
    return {name[3:]: (set(d.get("properties", {})), list(d.get("patternProperties", {})))
            for name, d in defs.items() if name.startswith("op_")}


def _known(op: str, key: str) -> bool:
    import re

    names, patterns = _schema_arguments().get(op, (set(), []))
    return key in names or any(re.match(p, key) for p in patterns)


class Walker:
    """Converts one script's function bodies, collecting the Problems."""

    def __init__(self, script, type_map: dict[str, str]):
        self.script = script
        self.type_map = type_map
        self.problems: list[Problem] = []
        self._inlining: list[str] = []

    # -- reporting -------------------------------------------------------------------------

    def fail(self, error: Unmappable, statement: ast.AST) -> list[dict]:
        node = error.node if error.node is not None and hasattr(error.node, "lineno") else statement
        problem = Problem(self.script.shown, node.lineno, error.what, error.why)
        if not isinstance(error, Reported) and problem not in self.problems:
            self.problems.append(problem)
        return [marker(problem, ast.unparse(statement).split("\n")[0][:200])]

    # -- statements ------------------------------------------------------------------------

    def body(self, statements: list[ast.stmt], ev: Evaluator, dialects: Dialects | None = None,
             batch: dict | None = None) -> list[dict]:
        ops: list[dict] = []
        for statement in statements:
            try:
                ops += self.statement(statement, ev, dialects, batch)
            except Unmappable as error:
                ops += self.fail(error, statement)
        return ops

    def statement(self, st: ast.stmt, ev: Evaluator, dialects, batch) -> list[dict]:
        if isinstance(st, ast.Pass) or (isinstance(st, ast.Expr) and isinstance(st.value, ast.Constant)):
            return []
        if isinstance(st, ast.Return) and st.value is None:
            return []
        if isinstance(st, ast.Expr) and isinstance(st.value, ast.Call):
            return self.call(st.value, ev, dialects, batch)
        if isinstance(st, (ast.Assign, ast.AnnAssign)):
            return self.assign(st, ev)
        if isinstance(st, (ast.Import, ast.ImportFrom)):
            return self.local_import(st, ev)
        if isinstance(st, ast.If):
            test = ev.value(st.test)
            if not isinstance(test, Dialects):
                raise Unmappable(st.test, f"if {ast.unparse(st.test)}",
                                 "a condition convert can read only on the dialect's name")
            inner = test if dialects is None else Dialects(test.names & dialects.names)
            other = test.complement()
            if dialects is not None:
                other = Dialects(other.names & dialects.names)
            return (self.body(st.body, ev, inner, batch) if inner.names else []) + \
                (self.body(st.orelse, ev, other, batch) if other.names and st.orelse else [])
        if isinstance(st, ast.With):
            return self.with_block(st, ev, dialects, batch)
        if isinstance(st, ast.For):
            return self.loop(st, ev, dialects, batch)
        if isinstance(st, ast.Raise):
            raise Unmappable(st, "raise",
                             "an error raised in the middle of a migration; convert does not run Python")
        raise Unmappable(st, f"a Python {type(st).__name__} statement", "convert does not run Python")

    def assign(self, st, ev: Evaluator) -> list[dict]:
        targets = st.targets if isinstance(st, ast.Assign) else [st.target]
        if len(targets) != 1 or not isinstance(targets[0], ast.Name):
            raise Unmappable(st, ast.unparse(st).split("\n")[0], "an assignment to anything but a name")
        try:
            value = ev.value(st.value)
        except Unmappable as error:
            ev.scope[targets[0].id] = Poison(st, f"line {st.lineno}")
            raise error from None
        ev.scope[targets[0].id] = value
        return []

    def local_import(self, st, ev: Evaluator) -> list[dict]:
        for name in st.names:
            if isinstance(st, ast.Import):
                top = name.name.split(".")[0]
                ev.scope[name.asname or top] = Ref(name.name if name.asname else top)
            elif st.module and not st.level:
                ev.scope[name.asname or name.name] = ev.ref(f"{st.module}.{name.name}", st)
        return []

    def loop(self, st: ast.For, ev: Evaluator, dialects, batch) -> list[dict]:
        try:
            items = ev.value(st.iter)
        except Unmappable as error:
            raise Unmappable(st, f"for ... in {ast.unparse(st.iter)}", "a loop over rows or values "
                             f"convert cannot read ({error.why})") from None
        if not isinstance(items, list) or st.orelse:
            raise Unmappable(st, f"for ... in {ast.unparse(st.iter)}",
                             "a loop over something but a constant list")
        ops = []
        for item in items:
            ops += self._bind_target(st.target, item, ev)
            ops += self.body(st.body, ev, dialects, batch)
        return ops

    def _bind_target(self, target, item, ev) -> list:
        if isinstance(target, ast.Name):
            ev.scope[target.id] = item
        elif isinstance(target, ast.Tuple) and isinstance(item, list) and len(item) == len(target.elts):
            for t, v in zip(target.elts, item, strict=False):
                self._bind_target(t, v, ev)
        else:
            raise Unmappable(target, ast.unparse(target), "a loop target convert cannot bind")
        return []

    def with_block(self, st: ast.With, ev, dialects, batch) -> list[dict]:
        if len(st.items) != 1:
            raise Unmappable(st, "with ...", "a with statement of several items")
        item = st.items[0]
        expr = item.context_expr
        if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute) \
                and expr.func.attr == "batch_alter_table":
            owner = ev.value(expr.func.value)
            if isinstance(owner, Ref) and owner.name == "alembic.op":
                return self.batch_block(st, expr, ev, dialects)
        value = ev.value(expr)
        if isinstance(value, AutocommitBlock):
            inner = self.body(st.body, ev, dialects, batch)
            return [{"autocommit_block": inner}]
        raise Unmappable(st, f"with {ast.unparse(expr)}", "a with block convert cannot map")

    def batch_block(self, st: ast.With, call: ast.Call, ev: Evaluator, dialects) -> list[dict]:
        args, kwargs, nodes = ev.arguments(call)
        bound = _bind(("table_name",), args, kwargs, call, "batch_alter_table")
        ops: list[dict] = []
        for key in list(kwargs):
            if key in ("schema", "recreate", "table_name"):
                continue
            if kwargs[key] in (None, (), [], {}):
                continue
            ops += self.fail(Unmappable(nodes[key], f"batch_alter_table({key}=...)",
                                        "yamig rebuilds SQLite tables itself, from the schema its "
                                        "revisions define; this option has no equivalent"), st)
        batch = {"table_name": bound["table_name"], "schema": kwargs.get("schema")}
        target = st.items[0].optional_vars
        if target is not None:
            if not isinstance(target, ast.Name):
                raise Unmappable(st, "batch_alter_table(...) as ...", "a target that is not a name")
            ev.scope[target.id] = BatchOp(batch)
        inner = self.body(st.body, ev, dialects, batch)
        # Alembic's rebuild: indexes dropped from the copy first, columns and constraints changed
        # in order, the new table's indexes created last
        first = [o for o in inner if "drop_index" in o]
        last = [o for o in inner if "create_index" in o]
        return ops + first + [o for o in inner if o not in first and o not in last] + last

    # -- calls -----------------------------------------------------------------------------

    def call(self, call: ast.Call, ev: Evaluator, dialects, batch) -> list[dict]:
        func = call.func
        if isinstance(func, ast.Name) and func.id in self.script.functions and func.id not in ev.scope:
            return self.inline(self.script.functions[func.id], call, ev, dialects, batch)
        if isinstance(func, ast.Attribute):
            owner = ev.value(func.value)
            if isinstance(owner, Ref) and owner.name == "alembic.op" and func.attr in SIGNATURES:
                return self.operation(func.attr, SIGNATURES[func.attr], call, ev, dialects, None)
            if isinstance(owner, BatchOp) and func.attr in BATCH_SIGNATURES:
                return self.operation(func.attr, BATCH_SIGNATURES[func.attr], call, ev, dialects, owner.table)
            if isinstance(owner, TypeValue) and owner.enum is not None and func.attr in ("create", "drop"):
                return self.enum(func.attr, owner, call, ev, dialects)
            if isinstance(owner, Ref) and owner.name == "alembic.op":
                raise Unmappable(call, f"op.{func.attr}()", "an Alembic operation convert does not map")
            if isinstance(owner, Connection):
                raise Unmappable(call, ast.unparse(func) + "()", "uses the database connection (reads or "
                                 "writes rows in Python), which convert does not run; write it as execute "
                                 "SQL or run_python")
        value = ev.value(call)  # a call for its effect: only one the evaluator knows raises here
        raise Unmappable(call, ast.unparse(func) + "()",
                         f"a call whose value ({type(value).__name__}) is dropped")

    def inline(self, function: ast.FunctionDef, call: ast.Call, ev, dialects, batch) -> list[dict]:
        if function.name in self._inlining:
            raise Unmappable(call, f"{function.name}()", "a recursive call")
        args, kwargs, _ = ev.arguments(call)
        params = [a.arg for a in function.args.args]
        defaults = function.args.defaults
        if function.args.vararg or function.args.kwarg or function.args.kwonlyargs or len(args) > len(params):
            raise Unmappable(call, f"{function.name}()",
                             "a call of the script's function with arguments convert cannot bind")
        scope = dict(zip(params, args, strict=False))
        scope.update(kwargs)
        for param, default in zip(params[len(params) - len(defaults):], defaults, strict=False):
            if param not in scope:
                scope[param] = ev.value(default)
        if set(scope) != set(params):
            raise Unmappable(call, f"{function.name}()", "a call that leaves a parameter unbound")
        self._inlining.append(function.name)
        try:
            return self.body(function.body, ev.child(scope), dialects, batch)
        finally:
            self._inlining.pop()

    def enum(self, action: str, enum: TypeValue, call: ast.Call, ev: Evaluator, dialects) -> list[dict]:
        args, kwargs, _ = ev.arguments(call)
        if kwargs.pop("checkfirst", False):
            raise Unmappable(call, f"{ast.unparse(call.func)}(checkfirst=True)",
                             f"{action}_enum has no if-exists form; drop checkfirst once the type is sure")
        if len(args) != 1 or not isinstance(args[0], Connection) or kwargs or not enum.enum.get("name"):
            raise Unmappable(call, ast.unparse(call.func) + "()",
                             "an enum type's create/drop convert cannot read")
        self._no_dialects(dialects, f"{action}_enum", call)
        data = {"name": enum.enum["name"]}
        if action == "create":
            data["values"] = enum.enum["values"]
        if enum.enum.get("schema"):
            data["schema"] = enum.enum["schema"]
        return [{f"{action}_enum": data}]

    def _no_dialects(self, dialects, what, node) -> None:
        if dialects is not None and dialects.names != frozenset(Dialects(frozenset()).complement().names):
            raise Unmappable(node, f"{what} under a dialect condition ({', '.join(sorted(dialects.names))})",
                             "yamig's `dialects:` applies to execute only; write the operation for "
                             "every database or as execute SQL")

    def operation(self, name: str, signature, call: ast.Call, ev: Evaluator, dialects, batch) -> list[dict]:
        args, kwargs, nodes = ev.arguments(call)
        bound = _bind(signature, args, kwargs, call, name)
        for key, arg in zip(signature, call.args, strict=False):
            nodes.setdefault(key.lstrip("*"), arg)
        if batch is not None:
            bound = _with_table(name, bound, batch)
        if name == "execute":
            return [self.execute(bound, nodes, call, dialects)]
        self._no_dialects(dialects, name, call)
        if name == "bulk_insert":
            return [self.bulk_insert(bound, nodes, call)]
        extra: list[dict] = []
        out: dict = {}
        for key, value in bound.items():
            at = nodes.get(key, call)
            key = key[:-1] if key.endswith("_") else key
            if key in _IGNORED:
                continue
            if key == "columns" and name == "create_table":
                out["columns"], constraints, extra = _table_items(value, at, bound, call)
                if constraints:
                    out["constraints"] = constraints
                continue
            if not _known(name, key):
                raise Unmappable(at, f"op.{name}({key}=...)", "yamig's operation has no such argument")
            if value is None and key != "server_default":
                continue  # Alembic's default for every argument but alter_column's server_default
            out[key] = _argument(name, key, value, at)
        if name == "alter_column":
            out = {k: v for k, v in out.items() if v is not False or k in ("nullable", "existing_nullable")}
        return [{name: out}, *extra]

    def execute(self, bound, nodes, call, dialects) -> dict:
        if set(bound) - {"sqltext"}:
            key = next(iter(set(bound) - {"sqltext"}))
            raise Unmappable(nodes.get(key, call), f"op.execute({key}=...)",
                             "yamig's execute has no such argument")
        value = bound.get("sqltext")
        if isinstance(value, columns.SqlText):
            value = value.text
        if not isinstance(value, str):
            raise Unmappable(call, "op.execute(...)",
                             f"{ast.unparse(call.args[0]) if call.args else 'it'} is "
                             "an SQL expression construct convert cannot render; write the SQL as a string")
        if dialects is not None and dialects.names != Dialects(frozenset()).complement().names:
            return {"execute": {"sqltext": value, "dialects": sorted(dialects.names)}}
        return {"execute": value}

    def bulk_insert(self, bound, nodes, call) -> dict:
        table, rows = bound.get("table"), bound.get("rows")
        if not isinstance(table, TableRef):
            raise Unmappable(nodes.get("table", call), "op.bulk_insert(...)",
                             "its table is not an sa.table(...)")
        if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
            raise Unmappable(nodes.get("rows", call), "op.bulk_insert(...)",
                             "its rows are not a list of mappings")
        for row in rows:
            for value in row.values():
                if not isinstance(value, (str, int, float, bool)) and value is not None:
                    raise Unmappable(nodes.get("rows", call), "op.bulk_insert(...)",
                                     f"a row value ({type(value).__name__}) that is not a constant")
        out = {"table_name": table.name, "rows": rows}
        if table.schema:
            out["schema"] = table.schema
        return {"bulk_insert": out}


def _bind(signature, args, kwargs, call, name) -> dict:
    bound: dict = {}
    positional = list(args)
    for param in signature:
        if param.startswith("*"):
            bound[param[1:]] = positional
            positional = []
            break
        if positional:
            bound[param] = positional.pop(0)
    if positional:
        raise Unmappable(call, f"op.{name}(...)", "more positional arguments than Alembic's signature takes")
    for key, value in kwargs.items():
        if key in bound:
            raise Unmappable(call, f"op.{name}(...)", f"{key} given twice")
        bound[key] = value
    return bound


def _with_table(name: str, bound: dict, batch: dict) -> dict:
    """A batch_op call's arguments as the plain operation's."""
    out = dict(bound)
    if name == "create_foreign_key":
        out = {"constraint_name": out.pop("constraint_name", None), "source_table": batch["table_name"],
               **out}
        if batch["schema"]:
            out["source_schema"] = batch["schema"]
        return out
    if name == "execute":
        return out
    first = {k: out.pop(k) for k in ("index_name", "constraint_name") if k in out}
    out = {**first, "table_name": batch["table_name"], **out}
    if batch["schema"] and "schema" not in out:
        out["schema"] = batch["schema"]
    for key in ("insert_before", "insert_after"):
        if out.get(key) is not None:
            raise Unmappable(None, f"batch_op.{name}({key}=...)",
                             "yamig adds a column last; it has no column order option")
        out.pop(key, None)
    return out


def _argument(op: str, key: str, value, at):
    if key in _NAMES:
        return name_of(value, at, key)
    if key in _TYPES and op != "drop_constraint":
        if value is None:
            return None
        if not isinstance(value, TypeValue):
            raise Unmappable(at, f"{key}=", f"{ast.unparse(at)} is not a type convert can read")
        return value.text
    if key in _DEFAULTS:
        return server_default(value, at, key) if value is not False else False
    if key == "column":
        if not isinstance(value, Spec) or value.kind != "column":
            raise Unmappable(at, "column", f"{ast.unparse(at)} is not an sa.Column(...)")
        return value.data
    if key == "columns" or key in ("local_cols", "remote_cols"):
        items = [value] if isinstance(value, (str, columns.SqlText)) else value
        if not isinstance(items, list):
            raise Unmappable(at, key, f"{ast.unparse(at)} is not a list of column names")
        return [i if isinstance(i, str) else {"sql": sql_of(i, at, key)} for i in items]
    if key == "condition" or key.endswith("_where"):
        return sql_of(value, at, key)
    _plain(value, at, key)
    return value


def _plain(value, at, key) -> None:
    if isinstance(value, (list, tuple)):
        for item in value:
            _plain(item, at, key)
    elif isinstance(value, dict):
        for item in value.values():
            _plain(item, at, key)
    elif not isinstance(value, (str, int, float, bool)) and value is not None:
        raise Unmappable(at, f"{key}=", f"{ast.unparse(at)} is not a constant convert can write")


def _table_items(items, at, bound, call) -> tuple[list, list, list]:
    cols, constraints, indexes = [], [], []
    for item in items:
        if not isinstance(item, Spec) or item.kind not in ("column", "constraint", "index"):
            raise Unmappable(at, "create_table(...)", "an item that is not a column, constraint or index")
        if item.kind == "index":
            index = {"index_name": item.data["index_name"], "table_name": bound["table_name"],
                     **{k: v for k, v in item.data.items() if k != "index_name"}}
            if bound.get("schema"):
                index["schema"] = bound["schema"]
            indexes.append({"create_index": index})
        else:
            (cols if item.kind == "column" else constraints).append(item.data)
    return cols, constraints, indexes


__all__ = ["SIGNATURES", "Walker", "canonical"]
