"""The public API: Alembic's commands, each taking the Config first.

Graph-only commands (heads, history, revision) import neither SQLAlchemy nor
the executor; database commands import them when they run.
"""

from __future__ import annotations

import datetime
import functools
import os
import re
import shutil
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

from runner.errors import ConfigError, ResolutionError, YamigError

if TYPE_CHECKING:
    from runner.config import Config
    from runner.graph import RevisionGraph


# -- shared plumbing ------------------------------------------------------------------------

def _each_database(fn=None, *, single: bool = False):
    """Run a command on each database of a several-database project, in turn.

    Commands that write one file (`single`) need the database named with -n/--name.
    """
    def decorate(command):
        @functools.wraps(command)
        def run(config: Config, *args, **kwargs):
            names = config.databases
            if not names:
                return command(config, *args, **kwargs)
            if single:
                raise ConfigError(
                    f"this project has several databases ({', '.join(names)}): say which one",
                    hint=f"pass -n/--name, e.g. yamig -n {names[0]} {command.__name__} ...")
            result = None
            for name in names:
                if len(names) > 1:
                    config.print_stdout("[%s]", name)
                result = command(config.for_database(name), *args, **kwargs)
            return result
        return run
    return decorate(fn) if fn is not None else decorate


def load_graph(config: Config) -> RevisionGraph:
    """Every revision under the configured version locations, as a checked graph."""
    from runner.graph import RevisionGraph
    from runner.loader import load_revisions

    return RevisionGraph(load_revisions(config.version_locations))


def _describer(graph: RevisionGraph):
    from runner.display import Describer

    return Describer(graph.revisions.values(), graph.labels_of)


def _current_rows(config: Config) -> tuple[str, ...]:
    from runner.engine import connect
    from runner.executor import VersionTable

    with connect(config) as connection:
        caller_transaction = connection.in_transaction()
        rows = VersionTable(config.version_table, config.version_table_schema).heads(connection)
        if not caller_transaction and connection.in_transaction():
            connection.rollback()
    return rows


# -- database commands ----------------------------------------------------------------------

@_each_database
def upgrade(config: Config, revision: str, sql: bool = False, tag: str | None = None,
            check: bool = True) -> None:
    """Upgrade to a later version.

    `check`: first replay the revisions to run as validate does, from the database's revision,
    and refuse the run before anything runs when that finds an error.
    """
    from runner.checks import operations

    graph = load_graph(config)
    start, revision = _split_range(revision, sql)
    _migrate(config, graph, sql, tag,
             plan=lambda current: graph.upgrade_plan(current, revision),
             ops_for=lambda step: operations(step.revision, "upgrade") or [],
             start=start, check=check)


@_each_database
def downgrade(config: Config, revision: str, sql: bool = False, tag: str | None = None,
              check: bool = True) -> None:
    """Revert to a previous version (`check`: as for upgrade, on the downgrades to run)."""
    from runner.derive import downgrade_operations

    graph = load_graph(config)
    if sql and ":" not in revision:
        raise ConfigError("downgrade with --sql needs a range: <from>:<to>",
                          hint="e.g. yamig downgrade --sql head:base")
    start, revision = _split_range(revision, sql)
    derived: dict = {}

    def plan(current):
        steps = graph.downgrade_plan(current, revision)
        derived.update(downgrade_operations(graph, [s.revision.revision for s in steps]))
        return steps

    _migrate(config, graph, sql, tag, plan=plan,
             ops_for=lambda step: derived[step.revision.revision], start=start, check=check)


def _split_range(revision: str, sql: bool) -> tuple[str | None, str]:
    """`start:end` is for offline mode only, as in Alembic."""
    if ":" not in revision:
        return None, revision
    if not sql:
        raise ConfigError(f"a range ({revision}) is only allowed with --sql",
                          hint="online, give just the target; the start is the database's version")
    start, end = revision.split(":", 1)
    return start or None, end


def _known_rows(graph, plan):
    """Refuse to plan from version rows that no revision file defines."""
    def checked(current):
        for row in current:
            if row not in graph.revisions:
                raise ResolutionError(
                    f"the database is at revision {row!r}, which no revision file defines",
                    hint="check version_locations (or -c/--config), or restore that revision's file; "
                         "`yamig stamp` can set the version table by hand")
        return plan(current)
    return checked


def _checked(config: Config, graph, plan, ops_for, check: bool):
    """The plan, refused before anything runs when the replay finds errors in the steps to run."""
    if not check:
        return plan

    def checked(current):
        steps = plan(current)
        if steps:
            from runner.findings import disabled_rules
            from runner.semantics import check_run, run_refused

            errors = check_run(graph, current, steps, ops_for, disabled_rules(config))
            if errors:
                raise run_refused(errors)
        return steps
    return checked


def _migrate(config: Config, graph, sql: bool, tag: str | None, plan, ops_for, start,
             check: bool = True) -> None:
    plan = _checked(config, graph, _known_rows(graph, plan), ops_for, check)
    if sql:
        from runner.offline import run_offline

        run_offline(config, graph, plan, ops_for, start, tag)
        return
    from runner.engine import connect
    from runner.executor import migrate

    with connect(config) as connection:
        migrate(connection, config, plan, ops_for)


@_each_database
def stamp(config: Config, revision: str | list[str], sql: bool = False, tag: str | None = None,
          purge: bool = False) -> None:
    """Make the version table say `revision` without running any migration."""
    graph = load_graph(config)
    targets = [revision] if isinstance(revision, str) else list(revision)
    if sql:
        from runner.offline import stamp_offline

        stamp_offline(config, graph, targets, purge, tag)
        return
    from runner.engine import connect
    from runner.executor import stamp as stamp_rows

    with connect(config) as connection:
        stamp_rows(connection, config, lambda current: graph.stamp_plan(current, targets), purge)


@_each_database
def current(config: Config, verbose: bool = False, head_only: bool = False,
            check_heads: bool = False) -> None:
    """Display the current revision for a database."""
    graph = load_graph(config)
    rows = _current_rows(config)
    if verbose:
        from runner.engine import create_engine

        url = config.attributes.get("connection")
        url = url.engine.url if url is not None else create_engine(config.url).url
        config.print_stdout("Current revision(s) for %s:", url.render_as_string(hide_password=True))
    if check_heads and set(rows) != set(graph.heads):
        raise YamigError("the database is not on all head revisions",
                         hint="run `yamig upgrade heads`")
    describer = _describer(graph)
    _known_rows(graph, lambda current: None)(rows)
    for row in sorted(rows):
        config.print_stdout(describer.line(graph.revisions[row], verbose=verbose))


# -- graph commands -------------------------------------------------------------------------

@_each_database
def heads(config: Config, verbose: bool = False, resolve_dependencies: bool = False) -> None:
    """Show current available heads in the script directory."""
    graph = load_graph(config)
    describer = _describer(graph)
    ids = graph.heads_resolved_dependencies if resolve_dependencies else graph.heads
    for rev_id in ids:
        config.print_stdout(describer.line(graph.revisions[rev_id], verbose=verbose,
                                           branches=True, tree=False))


@_each_database
def history(config: Config, rev_range: str | None = None, verbose: bool = False,
            indicate_current: bool = False) -> None:
    """List changeset scripts in chronological order (newest first)."""
    if rev_range is not None and ":" not in rev_range:
        raise ConfigError("a history range is [start]:[end], [start]: or :[end]",
                          hint="e.g. yamig history -r base:head, or -r current:")
    graph = load_graph(config)
    describer = _describer(graph)
    current_rows: tuple[str, ...] = ()
    if indicate_current or (rev_range and "current" in rev_range):
        current_rows = _current_rows(config)
        if indicate_current:
            describer.current = set(current_rows)
    for rev in graph.history(rev_range, current=current_rows):
        config.print_stdout(describer.line(rev, verbose=verbose, branches=True, doc=True,
                                           parents=True))


@_each_database(single=True)
def revision(config: Config, message: str | None = None, autogenerate: bool = False,
             sql: bool = False, head: str = "head", splice: bool = False,
             branch_label: str | list[str] | None = None, version_path: str | None = None,
             rev_id: str | None = None, depends_on: str | list[str] | None = None,
             process_revision_directives=None, offline: bool = False) -> Path | list[Path] | None:
    """Create a new revision file on `head`; returns its path.

    `autogenerate`: compare the models (`target_metadata` in the config) with the database,
    which must be at `head`, and write the operations that bring it to the models; with
    `offline`, compare with the schema replayed from the revisions instead (no database).

    `process_revision_directives(context, revision, directives)` is called before anything is
    written, as in Alembic: `revision` is the tuple of parent revision ids, `directives` a list
    holding one RevisionDirective (runner.directives) with `rev_id`, `message`, `head`,
    `branch_label`, `depends_on`, `version_path`, `upgrade_ops` (a list of operations as
    YAML-shaped dicts, e.g. {"drop_table": {"table_name": "t"}}), `downgrade_ops` (None: derived
    from upgrade_ops; a list: written as given) and `comments` (the header lines). Change them
    in place, or empty the list to write nothing (then None is returned). `context` is the
    Comparison (config, metadata, dialect, offline, differences) when autogenerating, else None.
    """
    from runner.directives import RevisionDirective

    if offline and not autogenerate:
        raise ConfigError("--offline goes with --autogenerate",
                          hint="yamig revision --autogenerate --offline -m \"...\"")
    if autogenerate and sql:
        raise ConfigError("--sql cannot be combined with --autogenerate",
                          hint="autogenerate compares with the database (or --offline, the revisions)")
    graph = load_graph(config)
    parents = _new_parents(graph, head, splice)
    directive = RevisionDirective(rev_id=rev_id or uuid.uuid4().hex[-12:], message=message,
                                  head=parents, branch_label=branch_label,
                                  version_path=version_path, depends_on=depends_on)
    context = None
    if autogenerate:
        from runner.autogenerate import compare, fill_directive

        context = compare(config, graph, parents, offline)
        fill_directive(context, directive)
    directives = [directive]
    if process_revision_directives is not None:
        process_revision_directives(context, parents, directives)
        if not directives:
            config.print_stdout("No revision written: process_revision_directives emptied the list")
            return None
    paths = [_write_revision(config, graph, tuple(d.head), d.message, d.branch_label, d.version_path,
                             d.rev_id, d.depends_on, directive=d) for d in directives]
    return paths[0] if len(paths) == 1 else paths


@_each_database
def check(config: Config, offline: bool = False) -> None:
    """Compare the models with the database at head (`offline`: with the revisions at head);
    print the differences and raise AutogenerateDiffsDetected when a new revision is needed."""
    from runner.autogenerate import check as run

    run(config, load_graph(config), offline)


def _write_revision(config: Config, graph, parents: tuple[str, ...], message: str | None,
                    branch_label, version_path: str | None, rev_id: str | None, depends_on,
                    directive=None) -> Path:
    from runner.filenames import render as render_file_name

    rev_id = rev_id or uuid.uuid4().hex[-12:]
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
    from runner.hooks import run_hooks

    run_hooks(config, path)
    return path


def _check_written(path: Path) -> None:
    """Operations that autogenerate or process_revision_directives wrote must load: else no file."""
    from runner.errors import RevisionFileError
    from runner.loader import load_revision_file

    try:
        load_revision_file(path, check=True)
    except RevisionFileError as err:
        path.unlink()
        raise RevisionFileError(f"{err.message} (so the revision was not written)",
                                location=err.location,
                                hint="process_revision_directives set these operations: fix them there"
                                ) from None


def _new_parents(graph, head: str, splice: bool) -> tuple[str, ...]:
    if head == "base":
        return ()
    parents = graph.resolve(head)
    if len(parents) > 1 and head == "heads":
        return parents
    for parent in parents:
        rev = graph.revisions[parent]
        if not splice and parent not in graph.heads:
            raise ResolutionError(
                f"revision {rev.revision} is not a head revision",
                hint="pass --splice to create a new branch from it, or use --head with a head",
            )
    return parents


def _as_list(value: str | list[str] | None) -> list[str]:
    if value is None:
        return []
    return [v for v in re.split(r"[,\s]+", value) if v] if isinstance(value, str) else list(value)


def _render_revision(config: Config, folder: Path, rev_id: str, parents: tuple[str, ...],
                     message: str | None, now: datetime.datetime,
                     labels: list[str], depends: list[str], directive=None) -> str:
    import json

    from runner.emit import section

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


@_each_database
def branches(config: Config, verbose: bool = False) -> None:
    """Show current branch points."""
    graph = load_graph(config)
    describer = _describer(graph)
    for rev_id, children in graph.branch_points:
        rev = graph.revisions[rev_id]
        lines = [f"{' ' * len(rev_id)} -> "
                 + describer.line(graph.revisions[c], branches=True, doc=verbose) for c in children]
        config.print_stdout("%s\n%s\n", describer.line(rev, verbose=verbose, branches=True),
                            "\n".join(lines))


@_each_database
def show(config: Config, rev: str) -> None:
    """Show the revision(s) denoted by the given symbol (`current`: the database's)."""
    graph = load_graph(config)
    describer = _describer(graph)
    ids = sorted(_current_rows(config)) if rev == "current" else graph.resolve(rev)
    for rev_id in ids:
        config.print_stdout(describer.log_entry(graph.revisions[rev_id]))


@_each_database(single=True)
def merge(config: Config, revisions: str | list[str], message: str | None = None,
          branch_label: str | list[str] | None = None, rev_id: str | None = None) -> Path:
    """Merge two or more revisions (usually heads) together in a new revision file."""
    graph = load_graph(config)
    targets = [revisions] if isinstance(revisions, str) else list(revisions)
    parents: list[str] = []
    for target in targets:
        parents += [p for p in graph.resolve(target) if p not in parents]
    if len(parents) < 2:
        raise ResolutionError(f"nothing to merge: {' '.join(targets)} names only {len(parents)} "
                              "revision", hint="merge two or more revisions, e.g. `yamig merge heads`")
    return _write_revision(config, graph, tuple(parents), message, branch_label, None, rev_id, None)


@_each_database
def ensure_version(config: Config, sql: bool = False) -> None:
    """Create the version table if it is missing (`sql`: print its DDL instead)."""
    from runner.executor import VersionTable

    version_table = VersionTable(config.version_table, config.version_table_schema)
    if sql:
        from sqlalchemy.schema import CreateTable

        from runner.offline import Script, dialect_for

        Script(dialect_for(config.url), config.print_stdout).statement(CreateTable(version_table.table))
        return
    from runner.engine import connect
    from runner.executor import transaction

    with connect(config) as connection:
        with transaction(connection):
            version_table.create(connection)


@_each_database(single=True)
def edit(config: Config, rev: str) -> None:
    """Open the revision's file in $VISUAL or $EDITOR, else an editor found on PATH as Alembic
    does (`current`: the database's revisions)."""
    import subprocess

    graph = load_graph(config)
    ids = sorted(_current_rows(config)) if rev == "current" else graph.resolve(rev)
    if not ids:
        raise ResolutionError(f"{rev!r} names no revision file", hint="name a revision, e.g. head")
    editor = _editor()
    for rev_id in ids:
        path = graph.revisions[rev_id].path
        try:
            subprocess.run([*editor, path], check=True)
        except subprocess.CalledProcessError as err:
            raise ConfigError(f"the editor {editor[0]} exited with status {err.returncode} on {path}",
                              hint="set $EDITOR (or $VISUAL) to an editor that works") from None
        except OSError as err:
            raise ConfigError(f"cannot run the editor {editor[0]}: {err.strerror or err}",
                              hint="set $EDITOR (or $VISUAL) to an editor that works") from None


# Alembic's fallbacks (alembic/util/editor.py) when neither $VISUAL nor $EDITOR is set
_EDITORS = ("sensible-editor", "editor", "nano", "vim", "code") if os.name == "posix" \
    else ("code", "notepad++", "notepad")


def _editor() -> list[str]:
    """The editor's command line, to which the file's path is added."""
    import shlex

    editor = os.environ.get("VISUAL") or os.environ.get("EDITOR")
    if editor:
        return shlex.split(editor)
    for name in _EDITORS:
        found = shutil.which(name)
        if found:
            return [found]
    raise ConfigError(f"no editor: $VISUAL and $EDITOR are not set, and none of {', '.join(_EDITORS)} "
                      "is on PATH", hint="export EDITOR=vim (or nano, code -w, ...)")


def validate(config: Config, paths: list[str] | None = None, output_format: str = "text",
             changed_since: str | None = None) -> int:
    """Review revision files without a database; returns the exit code (0 clean, 1 errors, 2 unreadable)."""
    from runner.validate import validate as run

    return run(config, paths=paths, output_format=output_format, changed_since=changed_since,
               stdout=config.stdout)


# -- project setup --------------------------------------------------------------------------

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
    from runner.checks import schema_path

    if template not in _templates():
        raise ConfigError(f"no template named {template!r}",
                          hint="`yamig list_templates` shows the templates")
    source = Path(__file__).resolve().parent / "templates" / template
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
