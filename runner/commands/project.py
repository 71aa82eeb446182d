"""The commands that create a project: list_templates, init."""

from __future__ import annotations

from typing import TYPE_CHECKING

from runner.commands.base import argument, command_line

if TYPE_CHECKING:
    from runner.config import Config


@command_line("List available templates.")
def list_templates(config: Config) -> None:
    """List available templates."""
    from runner.revisions.scaffold import list_templates as run

    run(config)


@command_line("Initialize a new scripts directory.",
      argument("directory", help="the folder to create (the script_location)"),
      argument("-t", "--template", default="generic",
           help="project template (default: generic; see list_templates)"),
      argument("--package", action="store_true", help="accepted for Alembic compatibility"))
def init(config: Config, directory: str, template: str = "generic", package: bool = False) -> None:
    """Initialize a new scripts directory: versions/, a README, the schema, and the configuration
    (yamig.ini; with the `pyproject` template, [tool.yamig] in pyproject.toml)."""
    from runner.revisions.scaffold import init as run

    run(config, directory, template, package)
