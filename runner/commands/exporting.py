"""The way back to Alembic: export_alembic writes a yamig history as Alembic scripts."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from runner.commands.base import argument, command_line, load_graph

if TYPE_CHECKING:
    from runner.config import Config


@command_line("Write the history as Alembic scripts, to go back to Alembic.",
      argument("out", help="where to write: an empty or new folder gets an Alembic project "
                           "(alembic.ini, env.py, script.py.mako, versions/); a folder with a "
                           "versions/ gets the scripts there, any other folder gets them itself"),
      name="export-alembic")
def export_alembic(config: Config, out: str) -> None:
    """Write one Alembic script per revision (the same ids, down_revision, branch_labels and
    depends_on; derived downgrades written out), and the project around them when `out` is new."""
    from runner.export.scaffold import write_scaffold
    from runner.export.scripts import export_history

    graph = load_graph(config)
    root = Path(out)
    scaffold = not root.exists() or not any(root.iterdir())
    versions = root / "versions" if scaffold or (root / "versions").is_dir() else root
    written = export_history(graph, versions)
    config.print_stdout("Wrote %d Alembic script(s) to %s", len(written), versions)
    if scaffold:
        project = Path(config.config_file_name).parent if config.config_file_name else None
        write_scaffold(root, graph.naming, project)
        ini = root / "alembic.ini"
        config.print_stdout("Wrote %s, %s and %s", ini, root / "env.py", root / "script.py.mako")
        config.print_stdout("Set sqlalchemy.url in %s, then: alembic -c %s current", ini, ini)
    elif graph.naming is not None:
        from runner.export.scaffold import metadata_line

        env = root / "env.py" if versions != root else "your env.py"
        config.print_stdout("Note: the scripts leave names to the naming convention: %s needs\n    %s",
                            env, metadata_line(graph.naming).splitlines()[0])
    config.print_stdout("A database yamig migrated keeps its rows in %s, which Alembic reads: "
                        "it starts where yamig left off", config.version_table)
