"""Type strings checked against the type's real constructor and the databases' limits at
validate time (issue 14): each of these passed validate and failed halfway through a run."""

from __future__ import annotations

import pytest

from runner.schema.type_arguments import check_arguments
from runner.schema.types import TypeGrammarError, parse_type
from tests.helpers import revision_text, validate_code, write_project


@pytest.mark.parametrize("text, problem", [
    ("Integer(5)", "takes no arguments"),
    ("String(-1)", "length is -1; it must be 1 or more"),
    ("String(0)", "length is 0"),
    ("String('x')", "not a whole number"),
    ("Enum()", "it has no values"),
    ("Enum('a', 'a')", "given twice"),
    ("Enum(1, 2)", "bad arguments for Enum"),
    ("Numeric(10, 12)", "scale is 12; it must be from 0 to 10"),
    ("Float(60)", "from 1 to 53"),
    ("DateTime(timezone=1)", "not True or False"),
    ("ARRAY(5)", "not a type"),
    ("postgresql.TIMESTAMP(precision=9)", "from 0 to 6"),
    ("ARRAY(String(-1))", "length is -1"),
])
def test_bad_arguments_are_refused(text, problem):
    with pytest.raises(TypeGrammarError, match=problem.replace("(", r"\(")):
        check_arguments(text)


@pytest.mark.parametrize("text", ["Integer", "String(255)", "Numeric(12, 2)", "Enum('a', 'b', name='e')",
                                  "DateTime(timezone=True)", "postgresql.ARRAY(String(20))",
                                  "mysql.INTEGER(display_width=11)", "postgresql.ENUM('a', name='e')"])
def test_good_types_pass(text):
    check_arguments(text)


def test_types_nested_500_deep_are_a_grammar_error_not_a_recursion_error():
    with pytest.raises(TypeGrammarError, match="nest more than 8"):
        parse_type("ARRAY(" * 500 + "Integer" + ")" * 500)


def test_validate_points_at_the_bad_type(tmp_path, capsys):
    create = """
  - create_table:
      table_name: t
      columns:
        - {name: id, type: Integer(5), primary_key: true}
"""
    config = write_project(tmp_path, {"a1_t.yaml": revision_text("a1", None, create)})
    assert validate_code(config) == 1
    out = capsys.readouterr().out
    assert "a1_t.yaml:7:28: error schema: Integer takes no arguments" in out
