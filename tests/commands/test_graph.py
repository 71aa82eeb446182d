"""`yamig graph`: the DOT of a small branchy graph held exactly, Mermaid read back as a graph,
SVG through Graphviz, the current revision marked from a real database, and ranges."""

from __future__ import annotations

import re

import pytest

from runner.cli import main

from ..helpers import assert_dot_accepts, read_mermaid, skip_without_dot, write_project


@pytest.fixture
def needs_dot_fixture():
    skip_without_dot()


needs_dot = pytest.mark.usefixtures("needs_dot_fixture")

# a1 (label core) branches to b1 and c1, merged by d1; x1 (label audit) is a second base that
# depends on c1; a message with quotes and markup
REVISIONS = {
    "a1_account.yaml": """
        revision: a1
        down_revision: null
        branch_labels: [core]
        message: create account
        upgrade:
          - create_table:
              table_name: account
              columns:
                - {name: id, type: Integer, primary_key: true}
        """,
    "b1_email.yaml": """
        revision: b1
        down_revision: a1
        message: add email
        upgrade:
          - add_column: {table_name: account, column: {name: email, type: String(255)}}
        """,
    "c1_invoice.yaml": """
        revision: c1
        down_revision: a1
        message: 'invoice "table" <x> #1'
        upgrade:
          - create_table:
              table_name: invoice
              columns:
                - {name: id, type: Integer, primary_key: true}
        """,
    "d1_merge.yaml": """
        revision: d1
        down_revision: [b1, c1]
        message: merge
        upgrade: []
        """,
    "x1_audit.yaml": """
        revision: x1
        down_revision: null
        branch_labels: [audit]
        depends_on: [c1]
        message: audit log
        upgrade:
          - create_table:
              table_name: audit
              columns:
                - {name: id, type: Integer, primary_key: true}
        """,
}

DOT = r'''digraph revisions {
  rankdir=TB;
  node [shape=box, style="rounded,filled", fillcolor=white, fontname="Helvetica"];
  edge [color="#475569", fontname="Helvetica", fontsize=10];
  "a1" [label="a1\ncreate account\n(base, branchpoint)", fillcolor="#dbeafe", shape="octagon"];
  "b1" [label="b1\nadd email"];
  "c1" [label="c1\ninvoice \"table\" <x> #1"];
  "d1" [label="d1\nmerge\n(head, merge)", fillcolor="#dcfce7", penwidth="2", shape="hexagon"];
  "x1" [label="x1\naudit log\n(base, head)", fillcolor="#dcfce7", penwidth="2"];
  "a1" -> "b1";
  "a1" -> "c1";
  "b1" -> "d1";
  "c1" -> "d1";
  "c1" -> "x1" [style=dashed, color="#7c3aed", label="depends on"];
  "@core" [shape=note, style=filled, fillcolor="#fef9c3", label="core"];
  "@core" -> "a1" [style=dotted, arrowhead=none];
  "@audit" [shape=note, style=filled, fillcolor="#fef9c3", label="audit"];
  "@audit" -> "x1" [style=dotted, arrowhead=none];
}
'''


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return write_project(tmp_path, REVISIONS, f"sqlite:///{tmp_path / 'app.db'}")


def run(capsys, *argv):
    code = main(["-q", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_dot_of_a_graph_with_merges_labels_and_dependencies(project, capsys):
    assert run(capsys, "graph") == (0, DOT, "")


def test_the_dot_does_not_depend_on_the_order_files_load_in(project, tmp_path, capsys):
    versions = tmp_path / "versions"
    for i, path in enumerate(sorted(versions.glob("*.yaml"), reverse=True)):
        path.rename(versions / f"{i}_{path.name}")
    assert run(capsys, "graph") == (0, DOT, "")


@needs_dot
def test_graphviz_accepts_the_dot(project, capsys):
    assert_dot_accepts(run(capsys, "graph")[1])


def test_mermaid_holds_the_same_graph(project, capsys):
    code, out, _ = run(capsys, "graph", "--format", "mermaid")
    assert code == 0
    found = read_mermaid(out)
    assert found["nodes"] == {
        "r_a1": "a1<br/>create account<br/>(base, branchpoint)",
        "r_b1": "b1<br/>add email",
        "r_c1": "c1<br/>invoice #quot;table#quot; #lt;x#gt; #35;1",
        "r_d1": "d1<br/>merge<br/>(head, merge)",
        "r_x1": "x1<br/>audit log<br/>(base, head)"}
    assert found["edges"] == {("r_a1", "-->", "r_b1"), ("r_a1", "-->", "r_c1"), ("r_b1", "-->", "r_d1"),
                              ("r_c1", "-->", "r_d1"), ("r_c1", "-.->", "r_x1")}
    assert found["flags"] == {"l_core": "core", "l_audit": "audit"}
    assert found["ties"] == {("l_core", "r_a1"), ("l_audit", "r_x1")}
    assert found["classes"] == {"base": {"r_a1", "r_x1"}, "head": {"r_d1", "r_x1"},
                                "merge": {"r_d1"}, "branchpoint": {"r_a1"}}


def test_mermaid_names_what_it_cannot_take_as_it_is(tmp_path, monkeypatch, capsys):
    """`end` is a Mermaid keyword, and the labels `ops-team` and `ops.team` read alike once
    made safe: each is its own node."""
    monkeypatch.chdir(tmp_path)
    write_project(tmp_path, {
        "1.yaml": "revision: end\ndown_revision: null\nbranch_labels: [ops-team]\nupgrade: []\n",
        "2.yaml": "revision: x_1\ndown_revision: null\nbranch_labels: [ops.team]\nupgrade: []\n"})
    found = read_mermaid(run(capsys, "graph", "--format", "mermaid")[1])
    assert found["nodes"] == {"r_end": "end<br/>(base, head)", "r_x_1": "x_1<br/>(base, head)"}
    assert found["flags"] == {"l_ops_team": "ops-team", "l_ops_team_2": "ops.team"}
    assert found["ties"] == {("l_ops_team", "r_end"), ("l_ops_team_2", "r_x_1")}


@needs_dot
def test_svg_through_graphviz_to_a_file(project, tmp_path, capsys):
    assert run(capsys, "graph", "--format", "svg", "-o", "graph.svg") == (0, "", "")
    svg = (tmp_path / "graph.svg").read_text()
    assert svg == assert_dot_accepts(DOT)
    assert "<title>d1</title>" in svg


def test_svg_without_graphviz_says_so(project, monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    assert run(capsys, "graph", "--format", "svg") == (1, "", (
        "yamig: --format svg needs Graphviz's `dot` program, which is not on PATH\n"
        "  hint: install Graphviz (e.g. apt-get install graphviz, brew install graphviz), "
        "or use --format dot and render it elsewhere\n"))


def test_output_to_a_file(project, tmp_path, capsys):
    assert run(capsys, "graph", "-o", "graph.dot") == (0, "", "")
    assert (tmp_path / "graph.dot").read_text() == DOT
    code, _, err = run(capsys, "graph", "-o", str(tmp_path / "missing" / "graph.dot"))
    assert code == 1 and err.startswith(f"yamig: cannot write {tmp_path / 'missing' / 'graph.dot'}: ")


def node_lines(text: str) -> dict[str, str]:
    return {m[1]: m[2] for m in re.finditer(r'^  "([^"@]+)" \[(.*)\];$', text, re.M)}


def test_db_marks_the_current_revisions(project, capsys):
    assert run(capsys, "upgrade", "b1")[0] == 0
    assert run(capsys, "upgrade", "x1")[0] == 0  # x1 needs c1: the rows are b1 and x1
    code, out, err = run(capsys, "graph", "--db")
    assert (code, err) == (0, "")
    nodes = node_lines(out)
    assert nodes["b1"] == 'label="b1\\nadd email\\n(current)", color="#dc2626", penwidth="3"'
    assert nodes["x1"] == ('label="x1\\naudit log\\n(base, head, current)", fillcolor="#dcfce7", '
                           'penwidth="3", color="#dc2626"')
    assert "current" not in nodes["c1"] + nodes["a1"] + nodes["d1"]
    code, out, _ = run(capsys, "graph", "--db", "--format", "mermaid")
    assert read_mermaid(out)["classes"]["current"] == {"r_b1", "r_x1"}


def test_db_that_cannot_be_reached_draws_the_graph_alone(project, capsys):
    code, out, err = run(capsys, "graph", "--db", "--url", "sqlite:////nonexistent/folder/app.db")
    assert (code, out) == (0, DOT)
    assert err.startswith("yamig: drawing the graph without the current revision: cannot connect to ")


def test_a_range_draws_part_of_the_graph_with_the_roles_of_the_whole(project, capsys):
    code, out, _ = run(capsys, "graph", "-r", "b1:d1")
    assert code == 0
    assert node_lines(out) == {
        "b1": 'label="b1\\nadd email"',
        "d1": 'label="d1\\nmerge\\n(head, merge)", fillcolor="#dcfce7", penwidth="2", shape="hexagon"'}
    assert '"b1" -> "d1";' in out and '"c1"' not in out and "@core" not in out
    code, out, _ = run(capsys, "graph", "-r", ":c1")
    assert set(node_lines(out)) == {"a1", "c1"}


def test_current_in_a_range_needs_the_database(project, capsys):
    assert run(capsys, "upgrade", "b1")[0] == 0
    assert run(capsys, "graph", "-r", "current:") == (1, "", (
        "yamig: the range current: names the database's current revision\n"
        "  hint: add --db to read it from the database\n"))
    code, out, _ = run(capsys, "graph", "--db", "-r", "current:")
    assert code == 0 and set(node_lines(out)) == {"b1", "d1"}


def test_a_range_without_a_colon_is_refused(project, capsys):
    code, _, err = run(capsys, "graph", "-r", "b1")
    assert code == 1 and err.startswith("yamig: a graph range is [start]:[end], [start]: or :[end]\n")


def test_db_at_a_revision_no_file_has_is_said(project, tmp_path, capsys):
    import sqlalchemy as sa

    assert run(capsys, "stamp", "a1")[0] == 0
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'app.db'}")
    with engine.begin() as connection:
        connection.execute(sa.text("UPDATE alembic_version SET version_num = 'gone1'"))
    engine.dispose()
    assert run(capsys, "graph", "--db") == (
        0, DOT, "yamig: the database is at gone1, which no revision file has\n")
