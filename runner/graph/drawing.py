"""The revision graph as a picture's source: Graphviz DOT or Mermaid, for `yamig graph`.

networkx does the graph work (RevisionGraph.to_networkx(): the roles from degrees, the range
as a subgraph, the order as a lexicographical topological sort), so the output is the same
text for the same revisions, whatever order their files were loaded in: golden tests hold.
Roles come from the whole graph: a range's oldest revision is not drawn as a base.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from runner.graph.revision_map import RevisionGraph

SHORT = 12          # characters of an id shown (Alembic's ids are 12 hex digits)
MESSAGE = 60        # characters of a message's first line shown
ROLES = ("base", "head", "merge", "branchpoint", "current")  # the order they are named in

# how each role looks in DOT; a node with several roles takes each one's attributes in turn
DOT_STYLE = {
    "base": {"fillcolor": "#dbeafe"},
    "head": {"fillcolor": "#dcfce7", "penwidth": "2"},
    "merge": {"shape": "hexagon"},
    "branchpoint": {"shape": "octagon"},
    "current": {"color": "#dc2626", "penwidth": "3"},
}
MERMAID_STYLE = {
    "base": "fill:#dbeafe",
    "head": "fill:#dcfce7,stroke-width:2px",
    "merge": "stroke-dasharray:6 3",
    "branchpoint": "stroke-dasharray:2 2",
    "current": "stroke:#dc2626,stroke-width:3px",
}


class Picture:
    """What is drawn: the revisions (in a stable order) with their labels and roles, the edges
    between them (parent or dependency), and the branch labels each one carries."""

    def __init__(self, graph: RevisionGraph, ids: Iterable[str] | None = None,
                 current: Iterable[str] = ()):
        import networkx as nx

        whole = graph.to_networkx()
        parents = nx.subgraph_view(whole, filter_edge=lambda u, v: whole[u][v]["kind"] == "parent")
        shown = whole.subgraph(ids) if ids is not None else whole
        self.order: list[str] = list(nx.lexicographical_topological_sort(shown))
        current = set(current)
        self.roles: dict[str, tuple[str, ...]] = {}
        for rev_id in self.order:
            has = {"base": not parents.in_degree(rev_id), "head": not parents.out_degree(rev_id),
                   "merge": parents.in_degree(rev_id) > 1,
                   "branchpoint": parents.out_degree(rev_id) > 1, "current": rev_id in current}
            self.roles[rev_id] = tuple(role for role in ROLES if has[role])
        place = {rev_id: i for i, rev_id in enumerate(self.order)}
        self.edges: list[tuple[str, str, str]] = sorted(
            shown.edges(data="kind"), key=lambda edge: (place[edge[0]], place[edge[1]]))
        self.labels = {rev_id: tuple(sorted(graph.revisions[rev_id].branch_labels))
                       for rev_id in self.order}
        self.text = {rev_id: (short(rev_id), first_line(graph.revisions[rev_id].message))
                     for rev_id in self.order}


def short(rev_id: str) -> str:
    return rev_id if len(rev_id) <= SHORT else rev_id[:SHORT] + "…"


def first_line(message: str | None) -> str:
    line = (message or "").strip().splitlines()[0].strip() if (message or "").strip() else ""
    return line if len(line) <= MESSAGE else line[:MESSAGE - 1].rstrip() + "…"


# -- DOT ------------------------------------------------------------------------------------

def to_dot(picture: Picture) -> str:
    """Parents point to children (oldest at the top); dependencies dashed; branch labels as
    notes tied to their revision by a dotted line; each role named under the message too."""
    lines = ["digraph revisions {",
             "  rankdir=TB;",
             '  node [shape=box, style="rounded,filled", fillcolor=white, fontname="Helvetica"];',
             '  edge [color="#475569", fontname="Helvetica", fontsize=10];']
    for rev_id in picture.order:
        roles = picture.roles[rev_id]
        attrs = {"label": _dot_label(picture.text[rev_id], roles)}
        if len(rev_id) > SHORT:
            attrs["tooltip"] = rev_id
        for role in roles:
            attrs.update(DOT_STYLE[role])
        lines.append(f"  {_quote(rev_id)} [{_dot_attrs(attrs)}];")
    for source, target, kind in picture.edges:
        extra = ' [style=dashed, color="#7c3aed", label="depends on"]' \
            if kind == "dependency" else ""
        lines.append(f"  {_quote(source)} -> {_quote(target)}{extra};")
    for rev_id in picture.order:
        for label in picture.labels[rev_id]:
            note = _quote("@" + label)
            lines.append(f'  {note} [shape=note, style=filled, fillcolor="#fef9c3", '
                         f"label={_quote(label)}];")
            lines.append(f"  {note} -> {_quote(rev_id)} [style=dotted, arrowhead=none];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _dot_label(text: tuple[str, str], roles: tuple[str, ...]) -> str:
    parts = [part for part in text if part]
    if roles:
        parts.append(f"({', '.join(roles)})")
    return "\\n".join(_escape(part) for part in parts)


def _dot_attrs(attrs: dict[str, str]) -> str:
    """Quoted values; `label` arrives escaped already (its `\\n` are DOT's line breaks)."""
    return ", ".join(f'{key}="{value}"' if key == "label" else f"{key}={_quote(value)}"
                     for key, value in attrs.items())


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def _quote(text: str) -> str:
    return f'"{_escape(text)}"'


# -- Mermaid --------------------------------------------------------------------------------

def to_mermaid(picture: Picture) -> str:
    """A flowchart: parents `-->` children, dependencies `-.->`, branch labels as flags `---`
    their revision, each role a class (classDef at the end)."""
    names = _mermaid_names(picture.order, "r_")
    lines = ["flowchart TB"]
    for rev_id in picture.order:
        parts = [part for part in picture.text[rev_id] if part]
        roles = picture.roles[rev_id]
        if roles:
            parts.append(f"({', '.join(roles)})")
        lines.append(f'  {names[rev_id]}["{"<br/>".join(_mermaid_text(p) for p in parts)}"]')
    for source, target, kind in picture.edges:
        arrow = "-.->" if kind == "dependency" else "-->"
        lines.append(f"  {names[source]} {arrow} {names[target]}")
    labels = sorted({label for rev_id in picture.order for label in picture.labels[rev_id]})
    flags = _mermaid_names(labels, "l_")
    for label in labels:
        lines.append(f'  {flags[label]}>"{_mermaid_text(label)}"]')
    for rev_id in picture.order:
        for label in picture.labels[rev_id]:
            lines.append(f"  {flags[label]} --- {names[rev_id]}")
    for role in ROLES:
        members = [names[rev_id] for rev_id in picture.order if role in picture.roles[rev_id]]
        if members:
            lines.append(f"  classDef {role} {MERMAID_STYLE[role]}")
            lines.append(f"  class {','.join(members)} {role}")
    return "\n".join(lines) + "\n"


def _mermaid_names(items: Iterable[str], prefix: str) -> dict[str, str]:
    """Node ids Mermaid takes: letters, digits and `_` (revision ids are so already, branch
    labels need not be), the prefix keeping `end` and the like from being keywords, and two
    labels that read alike once made safe told apart by a number."""
    names: dict[str, str] = {}
    taken: set[str] = set()
    for item in items:
        name = base = prefix + re.sub(r"\W", "_", item, flags=re.ASCII)
        number = 2
        while name in taken:
            name, number = f"{base}_{number}", number + 1
        taken.add(name)
        names[item] = name
    return names


def _mermaid_text(text: str) -> str:
    """Mermaid's entity codes for what would end or mark up a quoted label."""
    return (text.replace("#", "#35;").replace('"', "#quot;").replace("<", "#lt;")
            .replace(">", "#gt;"))
