"""One class per operation; importing this package registers them all."""

from runner.operations import (  # noqa: F401  (registration)
    alter,
    columns,
    constraints,
    data,
    enums,
    flow,
    indexes,
    sql,
    tables,
)
from runner.operations.base import (
    AS_WRITTEN,
    REGISTRY,
    Derived,
    Operation,
    from_dict,
    parse_operations,
)

__all__ = ["AS_WRITTEN", "REGISTRY", "Derived", "Operation", "from_dict", "parse_operations"]
