"""One class per operation; importing this package registers them all."""

from runner.operations import alter, columns, constraints, data, indexes, sql, tables  # noqa: F401  (registration)
from runner.operations.base import (
    AS_WRITTEN,
    REGISTRY,
    Derived,
    Operation,
    from_dict,
    parse_operations,
)

__all__ = ["AS_WRITTEN", "REGISTRY", "Derived", "Operation", "from_dict", "parse_operations"]
