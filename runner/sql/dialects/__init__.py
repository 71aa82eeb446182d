"""What yamig knows of each database, one module per dialect: `impl_for(dialect)`.

Each module defines one DefaultImpl subclass (base.py) that inherits its dialect's Traits
(traits.py: its `names` and the facts a review needs), and registers its DDL spellings
(`@compiles`). The modules are imported on the first `impl_for`, all of them, so a new dialect
is one new module (and its Traits); importing this package alone, as `validate` does to reach
traits.py, loads no SQLAlchemy. A dialect no module names gets DefaultImpl; MariaDB is served
by the MySQL module (MariaDBImpl, also for a `mysql` dialect connected to a MariaDB server).
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from runner.sql.dialects.base import DefaultImpl

__all__ = ["DefaultImpl", "IMPLS", "impl_for"]

_IMPLS: dict[str, type[DefaultImpl]] = {}  # SQLAlchemy dialect name -> its impl class, once loaded


def _load() -> dict[str, type[DefaultImpl]]:
    from runner.sql.dialects.base import DefaultImpl

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


def impl_for(dialect: Any) -> DefaultImpl:
    """The impl of a SQLAlchemy dialect (or of a dialect name such as "mariadb")."""
    if not _IMPLS:
        _IMPLS.update(_load())
    from runner.sql.dialects.base import DefaultImpl

    name = dialect if isinstance(dialect, str) else dialect.name
    if getattr(dialect, "is_mariadb", False):  # SQLAlchemy's mysql dialect on a MariaDB server
        name = "mariadb"
    return _IMPLS.get(name, DefaultImpl)(dialect)


def __getattr__(name: str) -> Any:
    """`IMPLS` and `DefaultImpl`, loaded when first asked for."""
    if name == "IMPLS":
        impl_for("")
        return _IMPLS
    if name == "DefaultImpl":
        from runner.sql.dialects.base import DefaultImpl

        return DefaultImpl
    raise AttributeError(name)
