"""`yamig.ini` (or an existing `alembic.ini`), shaped like Alembic's Config.

Section `[yamig]`, else `[alembic]`; `%(here)s` is the file's folder, and
`${ENV_VAR}` is read from the environment, so URLs need not hold passwords.
"""

from __future__ import annotations

import os
import re
import sys
from configparser import ConfigParser
from configparser import Error as ConfigParserError
from pathlib import Path
from typing import Any, TextIO

from runner.errors import ConfigError

_ENV = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")
_TRUE = {"true", "yes", "on", "1"}


def _flatten(table: dict, prefix: str = "") -> list[tuple[str, Any]]:
    """TOML reads `sqlalchemy.url = ...` unquoted as a nested table; ini keys are dotted names."""
    items: list[tuple[str, Any]] = []
    for key, value in table.items():
        if isinstance(value, dict):
            items += _flatten(value, f"{prefix}{key}.")
        else:
            items.append((f"{prefix}{key}", value))
    return items


class Config:
    """The project configuration plus what a program hands to commands.

    `attributes` carries objects between the caller and yamig, e.g.
    `attributes["connection"]` to run commands on the caller's connection.
    """

    def __init__(self, file_: str | os.PathLike | None = "yamig.ini", ini_section: str | None = None,
                 output_buffer: TextIO | None = None, stdout: TextIO | None = None,
                 cmd_opts: Any = None, config_args: dict[str, Any] | None = None,
                 attributes: dict[str, Any] | None = None):
        self.config_file_name = str(file_) if file_ is not None else None
        self.output_buffer = output_buffer
        self.stdout = stdout if stdout is not None else output_buffer
        self.cmd_opts = cmd_opts
        self.config_args = dict(config_args or {})
        self.attributes: dict[str, Any] = attributes if attributes is not None else {}
        here = Path(self.config_file_name).resolve().parent if self.config_file_name else Path.cwd()
        self.here = here
        self.parser = ConfigParser(defaults={"here": str(here), **self.config_args})
        if self.config_file_name is not None:
            path = Path(self.config_file_name)
            pyproject = path if path.suffix == ".toml" else path.parent / "pyproject.toml"
            if path.is_file() and path.suffix != ".toml":
                try:
                    self.parser.read(path, encoding="utf-8")
                except ConfigParserError as exc:
                    raise ConfigError(f"cannot parse the config file: {exc.message.splitlines()[0]}",
                                      location=str(path)) from None
            elif pyproject.is_file():
                self._read_pyproject(pyproject)
        self.config_ini_section = ini_section or self._default_section()

    def _read_pyproject(self, path: Path) -> None:
        """`[tool.yamig]` of a pyproject.toml, when there is no yamig.ini (the pyproject template)."""
        try:
            import tomllib
        except ModuleNotFoundError:  # Python 3.10
            import tomli as tomllib  # type: ignore[no-redef]
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"cannot parse {path.name}: {exc}", location=str(path)) from None
        table = data.get("tool", {}).get("yamig")
        if table is None:
            return
        self.config_file_name = str(path)
        self.parser.add_section("yamig")
        for key, value in _flatten(table):
            if isinstance(value, list):
                value = " ".join(str(v) for v in value)
            elif isinstance(value, bool):
                value = "true" if value else "false"
            self.parser.set("yamig", key, str(value))

    def _default_section(self) -> str:
        for name in ("yamig", "alembic"):
            if self.parser.has_section(name):
                return name
        return "yamig"

    @property
    def file_exists(self) -> bool:
        return self.config_file_name is not None and Path(self.config_file_name).is_file() \
            and self.parser.has_section(self.config_ini_section)

    # -- Alembic's accessors -------------------------------------------------------------------
    def get_section(self, name: str, default: dict | None = None) -> dict[str, str] | None:
        if not self.parser.has_section(name):
            return default
        return {k: self._interpolate(v) for k, v in self.parser.items(name)}

    def get_section_option(self, section: str, name: str, default: str | None = None) -> str | None:
        if not self.parser.has_section(section):
            raise ConfigError(f"no config section [{section}]", location=self.config_file_name,
                              hint=f"add a [{section}] section, or pass -n/--name with the right one")
        if self.parser.has_option(section, name):
            return self._interpolate(self.parser.get(section, name))
        return default

    def get_main_option(self, name: str, default: str | None = None) -> str | None:
        if not self.parser.has_section(self.config_ini_section):
            return default
        return self.get_section_option(self.config_ini_section, name, default)

    def set_main_option(self, name: str, value: str) -> None:
        self.set_section_option(self.config_ini_section, name, value)

    def set_section_option(self, section: str, name: str, value: str) -> None:
        if not self.parser.has_section(section):
            self.parser.add_section(section)
        self.parser.set(section, name, value.replace("%", "%%"))

    def print_stdout(self, text: str = "", *args: Any) -> None:
        line = text % args if args else text
        stream = self.stdout or sys.stdout
        stream.write(line + "\n")

    def get_bool(self, name: str, default: bool) -> bool:
        value = self.get_main_option(name)
        return default if value is None else value.strip().lower() in _TRUE

    # -- what yamig derives from it -------------------------------------------------------------
    def _interpolate(self, value: str) -> str:
        def env(match: re.Match) -> str:
            name, fallback = match.group(1), match.group(2)
            if name in os.environ:
                return os.environ[name]
            if fallback is not None:
                return fallback
            raise ConfigError(f"environment variable {name} is not set",
                              location=self.config_file_name,
                              hint=f"export {name}=..., or write ${{{name}:-default}} in the config")
        return _ENV.sub(env, value)

    def resolve_path(self, value: str) -> Path:
        """A path from the config: relative to the config file's folder."""
        path = Path(value).expanduser()
        return path if path.is_absolute() else (self.here / path)

    @property
    def script_location(self) -> Path:
        location = self.get_main_option("script_location")
        if not location:
            raise ConfigError(
                "no script_location in the config" if self.file_exists
                else f"config file {self.config_file_name} not found",
                location=self.config_file_name if self.file_exists else None,
                hint="run `yamig init DIRECTORY` to create a project, or pass -c/--config",
            )
        return self.resolve_path(location)

    @property
    def version_locations(self) -> list[Path]:
        value = self.get_main_option("version_locations")
        if value:
            separator = self.get_main_option("version_path_separator")
            if separator in ("os", "newline"):
                parts = value.split(os.pathsep if separator == "os" else "\n")
            elif separator:
                parts = value.split({"space": " ", "comma": ",", "colon": ":",
                                     "semicolon": ";"}.get(separator, separator))
            else:
                parts = re.split(r"[,\s]+", value)
            return [self.resolve_path(p.strip()) for p in parts if p.strip()]
        return [self.script_location / "versions"]

    @property
    def url(self) -> str:
        url = getattr(self.cmd_opts, "url", None) or self.get_main_option("sqlalchemy.url")
        if not url:
            raise ConfigError("no database URL", location=self.config_file_name,
                              hint="set sqlalchemy.url in the config, or pass --url")
        return url

    @property
    def version_table(self) -> str:
        return self.get_main_option("version_table") or "alembic_version"

    @property
    def version_table_schema(self) -> str | None:
        return self.get_main_option("version_table_schema") or None

    @property
    def transaction_per_migration(self) -> bool:
        return self.get_bool("transaction_per_migration", True)

    @property
    def databases(self) -> list[str]:
        """The sections of a several-database project (the multidb template), in order."""
        value = self.get_main_option("databases") or ""
        return [name for name in re.split(r"[,\s]+", value) if name]

    def for_database(self, name: str) -> Config:
        """This configuration, reading the section of one database."""
        if not self.parser.has_section(name):
            raise ConfigError(f"database {name!r} is listed in `databases` but has no [{name}] section",
                              location=self.config_file_name, hint=f"add a [{name}] section")
        other = Config.__new__(Config)
        other.__dict__.update(self.__dict__)
        other.config_ini_section = name
        other.attributes = dict(self.attributes)
        return other

    @property
    def x_arguments(self) -> dict[str, str]:
        pairs = getattr(self.cmd_opts, "x", None) or []
        result = {}
        for pair in pairs:
            key, _, value = pair.partition("=")
            result[key] = value
        return result
