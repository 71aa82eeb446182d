"""Random graphs with branches, merges, dependencies and labels: plan invariants, and
the same answers as Alembic's own RevisionMap (installed for the tests)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from runner.graph import RevisionGraph
from runner.revisions.revision import Revision

from .test_realdags import answer


@st.composite
def graphs(draw, max_size=30):
    n = draw(st.integers(1, max_size))
    nodes: list[tuple[str, tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = []
    ancestors: dict[str, set[str]] = {}
    for i in range(n):
        rev_id = f"r{i:03d}"
        kind = draw(st.sampled_from(["child"] * 6 + ["base", "merge"])) if i else "base"
        parents: tuple[str, ...] = ()
        if kind == "child":
            parents = (nodes[draw(st.integers(0, i - 1))][0],)
        elif kind == "merge" and i >= 2:
            a = nodes[draw(st.integers(0, i - 1))][0]
            candidates = [x[0] for x in nodes if x[0] != a and x[0] not in ancestors[a]
                          and a not in ancestors[x[0]]]
            parents = (a, draw(st.sampled_from(candidates))) if candidates else (a,)
        anc = set(parents)
        for p in parents:
            anc |= ancestors[p]
        deps: tuple[str, ...] = ()
        if i >= 2 and draw(st.integers(0, 6)) == 0:
            candidates = [x[0] for x in nodes if x[0] not in anc]
            if candidates:
                deps = (draw(st.sampled_from(candidates)),)
                anc |= {deps[0]} | ancestors[deps[0]]
        labels = (f"label{i}",) if draw(st.integers(0, 9)) == 0 else ()
        ancestors[rev_id] = anc
        nodes.append((rev_id, parents, deps, labels))
    return nodes


def ours(nodes):
    return RevisionGraph([Revision(r, down_revision=p, depends_on=d, branch_labels=lab, order=i)
                          for i, (r, p, d, lab) in enumerate(nodes)])


def alembics(nodes):
    from alembic.script.revision import Revision as ARevision
    from alembic.script.revision import RevisionMap

    revisions = [ARevision(r, (p if len(p) > 1 else p[0]) if p else None,
                           dependencies=d[0] if d else None, branch_labels=lab or None)
                 for r, p, d, lab in nodes]
    return RevisionMap(lambda: revisions)


SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(graphs())
def test_plan_invariants(nodes):
    graph = ours(nodes)
    steps = graph.upgrade_plan((), "heads")
    order = [s.revision.revision for s in steps]
    assert sorted(order) == sorted(graph.revisions)
    position = {r: i for i, r in enumerate(order)}
    for rev_id, parents, deps, _ in nodes:
        for before in parents + deps:
            assert position[before] < position[rev_id]
    assert set(steps[-1].rows_after) == set(graph.heads_resolved_dependencies)
    down = graph.downgrade_plan(steps[-1].rows_after, "base")
    assert [s.revision.revision for s in down] == order[::-1]
    assert down[-1].rows_after == ()


@SETTINGS
@given(graphs(), st.data())
def test_upgrade_to_a_revision_then_back_to_base(nodes, data):
    graph = ours(nodes)
    target = data.draw(st.sampled_from(sorted(graph.revisions)))
    up = graph.upgrade_plan((), target)
    assert target in up[-1].rows_after
    down = graph.downgrade_plan(up[-1].rows_after, "base")
    assert sorted(s.revision.revision for s in down) == sorted(s.revision.revision for s in up)
    assert down[-1].rows_after == ()


@SETTINGS
@given(graphs())
def test_same_answers_as_alembic(nodes):
    pytest.importorskip("alembic")
    graph, alembic_map = ours(nodes), alembics(nodes)
    assert graph.heads == alembic_map.heads
    assert graph.bases == alembic_map.bases
    assert [r.revision for r in graph.history()] == [
        r.revision for r in alembic_map.iterate_revisions("heads", "base", inclusive=True,
                                                          assert_relative_length=False)]
    assert [s.revision.revision for s in graph.upgrade_plan((), "heads")] == list(reversed(
        [r.revision for r in alembic_map.iterate_revisions("heads", (), implicit_base=True)]))
    rows = graph.upgrade_plan((), "heads")[-1].rows_after
    assert [s.revision.revision for s in graph.downgrade_plan(rows, "base")] == [
        r.revision for r in alembic_map.iterate_revisions(rows, "base", select_for_downgrade=True)]


@SETTINGS
@given(graphs(), st.data())
def test_downgrade_minus_one_from_rows_in_any_order_as_alembic(nodes, data):
    """At several heads, `-1` steps down from the first version row, as in Alembic."""
    import warnings

    graph, alembic_map = ours(nodes), alembics(nodes)
    rows = data.draw(st.permutations(graph.upgrade_plan((), "heads")[-1].rows_after))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Alembic: "downgrade -1 from multiple heads is ambiguous"
        expected = answer(lambda: alembic_map.iterate_revisions(rows, "-1", select_for_downgrade=True))
    assert answer(lambda: [s.revision for s in graph.downgrade_plan(rows, "-1")]) == expected


@SETTINGS
@given(graphs(max_size=12), st.data())
def test_partial_ids_as_alembic(nodes, data):
    graph, alembic_map = ours(nodes), alembics(nodes)
    name = data.draw(st.sampled_from(sorted(graph.revisions) + sorted(graph.labels)))
    prefix = name[:data.draw(st.integers(1, len(name)))]
    assert answer(lambda: graph.resolve(prefix)) == answer(lambda: alembic_map.get_revisions(prefix))
