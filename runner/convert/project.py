"""Converting a whole Alembic history: each script read, its header and functions mapped,
the YAML written through runner.revisions.emit, and each written file loaded back."""

from __future__ import annotations

import ast
import os
import tempfile
from pathlib import Path

from runner.convert.ops import Walker
from runner.convert.report import MARKER, Problem, Unmappable
from runner.convert.scripts import Script, read_script, script_files, versions_folders
from runner.convert.values import Evaluator, Poison
from runner.errors import ConfigError, RevisionFileError


def convert_history(source: Path, out: Path, type_map: dict[str, str]) -> tuple[list[Path], list[Problem]]:
    """Write one YAML revision per script under `source` into `out`; the written files and
    what could not be mapped."""
    scripts = [p for folder in versions_folders(source) for p in script_files(folder)]
    if not scripts:
        raise ConfigError(f"{source}: no Alembic scripts (*.py) found",
                          hint="give an alembic.ini, a script_location folder or a versions folder")
    out.mkdir(parents=True, exist_ok=True)
    written, problems = [], []
    for path in scripts:
        shown = os.path.relpath(path) if not Path(path).is_absolute() else str(path)
        script = read_script(path, shown)
        text, probe, found = convert_script(script, type_map)
        target = out / (path.stem + ".yaml")
        target.write_text(text, encoding="utf-8")
        found += _check_loads(target, probe)
        written.append(target)
        problems += found
    return written, problems


def _header_value(script: Script, name: str, problems: list[Problem]):
    node = script.constants.get(name)
    if node is None:
        return None
    try:
        value = Evaluator(script, {}).value(node)
    except Unmappable as error:
        problems.append(Problem(script.shown, node.lineno, f"{name} = ...", error.why))
        return None
    if isinstance(value, tuple):
        value = list(value)
    if value is not None and not isinstance(value, (str, list)):
        problems.append(Problem(script.shown, node.lineno, f"{name} = ...", "not a string or a list"))
        return None
    return value


def convert_script(script: Script, type_map: dict[str, str]) -> tuple[str, str, list[Problem]]:
    """The YAML text of one script, the same without its markers (to check it loads), and
    its Problems."""
    from runner.revisions.emit import flow, scalar

    problems: list[Problem] = []
    revision = _header_value(script, "revision", problems)
    if not isinstance(revision, str):
        raise RevisionFileError("no `revision = \"...\"` in the script",
                                location=f"{script.shown}:1",
                                hint="an Alembic script names its id in a module-level `revision`")
    walker = Walker(script, type_map)
    module = Evaluator(script, type_map)
    upgrade = _function(script, "upgrade", walker, module)
    downgrade = _downgrade(script, walker, module)
    lines = [f"# converted by yamig convert from {script.path.name}",
             f"revision: {scalar(revision)}",
             f"down_revision: {flow(_header_value(script, 'down_revision', problems))}"]
    for key in ("branch_labels", "depends_on"):
        value = _header_value(script, key, problems)
        if value:
            lines.append(f"{key}: {flow(value if isinstance(value, list) else [value])}")
    lines.append(f"message: {scalar(script.message())}")
    date = script.create_date()
    if date:
        lines.append(f"create_date: {scalar(date)}")
    return (_render(lines, upgrade, downgrade, True), _render(lines, upgrade, downgrade, False),
            problems + walker.problems)


def _render(header: list[str], upgrade: list, downgrade, markers: bool) -> str:
    from runner.revisions.emit import flow, section

    def kept(ops: list) -> list:
        if markers:
            return ops
        return [{"autocommit_block": kept(o["autocommit_block"])} if "autocommit_block" in o else o
                for o in ops if MARKER not in o]

    lines = [*header, "", *section("upgrade", kept(upgrade)), ""]
    if isinstance(downgrade, list):
        lines += [*section("downgrade", kept(downgrade)), ""]
    else:
        lines += [f"downgrade: {flow(downgrade)}", ""]
    return "\n".join(lines)


def _function(script: Script, name: str, walker: Walker, module: Evaluator) -> list[dict]:
    function = script.functions.get(name)
    if function is None:
        walker.problems.append(Problem(script.shown, 1, f"{name}()", "the script has no such function"))
        return []
    if function.args.args or function.args.vararg or function.args.kwarg or function.args.kwonlyargs:
        walker.problems.append(Problem(script.shown, function.lineno, f"def {name}(...)",
                                       "a function taking arguments (multidb?) convert cannot map"))
        return []
    return walker.body(function.body, module.child({}))


def _downgrade(script: Script, walker: Walker, module: Evaluator):
    """[] for `pass`; "irreversible" (with the message) for a body that only raises."""
    function = script.functions.get("downgrade")
    if function is not None:
        body = [s for s in function.body if not isinstance(s, ast.Pass)
                and not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))]
        if len(body) == 1 and isinstance(body[0], ast.Raise):
            message = _raise_message(body[0], module)
            return {"irreversible": message} if message else "irreversible"
    return _function(script, "downgrade", walker, module)


def _raise_message(node: ast.Raise, module: Evaluator) -> str | None:
    exc = node.exc
    if isinstance(exc, ast.Call) and len(exc.args) == 1 and not exc.keywords:
        try:
            value = module.child({}).value(exc.args[0])
        except Unmappable:
            return None
        return value if isinstance(value, str) and not isinstance(value, Poison) else None
    return None


def _check_loads(target: Path, probe_text: str) -> list[Problem]:
    """Load the written file without its markers (they are meant to refuse): anything else
    that does not load is a Problem of convert's own, never a silent bad file."""
    from runner.revisions.loader import load_revision_file

    with tempfile.TemporaryDirectory() as scratch:
        probe = Path(scratch) / target.name
        probe.write_text(probe_text, encoding="utf-8")
        try:
            load_revision_file(probe, check=True)
        except RevisionFileError as error:
            import re

            where = re.match(r"[^:]*:(\d+)", (error.location or "").replace(str(probe), "f"))
            return [Problem(str(target), int(where.group(1)) if where else 1,
                            "the converted revision does not load", error.message)]
    return []
