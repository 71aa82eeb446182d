"""`yamig convert`: an Alembic history as yamig revisions (runner.convert), its report, and
`--verify`, which runs both histories and compares the schemas."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from runner.commands.base import argument, command_line
from runner.errors import ConfigError, YamigError

if TYPE_CHECKING:
    from runner.config import Config


class ConversionIncomplete(YamigError):
    """Some constructs could not be converted (and --partial was not given)."""


def _type_map(config: Config, given: list[str] | None) -> dict[str, str]:
    """--type MODULE.NAME=TYPE options over the config's `[convert] types = ...`."""
    found: dict[str, str] = {}
    section = config.get_section("convert") or {}
    entries = [(e, "[convert] types") for e in (section.get("types") or "").split()]
    entries += [(e, "--type") for e in (given or [])]
    for entry, origin in entries:
        name, equals, text = entry.partition("=")
        if not equals or not name or not text:
            raise ConfigError(f"{origin}: expected MODULE.NAME=TYPE, got {entry!r}",
                              hint="e.g. --type myapp.types.GUID=Uuid")
        found[name.strip()] = text.strip()
    return found


@command_line("Convert an Alembic history (its .py scripts, read, never run) into YAML revisions.",
      argument("source", help="an alembic.ini, a script_location folder or a versions folder"),
      argument("out", help="the versions folder to write the YAML revisions into"),
      argument("--type", dest="types", action="append", metavar="MODULE.NAME=TYPE",
           help="the yamig type of an application's column type; may be repeated"),
      argument("--partial", action="store_true",
           help="exit 0 even if some constructs could not be converted (they are still marked)"),
      argument("--verify", metavar="URL",
           help="run both histories on scratch databases of this server and compare the schemas"))
def convert(config: Config, source: str, out: str, types: list[str] | None = None,
            partial: bool = False, verify: str | None = None) -> list[str]:
    """Write one YAML revision per Alembic script of `source` into `out`; print, one a line,
    each construct that could not be mapped (`file:line: what: why`), which is left in the
    revision as an `unconverted:` operation that loading refuses. Returns those lines."""
    from runner.convert.project import convert_history

    type_map = _type_map(config, types)
    written, problems = convert_history(Path(source), Path(out), type_map)
    lines = [str(p) for p in problems]
    for line in lines:
        config.print_stdout("%s", line)
    config.print_stdout("Converted %d script%s into %s%s", len(written), "" if len(written) == 1 else "s",
                        out, f"; {len(lines)} construct{'' if len(lines) == 1 else 's'} not converted"
                        if lines else "")
    if verify:
        _verify(config, Path(source), Path(out), verify)
    if lines and not partial:
        raise ConversionIncomplete(
            f"{len(lines)} construct{'' if len(lines) == 1 else 's'} could not be converted (listed above; "
            "each is an `unconverted:` operation in its revision): edit them, or pass --partial")
    return lines


def _verify(config: Config, source: Path, out: Path, url: str) -> None:
    from runner.config import Config as ProjectConfig
    from runner.convert.verify import verify_histories

    project = ProjectConfig(None)
    project.set_main_option("script_location", str(out.resolve().parent))
    project.set_main_option("version_locations", str(out.resolve()))
    project.set_main_option("sqlalchemy.url", url)
    differences = verify_histories(source, project, url)
    for line in differences:
        config.print_stdout("%s", line)
    if differences:
        raise ConversionIncomplete(f"--verify: the histories differ in {len(differences)} place"
                                   f"{'' if len(differences) == 1 else 's'} (listed above)")
    config.print_stdout("Verified: both histories give the same schema after every revision")
