"""yamig answers what Alembic 1.20.1 answers on 14 real projects' revision graphs.

Each graph in ../shared/realdags becomes YAML revision files (each file's
relative path kept, extension .yaml), loaded by the real loader in Alembic's
file order, and every answer recorded from Alembic is compared.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from runner.graph import RevisionGraph
from runner.revisions.loader import load_revisions

REALDAGS = Path(__file__).resolve().parents[2].parent / "shared" / "realdags"
CORPORA = sorted(p.name for p in REALDAGS.glob("*.json")) if REALDAGS.is_dir() else []


def write_corpus(name: str, root: Path) -> None:
    for entry in json.loads((REALDAGS / name).read_text()):
        path = root / Path(entry["path"]).with_suffix(".yaml")
        path.parent.mkdir(parents=True, exist_ok=True)
        down = entry["down_revision"]
        lines = [f"revision: {json.dumps(entry['revision'])}",
                 f"down_revision: {json.dumps(down if len(down) != 1 else down[0]) if down else 'null'}",
                 f"branch_labels: {json.dumps(entry['branch_labels'])}",
                 f"depends_on: {json.dumps(entry['depends_on'])}",
                 f"message: {json.dumps(entry['message'] or '')}",
                 "upgrade: []"]
        path.write_text("\n".join(lines) + "\n")


@pytest.fixture(scope="module", params=CORPORA)
def corpus(request, tmp_path_factory):
    root = tmp_path_factory.mktemp(request.param.replace(".json", ""))
    write_corpus(request.param, root)
    graph = RevisionGraph(load_revisions([root], use_cache=False))
    expected = json.loads((REALDAGS / "expected" / request.param).read_text())
    return graph, expected


def test_realdags_present():
    if not CORPORA:
        pytest.skip(f"no realdags corpora at {REALDAGS}")
    assert len(CORPORA) == 14


def test_heads_and_bases(corpus):
    graph, expected = corpus
    # the recorded heads and bases are sorted; Alembic's own order is load order, as ours
    assert sorted(graph.heads) == expected["heads"]
    assert sorted(graph.heads_resolved_dependencies) == expected["heads_resolved_dependencies"]
    assert sorted(graph.bases) == expected["bases"]


def test_branches(corpus):
    graph, expected = corpus
    ours = {rev: sorted(children) for rev, children in graph.branch_points}
    assert ours == {b["revision"]: sorted(b["next"]) for b in expected["branches"]}


def test_history_order(corpus):
    graph, expected = corpus
    assert [r.revision for r in graph.history()] == expected["history"]


def test_upgrade_order_and_version_rows(corpus):
    graph, expected = corpus
    steps = graph.upgrade_plan((), "heads")
    assert [s.revision.revision for s in steps] == expected["upgrade"]
    assert [sorted(s.rows_after) for s in steps] == [sorted(r) for r in expected["upgrade_rows"]]
    assert sorted(steps[-1].rows_after) == sorted(expected["version_rows"])


def test_downgrade_order(corpus):
    graph, expected = corpus
    rows = graph.upgrade_plan((), "heads")[-1].rows_after
    steps = graph.downgrade_plan(rows, "base")
    assert [s.revision.revision for s in steps] == expected["downgrade"]
    assert steps[-1].rows_after == ()


def alembic_map(graph: RevisionGraph):
    """Alembic's own RevisionMap over the corpus, in the same order, to ask it directly."""
    from alembic.script.revision import Revision as ARevision
    from alembic.script.revision import RevisionMap

    return RevisionMap(lambda: [ARevision(
        r.revision, (r.down_revision if len(r.down_revision) > 1 else r.down_revision[0])
        if r.down_revision else None, dependencies=r.depends_on or None,
        branch_labels=r.branch_labels or None) for r in graph.revisions.values()])


def answer(resolve):
    """The revision ids `resolve()` gives, or None where it refuses them."""
    from alembic.script.revision import RevisionError
    from alembic.util import CommandError

    from runner.errors import YamigError

    try:
        return [getattr(r, "revision", r) for r in resolve()]
    except (YamigError, RevisionError, CommandError):
        return None


def test_short_prefixes_as_alembic(corpus):
    """Every prefix of 1 to 3 characters of every id and label: the revision Alembic finds,
    or an error where Alembic gives one."""
    graph, _ = corpus
    theirs = alembic_map(graph)
    names = list(graph.revisions) + list(graph.labels)
    for prefix in sorted({name[:n] for name in names for n in (1, 2, 3)}):
        assert answer(lambda p=prefix: graph.resolve(p)) == \
            answer(lambda p=prefix: theirs.get_revisions(p)), prefix


# the histories whose heads take several version rows, where `-1` has a head to choose
SEVERAL_ROWS = [name for name in CORPORA
                if len(json.loads((REALDAGS / "expected" / name).read_text())["version_rows"]) > 1]


@pytest.mark.parametrize("corpus", SEVERAL_ROWS, indirect=True)
def test_downgrade_minus_one_at_several_heads_as_alembic(corpus):
    """From the rows at all heads, in load order and reversed: Alembic steps down from the
    first row."""
    import warnings

    graph, _ = corpus
    rows = graph.upgrade_plan((), "heads")[-1].rows_after
    assert len(rows) > 1
    theirs = alembic_map(graph)
    for current in (rows, rows[::-1]):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "downgrade -1 from multiple heads is ambiguous"
            expected = answer(lambda c=current: theirs.iterate_revisions(c, "-1", select_for_downgrade=True))
        assert answer(lambda c=current: [s.revision for s in graph.downgrade_plan(c, "-1")]) == expected
        assert expected == [current[0]]


def test_each_graph_draws_and_graphviz_accepts_it(corpus):
    """`yamig graph`'s DOT of the whole graph passes `dot -Tsvg`; its Mermaid holds every
    revision and every edge (parents and dependencies)."""

    from runner.graph.drawing import Picture, to_dot, to_mermaid

    from ..helpers import assert_dot_accepts, read_mermaid, skip_without_dot

    graph, _ = corpus
    picture = Picture(graph)
    dot = to_dot(picture)
    skip_without_dot()
    svg = assert_dot_accepts(dot)
    assert svg.count('class="node"') == len(graph.revisions) + len(graph.labels)
    assert svg.count('class="edge"') == graph.to_networkx().number_of_edges() + len(graph.labels)
    found = read_mermaid(to_mermaid(picture))
    assert len(found["nodes"]) == len(graph.revisions)
    assert len(found["edges"]) == graph.to_networkx().number_of_edges()
    assert {f"r_{h}" for h in graph.heads} == found["classes"]["head"]
    assert {f"r_{b}" for b in graph.bases} == found["classes"]["base"]
