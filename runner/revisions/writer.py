"""Writing a new revision file, for `revision` and `merge`: its name, its YAML text, the
schema reference its editor uses, and the check that what autogenerate wrote loads."""

from __future__ import annotations

import datetime
import os
import re
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

from runner.errors import ConfigError

if TYPE_CHECKING:
    from runner.config import Config


def new_rev_id() -> str:
    """A fresh revision id, as Alembic makes them (the last 12 hex digits of a uuid4)."""
    return uuid.uuid4().hex[-12:]


def write_revision(config: Config, graph, parents: tuple[str, ...], message: str | None,
                   branch_label, version_path: str | None, rev_id: str | None, depends_on,
                   directive=None) -> Path:
    """Write a new revision file on `parents`, check what it holds, run the post-write hooks."""
    from runner.revisions.filenames import render as render_file_name

    rev_id = rev_id or new_rev_id()
    if not re.fullmatch(r"[A-Za-z0-9_]+", rev_id):
        raise ConfigError(f"revision id {rev_id!r} may hold only letters, digits and underscores")
    if rev_id in graph.revisions:
        raise ConfigError(f"revision {rev_id} already exists",
                          location=graph.revisions[rev_id].path)
    folder = Path(version_path) if version_path else config.version_locations[0]
    folder.mkdir(parents=True, exist_ok=True)
    now = datetime.datetime.now()
    path = folder / (render_file_name(config, rev_id, message, now) + ".yaml")
    path.write_text(_render_revision(config, folder, rev_id, parents, message, now,
                                     _as_list(branch_label), _as_list(depends_on), directive),
                    encoding="utf-8")
    if directive is not None and (directive.upgrade_ops or directive.downgrade_ops):
        _check_written(path)
    config.print_stdout("Generating %s ...  done", os.path.relpath(path))
    from runner.revisions.hooks import run_hooks

    run_hooks(config, path)
    return path


def _check_written(path: Path) -> None:
    """Operations that autogenerate or process_revision_directives wrote must load: else no file."""
    from runner.errors import RevisionFileError
    from runner.revisions.loader import load_revision_file

    try:
        load_revision_file(path, check=True)
    except RevisionFileError as err:
        path.unlink()
        raise RevisionFileError(f"{err.message} (so the revision was not written)",
                                location=err.location,
                                hint="process_revision_directives set these operations: fix them there"
                                ) from None


def _as_list(value: str | list[str] | None) -> list[str]:
    if value is None:
        return []
    return [v for v in re.split(r"[,\s]+", value) if v] if isinstance(value, str) else list(value)


def _render_revision(config: Config, folder: Path, rev_id: str, parents: tuple[str, ...],
                     message: str | None, now: datetime.datetime,
                     labels: list[str], depends: list[str], directive=None) -> str:
    import json

    from runner.revisions.emit import section

    def scalar(value) -> str:
        return json.dumps(value)  # a JSON string is a valid YAML scalar

    down = "null" if not parents else scalar(parents[0]) if len(parents) == 1 else \
        "[" + ", ".join(scalar(p) for p in parents) + "]"
    reference = _schema_reference(config, folder)
    lines = [f"# yaml-language-server: $schema={reference}"] if reference else []
    lines += [f"# {line}".rstrip() for line in (directive.comments if directive else [])]
    lines += [f"revision: {scalar(rev_id)}", f"down_revision: {down}"]
    if labels:
        lines.append("branch_labels: [" + ", ".join(scalar(x) for x in labels) + "]")
    if depends:
        lines.append("depends_on: [" + ", ".join(scalar(x) for x in depends) + "]")
    lines += [f"message: {scalar(message or '')}",
              f"create_date: {scalar(now.strftime('%Y-%m-%d %H:%M:%S'))}",
              "",
              *section("upgrade", list(directive.upgrade_ops) if directive else []),
              ""]
    if directive is not None and directive.downgrade_ops is not None:
        lines += [*section("downgrade", list(directive.downgrade_ops)), ""]
    else:
        lines += ["# downgrade: left out, it is derived by reversing `upgrade`;",
                  "# write `downgrade: [...]` to give it by hand, or `downgrade: []` for nothing.",
                  ""]
    return "\n".join(lines)


def _schema_reference(config: Config, folder: Path) -> str | None:
    """The project's copy of the schema (`init` writes one) as a path relative to the new file.

    It is looked for in the script location and the folders above it up to the configuration
    file's (multidb keeps one copy for all databases). Never a path into the installed package
    or a source checkout, which would break on the next machine: without a copy, no line.
    """
    if not config.get_main_option("script_location"):
        return None
    top = Path(config.config_file_name).resolve().parent if config.config_file_name else None
    place = config.script_location.resolve()
    while True:
        candidate = place / "revision.schema.json"
        if candidate.is_file():
            try:
                return os.path.relpath(candidate, folder.resolve()).replace(os.sep, "/")
            except ValueError:  # another drive on Windows
                return candidate.as_uri()
        if top is None or place == top or place.parent == place or top not in place.parents:
            return None
        place = place.parent
