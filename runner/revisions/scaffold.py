"""Project scaffolding: `init` writes a new project from one of runner/templates, which
`list_templates` lists."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

from runner.errors import ConfigError

if TYPE_CHECKING:
    from runner.config import Config


def list_templates(config: Config) -> None:
    """List available templates."""
    config.print_stdout("Available templates:\n")
    for name, description in _templates().items():
        config.print_stdout("%s - %s", name, description)
    config.print_stdout("\nTemplates are used via the 'init' command, e.g.:")
    config.print_stdout("\n  yamig init --template generic ./scripts")


def _templates() -> dict[str, str]:
    return {"generic": "Generic single-database configuration.",
            "multidb": "Several databases, each with its own URL and versions folder.",
            "pyproject": "Single-database configuration in pyproject.toml under [tool.yamig]."}


def init(config: Config, directory: str, template: str = "generic", package: bool = False) -> None:
    """Initialize a new scripts directory: versions/, a README, the schema, and the configuration
    (yamig.ini; with the `pyproject` template, [tool.yamig] in pyproject.toml)."""
    from runner.revisions.checks import schema_path

    if template not in _templates():
        raise ConfigError(f"no template named {template!r}",
                          hint="`yamig list_templates` shows the templates")
    source = Path(__file__).resolve().parent.parent / "templates" / template
    target = Path(directory)
    if target.exists() and any(target.iterdir()):
        raise ConfigError(f"directory {directory} already exists and is not empty",
                          hint="choose a new directory name")
    folders = [target / d / "versions" for d in ("main", "analytics")] if template == "multidb" \
        else [target / "versions"]
    for folder in folders:
        folder.mkdir(parents=True, exist_ok=True)
        config.print_stdout("Creating directory %s ...  done", os.path.abspath(folder))
        (folder / ".gitignore").write_text(".yamig-cache\n", encoding="utf-8")
    shutil.copyfile(source / "README", target / "README")
    shutil.copyfile(schema_path(), target / "revision.schema.json")
    ini = Path(config.config_file_name or "yamig.ini")
    if template == "pyproject":
        ini = ini if ini.suffix == ".toml" else ini.parent / "pyproject.toml"
    location = os.path.relpath(target.resolve(), ini.resolve().parent).replace(os.sep, "/")
    template_file = source / ("pyproject.toml" if template == "pyproject" else "yamig.ini")
    text = template_file.read_text(encoding="utf-8").replace("{script_location}", location)
    if template == "pyproject" and ini.exists():
        existing = ini.read_text(encoding="utf-8")
        if "[tool.yamig]" in existing:
            config.print_stdout("%s already has [tool.yamig], skipping", os.path.abspath(ini))
        else:
            ini.write_text(existing.rstrip("\n") + "\n" + text, encoding="utf-8")
            config.print_stdout("Appending [tool.yamig] to %s ...  done", os.path.abspath(ini))
    elif ini.exists():
        config.print_stdout("File %s already exists, skipping", os.path.abspath(ini))
    else:
        ini.write_text(text.lstrip("\n"), encoding="utf-8")
        config.print_stdout("Generating %s ...  done", os.path.abspath(ini))
    config.print_stdout("Please edit configuration/connection settings in %r before proceeding.",
                        str(ini))
