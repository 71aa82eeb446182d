"""One class per operation; importing this package registers them all."""

from runner.operations import alter, columns, constraints, data, indexes, sql, tables  # noqa: F401  (registration)
from runner.operations.base import REGISTRY, Operation, operations, parse_operations

__all__ = ["REGISTRY", "Operation", "operations", "parse_operations"]
