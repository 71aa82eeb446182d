"""Alembic's scripts as files and syntax trees: where they are, their header (ids, message,
date), their imports and module-level constants. Nothing here imports or runs a script."""

from __future__ import annotations

import ast
import configparser
import re
from dataclasses import dataclass, field
from pathlib import Path

from runner.errors import ConfigError

_NOT_SCRIPT = re.compile(r"^(__init__|env)\.py$")


def versions_folders(source: Path) -> list[Path]:
    """The versions folders of `source`: an alembic.ini (its script_location and
    version_locations), a script_location folder (its versions/), or a versions folder."""
    if source.is_file():
        return _from_ini(source)
    if not source.is_dir():
        raise ConfigError(f"{source}: no such file or folder",
                          hint="give an alembic.ini, a script_location folder or a versions folder")
    if (source / "alembic.ini").is_file() and not (source / "versions").is_dir():
        return _from_ini(source / "alembic.ini")
    if (source / "versions").is_dir() and (source / "env.py").is_file():
        return [source / "versions"]
    return [source]


def _from_ini(ini: Path) -> list[Path]:
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read(ini, encoding="utf-8")
    except configparser.Error as error:
        raise ConfigError(f"{ini}: cannot read it: {error}") from None
    section = "alembic" if parser.has_section("alembic") else next(iter(parser.sections()), None)
    here = str(ini.resolve().parent)

    def option(name: str) -> str | None:
        if section is None or not parser.has_option(section, name):
            return None
        return parser.get(section, name).replace("%(here)s", here).replace("%%", "%")

    location = option("script_location")
    if not location:
        raise ConfigError(f"{ini}: no script_location in [{section or 'alembic'}]",
                          hint="give the script_location folder or the versions folder instead")
    if ":" in location and not Path(location).is_absolute() and not re.match(r"^[A-Za-z]:", location):
        raise ConfigError(f"{ini}: script_location {location!r} names a package; convert imports none",
                          hint="give the script_location folder or the versions folder instead")
    base = ini.resolve().parent
    folders = [base / location / "versions"]
    extra = option("version_locations")
    if extra:
        separator = {"space": " ", "newline": "\n", ":": ":", ";": ";", ",": ","}.get(
            option("version_path_separator") or option("path_separator") or "", None)
        parts = extra.split(separator) if separator else re.split(r"[,\s]+", extra)
        folders = [base / p for p in parts if p]
    return folders


def script_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.glob("*.py") if not _NOT_SCRIPT.match(p.name))


@dataclass
class Script:
    """One Alembic script: its tree, header values, import aliases and module constants."""

    path: Path
    shown: str
    tree: ast.Module
    aliases: dict[str, str] = field(default_factory=dict)   # local name -> dotted import path
    constants: dict[str, ast.expr] = field(default_factory=dict)  # module-level name -> value node
    functions: dict[str, ast.FunctionDef] = field(default_factory=dict)

    @property
    def docstring(self) -> str:
        return (ast.get_docstring(self.tree, clean=True) or "").strip()

    def message(self) -> str:
        """Alembic's `Script.doc`: the docstring's first paragraph, here on one line."""
        first = re.split("\n\n", self.docstring)[0]
        if first.startswith("Revision ID:"):
            return ""
        return " ".join(line.strip() for line in first.splitlines()).strip()

    def create_date(self) -> str | None:
        match = re.search(r"^Create Date:\s*(.+?)\s*$", self.docstring, re.M)
        return match.group(1) if match else None


def read_script(path: Path, shown: str) -> Script:
    from runner.errors import RevisionFileError

    try:
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=shown)
    except (SyntaxError, UnicodeDecodeError) as error:
        line = getattr(error, "lineno", None) or 1
        raise RevisionFileError(f"not a Python script convert can read: {error}",
                                location=f"{shown}:{line}") from None
    script = Script(path, shown, tree)
    for node in tree.body:
        if isinstance(node, ast.Import):
            for name in node.names:
                if name.asname:
                    script.aliases[name.asname] = name.name
                else:
                    top = name.name.split(".")[0]
                    script.aliases[top] = top
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for name in node.names:
                script.aliases[name.asname or name.name] = f"{node.module}.{name.name}"
        elif isinstance(node, ast.Assign) and len(node.targets) == 1 \
                and isinstance(node.targets[0], ast.Name):
            script.constants[node.targets[0].id] = node.value
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None:
            script.constants[node.target.id] = node.value
        elif isinstance(node, ast.FunctionDef):
            script.functions[node.name] = node
    return script
