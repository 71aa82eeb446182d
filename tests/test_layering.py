"""runner/'s imports keep its layers: read with `ast`, function-level imports included.

An import a module makes inside a function still ties the two modules together (it only
postpones the cost), so the layers count it; `if TYPE_CHECKING:` imports never run and are left
out. tests/commands/test_cli.py keeps guarding what graph-only commands import at run time.
"""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx

RUNNER = Path(__file__).resolve().parent.parent / "runner"

# Top to bottom: a module imports only modules of the layers below its own. The modules of one
# layer are independent of each other (a package's submodules may import one another). A new
# module needs a place here.
LAYERS: list[tuple[str, ...]] = [
    ("__main__", "testing"),             # testing: the pytest plugin and its built-in tests
    ("cli", "engine"),                    # engine: runner.runtime.engine's public spelling
    ("command",),
    ("commands",),                        # the commands by family, re-exported as runner.command
    ("convert",),                         # Alembic histories into yamig, and verified against it
    ("export",),                          # yamig histories back into Alembic scripts
    ("rewrite",),                         # squash and rebase: the history's files rewritten
    ("revisions.writer", "revisions.scaffold"),
    ("autogenerate.generate", "review.validate"),
    ("runtime.offline", "autogenerate.diff", "revisions.derive"),
    ("runtime.executor",),                # online runs: the lock, the plan, the parts
    ("runtime.undo",),                    # what a failed revision ran where DDL commits itself
    ("runtime.drift",),                   # the applied history against today's files
    ("runtime.online",),
    ("runtime.context",),                 # the migration context both runs walk a plan with
    ("runtime.transactions", "runtime.version_table", "runtime.engine", "runtime.history"),
    ("review.semantics", "autogenerate.compare"),
    ("review.findings",),                 # findings take their severity and fix from the registry
    ("review.rules", "revisions.loader"),  # loading a file checks it against the contract
    ("revisions.replay", "revisions.checksum"),  # one replay into a schema state; checksums
    ("revisions.checks",),                # the contract: the only module that parses operation lists
    ("operations",),
    ("sql.dialects",),                    # each dialect's impl and spellings; operations ask impl_for
    ("sql.ddl_alter", "sql.rebuild", "schema.renames", "schema.key_indexes"),
    ("schema.constraints",),              # above ddl: autoincrement_column builds a column with it
    ("sql.ddl",),
    ("schema.state",),
    # signatures: writes types' snapshot
    ("schema.references", "schema.typerender", "schema.signatures"),
    ("schema.type_arguments",),           # type arguments against the constructors' snapshot
    ("schema.types",),
    ("graph", "autogenerate.models", "revisions.hooks", "revisions.files", "revisions.document",
     "revisions.fastschema", "revisions.filenames", "revisions.emit", "directives"),
    ("config",),
    ("__init__", "revisions.revision", "errors", "schema.naming", "masking", "templates",
     *(PACKAGE_DOCSTRINGS := (
        "schema", "revisions", "runtime", "sql", "review", "autogenerate"))),
]

# (importer, imported) pairs allowed against LAYERS, each with its reason. None remain.
EXCEPTIONS: dict[tuple[str, str], str] = {}

# (importer, private name) pairs allowed, each with its reason.
PRIVATE_EXCEPTIONS: dict[tuple[str, str], str] = {}


def _modules() -> dict[str, Path]:
    """Dotted names under runner (`operations.base`; the package itself is `__init__`)."""
    found = {}
    for path in sorted(RUNNER.rglob("*.py")):
        parts = list(path.relative_to(RUNNER).with_suffix("").parts)
        if parts[-1] == "__init__" and len(parts) > 1:
            parts.pop()
        found[".".join(parts)] = path
    return found


MODULES = _modules()


def _imports(name: str) -> list[tuple[str, str, int, bool, bool]]:
    """(imported runner module, imported name or "", line, at module level, under TYPE_CHECKING)."""
    path = MODULES[name]
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = []

    def target(dotted: str) -> str | None:
        while dotted and dotted not in MODULES:
            dotted = dotted.rpartition(".")[0]
        return dotted or None

    def visit(node: ast.AST, top: bool, typing_only: bool) -> None:
        for child in ast.iter_child_nodes(node):
            inner_top = top and not isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef,
                                                        ast.Lambda))
            inner_typing = typing_only or (isinstance(child, ast.If)
                                           and "TYPE_CHECKING" in ast.unparse(child.test))
            if isinstance(child, ast.Import):
                for alias in child.names:
                    if alias.name == "runner" or alias.name.startswith("runner."):
                        module = target(alias.name[len("runner."):] if "." in alias.name else "")
                        found.append((module or "__init__", "", child.lineno, top, typing_only))
            elif isinstance(child, ast.ImportFrom):
                if child.level:
                    base = package.split(".")[: len(package.split(".")) - child.level + 1]
                    dotted = ".".join([*base, *([child.module] if child.module else [])])
                elif child.module == "runner" or (child.module or "").startswith("runner."):
                    dotted = child.module[len("runner."):] if "." in child.module else ""
                else:
                    continue
                for alias in child.names:
                    whole = f"{dotted}.{alias.name}" if dotted else alias.name
                    module = whole if whole in MODULES else (target(dotted) or "__init__")
                    found.append((module, alias.name, child.lineno, top, typing_only))
            visit(child, inner_top, inner_typing)

    visit(ast.parse(path.read_text(encoding="utf-8")), True, False)
    return [row for row in found if row[0] != name]


IMPORTS = {name: _imports(name) for name in MODULES}


def _layer(name: str) -> tuple[int, str]:
    """(layer index, the LAYERS entry the module belongs to)."""
    for index, layer in enumerate(LAYERS):
        for entry in layer:  # a package named only for its docstring holds no submodule
            if name == entry or (name.startswith(entry + ".") and entry not in PACKAGE_DOCSTRINGS):
                return index, entry
    raise AssertionError(f"runner/{name.replace('.', '/')}.py has no layer: add it to LAYERS")


def _where(name: str, line: int) -> str:
    return f"{MODULES[name].relative_to(RUNNER.parent)}:{line}"


def test_no_private_name_is_imported_from_another_module():
    found = [f"{_where(name, line)}: imports `{imported}` from runner.{module}"
             for name, rows in IMPORTS.items() for module, imported, line, _, _ in rows
             if imported.startswith("_") and not imported.startswith("__")
             and (name, imported) not in PRIVATE_EXCEPTIONS]
    assert found == [], "give these names a public spelling:\n" + "\n".join(found)


def test_module_level_imports_have_no_cycle():
    graph = nx.DiGraph((name, module) for name, rows in IMPORTS.items()
                       for module, _, _, top, typing_only in rows if top and not typing_only)
    cycles = [sorted(c) for c in nx.strongly_connected_components(graph) if len(c) > 1]
    assert cycles == []


def test_no_import_cycle_even_inside_functions():
    """Stricter than Python needs: a cycle through a function-level import fails nothing at
    import time, but the modules on it can no longer be read or tested apart."""
    graph = nx.DiGraph((name, module) for name, rows in IMPORTS.items()
                       for module, _, _, _, typing_only in rows if not typing_only)
    cycles = [sorted(c) for c in nx.strongly_connected_components(graph) if len(c) > 1]
    assert cycles == []


def test_every_module_has_a_layer():
    for name in MODULES:
        _layer(name)


def test_a_lower_layer_never_imports_a_higher_one():
    found = []
    for name, rows in IMPORTS.items():
        level, entry = _layer(name)
        for module, _, line, _, typing_only in rows:
            other_level, other_entry = _layer(module)
            allowed = other_level > level or other_entry == entry
            if not typing_only and not allowed and (name, module) not in EXCEPTIONS:
                relation = "a higher layer" if other_level < level else "its own layer"
                found.append(f"{_where(name, line)}: runner.{name} imports runner.{module}, "
                             f"in {relation}")
    assert found == [], "\n".join(found)


def test_the_exceptions_are_still_needed():
    imported = {(name, module) for name, rows in IMPORTS.items() for module, *_ in rows}
    assert [pair for pair in EXCEPTIONS if pair not in imported] == []
    names = {(name, imported) for name, rows in IMPORTS.items() for _, imported, *_ in rows}
    assert [pair for pair in PRIVATE_EXCEPTIONS if pair not in names] == []
