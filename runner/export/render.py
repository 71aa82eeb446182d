"""yamig operations as the `op.*` calls an Alembic script makes: each argument spelled as
Alembic takes it (types as `sa.Numeric(10, 2)` or `postgresql.JSONB`, `{sql: ...}` as
`sa.text(...)`), with the imports the calls need.

Alembic differs from yamig in what it does by itself, so the calls carry it:
- SQLite cannot ALTER columns or constraints: yamig rebuilds the table, Alembic needs
  `batch_alter_table`; an operation that rebuilds on SQLite goes in one (elsewhere the block runs
  the plain ALTER);
- PostgreSQL's CONCURRENTLY runs outside a transaction: `autocommit_block()`;
- the enum types a derived downgrade drops and the foreign key MySQL must drop before its column
  are written out, as an Alembic user writes them.
Which databases need which is asked of the dialect impls (runner.sql.dialects), not named here.
"""

from __future__ import annotations

import datetime
from typing import Any

from runner.errors import MigrationError
from runner.schema.types import OPTION_PREFIXES, TypeSpec, parse_type

_FOREIGN_KEY_OPTIONS = ("ondelete", "onupdate", "deferrable", "initially")


def _py(value: Any) -> str:
    return repr(value)


def _name(value: Any) -> str:
    """A constraint's or index's name: `{f: x}` is Alembic's `op.f('x')` (final, past the naming
    convention); null is None, which target_metadata's convention names."""
    if isinstance(value, dict):
        return f"op.f({_py(value['f'])})"
    return _py(value)


def _call(function: str, *parts: str) -> str:
    return f"{function}({', '.join(parts)})"


def _dialect_names(test) -> tuple[str, ...]:
    """The SQLAlchemy dialect names whose impl passes `test`, for a generated `if`."""
    from runner.sql.dialects import IMPLS

    return tuple(sorted(name for name, cls in IMPLS.items() if test(cls(name))))


class Renderer:
    """Python source for operations; `imports` collects what the source uses beyond op and sa."""

    def __init__(self) -> None:
        self.imports: set[str] = set()

    # -- values -----------------------------------------------------------------------------
    def type_(self, text: Any) -> str:
        return self._spec(parse_type(text))

    def _spec(self, spec: TypeSpec) -> str:
        if spec.dialect:
            # the module SQLAlchemy keeps the type in (MariaDB's are in mysql)
            module = spec.sqlalchemy_class().__module__.split(".")[2]
            self.imports.add(f"from sqlalchemy.dialects import {module}")
            head = f"{module}.{spec.name}"
        else:
            head = f"sa.{spec.name}"
        parts = [self._value(a) for a in spec.args] + [f"{k}={self._value(v)}" for k, v in spec.kwargs]
        return f"{head}({', '.join(parts)})"

    def _value(self, value: Any) -> str:
        return self._spec(value) if isinstance(value, TypeSpec) else _py(value)

    def server_default(self, value: Any) -> str:
        if isinstance(value, dict):
            return f"sa.text({_py(value['sql'])})"
        if isinstance(value, bool):
            return "sa.true()" if value else "sa.false()"
        if isinstance(value, (int, float)):
            return f"sa.text({_py(repr(value))})"
        return _py(None if value is None else str(value))

    def data(self, value: Any) -> str:
        """A bulk_insert value: YAML's dates and times need the datetime module."""
        if isinstance(value, (datetime.date, datetime.time)):
            self.imports.add("import datetime")
        if isinstance(value, dict):
            return "{" + ", ".join(f"{_py(k)}: {self.data(v)}" for k, v in value.items()) + "}"
        if isinstance(value, list):
            return "[" + ", ".join(self.data(v) for v in value) + "]"
        return _py(value)

    def column(self, spec: dict[str, Any]) -> str:
        parts = [_py(spec["name"]), self.type_(spec["type"])]
        fk = spec.get("foreign_key")
        if fk:
            options = [f"name={_name(fk['name'])}"] if fk.get("name") is not None else []
            options += [f"{k}={_py(fk[k])}" for k in _FOREIGN_KEY_OPTIONS if fk.get(k) is not None]
            if fk.get("use_alter"):
                options.append("use_alter=True")
            parts.append(f"sa.ForeignKey({', '.join([_py(fk['column']), *options])})")
        if spec.get("identity") is not None:
            parts.append(f"sa.Identity({self._keywords(spec['identity'])})")
        if spec.get("computed") is not None:
            computed = spec["computed"]
            extra = f", persisted={_py(computed['persisted'])}" if "persisted" in computed else ""
            parts.append(f"sa.Computed({_py(computed['sqltext'])}{extra})")
        if spec.get("sequence") is not None:
            sequence = dict(spec["sequence"])
            name = sequence.pop("name")
            parts.append(f"sa.Sequence({', '.join([_py(name), *self._keyword_list(sequence)])})")
        for key in ("primary_key", "nullable", "autoincrement", "unique", "index", "comment"):
            if key in spec and spec[key] is not None:
                parts.append(f"{key}={_py(spec[key])}")
        if spec.get("server_default") is not None:
            parts.append(f"server_default={self.server_default(spec['server_default'])}")
        return f"sa.Column({', '.join(parts)})"

    def _keyword_list(self, mapping: dict[str, Any]) -> list[str]:
        return [f"{k}={_py(v)}" for k, v in mapping.items()]

    def _keywords(self, mapping: dict[str, Any]) -> str:
        return ", ".join(self._keyword_list(mapping))

    def constraint(self, spec: dict[str, Any]) -> str:
        name = [f"name={_name(spec['name'])}"] if spec.get("name") else []
        if "primary_key" in spec:
            return f"sa.PrimaryKeyConstraint({', '.join([*map(_py, spec['primary_key']), *name])})"
        if "unique" in spec:
            return f"sa.UniqueConstraint({', '.join([*map(_py, spec['unique']), *name])})"
        if "check" in spec:
            return f"sa.CheckConstraint({', '.join([_py(spec['check']), *name])})"
        fk = spec["foreign_key"]
        fk_name = spec.get("name") or fk.get("name")
        name = [f"name={_name(fk_name)}"] if fk_name else []
        options = [f"{k}={_py(fk[k])}" for k in _FOREIGN_KEY_OPTIONS if fk.get(k) is not None]
        if fk.get("use_alter"):
            options.append("use_alter=True")
        return (f"sa.ForeignKeyConstraint({_py(list(fk['columns']))}, {_py(list(fk['references']))}"
                + "".join(f", {o}" for o in [*name, *options]) + ")")

    def dialect_options(self, args: dict[str, Any]) -> list[str]:
        found = []
        for key, value in args.items():
            if key.startswith(OPTION_PREFIXES):
                if key.endswith("_where") and isinstance(value, str):
                    found.append(f"{key}=sa.text({_py(value)})")
                else:
                    found.append(f"{key}={_py(value)}")
        return found

    @staticmethod
    def schema(args: dict[str, Any], key: str = "schema") -> list[str]:
        return [f"{key}={_py(args[key])}"] if args.get(key) else []

    # -- operations -------------------------------------------------------------------------
    def operations(self, ops: list, where: str, state_of=None, direction: str = "upgrade") -> list[str]:
        """The lines (unindented) for `ops`; `state_of(op)` is the schema state just before an
        op (for what Alembic needs restated), None where unknown."""
        lines: list[str] = []
        for op in ops:
            lines += self.operation(op, where, state_of(op) if state_of else None, direction)
        return lines

    def operation(self, op, where: str, state, direction: str = "upgrade") -> list[str]:
        """`op`'s lines, in an autocommit block where it runs outside a transaction;
        `direction` is the function they go in (run_python tells its function)."""
        lines = self._lines(op, where, state, direction)
        if op.runs_outside_transaction(_any_concurrent_dialect()):
            lines = ["with op.get_context().autocommit_block():", *("    " + line for line in lines)]
        return lines

    def _lines(self, op, where: str, state, direction: str) -> list[str]:
        if op.contents:  # autocommit_block: its operations, each after the ones before it
            state = state.copy() if state is not None else None
            lines = []
            for inner in op.contents:
                lines += self._lines(inner, where, state, direction)
                if state is not None:
                    inner.state_forwards(state)
            return lines
        if op.name == "run_python":
            return self._run_python(op, direction)
        render = getattr(self, f"_{op.name}", None)
        if render is None:
            raise MigrationError(f"{where}: export-alembic has no Alembic spelling for `{op.name}` yet",
                                 location=op.location,
                                 hint="write that revision's Alembic script by hand after the export")
        return render(op.args, op, state)

    def _batched(self, op, state, table: str, schema: str | None, batch_lines: list[str],
                 plain: list[str]) -> list[str]:
        """`plain` where the table alters in place; a batch block where SQLite rebuilds it."""
        from runner.sql.rebuild import needs_rebuild

        before = state.table(table, schema) if state is not None else None
        if not needs_rebuild(op, before):
            return plain
        if op.name != "add_column":
            head = _call("op.batch_alter_table", _py(table), *self.schema({"schema": schema}))
            return [f"with {head} as batch_op:", *("    " + line for line in batch_lines)]
        # Alembic's batch adds a column in place unless told to rebuild, and only there
        head = _call("op.batch_alter_table", _py(table), *self.schema({"schema": schema}),
                     'recreate="always"')
        names = _dialect_names(lambda impl: not impl.alters_constraints)
        return [f"if op.get_context().dialect.name in {names!r}:", f"    with {head} as batch_op:",
                *("        " + line for line in batch_lines), "else:", *("    " + line for line in plain)]

    def _create_table(self, args, op, state) -> list[str]:
        parts = [_py(args["table_name"]), *map(self.column, args.get("columns", [])),
                 *map(self.constraint, args.get("constraints") or []), *self.schema(args)]
        if args.get("comment") is not None:
            parts.append(f"comment={_py(args['comment'])}")
        parts += self.dialect_options(args)
        return ["op.create_table(", *(f"    {p}," for p in parts), ")"]

    def _drop_table(self, args, op, state) -> list[str]:
        return [f"op.drop_table({', '.join([_py(args['table_name']), *self.schema(args)])})",
                *self._drop_types(op)]

    def _drop_types(self, op) -> list[str]:
        """The enum types a derived downgrade drops with what created them (Alembic's
        drop_table and drop_column leave them)."""
        lines = []
        for text in op.derived.owned_types:
            spec = parse_type(text)
            name = spec.argument("name")
            if spec.name.lower() == "enum" and name is not None:
                schema = spec.argument("schema")
                extra = f", schema={_py(schema[1])}" if schema else ""
                lines.append(f"sa.Enum(name={_py(name[1])}{extra}).drop(op.get_bind(), checkfirst=True)")
        return lines

    def _rename_table(self, args, op, state) -> list[str]:
        return [_call("op.rename_table", _py(args["old_table_name"]), _py(args["new_table_name"]),
                      *self.schema(args))]

    def _add_column(self, args, op, state) -> list[str]:
        from runner.operations.columns import unique_name

        column = self.column(args["column"])
        rebuilt = [f"batch_op.add_column({column})"]
        if args["column"].get("unique") and not args["column"].get("index"):
            # yamig's rebuild names the new column's UNIQUE, as a batch block needs
            spec = {k: v for k, v in args["column"].items() if k != "unique"}
            rebuilt = [f"batch_op.add_column({self.column(spec)})",
                       _call("batch_op.create_unique_constraint",
                             _py(unique_name(args["table_name"], args["column"])), _py([spec["name"]]))]
        return self._batched(op, state, args["table_name"], args.get("schema"), rebuilt,
                             [_call("op.add_column", _py(args["table_name"]), column, *self.schema(args))])

    def _drop_column(self, args, op, state) -> list[str]:
        extra = self.dialect_options(args)
        lines = []
        name = op.derived.foreign_key_name
        if op.derived.drops_foreign_key and name:  # MySQL refuses to drop a column its key uses
            names = _dialect_names(lambda impl: impl.drops_foreign_key_first)
            lines = [f"if op.get_context().dialect.name in {names!r}:",
                     f"    op.drop_constraint({_name(name)}, {_py(args['table_name'])}, type_='foreignkey'"
                     f"{''.join(', ' + s for s in self.schema(args))})"]
        body = self._batched(op, state, args["table_name"], args.get("schema"),
                             [_call("batch_op.drop_column", _py(args["column_name"]), *extra)],
                             [_call("op.drop_column", _py(args["table_name"]), _py(args["column_name"]),
                                    *self.schema(args), *extra)])
        return [*lines, *body, *self._drop_types(op)]

    def _alter_column(self, args, op, state) -> list[str]:
        args = dict(args)
        column = None
        if state is not None:
            table = state.table(args["table_name"], args.get("schema"))
            column = table.columns.get(args["column_name"]) if table is not None and table.known else None
        if column is not None:  # Alembic restates nothing by itself (MySQL's MODIFY needs it all)
            args.setdefault("existing_type", column["type"])
            args.setdefault("existing_nullable", column.get("nullable", not column.get("primary_key", False)))
            if column.get("server_default") is not None:
                args.setdefault("existing_server_default", column["server_default"])
            if column.get("comment") is not None:
                args.setdefault("existing_comment", column["comment"])
        parts = []
        for key in ("nullable", "comment", "new_column_name", "existing_nullable", "existing_comment",
                    "postgresql_using"):
            if key in args:
                parts.append(f"{key}={_py(args[key])}")
        for key in ("type", "existing_type"):
            if args.get(key) is not None:
                parts.append(f"{'type_' if key == 'type' else key}={self.type_(args[key])}")
        for key in ("server_default", "existing_server_default"):
            if key in args:
                parts.append(f"{key}={self.server_default(args[key])}")
        column_name = _py(args["column_name"])
        return self._batched(op, state, args["table_name"], args.get("schema"),
                             [_call("batch_op.alter_column", column_name, *parts)],
                             [_call("op.alter_column", _py(args["table_name"]), column_name, *parts,
                                    *self.schema(args))])

    def _index_columns(self, args) -> str:
        return "[" + ", ".join(_py(c) if isinstance(c, str) else f"sa.text({_py(c['sql'])})"
                               for c in args.get("columns", [])) + "]"

    def _create_index(self, args, op, state) -> list[str]:
        parts = [_name(args.get("index_name")), _py(args["table_name"]), self._index_columns(args)]
        if args.get("unique"):
            parts.append("unique=True")
        if args.get("if_not_exists"):
            parts.append("if_not_exists=True")
        parts += [*self.schema(args), *self.dialect_options(args)]
        return [f"op.create_index({', '.join(parts)})"]

    def _drop_index(self, args, op, state) -> list[str]:
        name = args.get("index_name")
        if not name and state is not None:  # unnamed: the one index on its columns, by the state
            found = op.dropped(state)
            name = {"f": found} if found else None
        parts = [_name(name), f"table_name={_py(args['table_name'])}"]
        if args.get("if_exists"):
            parts.append("if_exists=True")
        parts += [*self.schema(args), *self.dialect_options(args)]
        return [f"op.drop_index({', '.join(parts)})"]

    def _constraint_op(self, op, state, name, positional: list[str], keywords: list[str]) -> list[str]:
        table, schema = op.args["table_name"], op.args.get("schema")
        batch = _call(f"batch_op.{op.name}", _name(name), *positional, *keywords)
        plain = _call(f"op.{op.name}", _name(name), _py(table), *positional, *keywords,
                      *self.schema({"schema": schema}))
        return self._batched(op, state, table, schema, [batch], [plain])

    def _create_unique_constraint(self, args, op, state) -> list[str]:
        return self._constraint_op(op, state, args.get("constraint_name"), [_py(list(args["columns"]))], [])

    def _create_primary_key(self, args, op, state) -> list[str]:
        return self._constraint_op(op, state, args.get("constraint_name"), [_py(list(args["columns"]))], [])

    def _create_check_constraint(self, args, op, state) -> list[str]:
        return self._constraint_op(op, state, args.get("constraint_name"), [_py(args["condition"])], [])

    def _drop_constraint(self, args, op, state) -> list[str]:
        keywords = [f"type_={_py(args['type'])}"] if args.get("type") else []
        return self._constraint_op(op, state, self._dropped_constraint(op, state), [], keywords)

    @staticmethod
    def _dropped_constraint(op, state) -> Any:
        """drop_constraint's name; unnamed, the database's name of the one it drops, by the state."""
        name = op.args.get("constraint_name")
        table = state.table(op.args["table_name"], op.args.get("schema")) if state is not None else None
        if name or table is None:
            return name
        found = op.dropped(table)
        return {"f": found} if found else None

    def _create_foreign_key(self, args, op, state) -> list[str]:
        keywords = [f"{k}={_py(args[k])}" for k in _FOREIGN_KEY_OPTIONS if args.get(k) is not None]
        keywords += self.schema(args, "referent_schema")
        name, table, schema = args.get("constraint_name"), args["source_table"], args.get("source_schema")
        positional = [_py(args["referent_table"]), _py(list(args["local_cols"])),
                      _py(list(args["remote_cols"]))]
        batch = f"batch_op.create_foreign_key({', '.join([_name(name), *positional, *keywords])})"
        plain = (f"op.create_foreign_key({', '.join([_name(name), _py(table), *positional, *keywords])}"
                 + (f", source_schema={_py(schema)}" if schema else "") + ")")
        return self._batched(op, state, table, schema, [batch], [plain])

    def _table_comment(self, call: str) -> list[str]:
        return ["if op.get_context().dialect.supports_comments:", f"    {call}"]

    def _create_table_comment(self, args, op, state) -> list[str]:
        parts = [_py(args["table_name"]), _py(args["comment"])]
        if "existing_comment" in args:
            parts.append(f"existing_comment={_py(args['existing_comment'])}")
        return self._table_comment(f"op.create_table_comment({', '.join([*parts, *self.schema(args)])})")

    def _drop_table_comment(self, args, op, state) -> list[str]:
        parts = [_py(args["table_name"])]
        if "existing_comment" in args:
            parts.append(f"existing_comment={_py(args['existing_comment'])}")
        return self._table_comment(f"op.drop_table_comment({', '.join([*parts, *self.schema(args)])})")

    def _execute(self, args, op, state) -> list[str]:
        # Alembic reads a string as text(), where ':name' would be a bind parameter
        call = f"op.execute(sa.text({_py(_literal(args['sqltext']))}))"
        dialects = args.get("dialects")
        if not dialects:
            return [call]
        names = _dialect_names(lambda impl: bool(impl.execute_names() & set(dialects)))
        return [f"if op.get_context().dialect.name in {names!r}:", f"    {call}"]

    def _bulk_insert(self, args, op, state) -> list[str]:
        known = {}
        if state is not None:
            table = state.table(args["table_name"], args.get("schema"))
            known = dict(table.columns) if table is not None and table.known else {}
        names = list(dict.fromkeys(key for row in args["rows"] for key in row))
        columns = [_call("sa.column", _py(n), *([self.type_(known[n]["type"])] if n in known else []))
                   for n in names]
        table = f"sa.table({', '.join([_py(args['table_name']), *columns, *self.schema(args)])})"
        return [f"op.bulk_insert({table}, {self.data(list(args['rows']))})"]


    # -- enum types: only where a named enum is a type of its own ---------------------------
    def _on_named_enum_dialects(self, lines: list[str]) -> list[str]:
        names = _named_enum_dialect()[1]
        return [f"if op.get_context().dialect.name in {names!r}:", *("    " + line for line in lines)]

    def _enum_type(self, op, values) -> str:
        import sqlalchemy as sa

        dialect = _named_enum_dialect()[0]
        cls = dialect.colspecs[sa.Enum]  # the dialect's own enum class (postgresql.ENUM)
        module = cls.__module__.split(".")[2]
        self.imports.add(f"from sqlalchemy.dialects import {module}")
        parts = [*map(_py, values), *(f"{k}={_py(v)}" for k, v in op.type_args().items())]
        return f"{module}.{cls.__name__}({', '.join(parts)})"

    def _create_enum(self, args, op, state) -> list[str]:
        return self._on_named_enum_dialects([f"{self._enum_type(op, args['values'])}.create(op.get_bind())"])

    def _drop_enum(self, args, op, state) -> list[str]:
        return self._on_named_enum_dialects([f"{self._enum_type(op, [])}.drop(op.get_bind())"])

    def _alter_type(self, args, op, state) -> list[str]:
        """ALTER TYPE as the dialect compiles yamig's own statement."""
        import types

        from runner.sql.dialects import impl_for

        dialect, names = _named_enum_dialect()
        statements = op.ddl(types.SimpleNamespace(impl=impl_for(names[0])))
        return self._on_named_enum_dialects(
            [f"op.execute(sa.text({_py(_literal(str(s.compile(dialect=dialect))))}))" for s in statements])

    _add_enum_value = _rename_enum_value = _alter_type

    # -- run_python -------------------------------------------------------------------------
    def _run_python(self, op, direction: str) -> list[str]:
        """The function imported and called as yamig calls it, with a context of the same
        attributes (config is None: the yamig config is not Alembic's)."""
        module, _, attribute = op.args["function"].partition(":")
        head = attribute.split(".")[0]
        self.imports.add("import types")
        revision = op.revision.revision if op.revision else ""
        context = (f"types.SimpleNamespace(revision={_py(revision)}, direction={_py(direction)}, "
                   f"dialect=op.get_context().dialect.name, config=None, location={_py(op.location)})")
        return [f"from {module} import {head}", f"{attribute}(op.get_bind(), {context})"]


def _literal(sql: str) -> str:
    """SQL for sa.text(), which would read ':name' as a bind parameter."""
    return sql.replace(":", chr(92) + ":")


def _named_enum_dialect() -> Any:
    """A SQLAlchemy dialect with named enum types (PostgreSQL's CREATE TYPE), and the names of all
    such: their enum class and ALTER TYPE statements are spelled with it."""
    import sqlalchemy as sa

    names = _dialect_names(lambda impl: impl.named_enum_types)
    return sa.dialects.registry.load(names[0])(), names


def _any_concurrent_dialect() -> str:
    """A dialect name whose impl runs some operations outside a transaction (PostgreSQL's
    CONCURRENTLY): the export asks with it whether an operation needs autocommit_block."""
    names = _dialect_names(lambda impl: impl.concurrent_indexes)
    return names[0] if names else ""
