"""runner.review.rules: the registry holds each family's rules once, and its checks name
operations that exist."""

from __future__ import annotations

from runner.operations import REGISTRY
from runner.review import rules


def test_every_rule_is_declared_once():
    declared = [rule.id for family in rules.FAMILIES for rule in family.RULES]
    assert len(declared) == len(set(declared)) == len(rules.RULES)


def test_checks_name_operations():
    for family in rules.FAMILIES:
        for table in ("SAFETY", "REFERENCES", "LIMITS"):
            assert set(getattr(family, table, {})) <= set(REGISTRY), (family.__name__, table)


def test_severities_are_error_or_warning():
    assert {rule.severity for rule in rules.RULES.values()} == {"error", "warning"}
