"""The revisions a rewrite works on, found in the graph and checked: a linear stretch A..B
(squash) or a branch off another line (rebase)."""

from __future__ import annotations

from runner.errors import ResolutionError, RewriteRefused


def one(graph, identifier: str) -> str:
    """The one revision `identifier` names."""
    ids = graph.resolve(identifier)
    if len(ids) != 1:
        raise ResolutionError(f"{identifier!r} names {len(ids)} revisions, not one",
                              hint="name one revision by its id")
    return ids[0]


def linear_stretch(graph, first: str, last: str) -> list[str]:
    """The ids from `first` up to `last` (both included), walked down from `last`; refused when
    the walk meets a merge, a branch point or a dependency into its inner revisions."""
    ids = [last]
    while ids[-1] != first:
        rev = graph.revisions[ids[-1]]
        if len(rev.down_revision) != 1:
            what = "a merge" if rev.down_revision else "a base"
            raise RewriteRefused(
                f"{first} is not below {last} on one line: {rev.revision} is {what}",
                location=rev.where("down_revision"),
                hint="squash a stretch with no merge inside, A:B with A older than B")
        ids.append(rev.down_revision[0])
    ids.reverse()
    head_rev = graph.revisions[first]
    if len(head_rev.down_revision) > 1:
        raise RewriteRefused(f"{first} is a merge: a squashed revision keeps one parent",
                             location=head_rev.where("down_revision"),
                             hint="start the stretch after the merge")
    inner = set(ids[:-1])
    for rev_id in ids[:-1]:
        children = [c for c in graph.nodes[rev_id].nextrev if c not in ids]
        if children:
            raise RewriteRefused(
                f"{rev_id} is a branch point: {', '.join(children)} also build on it",
                location=graph.revisions[children[0]].where("down_revision"),
                hint="merge or rebase that branch first, or end the stretch at the branch point")
    for node in graph.nodes.values():
        if node.id in ids:
            continue
        needed = sorted(set(node.deps) & inner)
        if needed:
            raise RewriteRefused(
                f"revision {node.id} depends on {', '.join(needed)}, which the squash removes",
                location=node.rev.where("depends_on"),
                hint=f"make it depend on {ids[-1]} instead, or end the stretch before it")
    return ids
