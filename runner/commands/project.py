"""The commands that create a project: list_templates, init."""

from __future__ import annotations

from typing import TYPE_CHECKING

from runner.commands.base import _arg, _cli

if TYPE_CHECKING:
    from runner.config import Config


@_cli("List available templates.")
def list_templates(config: Config) -> None:
    """List available templates."""
    from runner.revisions.scaffold import list_templates as run

    run(config)


@_cli("Initialize a new scripts directory.",
      _arg("directory", help="the folder to create (the script_location)"),
      _arg("-t", "--template", default="generic",
           help="project template (default: generic; see list_templates)"),
      _arg("--package", action="store_true", help="accepted for Alembic compatibility"))
def init(config: Config, directory: str, template: str = "generic", package: bool = False) -> None:
    """Initialize a new scripts directory: versions/, a README, the schema, and the configuration
    (yamig.ini; with the `pyproject` template, [tool.yamig] in pyproject.toml)."""
    from runner.revisions.scaffold import init as run

    run(config, directory, template, package)
