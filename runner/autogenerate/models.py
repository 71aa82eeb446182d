"""The models autogenerate and check compare with: `target_metadata = package.module:attribute`.

The attribute is a SQLAlchemy MetaData, a declarative base (anything with a
`.metadata`), or a list of them. The module is imported the way Alembic's env.py
would import it: with the project folder (the config file's, plus any
`prepend_sys_path` entries) at the front of sys.path.
"""

from __future__ import annotations

import importlib
import re
import sys
from typing import TYPE_CHECKING, Any

from runner.errors import ConfigError

if TYPE_CHECKING:
    from runner.config import Config


def target_metadata(config: Config) -> list[Any]:
    """The MetaData objects named by the config (or given in config.attributes)."""
    given = config.attributes.get("target_metadata")
    if given is None:
        reference = config.get_main_option("target_metadata")
        if not reference:
            raise ConfigError(
                "autogenerate and check need the models: no target_metadata in the config",
                location=config.config_file_name,
                hint="add `target_metadata = myapp.models:Base` (a MetaData or a declarative base)")
        given = _import(config, reference.strip())
    items = given if isinstance(given, (list, tuple)) else [given]
    found = []
    for item in items:
        metadata = _as_metadata(item)
        if metadata is None:
            raise ConfigError(
                f"target_metadata names a {type(item).__name__}, not a MetaData or a declarative base",
                location=config.config_file_name,
                hint="point it at your MetaData object or declarative base class")
        found.append(metadata)
    return found


def _as_metadata(item: Any) -> Any:
    import sqlalchemy as sa

    if isinstance(item, sa.MetaData):
        return item
    metadata = getattr(item, "metadata", None)
    return metadata if isinstance(metadata, sa.MetaData) else None


def _import(config: Config, reference: str) -> Any:
    module_name, _, attribute = reference.partition(":")
    if not re.fullmatch(r"[A-Za-z_][\w.]*", module_name) or not re.fullmatch(r"[A-Za-z_][\w.]*",
                                                                            attribute):
        raise ConfigError(f"target_metadata {reference!r} is not `package.module:attribute`",
                          location=config.config_file_name,
                          hint="e.g. target_metadata = myapp.models:Base")
    for path in reversed(_search_paths(config)):
        if path not in sys.path:
            sys.path.insert(0, path)
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise ConfigError(f"cannot import {module_name} for target_metadata: {exc}",
                          location=config.config_file_name,
                          hint="run yamig from your project folder, or set prepend_sys_path") from None
    except Exception as exc:  # the models module itself is broken: say so, not "a bug in yamig"
        import traceback

        frame = traceback.extract_tb(exc.__traceback__)[-1]
        raise ConfigError(f"importing {module_name} for target_metadata failed: "
                          f"{type(exc).__name__}: {exc}",
                          location=f"{frame.filename}:{frame.lineno}",
                          hint="fix the models module, then run the command again") from None
    value: Any = module
    for part in attribute.split("."):
        if not hasattr(value, part):
            raise ConfigError(f"{module_name} has no attribute {attribute!r} (target_metadata)",
                              location=config.config_file_name)
        value = getattr(value, part)
    return value


def _search_paths(config: Config) -> list[str]:
    """The config file's folder and the working folder (Alembic's `prepend_sys_path = .`), then
    prepend_sys_path entries (relative to the config file)."""
    import os

    paths = [str(config.here), os.getcwd()]
    extra = config.get_main_option("prepend_sys_path") or ""
    for entry in re.split(r"[\s,]+" if ":" not in extra else r"[\s,:]+", extra):
        if entry:
            paths.append(str(config.resolve_path(entry)))
    return paths
