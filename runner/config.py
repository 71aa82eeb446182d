"""`yamig.ini` (or an existing `alembic.ini`), shaped like Alembic's Config.

Section `[yamig]`, else `[alembic]`; `%(here)s` is the file's folder,
`${ENV_VAR}` is read from the environment, so URLs need not hold passwords, and
`${x:key}` from the command line's `-x key=value`.
"""

from __future__ import annotations

import configparser
import os
import re
import sys
from configparser import ConfigParser
from pathlib import Path
from typing import Any, TextIO

from runner.errors import ConfigError
from runner.masking import mask, remember

# ${VAR}, ${VAR:-default}, ${x:key}, ${x:key:-default}; `${x:-d}` is the variable x with a default
_ENV = re.compile(r"\$\{(x:)?([A-Za-z_][\w.-]*)(?::-([^}]*))?\}")
_TRUE = {"true", "yes", "on", "1"}
_FALSE = {"false", "no", "off", "0"}
_SEPARATORS = {"space": " ", "comma": ",", "colon": ":", "semicolon": ";"}
DEFAULT_LOCK_TIMEOUT = 300.0  # seconds a run waits for another's lock on the database


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
        # a `%` in the folder's path is the path's, not an interpolation
        self.parser = ConfigParser(defaults={"here": str(here).replace("%", "%%"), **self.config_args})
        if self.config_file_name is not None:
            path = Path(self.config_file_name)
            pyproject = path if path.suffix == ".toml" else path.parent / "pyproject.toml"
            if path.is_file() and path.suffix != ".toml":
                self._read_ini(path)
            elif pyproject.is_file():
                self._read_pyproject(pyproject)
        self.config_ini_section = ini_section or self._default_section()
        self.section_given = ini_section is not None

    def _read_ini(self, path: Path) -> None:
        """The ini as UTF-8, a leading byte-order mark (Windows editors write one) dropped;
        a file that is not UTF-8 is a positioned error, not a decoding traceback."""
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise ConfigError(f"cannot read the config file: {exc.strerror}",
                              location=str(path)) from None
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = data.count(b"\n", 0, exc.start) + 1
            column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
            raise ConfigError(f"not UTF-8 text: byte 0x{data[exc.start]:02x} cannot be decoded",
                              location=f"{self.config_file_name}:{line}:{column}",
                              hint="save the file as UTF-8 (e.g. `iconv -f latin1 -t utf-8`)") from None
        try:
            self.parser.read_string(text, source=str(path))
        except configparser.Error as exc:
            raise self._syntax_error(exc) from None

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

    def _syntax_error(self, exc: configparser.Error) -> ConfigError:
        """configparser's errors as `file:line: what is wrong`, without its reprs."""
        lineno = getattr(exc, "lineno", None)
        hint = None
        if isinstance(exc, configparser.MissingSectionHeaderError):
            message, hint = "a setting before any [section] header", "start the file with [yamig]"
        elif isinstance(exc, configparser.DuplicateOptionError):
            message, hint = f"{exc.option} is set twice in [{exc.section}]", "keep one of them"
        elif isinstance(exc, configparser.DuplicateSectionError):
            message, hint = f"section [{exc.section}] appears twice", "merge the two into one"
        elif isinstance(exc, configparser.ParsingError):
            lineno = exc.errors[0][0]
            more = len(exc.errors) - 1
            message = "not a `key = value` line, a [section] header or a comment: " + \
                self._line(lineno) + (f" (and {more} more such line{'s' * (more > 1)})" if more else "")
            hint = "continuation lines of a value must be indented"
        elif isinstance(exc, configparser.InterpolationMissingOptionError):
            lineno = self._line_of(exc.section, exc.option)
            message = (f"{exc.option} refers to %({exc.reference})s, which is not set "
                       f"in [{exc.section}]")
            hint = f"set {exc.reference} in [{exc.section}], or write a literal % as %%"
        elif isinstance(exc, configparser.InterpolationDepthError):
            lineno = self._line_of(exc.section, exc.option)
            message = f"the %(name)s references of {exc.option} go round in a loop"
        elif isinstance(exc, configparser.InterpolationError):
            lineno = self._line_of(exc.section, exc.option)
            message = f"{exc.option} has a % that starts no %(name)s reference"
            hint = "write a literal % as %% (a URL's password too)"
        else:
            message = exc.message.splitlines()[0]
        return ConfigError(message, location=self._where(lineno), hint=hint)

    def _no_section(self) -> ConfigError:
        sections = self.parser.sections()
        wanted = f"[{self.config_ini_section}]" + ("" if self.section_given else " (nor [alembic])")
        return ConfigError(
            f"no section {wanted}", location=self.config_file_name,
            hint=(f"its sections: {', '.join(f'[{name}]' for name in sections)}; pick one with "
                  "-n/--name" if sections else "it has no sections: add [yamig] with script_location"))

    def _where(self, lineno: int | None) -> str | None:
        if lineno is None or self.config_file_name is None:
            return self.config_file_name
        return f"{self.config_file_name}:{lineno}"

    def location_of(self, section: str, option: str) -> str | None:
        """`file:line` of the line that sets `option` in `[section]`, for errors about its value."""
        return self._where(self._line_of(section, option))

    def _line(self, lineno: int) -> str:
        """A line of the file for a message, any URL's password in it masked."""
        try:
            text = Path(self.config_file_name).read_text(encoding="utf-8-sig")
            return mask(text.splitlines()[lineno - 1].strip())
        except (OSError, IndexError, UnicodeDecodeError, TypeError):
            return ""

    def _line_of(self, section: str, option: str) -> int | None:
        """The line that sets `option` in `[section]`: configparser does not keep it."""
        try:
            lines = Path(self.config_file_name).read_text(encoding="utf-8-sig").splitlines()
        except (OSError, UnicodeDecodeError, TypeError):
            return None
        current = None
        for number, line in enumerate(lines, 1):
            header = re.match(r"\[([^]]+)\]", line)
            if header:
                current = header.group(1)
            elif current == section and not line[:1].isspace():
                key = re.split(r"[=:]", line, maxsplit=1)[0].strip()
                if key and self.parser.optionxform(key) == option:
                    return number
        return None

    @property
    def file_exists(self) -> bool:
        return self.config_file_name is not None and Path(self.config_file_name).is_file() \
            and self.parser.has_section(self.config_ini_section)

    # -- Alembic's accessors -------------------------------------------------------------------
    def get_section(self, name: str, default: dict | None = None) -> dict[str, str] | None:
        if not self.parser.has_section(name):
            return default
        return {k: self._value(name, k) for k in self.parser.options(name)}

    def get_section_option(self, section: str, name: str, default: str | None = None) -> str | None:
        if not self.parser.has_section(section):
            raise ConfigError(f"no config section [{section}]", location=self.config_file_name,
                              hint=f"add a [{section}] section, or pass -n/--name with the right one")
        if self.parser.has_option(section, name):
            return self._value(section, name)
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
        """A yes/no option; anything but true/false, yes/no, on/off, 1/0 is a positioned error
        (a `maybe` read as false would quietly change how the run is transacted)."""
        value = self.get_main_option(name)
        if value is None or not value.strip():
            return default
        word = value.strip().lower()
        if word not in _TRUE and word not in _FALSE:
            raise ConfigError(f"{name} is {value.strip()!r}, not a boolean",
                              location=self.location_of(self.config_ini_section, name),
                              hint=f"write {name} = true or {name} = false")
        return word in _TRUE

    def get_choice(self, name: str, choices: tuple[str, ...], default: str) -> str:
        """An option that is one of `choices`; else a positioned error naming them."""
        value = (self.get_main_option(name) or "").strip()
        if not value:
            return default
        if value not in choices:
            import difflib

            close = difflib.get_close_matches(value, choices, n=1)
            raise ConfigError(f"{name} is {value!r}, not one of {', '.join(choices)}",
                              location=self.location_of(self.config_ini_section, name),
                              hint=f"did you mean {close[0]}?" if close
                              else f"write one of {', '.join(choices)}")
        return value

    def get_x_argument(self, as_dictionary: bool = False) -> list[str] | dict[str, str]:
        """The command line's `-x` arguments, as Alembic's `context.get_x_argument()` gives them:
        a list of `key=value` strings, or a dict (`cmd_opts.x`, as argparse leaves it)."""
        pairs = list(getattr(self.cmd_opts, "x", None) or [])
        if not as_dictionary:
            return pairs
        return {key: value for key, _, value in (pair.partition("=") for pair in pairs)}

    def configure_logging(self) -> None:
        """The ini's [loggers], [handlers] and [formatters], as Alembic's env.py applies them with
        logging.config.fileConfig (e.g. `logger_sqlalchemy` at INFO shows the SQL that runs)."""
        if not self.parser.has_section("loggers") or not self.file_exists:
            return
        import logging.config

        try:
            logging.config.fileConfig(self.parser, disable_existing_loggers=False)
        except KeyError as exc:  # a section or option the logging configuration needs is missing
            raise ConfigError(f"the logging configuration lacks {exc.args[0]}",
                              location=self.config_file_name,
                              hint="[loggers], [handlers] and [formatters] follow Python's "
                                   "logging.config.fileConfig format, as in alembic.ini") from None
        except (ValueError, TypeError, ImportError, NameError, SyntaxError, AttributeError,
                configparser.Error) as exc:
            raise ConfigError(f"the logging configuration is wrong: {type(exc).__name__}: {exc}",
                              location=self.config_file_name) from None

    # -- what yamig derives from it -------------------------------------------------------------
    def _value(self, section: str, option: str) -> str:
        """An option's value: configparser's %(name)s, then ${VAR} and ${x:key}."""
        try:
            value = self.parser.get(section, option)
        except configparser.Error as exc:
            raise self._syntax_error(exc) from None

        def substitute(match: re.Match) -> str:
            is_x, name, fallback = match.groups()
            if is_x:
                given = self.get_x_argument(as_dictionary=True)
                if name in given:
                    return given[name]
            elif name in os.environ:
                return os.environ[name]
            if fallback is not None:
                return fallback
            where = self.location_of(section, option)
            if is_x:
                raise ConfigError(f"{option} needs -x {name}=..., which was not given", location=where,
                                  hint=f"pass -x {name}=VALUE, or write ${{x:{name}:-default}} "
                                       "in the config")
            raise ConfigError(f"environment variable {name} is not set", location=where,
                              hint=f"export {name}=..., or write ${{{name}:-default}} in the config")
        return _ENV.sub(substitute, value)

    def resolve_path(self, value: str) -> Path:
        """A path from the config: relative to the config file's folder."""
        path = Path(value).expanduser()
        return path if path.is_absolute() else (self.here / path)

    @property
    def script_location(self) -> Path:
        location = self.get_main_option("script_location")
        if not location and self.config_file_name and Path(self.config_file_name).is_file() \
                and not self.parser.has_section(self.config_ini_section):
            raise self._no_section()
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
            separator = self._path_separator()
            if separator in ("os", "newline"):
                parts = value.split(os.pathsep if separator == "os" else "\n")
            elif separator:
                parts = value.split(_SEPARATORS.get(separator, separator))
            else:
                parts = re.split(r"[,\s]+", value)
            return [self.resolve_path(p.strip()) for p in parts if p.strip()]
        return [self.script_location / "versions"]

    def _path_separator(self) -> str | None:
        """version_path_separator: a name (os, newline, space, comma, colon, semicolon) or one
        punctuation character; a misspelt name would otherwise split on its own letters."""
        value = self.get_main_option("version_path_separator")
        if not value or value in ("os", "newline", *_SEPARATORS) or \
                (len(value) == 1 and not value.isalnum()):
            return value
        return self.get_choice("version_path_separator", ("os", "newline", *_SEPARATORS), "os")

    @property
    def url(self) -> str:
        url = getattr(self.cmd_opts, "url", None) or self.get_main_option("sqlalchemy.url")
        if not url:
            raise ConfigError("no database URL", location=self.config_file_name,
                              hint="set sqlalchemy.url in the config, or pass --url")
        remember(url)  # its password is masked in whatever the run prints on stderr
        return url

    @property
    def version_table(self) -> str:
        return self.get_main_option("version_table") or "alembic_version"

    @property
    def history_table(self) -> str:
        """The applied-history table beside the version table (runner.runtime.history), named
        after it: `yamig_history` beside Alembic's default, else `<version_table>_history`."""
        name = self.version_table
        return "yamig_history" if name == "alembic_version" else f"{name}_history"

    @property
    def version_table_schema(self) -> str | None:
        return self.get_main_option("version_table_schema") or None

    @property
    def transaction_per_migration(self) -> bool:
        return self.get_bool("transaction_per_migration", True)

    @property
    def lock_timeout(self) -> float:
        """Seconds a run waits for a lock another holds on the database (another run's, or a
        SQLite writer's) before it gives up; `lock_timeout` in the section, 0 to give up at once."""
        value = self.get_main_option("lock_timeout")
        if value is None or not value.strip():
            return DEFAULT_LOCK_TIMEOUT
        try:
            seconds = float(value)
        except ValueError:
            seconds = -1.0
        if not 0 <= seconds < float("inf"):  # NaN fails too
            raise ConfigError(f"lock_timeout must be a number of seconds, not {value!r}",
                              location=self.location_of(self.config_ini_section, "lock_timeout"),
                              hint=f"e.g. lock_timeout = {DEFAULT_LOCK_TIMEOUT:g} (the default); 0 gives "
                                   "up at once when another run holds the lock")
        return seconds

    @property
    def naming_convention(self) -> dict[str, str] | None:
        """The `[naming_convention]` section (SQLAlchemy's keys ix, uq, ck, fk, pk; `%%(table_name)s`
        written as in the ini's other values), or None when there is none; a wrong key or token
        is a positioned error."""
        section = "naming_convention"
        if not self.parser.has_section(section):
            return None
        from runner.schema.naming import KEYS, check_template

        defaults = self.parser.defaults()
        convention: dict[str, str] = {}
        for key in self.parser.options(section):
            if key in defaults and self._line_of(section, key) is None:
                continue  # [DEFAULT]'s `here` and -x values show up in every section
            if key not in KEYS:
                raise ConfigError(f"[{section}] has no key {key!r}",
                                  location=self.location_of(section, key),
                                  hint="its keys are SQLAlchemy's: " + ", ".join(KEYS))
            value = self._value(section, key).strip()
            problem = check_template(value)
            if problem:
                raise ConfigError(f"[{section}] {key}: {problem}", location=self.location_of(section, key),
                                  hint="tokens are SQLAlchemy's, e.g. %%(table_name)s, %%(column_0_name)s, "
                                       "%%(referred_table_name)s, %%(constraint_name)s")
            convention[key] = value
        return convention

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

