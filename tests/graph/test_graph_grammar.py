"""The identifier grammar, graph errors, and the graph commands on a branchy project."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from runner import command
from runner.errors import GraphError, ResolutionError
from runner.graph import RevisionGraph
from runner.revisions.revision import Revision

from ..helpers import revision_text, write_project


def rev(rev_id, down=None, labels=(), deps=()):
    down = () if down is None else (down if isinstance(down, tuple) else (down,))
    return Revision(rev_id, down_revision=down, branch_labels=labels, depends_on=deps,
                    path=f"versions/{rev_id}.yaml", positions={(): (1, 1), ("down_revision",): (2, 16),
                                                              ("revision",): (1, 11),
                                                              ("depends_on",): (3, 13),
                                                              ("branch_labels",): (4, 16)})


#  a1 - b2 - c3 (feature: d4a - e5a) ; c3 - d4b ; merge m6 of e5a and d4b ; x7 depends on d4b (other base)
GRAPH = [rev("a1aaaa"), rev("b2bbbb", "a1aaaa"), rev("c3cccc", "b2bbbb"),
         rev("d4aaaa", "c3cccc", labels=("feature",)), rev("e5aaaa", "d4aaaa"),
         rev("d4bbbb", "c3cccc"), rev("x7xxxx", deps=("d4bbbb",), labels=("other",))]


@pytest.fixture
def graph():
    return RevisionGraph(GRAPH)


@pytest.mark.parametrize("ident, current, expected", [
    ("a1aaaa", (), ("a1aaaa",)),
    ("a1aa", (), ("a1aaaa",)),
    ("base", (), ()),
    ("heads", (), ("e5aaaa", "x7xxxx")),
    ("feature@head", (), ("e5aaaa",)),
    ("feature@base", (), ()),
    ("other@head", (), ("x7xxxx",)),
    ("current", ("b2bbbb",), ("b2bbbb",)),
    ("+1", ("a1aaaa",), ("b2bbbb",)),
    ("+2", ("a1aaaa",), ("c3cccc",)),
    ("-1", ("c3cccc",), ("b2bbbb",)),
    ("b2bbbb+1", (), ("c3cccc",)),
    ("feature@+1", ("d4aaaa",), ("e5aaaa",)),
    ("e5aaaa-2", (), ("c3cccc",)),
    ("a1aaaa b2bbbb", (), ("a1aaaa", "b2bbbb")),
    ("feature", (), ("d4aaaa",)),
])
def test_identifiers(graph, ident, current, expected):
    assert graph.resolve(ident, current) == expected


@pytest.mark.parametrize("ident, current, message", [
    ("head", (), "'head' is ambiguous: there are 3 heads: e5aaaa, d4bbbb, x7xxxx"),
    ("zzzzzz", (), "no revision or branch label 'zzzzzz'"),
    ("d4", (), "'d4' matches 2 revisions: d4aaaa, d4bbbb"),
    ("d4bb+5", (), "goes past the last revision"),
    ("c3cccc+1", (), "moving +1 from c3cccc is ambiguous: it branches into d4aaaa, d4bbbb"),
    ("nobranch@head", (), "no revision or branch label 'nobranch'"),
])
def test_identifier_errors(graph, ident, current, message):
    with pytest.raises(ResolutionError) as info:
        graph.resolve(ident, current)
    assert message in str(info.value)


def test_ambiguous_partial_id_lists_candidates():
    graph = RevisionGraph([rev("abcd01"), rev("abcd02", "abcd01")])
    with pytest.raises(ResolutionError, match="'abcd' matches 2 revisions: abcd01, abcd02"):
        graph.resolve("abcd")


#  4def567 (label feature) - 2b3aaaa - xyz - abd9999 - fea1: short and label prefixes
SHORT = [rev("4def567", labels=("feature",)), rev("2b3aaaa", "4def567"), rev("xyz", "2b3aaaa"),
         rev("abd9999", "xyz"), rev("fea1", "abd9999")]
SHORT_IDENTS = ["4", "2b3", "2", "xyz", "xy", "x", "a", "abd", "feat", "fea", "f", "feature@2b",
                "fea1@4", "4@fea1", "4d@xyz"]


@pytest.mark.parametrize("ident", SHORT_IDENTS)
def test_partial_ids_as_alembic_resolves_them(ident):
    """Any unique prefix (`4`), of ids and of branch labels; ids of 3 characters or fewer
    only in full. Where Alembic raises, yamig does too."""
    from alembic.script.revision import Revision as ARevision
    from alembic.script.revision import RevisionMap

    alembic_map = RevisionMap(lambda: [
        ARevision(r.revision, r.down_revision[0] if r.down_revision else None,
                  branch_labels=r.branch_labels or None) for r in SHORT])
    try:
        expected = tuple(r.revision for r in alembic_map.get_revisions(ident))
    except Exception:
        expected = None
    try:
        ours = RevisionGraph(SHORT).resolve(ident)
    except ResolutionError:
        ours = None
    assert ours == expected


@pytest.mark.parametrize("ident, message", [
    ("xy", "no revision or branch label 'xy'\n  hint: ids and labels of 3 characters or fewer match "
           "only in full: did you mean 'xyz'? `yamig history` lists the revisions"),
    ("q", "no revision or branch label 'q'\n  hint: `yamig history` lists the revisions"),
    ("fea", "'fea' matches 2 revisions: fea1, 4def567 (branch label feature)\n"
            "  hint: give more characters of the id"),
])
def test_partial_id_errors(ident, message):
    with pytest.raises(ResolutionError) as info:
        RevisionGraph(SHORT).resolve(ident)
    assert str(info.value) == message


def test_upgrade_and_downgrade_by_short_prefixes(tmp_path, sqlite_url):
    config = write_project(tmp_path, {"4def567_a.yaml": revision_text("4def567", None),
                                      "2b3aaaa_b.yaml": revision_text("2b3aaaa", "4def567"),
                                      "9c9_c.yaml": revision_text("9c9", "2b3aaaa")}, sqlite_url)
    command.upgrade(config, "2")
    assert rows(sqlite_url) == ["2b3aaaa"]
    command.upgrade(config, "9c9")
    assert rows(sqlite_url) == ["9c9"]
    command.downgrade(config, "4")
    assert rows(sqlite_url) == ["4def567"]
    with pytest.raises(ResolutionError, match="no revision or branch label '9c'"):
        command.upgrade(config, "9c")


def test_head_error_suggests_heads_and_merge(graph):
    with pytest.raises(ResolutionError) as info:
        graph.resolve("head")
    assert "use `heads` for all of them, or join them with `yamig merge heads`" in str(info.value)


@pytest.mark.parametrize("revisions, message", [
    ([rev("a1"), rev("a1", "a1x")],
     "versions/a1.yaml:1:11: revision id a1 is used twice: here and in versions/a1.yaml"),
    ([rev("a1"), rev("b2", "zz")],
     "versions/b2.yaml:2:16: revision b2 names parent 'zz', which no revision file defines"),
    ([rev("a1"), rev("b2", "a1", deps=("nope",))],
     "versions/b2.yaml:3:13: revision b2 depends on 'nope', which is neither a revision nor a branch label"),
    ([rev("a1", labels=("x",)), rev("b2", "a1", labels=("x",))],
     "versions/b2.yaml:4:16: branch label 'x' is already used by revision a1 (versions/a1.yaml)"),
    ([rev("a1", "c3"), rev("b2", "a1"), rev("c3", "b2")],
     "the revisions form a cycle: a1 -> b2 -> c3 -> a1"),
])
def test_graph_errors_name_files_and_lines(revisions, message):
    with pytest.raises(GraphError) as info:
        RevisionGraph(revisions)
    assert message in str(info.value)


def test_collecting_graph_reports_every_problem_and_what_a_base_reaches():
    """With a problems list the graph raises nothing: each problem is collected once, with
    validate's rule and wording, and the part a base reaches is still known."""
    problems: list = []
    graph = RevisionGraph([rev("a1", labels=("x",)), rev("a1", "a1"), rev("b2", "zz"),
                           rev("c3", "b2"), rev("d4", "a1", labels=("x",), deps=("nope",)),
                           rev("e5", "a1")], problems)
    assert problems == [
        ("duplicate-id", "versions/a1.yaml:1:11",
         "revision id a1 is defined by more than one file (also versions/a1.yaml)"),
        ("duplicate-label", "versions/d4.yaml:4:16", "branch label 'x' is also used by versions/a1.yaml"),
        ("missing-parent", "versions/b2.yaml:2:16", "parent 'zz' is defined by no file"),
        ("missing-dependency", "versions/d4.yaml:3:13",
         "dependency 'nope' is neither a revision nor a branch label"),
    ]
    assert graph.reached() == {"a1", "e5"}
    assert graph.reached(deps=False) == {"a1", "d4", "e5"}


def test_collecting_graph_reports_a_cycle_as_building_would_raise_it():
    problems: list = []
    graph = RevisionGraph([rev("a1"), rev("b2", "c3"), rev("c3", "b2")], problems)
    assert problems == [("cycle", "versions/b2.yaml:2:16", "the revisions form a cycle: b2 -> c3 -> b2")]
    assert graph.reached() == {"a1"}


def test_cycle_error_names_every_file():
    with pytest.raises(GraphError) as info:
        RevisionGraph([rev("a1", "b2"), rev("b2", "a1")])
    assert "a1 (versions/a1.yaml)" in str(info.value) and "b2 (versions/b2.yaml)" in str(info.value)


def test_plans_on_one_branch(graph):
    steps = graph.upgrade_plan((), "feature@head")
    assert [s.revision.revision for s in steps] == ["a1aaaa", "b2bbbb", "c3cccc", "d4aaaa", "e5aaaa"]
    assert steps[-1].rows_after == ("e5aaaa",)
    steps = graph.upgrade_plan(("e5aaaa",), "x7xxxx")   # its dependency comes first
    assert [s.revision.revision for s in steps] == ["d4bbbb", "x7xxxx"]
    assert steps[-1].rows_after == ("e5aaaa", "x7xxxx")
    down = graph.downgrade_plan(("e5aaaa", "x7xxxx"), "feature@-1")
    assert [s.revision.revision for s in down] == ["e5aaaa"]
    assert down[-1].rows_after == ("d4aaaa", "x7xxxx")


def test_merge_collapses_rows():
    graph = RevisionGraph([rev("a1"), rev("b2", "a1"), rev("c3", "a1"), rev("m4", ("b2", "c3"))])
    steps = graph.upgrade_plan((), "heads")
    assert [s.revision.revision for s in steps] == ["a1", "c3", "b2", "m4"]   # as Alembic orders
    assert [s.rows_after for s in steps] == [("a1",), ("c3",), ("b2", "c3"), ("m4",)]
    assert (steps[-1].delete, steps[-1].update) == (("b2",), (("c3", "m4"),))
    down = graph.downgrade_plan(("m4",), "a1")
    assert [s.rows_after for s in down] == [("b2", "c3"), ("c3",), ("a1",)]


def test_stamp_plan():
    graph = RevisionGraph([rev("a1"), rev("b2", "a1"), rev("c3", "a1"), rev("m4", ("b2", "c3"))])
    assert graph.stamp_plan((), ["b2"])[-1].rows_after == ("b2",)
    assert graph.stamp_plan(("b2",), ["c3"])[-1].rows_after == ("b2", "c3")
    assert graph.stamp_plan(("b2", "c3"), ["m4"])[-1].rows_after == ("m4",)
    assert graph.stamp_plan(("m4",), ["base"])[-1].rows_after == ()
    assert graph.stamp_plan(("m4",), ["a1"])[-1].rows_after == ("a1",)


BRANCHY = {
    "a1_base.yaml": revision_text("a1", None, message="base"),
    "b2_left.yaml": revision_text("b2", "a1", message="left"),
    "c3_right.yaml": revision_text("c3", "a1", message="right"),
}


def rows(url):
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        result = sorted(conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalars())
    engine.dispose()
    return result


def test_graph_commands_on_a_branchy_project(tmp_path, sqlite_url, capsys):
    config = write_project(tmp_path, BRANCHY, sqlite_url)
    command.heads(config)
    command.branches(config)
    command.history(config)
    out = capsys.readouterr().out
    assert out == ("b2 (head)\nc3 (head)\n"
                   "a1 (branchpoint)\n   -> b2 (head)\n   -> c3 (head)\n\n"
                   "a1 -> b2 (head), left\na1 -> c3 (head), right\n<base> -> a1 (branchpoint), base\n")
    with pytest.raises(ResolutionError, match="'head' is ambiguous"):
        command.upgrade(config, "head")
    command.upgrade(config, "heads")
    assert rows(sqlite_url) == ["b2", "c3"]
    command.stamp(config, "base")
    assert rows(sqlite_url) == []
    command.stamp(config, ["b2", "c3"])
    assert rows(sqlite_url) == ["b2", "c3"]
    path = command.merge(config, "heads", message="join", rev_id="m4")
    assert "down_revision: [\"b2\", \"c3\"]" in path.read_text()
    command.upgrade(config, "head")
    assert rows(sqlite_url) == ["m4"]
    command.stamp(config, "a1", purge=True)
    assert rows(sqlite_url) == ["a1"]
    capsys.readouterr()
    command.show(config, "m4")
    assert capsys.readouterr().out.startswith("Rev: m4 (head) (mergepoint)\nMerges: b2, c3\n")


def test_revision_options(tmp_path, sqlite_url):
    config = write_project(tmp_path, BRANCHY, sqlite_url)
    new = command.revision(config, "feature start", head="a1", splice=True, branch_label="feature",
                           rev_id="f5", depends_on=["b2"], version_path=str(tmp_path / "other"))
    text = new.read_text()
    assert new.parent == tmp_path / "other"
    assert 'down_revision: "a1"' in text and 'branch_labels: ["feature"]' in text
    assert 'depends_on: ["b2"]' in text
    with pytest.raises(ResolutionError, match="revision a1 is not a head revision"):
        command.revision(config, "x", head="a1", rev_id="z9")


def alembic_map(revisions):
    """Alembic's RevisionMap over the same revisions (ids, parents, labels), in the same order."""
    from alembic.script.revision import Revision as ARevision
    from alembic.script.revision import RevisionMap

    return RevisionMap(lambda: [ARevision(
        r.revision, (r.down_revision if len(r.down_revision) > 1 else r.down_revision[0])
        if r.down_revision else None, branch_labels=r.branch_labels or None) for r in revisions])


@pytest.mark.parametrize("order", [("c3", "b2"), ("b2", "c3")])
def test_downgrade_minus_one_at_several_heads_takes_alembics_head(tmp_path, db_url, order, caplog):
    """Alembic steps down from the first version row the database returns (with a warning);
    yamig sorted the rows and so took b2 where Alembic takes c3."""
    import warnings

    from alembic.runtime.migration import MigrationContext

    config = write_project(tmp_path, BRANCHY, db_url)
    command.upgrade(config, "heads")
    engine = sa.create_engine(db_url)
    with engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM alembic_version"))
        for row in order:
            conn.execute(sa.text("INSERT INTO alembic_version (version_num) VALUES (:v)"), {"v": row})
    with engine.connect() as conn:
        heads = MigrationContext.configure(conn).get_current_heads()
    engine.dispose()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "downgrade -1 from multiple heads is ambiguous"
        expected = [r.revision for r in alembic_map(command.load_graph(config).revisions.values())
                    .iterate_revisions(heads, "-1", select_for_downgrade=True)]
    assert heads == order and expected == [order[0]]
    with caplog.at_level("WARNING", logger="runner"):
        command.downgrade(config, "-1")
    assert rows(db_url) == [order[1]]
    assert [r.getMessage() for r in caplog.records if r.levelname == "WARNING"] == [
        f"'-1' from several heads ({order[0]}, {order[1]}) steps down from {order[0]}, the first "
        f"version row, as Alembic does; to choose, name the head: {order[0]}@-1 or {order[1]}@-1"]


TWO_BRANCHES = {
    "a1_base.yaml": revision_text("a1", None, message="base"),
    "b2_billing.yaml": revision_text("b2", "a1", message="billing").replace(
        "down_revision: a1\n", "down_revision: a1\nbranch_labels: [billing]\n"),
    "b3_billing.yaml": revision_text("b3", "b2", message="billing 2"),
    "c2_shop.yaml": revision_text("c2", "a1", message="shop").replace(
        "down_revision: a1\n", "down_revision: a1\nbranch_labels: [shop]\n"),
}


def test_upgrade_and_downgrade_one_branch(tmp_path, sqlite_url):
    config = write_project(tmp_path, TWO_BRANCHES, sqlite_url)
    command.upgrade(config, "billing@head")
    assert rows(sqlite_url) == ["b3"]
    command.upgrade(config, "shop@head")
    assert rows(sqlite_url) == ["b3", "c2"]
    command.downgrade(config, "billing@-1")
    assert rows(sqlite_url) == ["b2", "c2"]
    command.downgrade(config, "shop@-1")
    assert rows(sqlite_url) == ["b2"]
    command.upgrade(config, "billing@+1")
    assert rows(sqlite_url) == ["b3"]
