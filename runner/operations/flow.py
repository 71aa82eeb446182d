"""Operations that change how the others run: autocommit_block, and run_python (Python for data).

- `autocommit_block: [ops]` (Alembic's `autocommit_block()`): what comes before it in its
  revision is committed, its operations run with each statement committing itself, then a new
  transaction holds the rest and the version rows (runtime.context.parts_of). Its reverse is a
  block of its operations' reverses, in reverse order.
- `run_python: {function: "pkg.module:func", reverse, sql, reverse_sql}` (Django's RunPython):
  online, `func(connection, context)` is called in the revision's transaction, imported with the
  project directory first on sys.path. Review never imports it: like `execute`, the schema is
  opaque after it. `--sql` prints its `sql`, or refuses the run before printing anything.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from runner.errors import MigrationError, RevisionFileError
from runner.operations.base import Operation, from_item

if TYPE_CHECKING:
    from runner.runtime.context import MigrationContext
    from runner.schema.state import SchemaState


class AutocommitBlock(Operation):
    name = "autocommit_block"
    list_argument = "operations"

    def __init__(self, args: dict[str, Any], **kw: Any) -> None:
        super().__init__(args, **kw)
        self._contents = tuple(
            from_item(item, ("allow", "derived"), self.revision, self.path + (self.name, index))
            for index, item in enumerate(args.get("operations") or ()))
        self.args = {"operations": [op.to_dict() for op in self._contents]}  # as written, parsed

    @classmethod
    def holding(cls, ops: list[Operation], derived_from: Operation) -> AutocommitBlock:
        """A block of `ops` that keep their own places (a derived downgrade's reversed block)."""
        block = cls({}, revision=derived_from.revision, derived_from=derived_from)
        block._contents = tuple(ops)
        block.args = {"operations": [op.to_dict() for op in ops]}
        return block

    @property
    def contents(self) -> tuple[Operation, ...]:
        return self._contents

    def validate(self) -> None:
        for index, op in enumerate(self._contents):
            if op.contents or isinstance(op, AutocommitBlock):
                raise RevisionFileError(
                    "an autocommit_block cannot hold another autocommit_block",
                    location=self.arg_location(index),
                    hint="write its operations in the outer block: they run outside a transaction already")

    def state_forwards(self, state: SchemaState) -> None:
        for op in self._contents:
            op.state_forwards(state)

    def reverse(self, state: SchemaState) -> list[Operation]:
        """Its operations reversed in reverse order, in a block of their own; each reversed
        against the state just before it (followed on a copy: the caller applies the block)."""
        scratch = state.copy()
        undo: list[list[Operation]] = []
        for op in self._contents:
            undo.append(op.reverse(scratch))
            op.state_forwards(scratch)
        return [AutocommitBlock.holding([op for group in reversed(undo) for op in group], self)]

    def tables_changed(self, state: SchemaState) -> set[tuple[str | None, str]] | None:
        keys: set[tuple[str | None, str]] = set()
        for op in self._contents:
            changed = op.tables_changed(state)
            if changed is None:
                return None
            keys |= changed
        return keys

    def refuse_offline(self) -> None:
        for op in self._contents:
            op.refuse_offline()

    def runs_outside_transaction(self, dialect: Any) -> bool:
        return True

    def ddl(self, context: MigrationContext) -> list[Any]:
        """Its operations' statements (a run splits it into parts first, runtime.context.parts_of)."""
        return [statement for op in self._contents for statement in op.ddl(context)]

    def to_dict(self) -> dict[str, Any]:
        data = super().to_dict()
        data[self.name] = data[self.name]["operations"]
        return data


FUNCTION_PATH = re.compile(r"[A-Za-z_]\w*(\.[A-Za-z_]\w*)*:[A-Za-z_]\w*(\.[A-Za-z_]\w*)*")


class FunctionFailed(Exception):
    """run_python's function could not be imported, or raised: the statement failure of a run
    (runtime.online), so the revision rolls back and the error names the operation."""


@dataclass(frozen=True)
class PythonContext:
    """What run_python's function is given beside the connection."""

    revision: str       # the revision's id
    direction: str      # "upgrade" or "downgrade"
    dialect: str        # the SQLAlchemy dialect's name
    config: Any         # the project's runner.config.Config
    location: str       # the operation's place: file:line:column


@dataclass(frozen=True)
class PythonCall:
    """The one "statement" of run_python online: the function, called with the connection."""

    op: RunPython

    def __str__(self) -> str:  # what runtime.undo says it ran
        return f"run_python {self.op.args['function']}"

    def __call__(self, connection: Any, direction: str, config: Any) -> None:
        op = self.op
        path = op.args["function"]
        function = import_function(path, config)
        context = PythonContext(op.revision.revision if op.revision else "", direction,
                                connection.dialect.name, config, op.location)
        try:
            function(connection, context)
        except Exception as err:  # the user's code: any error fails the revision, located
            text = str(err).strip().splitlines()
            raise FunctionFailed(f"{path} raised {type(err).__name__}"
                                 + (f": {text[0]}" if text else "")) from err


def import_function(path: str, config: Any) -> Any:
    """`package.module:attribute` imported with the project directory (the config file's folder)
    first on sys.path, so that a project's own modules are found; FunctionFailed otherwise."""
    import importlib
    import sys
    from pathlib import Path

    module_name, _, attribute = path.partition(":")
    name = getattr(config, "config_file_name", None)
    folder = str(Path(name).resolve().parent if name else Path.cwd())
    sys.path.insert(0, folder)
    try:
        target: Any = importlib.import_module(module_name)
        for part in attribute.split("."):
            target = getattr(target, part)
    except Exception as err:  # ImportError, AttributeError, or the module's own error
        raise FunctionFailed(f"cannot import {path}: {type(err).__name__}: {err}") from err
    finally:
        sys.path.remove(folder)
    if not callable(target):
        raise FunctionFailed(f"{path} is not a function")
    return target


class RunPython(Operation):
    name = "run_python"

    def validate(self) -> None:
        for key in ("function", "reverse"):
            value = self.args.get(key)
            if value is not None and not (isinstance(value, str) and FUNCTION_PATH.fullmatch(value)):
                raise RevisionFileError(
                    f"`{key}` is {value!r}; expected an import path, package.module:function",
                    location=self.arg_location(key),
                    hint="e.g. `myapp.data:fill_slugs`; the project's folder (the config file's) is "
                         "searched first")
        if "reverse_sql" in self.args and "reverse" not in self.args:
            raise RevisionFileError(
                "`reverse_sql` is what --sql prints for `reverse`, and there is no `reverse`",
                location=self.key_location("reverse_sql"),
                hint="add `reverse: package.module:function`, or leave `reverse_sql` out")

    def state_forwards(self, state: SchemaState) -> None:
        state.opaque = True  # Python may do anything: the schema is no longer known (as execute)

    def reverse(self, state: SchemaState) -> list[Operation]:
        if "reverse" not in self.args:
            raise MigrationError(
                "`run_python` has no `reverse`: the revision cannot be downgraded past it",
                location=self.location,
                hint="give `reverse: package.module:function`, or write a `downgrade:` list "
                     "(`downgrade: irreversible` if it cannot be undone)")
        args = {"function": self.args["reverse"], "reverse": self.args["function"]}
        if "reverse_sql" in self.args:
            args["sql"] = self.args["reverse_sql"]
        if "sql" in self.args:
            args["reverse_sql"] = self.args["sql"]
        return [self.derive(RunPython, args)]

    def tables_changed(self, state: SchemaState) -> set[tuple[str | None, str]] | None:
        return None  # any

    def refuse_offline(self) -> None:
        if "sql" not in self.args:
            raise MigrationError(
                f"run_python calls {self.args['function']}, which --sql cannot print",
                location=self.location,
                hint="give the operation `sql:` (the SQL the script should hold in its place), "
                     "or run the migration online")

    def ddl(self, context: MigrationContext) -> list[Any]:
        if not context.as_sql:
            return [PythonCall(self)]
        import sqlalchemy as sa

        self.refuse_offline()
        # text() would read ':name' as a bind parameter; in a migration it is literal SQL
        return [sa.text(self.args["sql"].replace(":", "\\:"))]
