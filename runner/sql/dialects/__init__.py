"""What yamig knows of each database, one module per dialect: `impl_for(dialect)`.

Each module defines one DefaultImpl subclass (base.py) naming the SQLAlchemy dialects it
serves (`names`), and registers its DDL spellings (`@compiles`). Every module of this package
is imported here, so a new dialect is one new file. A dialect no module names gets
DefaultImpl; MariaDB is served by the MySQL module.
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any

from runner.sql.dialects.base import DefaultImpl

__all__ = ["DefaultImpl", "IMPLS", "impl_for"]


def _load() -> dict[str, type[DefaultImpl]]:
    for module in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{module.name}")
    found: dict[str, type[DefaultImpl]] = {}
    pending = list(DefaultImpl.__subclasses__())
    while pending:
        cls = pending.pop()
        pending += cls.__subclasses__()
        for name in cls.names:
            if name in found and found[name] is not cls:
                raise AssertionError(f"dialect {name!r} is served by {found[name].__name__} "
                                     f"and {cls.__name__}")
            found[name] = cls
    return found


IMPLS: dict[str, type[DefaultImpl]] = _load()  # SQLAlchemy dialect name -> its impl class


def impl_for(dialect: Any) -> DefaultImpl:
    """The impl of a SQLAlchemy dialect (or of a dialect name such as "mariadb")."""
    name = dialect if isinstance(dialect, str) else dialect.name
    return IMPLS.get(name, DefaultImpl)(dialect)
