"""The public API: Alembic's commands, each taking the Config first (defined by family in
runner/commands/).

Graph-only commands (heads, history, revision) import neither SQLAlchemy nor
the executor; database commands import them when they run.
"""

from runner.commands.authoring import check, edit, merge, revision
from runner.commands.base import CommandLine, load_graph
from runner.commands.browse import branches, heads, history, show, validate
from runner.commands.convert import convert
from runner.commands.database import current, downgrade, ensure_version, repair, stamp, upgrade
from runner.commands.exporting import export_alembic
from runner.commands.picture import graph
from runner.commands.project import init, list_templates
from runner.commands.rewriting import rebase, squash
from runner.commands.status import status

# the commands `yamig` offers, in the order `yamig --help` lists them
COMMANDS = (upgrade, downgrade, current, heads, history, revision, check, init, list_templates,
            stamp, ensure_version, edit, validate, branches, show, merge, repair, graph,
            status, squash, rebase, convert, export_alembic)

__all__ = ["COMMANDS", "CommandLine", "load_graph", *(c.__name__ for c in COMMANDS)]
