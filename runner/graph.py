"""The revision graph: heads, bases, branches, dependencies, labels, and plans.

The algorithms follow Alembic's RevisionMap step for step, because users
compare yamig's answers with Alembic's on the same history (the realdags tests
do). What differs is cost and errors: ancestor sets are integer bitsets built
once in topological order, so the walks are not repeated per branch, and a
broken graph is reported with files and lines instead of a KeyError.
"""

from __future__ import annotations

import gc
from collections.abc import Iterable, Sequence

from runner.errors import GraphError, ResolutionError
from runner.identifiers import IdentifierGrammar
from runner.revision import Revision


class Step:
    """One revision to run, and the version-table changes Alembic makes for it.

    (A plain class: importing dataclasses costs graph-only commands 4 ms of start-up.)
    """

    __slots__ = ("revision", "is_upgrade", "delete", "insert", "update", "rows_after")

    def __init__(self, revision: Revision, is_upgrade: bool, delete: tuple[str, ...] = (),
                 insert: tuple[str, ...] = (), update: tuple[tuple[str, str], ...] = (),
                 rows_after: tuple[str, ...] = ()):
        self.revision = revision
        self.is_upgrade = is_upgrade
        self.delete = delete
        self.insert = insert
        self.update = update
        self.rows_after = rows_after

    def __repr__(self) -> str:
        rev = self.revision.revision if self.revision is not None else None
        return f"Step({rev!r}, up={self.is_upgrade}, rows_after={self.rows_after!r})"


class _Node:
    __slots__ = ("rev", "id", "index", "down", "deps", "norm_deps", "nextrev", "all_nextrev", "all_down")

    def __init__(self, rev: Revision, index: int):
        self.rev = rev
        self.id = rev.revision
        self.index = index
        self.down = rev.down_revision            # versioned parents
        self.deps: tuple[str, ...] = ()          # dependencies, as revision ids
        self.norm_deps: tuple[str, ...] = ()     # minus those an ancestor already depends on
        self.nextrev: list[str] = []             # children through down_revision
        self.all_nextrev: list[str] = []         # children and dependents
        self.all_down: tuple[str, ...] = self.down  # parents and dependencies, set by the graph

    @property
    def norm_down(self) -> tuple[str, ...]:
        return _dedupe(self.down + self.norm_deps) if self.norm_deps else self.down


def _dedupe(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))


class RevisionGraph(IdentifierGrammar):
    def __init__(self, revisions: Sequence[Revision]):
        enabled = gc.isenabled()
        gc.disable()  # tens of thousands of small objects, no cycles: the GC would only rescan them
        try:
            self._build(revisions)
        finally:
            if enabled:
                gc.enable()

    def _build(self, revisions: Sequence[Revision]) -> None:
        self.nodes: dict[str, _Node] = {}
        for rev in revisions:
            if rev.revision in self.nodes:
                first = self.nodes[rev.revision].rev
                raise GraphError(f"revision id {rev.revision} is used twice: here and in {first.path}",
                                 location=rev.where("revision"),
                                 hint="give one of them a new id (and update what points to it)")
            self.nodes[rev.revision] = _Node(rev, len(self.nodes))
        self.revisions: dict[str, Revision] = {n.id: n.rev for n in self.nodes.values()}
        self.labels: dict[str, _Node] = {}
        self._map_labels()
        self._link()
        self._order = self._topological_order()
        self._normalize_dependencies()
        self._anc_bits: dict[str, int] | None = None
        self._labels: dict[str, frozenset[str]] | None = None

    # -- construction ------------------------------------------------------------------------
    def _map_labels(self) -> None:
        for node in self.nodes.values():
            for label in node.rev.branch_labels:
                other = self.labels.get(label) or self.nodes.get(label)
                if other is not None:
                    raise GraphError(
                        f"branch label {label!r} is already used by revision {other.id} ({other.rev.path})",
                        location=node.rev.where("branch_labels"),
                        hint="branch labels must be unique and differ from every revision id")
                self.labels[label] = node

    def _link(self) -> None:
        for node in self.nodes.values():
            for i, parent in enumerate(node.down):
                if parent not in self.nodes:
                    at = ("down_revision", i) if len(node.down) > 1 else ("down_revision",)
                    raise GraphError(
                        f"revision {node.id} names parent {parent!r}, which no revision file defines",
                        location=node.rev.where(*at),
                        hint=_missing_hint(parent, self.nodes))
            deps = []
            for i, dep in enumerate(node.rev.depends_on):
                target = self.nodes.get(dep) or self.labels.get(dep)
                if target is None:
                    at = ("depends_on", i) if len(node.rev.depends_on) > 1 else ("depends_on",)
                    raise GraphError(
                        f"revision {node.id} depends on {dep!r}, which is neither a revision nor a "
                        "branch label", location=node.rev.where(*at), hint=_missing_hint(dep, self.nodes))
                deps.append(target.id)
            node.deps = tuple(deps)
            if deps:
                node.all_down = _dedupe(node.down + node.deps)
            for parent in node.all_down:
                parent_node = self.nodes[parent]
                parent_node.all_nextrev.append(node.id)
                if parent in node.down:
                    parent_node.nextrev.append(node.id)
        self.heads = tuple(n.id for n in self.nodes.values() if not n.nextrev)
        self.heads_resolved_dependencies = tuple(n.id for n in self.nodes.values() if not n.all_nextrev)
        self.bases = tuple(n.id for n in self.nodes.values() if not n.down)
        self.branch_points = [(n.id, tuple(n.nextrev)) for n in self.nodes.values() if len(n.nextrev) > 1]

    def _topological_order(self) -> list[str]:
        """Parents and dependencies before children (Kahn's algorithm, first ready first).

        Any topological order serves its users (dependency normalisation, ancestor
        bitsets, labels). Pure Python: importing networkx costs more than sorting 10,000
        revisions, so it is imported only to describe a cycle when there is one.
        """
        nodes = self.nodes
        waiting = {i: len(n.all_down) for i, n in nodes.items()}
        order = [i for i, n in nodes.items() if not n.all_down]
        for rev_id in order:  # grows while it is walked
            for child in nodes[rev_id].all_nextrev:
                left = waiting[child] - 1
                waiting[child] = left
                if not left:
                    order.append(child)
        if len(order) < len(nodes):
            self._report_cycle()
        return order

    def to_networkx(self):
        """The graph as a networkx DiGraph: parent and dependency edges, kept apart by `kind`."""
        import networkx as nx

        graph = nx.DiGraph()
        graph.add_nodes_from(self.nodes)
        for node in self.nodes.values():
            graph.add_edges_from(((p, node.id) for p in node.down), kind="parent")
            graph.add_edges_from(((d, node.id) for d in node.deps if d not in node.down),
                                 kind="dependency")
        return graph

    def _report_cycle(self) -> None:
        import networkx as nx

        ids = [edge[0] for edge in nx.find_cycle(self.to_networkx())]
        files = ", ".join(f"{i} ({self.nodes[i].rev.path})" for i in ids)
        first = self.nodes[ids[0]].rev
        raise GraphError(f"the revisions form a cycle: {' -> '.join(ids + [ids[0]])}",
                         location=first.where("down_revision"),
                         hint=f"one of these must not point back to the others: {files}")

    def _normalize_dependencies(self) -> None:
        """Alembic drops a dependency that a versioned ancestor already depends on.

        The dependencies above each revision are built once in topological order as an
        integer bitset (one bit per dependency target), shared along stretches without
        dependencies, so a merge costs one OR instead of a set union.
        """
        bit: dict[str, int] = {}
        own: dict[str, int] = {}  # each depending revision's own dependencies, as bits
        for node in self.nodes.values():
            if node.deps:
                mask = 0
                for dep in node.deps:
                    mask |= bit.setdefault(dep, 1 << len(bit))
                own[node.id] = mask
        if not own:
            return
        inherited: dict[str, int] = {}
        nodes = self.nodes
        for rev_id in self._order:
            node = nodes[rev_id]
            above = 0
            for parent in node.down:
                above |= inherited[parent] | own.get(parent, 0)
            inherited[rev_id] = above
            if node.deps and above:
                node.norm_deps = tuple(d for d in node.deps if not above & bit[d])
            elif node.deps:
                node.norm_deps = node.deps

    # -- walking -----------------------------------------------------------------------------
    def _walk_related(self, targets: Iterable[_Node], fn) -> list[_Node]:
        seen: set[str] = set()
        out: list[_Node] = []
        for target in targets:
            todo = [target]
            while todo:
                node = todo.pop()
                if node.id in seen:
                    continue
                seen.add(node.id)
                todo.extend(self.nodes[i] for i in fn(node))
                out.append(node)
        return out

    def _ancestors(self, nodes: Iterable[_Node], deps: bool = True) -> set[str]:
        fn = (lambda n: n.norm_down) if deps else (lambda n: n.down)
        return {n.id for n in self._walk_related(nodes, fn)}

    def _descendants(self, nodes: Iterable[_Node], deps: bool = True) -> set[str]:
        fn = (lambda n: n.all_nextrev) if deps else (lambda n: n.nextrev)
        return {n.id for n in self._walk_related(nodes, fn)}

    def _ancestor_bits(self) -> dict[str, int]:
        """Each revision's ancestors (itself included) as a bitset, built once."""
        if self._anc_bits is None:
            bits: dict[str, int] = {}
            for rev_id in self._order:
                node = self.nodes[rev_id]
                value = 1 << node.index
                for parent in node.norm_down:
                    value |= bits[parent]
                bits[rev_id] = value
            self._anc_bits = bits
        return self._anc_bits

    def _ancestor_mask(self, ids: Iterable[str]) -> int:
        """The ancestors of `ids` (themselves included) as one bitset over node indexes: a
        version-row step at a merge asks this of a few rows, not a walk of the whole graph."""
        bits = self._ancestor_bits()
        mask = 0
        for rev_id in ids:
            mask |= bits[rev_id]
        return mask

    def _depth(self, node: _Node | None) -> int:
        depth = 0
        while node is not None and node.down:
            if len(node.down) > 1:
                return 10**9
            node = self.nodes[node.down[0]]
            depth += 1
        return depth + (1 if node is not None else 0)

    def _all_current(self, ids: tuple[str, ...]) -> list[str]:
        tops = {n.id for n in self._get_revisions(ids) if n is not None}
        tops |= self._ancestors([self.nodes[i] for i in tops])
        return [t for t in tops if not (self._descendants([self.nodes[t]], deps=False) & tops) - {t}]

    # -- ordering ----------------------------------------------------------------------------
    def _topological_sort(self, revisions: set[str], heads: Iterable[_Node | None]) -> list[str]:
        """Alembic's order: newest first, branch by branch in load order."""
        bits = self._ancestor_bits()
        todo = set(revisions)
        current = sorted({h.id for h in heads if h is not None and h.id in todo},
                         key=lambda i: self.nodes[i].index)
        ancestors = [bits[h] for h in current]
        output: list[str] = []
        idx = 0
        while current:
            candidate = current[idx]
            cand_bit = 1 << self.nodes[candidate].index
            for other, anc in enumerate(ancestors):
                if other != idx and anc & cand_bit:
                    idx = other
                    break
            else:
                if candidate in todo:
                    output.append(candidate)
                    todo.remove(candidate)
                node = self.nodes[candidate]
                to_add = [r for r in node.norm_down if r in todo and r not in current]
                if not to_add:
                    del current[idx]
                    del ancestors[idx]
                    idx = max(idx - 1, 0)
                elif not node.norm_deps and len(node.down) == 1:
                    current[idx] = to_add[0]
                    ancestors[idx] &= ~cand_bit
                else:
                    current[idx] = to_add[0]
                    current.extend(to_add[1:])
                    ancestors[idx] = bits[to_add[0]]
                    ancestors.extend(bits[h] for h in to_add[1:])
        return output

    def _collect_upgrade(self, upper, lower: Sequence[str], inclusive: bool = False,
                         implicit_base: bool = False):
        targets = [n for n in self._parse_upgrade_target(lower, upper) if n is not None]
        required = self._ancestors(targets) | {t.id for t in targets}
        current_nodes = [n for n in self._get_revisions(tuple(lower)) if n is not None]
        if not implicit_base and any(c.id not in required for c in current_nodes):
            raise ResolutionError(f"{upper!r} is not a descendant of {', '.join(lower)}")
        current_set = self._ancestors(current_nodes) | {c.id for c in current_nodes}
        needs = required - current_set
        if inclusive:
            needs |= {c.id for c in current_nodes}
        if current_nodes and not implicit_base:
            needs &= self._descendants(current_nodes, deps=False)
        return needs, targets

    def _collect_downgrade(self, upper: Sequence[str] | str, lower: str | None,
                           inclusive: bool = False, implicit_base: bool = False):
        current = tuple(upper) if not isinstance(upper, str) else self.resolve(upper)
        branch, target = self._parse_downgrade_target(current, lower)
        if target is None:
            roots = [n for n in self.nodes.values() if not n.down]
        elif inclusive:
            roots = [target]
        else:
            roots = [self.nodes[i] for i in target.nextrev]
        if branch and len(roots) > 1:
            ancestors = self._ancestors([self._branch(branch)], deps=False)
            roots = [r for r in roots if r.id in ancestors]
            if not roots:
                raise ResolutionError(f"{lower!r} is not a valid downgrade target from "
                                      f"{', '.join(current) or 'base'}")
        heads = [n for n in self._get_revisions(current) if n is not None]
        downgrade = self._descendants(roots) & self._ancestors(heads)
        if implicit_base:
            downgrade |= self._ancestors(heads) - self._ancestors(roots)
        if target is not None and not downgrade and target not in heads:
            raise ResolutionError(f"nothing to downgrade: {lower!r} is not below "
                                  f"{', '.join(current) or 'base'}",
                                  hint="`yamig current` shows where the database is")
        return downgrade, heads

    # -- public plans --------------------------------------------------------------------------
    def history(self, rev_range: str | None = None, current: tuple[str, ...] = ()) -> list[Revision]:
        """Revisions newest first, as `alembic history` lists them."""
        base, head = (rev_range.split(":", 1) if rev_range else ("", ""))
        lower = tuple(current) if base == "current" else self.resolve(base or "base", current)
        upper = tuple(current) if head == "current" else (head or "heads")
        needs, targets = self._collect_upgrade(upper, lower, inclusive=True)
        return [self.revisions[i] for i in self._topological_sort(needs, targets)]

    def upgrade_plan(self, current: tuple[str, ...], target: str) -> list[Step]:
        needs, targets = self._collect_upgrade(target, tuple(current), implicit_base=True)
        order = list(reversed(self._topological_sort(needs, targets)))
        return self._with_rows(order, current, True)

    def downgrade_plan(self, current: tuple[str, ...], target: str) -> list[Step]:
        revisions, heads = self._collect_downgrade(current, target)
        order = self._topological_sort(revisions, heads)
        return self._with_rows(order, current, False)

    def _with_rows(self, order: list[str], current: tuple[str, ...], upgrade: bool) -> list[Step]:
        rows = set(current)
        steps = []
        for rev_id in order:
            step = Step(self.revisions[rev_id], upgrade)
            (self._rows_up if upgrade else self._rows_down)(self.nodes[rev_id], rows, step)
            step.rows_after = tuple(sorted(rows))
            steps.append(step)
        return steps

    def _rows_up(self, node: _Node, rows: set[str], step: Step) -> None:
        downs = node.norm_down
        present = rows.intersection(downs)
        if not downs or not present:
            step.insert = (node.id,)
            rows.add(node.id)
        elif len(downs) > 1 and len(present) > 1:
            others = rows - set(downs)
            gone = self._ancestor_mask(others)
            sources = sorted(d for d in set(downs) & rows if not gone >> self.nodes[d].index & 1)
            step.delete = tuple(sources[:-1])
            step.update = ((sources[-1], node.id),)
            rows.difference_update(sources)
            rows.add(node.id)
        else:
            source = downs[0] if len(downs) == 1 else next(iter(present))
            step.update = ((source, node.id),)
            rows.discard(source)
            rows.add(node.id)

    def _rows_down(self, node: _Node, rows: set[str], step: Step) -> None:
        downs = node.norm_down
        if node.id in rows and (not downs or not self._unmerge_to(node, rows)):
            step.delete = (node.id,)
            rows.discard(node.id)
        elif node.id in rows and len(downs) > 1:
            targets = sorted(self._unmerge_to(node, rows))
            step.insert = tuple(targets[:-1])
            step.update = ((node.id, targets[-1]),)
            rows.discard(node.id)
            rows.update(targets)
        else:
            target = downs[0] if len(downs) == 1 else next(iter(rows.intersection(downs)), downs[0])
            step.update = ((node.id, target),)
            rows.discard(node.id)
            rows.add(target)

    def _unmerge_to(self, node: _Node, rows: set[str]) -> set[str]:
        others = rows - {node.id}
        downs = set(node.norm_down)
        if others:
            gone = self._ancestor_mask(others)
            return {d for d in downs if not gone >> self.nodes[d].index & 1}
        below = set()
        for d in downs:
            below |= self._ancestors([self.nodes[d]]) - {d}
        return downs - below

    def stamp_plan(self, current: tuple[str, ...], targets: Sequence[str]) -> list[Step]:
        """Version-row changes that make the table say `targets`, as `alembic stamp` does."""
        wanted = tuple(targets) or ("base",)
        heads = [n.id for n in self._get_revisions(tuple(current)) if n is not None]
        filtered: list[str] = []
        for target in wanted:
            if target:
                filtered += [h for h in self._filter_for_lineage(heads, target, deps=True)
                             if h not in filtered]
        rows = set(current)
        steps: list[Step] = []
        for dest in self._get_revisions(wanted) or (None,):
            if dest is None:
                for head in filtered:
                    steps.append(self._stamp(rows, (head,), (), upgrade=False, branch_move=True))
                continue
            if dest.id in filtered:
                continue
            if self._descendants([dest]) & set(filtered):
                steps.append(self._stamp(rows, tuple(filtered), (dest.id,), False, False))
            elif self._ancestors([dest]) & set(filtered):
                steps.append(self._stamp(rows, tuple(filtered), (dest.id,), True, False))
            else:
                steps.append(self._stamp(rows, (), (dest.id,), True, True))
        return steps

    @staticmethod
    def _stamp(rows: set[str], from_: tuple[str, ...], to: tuple[str, ...], upgrade: bool,
               branch_move: bool) -> Step:
        step = Step(None, upgrade)  # type: ignore[arg-type]  # a stamp runs no revision
        if not upgrade and branch_move:
            step.delete = (from_[0],)
        elif upgrade and (branch_move or set(from_) - rows) and set(to) - rows:
            step.insert = (to[0],)
        elif len(from_) > 1:
            step.delete, step.update = from_[:-1], ((from_[-1], to[0]),)
        elif len(to) > 1:
            step.insert, step.update = to[:-1], ((from_[0], to[-1]),)
        else:
            step.update = ((from_[0], to[0]),)
        rows.difference_update(step.delete)
        rows.difference_update(old for old, _ in step.update)
        rows.update(step.insert)
        rows.update(new for _, new in step.update)
        step.rows_after = tuple(sorted(rows))
        return step

    def labels_of(self, rev_id: str) -> frozenset[str]:
        """Branch labels that apply to a revision: its own and those of its versioned ancestors.

        Computed once, in topological order, sharing one set along straight lines. (Alembic
        also puts a label on some ancestors of the labelled revision, which ones depending on
        its set iteration order; yamig keeps to the labelled revision and its descendants.)
        """
        if self._labels is None:
            labels: dict[str, frozenset[str]] = {}
            empty: frozenset[str] = frozenset()
            nodes = self.nodes
            for rev_id_ in self._order:
                node = nodes[rev_id_]
                down = node.down
                if len(down) == 1:
                    value = labels[down[0]]
                elif down:
                    value = empty.union(*[labels[p] for p in down])
                else:
                    value = empty
                if node.rev.branch_labels:
                    value = value.union(node.rev.branch_labels)
                labels[rev_id_] = value
            self._labels = labels
        return self._labels[rev_id]


def _missing_hint(name: str, nodes: dict[str, _Node]) -> str:
    import difflib

    close = difflib.get_close_matches(name, nodes, n=1)
    if close:
        return f"did you mean {close[0]!r}? (or restore the missing revision file)"
    return "restore the missing revision file, or correct the id"
