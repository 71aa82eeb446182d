"""The revision graph: heads, bases, branches, dependencies, labels, and plans.

The algorithms follow Alembic's RevisionMap step for step, because users
compare yamig's answers with Alembic's on the same history (the realdags tests
do). What differs is cost and errors: ancestor sets are integer bitsets built
once in topological order, so the walks are not repeated per branch, and a
broken graph is reported with files and lines instead of a KeyError.
"""

from __future__ import annotations

import gc
import logging
import re
from collections.abc import Iterable, Sequence
from itertools import chain
from operator import attrgetter

from runner.errors import GraphError, ResolutionError
from runner.graph import version_rows
from runner.graph.nodes import Node, Step, dedupe
from runner.revisions.revision import Revision

_RELATIVE = re.compile(r"(?:(.+?)@)?(\w+)?((?:\+|-)\d+)")
_DOWN, _NEXT = attrgetter("down"), attrgetter("nextrev")
_ALL_DOWN, _ALL_NEXT = attrgetter("all_down"), attrgetter("all_nextrev")

Problem = tuple[str, str | None, str]  # (validate's rule id, file:line:column, message)


class RevisionGraph:
    """The revisions as a graph, Alembic's identifier grammar over it, and the plans built
    from both (one class, as Alembic's RevisionMap: every rule walks the same nodes)."""

    # the config's naming convention (runner.schema.naming), for the replays over this graph
    naming: dict[str, str] | None = None

    def __init__(self, revisions: Sequence[Revision], problems: list[Problem] | None = None):
        """`problems` None: a broken graph raises GraphError on its first problem. A list: every
        problem is appended as (rule, location, message), for `yamig validate`, and the graph keeps
        what it can (the first revision of an id, the links whose ends exist, the revisions a base
        reaches in `reached()`); plans over such a graph mean nothing until `problems` is empty."""
        self._problems = problems
        enabled = gc.isenabled()
        gc.disable()  # tens of thousands of small objects, no cycles: the GC would only rescan them
        try:
            self._build(revisions)
        finally:
            if enabled:
                gc.enable()

    def _build(self, revisions: Sequence[Revision]) -> None:
        self.nodes: dict[str, Node] = {}
        self.labels: dict[str, Node] = {}
        self._map_nodes(revisions)
        self.revisions: dict[str, Revision] = {n.id: n.rev for n in self.nodes.values()}
        self._link()
        self._order = self._topological_order()
        if not self._problems:
            self._normalize_dependencies()
        self._anc_bits: dict[str, int] | None = None
        self._labels: dict[str, frozenset[str]] | None = None

    # -- construction and its checks -----------------------------------------------------------
    def _map_nodes(self, revisions: Sequence[Revision]) -> None:
        """Ids and branch labels, each claimed once; a label is no revision's id."""
        nodes, labels, problems = self.nodes, self.labels, self._problems
        for rev in revisions:
            first = nodes.get(rev.revision)
            if first is not None:
                if problems is None:
                    raise GraphError(f"revision id {rev.revision} is used twice: here and in "
                                     f"{first.rev.path}", location=rev.where("revision"),
                                     hint="give one of them a new id (and update what points to it)")
                problems.append(("duplicate-id", rev.where("revision"), f"revision id {rev.revision} "
                                 f"is defined by more than one file (also {first.rev.path})"))
            else:
                nodes[rev.revision] = Node(rev, len(nodes))
            for label in rev.branch_labels:
                other = labels.get(label)
                if other is not None:
                    if problems is None:
                        raise _label_taken(label, other, rev)
                    problems.append(("duplicate-label", rev.where("branch_labels"),
                                     f"branch label {label!r} is also used by {other.rev.path}"))
                else:
                    labels[label] = first or nodes[rev.revision]
        for label, node in labels.items():
            other = nodes.get(label)
            if other is not None:
                self._fail(_label_taken(label, other, node.rev))

    def _link(self) -> None:
        nodes, labels, problems = self.nodes, self.labels, self._problems
        for node in nodes.values():
            rev = node.rev
            for i, parent in enumerate(node.down):
                if parent not in nodes:
                    at = ("down_revision", i) if len(node.down) > 1 else ("down_revision",)
                    if problems is None:
                        raise GraphError(f"revision {node.id} names parent {parent!r}, which no "
                                         "revision file defines", location=rev.where(*at),
                                         hint=_missing_hint(parent, nodes))
                    problems.append(("missing-parent", rev.where(*at),
                                     f"parent {parent!r} is defined by no file"))
            deps = []
            missing: tuple[str, ...] = ()
            for i, dep in enumerate(rev.depends_on):
                target = nodes.get(dep) or labels.get(dep)
                if target is None:
                    at = ("depends_on", i) if len(rev.depends_on) > 1 else ("depends_on",)
                    if problems is None:
                        raise GraphError(f"revision {node.id} depends on {dep!r}, which is neither "
                                         "a revision nor a branch label", location=rev.where(*at),
                                         hint=_missing_hint(dep, nodes))
                    problems.append(("missing-dependency", rev.where("depends_on"),
                                     f"dependency {dep!r} is neither a revision nor a branch label"))
                    missing += (dep,)  # collected: never ready, so never reached
                else:
                    deps.append(target.id)
            node.deps = tuple(deps)
            if deps or missing:
                node.all_down = dedupe(node.down + node.deps + missing)
            for parent in node.all_down:
                try:
                    parent_node = nodes[parent]
                except KeyError:  # collected as missing above
                    continue
                parent_node.all_nextrev.append(node.id)
                if parent in node.down:
                    parent_node.nextrev.append(node.id)
        self.heads = tuple(n.id for n in nodes.values() if not n.nextrev)
        self.heads_resolved_dependencies = tuple(n.id for n in nodes.values() if not n.all_nextrev)
        self.bases = tuple(n.id for n in nodes.values() if not n.down)
        self.branch_points = [(n.id, tuple(n.nextrev)) for n in nodes.values() if len(n.nextrev) > 1]

    def _topological_order(self) -> list[str]:
        """Parents and dependencies before children: every revision, or a cycle is reported.

        Any topological order serves its users (dependency normalisation, ancestor
        bitsets, labels). Pure Python: importing networkx costs more than sorting 10,000
        revisions, so it is imported only to describe a cycle when there is one.
        """
        order = self._ready_order(deps=True)
        if len(order) < len(self.nodes) and not self._problems:  # else missing links explain it
            self._fail(self._cycle())
        return order

    def _ready_order(self, deps: bool) -> list[str]:
        """Kahn's algorithm, first ready first, over parents and dependencies or over parents only.
        A revision with a missing prerequisite, or in or below a cycle, is never ready."""
        down, after = (_ALL_DOWN, _ALL_NEXT) if deps else (_DOWN, _NEXT)
        nodes = self.nodes
        waiting = {i: len(down(n)) for i, n in nodes.items()}
        order = [i for i, n in nodes.items() if not down(n)]
        for rev_id in order:  # grows while it is walked
            for child in after(nodes[rev_id]):
                left = waiting[child] - 1
                waiting[child] = left
                if not left:
                    order.append(child)
        return order

    @property
    def order(self) -> list[str]:
        """Every revision, parents and dependencies before children."""
        return self._order

    def reached(self, deps: bool = True) -> set[str]:
        """The ids a base reaches through parents and dependencies (`deps`) or parents only: all
        of them unless the collected problems say otherwise."""
        return set(self._order if deps else self._ready_order(deps=False))

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

    def _fail(self, error: GraphError) -> None:
        """A problem validate has no rule of its own for: it reports it as `cycle`, the rule a
        graph that would not build fell to."""
        if self._problems is None:
            raise error
        self._problems.append(("cycle", error.location, error.message))

    def _cycle(self) -> GraphError:
        import networkx as nx

        ids = [edge[0] for edge in nx.find_cycle(self.to_networkx())]
        files = ", ".join(f"{i} ({self.nodes[i].rev.path})" for i in ids)
        first = self.nodes[ids[0]].rev
        return GraphError(f"the revisions form a cycle: {' -> '.join(ids + [ids[0]])}",
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
    def _walk_related(self, targets: Iterable[Node], fn) -> list[Node]:
        seen: set[str] = set()
        out: list[Node] = []
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

    def ancestors(self, nodes: Iterable[Node], deps: bool = True) -> set[str]:
        fn = (lambda n: n.norm_down) if deps else (lambda n: n.down)
        return {n.id for n in self._walk_related(nodes, fn)}

    def _descendants(self, nodes: Iterable[Node], deps: bool = True) -> set[str]:
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

    def ancestor_mask(self, ids: Iterable[str]) -> int:
        """The ancestors of `ids` (themselves included) as one bitset over node indexes: a
        version-row step at a merge asks this of a few rows, not a walk of the whole graph."""
        bits = self._ancestor_bits()
        mask = 0
        for rev_id in ids:
            mask |= bits[rev_id]
        return mask

    def _depth(self, node: Node | None) -> int:
        depth = 0
        while node is not None and node.down:
            if len(node.down) > 1:
                return 10**9
            node = self.nodes[node.down[0]]
            depth += 1
        return depth + (1 if node is not None else 0)

    def _all_current(self, ids: tuple[str, ...]) -> list[str]:
        tops = {n.id for n in self._get_revisions(ids) if n is not None}
        tops |= self.ancestors([self.nodes[i] for i in tops])
        return [t for t in tops if not (self._descendants([self.nodes[t]], deps=False) & tops) - {t}]

    # -- identifiers: ids, unique partial ids, labels, head(s), base, current, +2, label@-1 --
    def get(self, identifier: str) -> Revision:
        """A revision by id, unique partial id or branch label."""
        return self._node(identifier).rev

    def _node(self, ident: str, branch: str | None = None) -> Node:
        branch_node = self._branch(branch) if branch else None
        node = self.nodes.get(ident) or self.labels.get(ident)
        if node is None:
            node = self._by_prefix(ident, branch_node)
        if branch_node is not None and not self._shares_lineage(node, [branch_node]):
            raise ResolutionError(f"revision {node.id} is not on branch {branch!r}")
        return node

    def _by_prefix(self, ident: str, branch_node: Node | None) -> Node:
        """Alembic's partial match: the one id or branch label that starts with `ident`, of any
        length; ids and labels of 3 characters or fewer count only in full, so that `a1` never
        stands for `a1b2` when a revision is called `a1` (an id and a label of one revision
        are one match, where Alembic calls them two)."""
        matches: dict[str, Node] = {}
        for key, node in chain(self.nodes.items(), self.labels.items()):
            if len(key) > 3 and key.startswith(ident):
                if branch_node is None or self._shares_lineage(node, [branch_node]):
                    matches[key] = node
        found = list(dict.fromkeys(matches.values()))
        if not found:
            short = [key for key in chain(self.nodes, self.labels) if len(key) <= 3
                     and key.startswith(ident)]
            raise ResolutionError(
                f"no revision or branch label {ident!r}",
                hint=(f"ids and labels of 3 characters or fewer match only in full: did you mean "
                      f"{' or '.join(repr(s) for s in short[:3])}? " if short else "")
                + "`yamig history` lists the revisions")
        if len(found) > 1:
            named = [key if node.id == key else f"{node.id} (branch label {key})"
                     for key, node in matches.items()]
            shown = ", ".join(named[:5]) + (", ..." if len(named) > 5 else "")
            raise ResolutionError(f"{ident!r} matches {len(found)} revisions: {shown}",
                                  hint="give more characters of the id")
        return found[0]

    def _branch(self, label: str) -> Node:
        node = self.labels.get(label)
        if node is not None:
            return node
        try:
            return self._node(label)
        except ResolutionError:
            raise ResolutionError(f"no branch {label!r}",
                                  hint="`yamig branches` and `yamig heads` show the labels") from None

    def _shares_lineage(self, node: Node, against: Sequence[Node], deps: bool = False) -> bool:
        if not against:
            return True
        related = self._descendants([node], deps) | self.ancestors([node], deps)
        return any(a.id in related for a in against)

    def _filter_for_lineage(self, ids: Iterable[str], check_against: str | None,
                            deps: bool = False) -> tuple[str, ...]:
        resolved, branch = self._resolve_number(check_against)
        shares = [self._branch(branch)] if branch else []
        shares += [self._node(i) for i in resolved]
        return tuple(i for i in ids if self._shares_lineage(self.nodes[i], shares, deps))

    def _resolve_number(self, ident: str | None) -> tuple[tuple[str, ...], str | None]:
        branch = None
        if ident is not None and "@" in ident:
            branch, ident = ident.split("@", 1)
        if ident == "heads":
            if branch:
                return self._filter_for_lineage(self.heads, branch), branch
            return self.heads_resolved_dependencies, branch
        if ident == "head":
            head = self._current_head(branch)
            return ((head,) if head else ()), branch
        if ident in ("base", None, ""):
            return (), branch
        return (ident,), branch

    def _current_head(self, branch: str | None) -> str | None:
        heads: Sequence[str] = self.heads
        if branch:
            heads = self._filter_for_lineage(heads, branch)
        if len(heads) > 1:
            name = f"{branch}@head" if branch else "head"
            raise ResolutionError(
                f"{name!r} is ambiguous: there are {len(heads)} heads: {', '.join(heads)}",
                hint="name one of them, use `heads` for all of them, or join them with "
                     "`yamig merge heads`")
        return heads[0] if heads else None

    def _get_revisions(self, ident) -> tuple[Node | None, ...]:
        """Alembic's get_revisions: None stands for base."""
        if isinstance(ident, (list, tuple, set, frozenset)):
            return sum((self._get_revisions(i) for i in ident), ())
        resolved, branch = self._resolve_number(ident)
        if len(resolved) == 1:
            try:
                steps = int(resolved[0])
            except ValueError:
                steps = 0
            if steps < 0:
                heads = self._get_revisions("heads")
                if branch is not None:
                    heads = tuple(h for h in heads if branch in self.labels_of(h.id))
                return tuple(self._walk(h, steps) for h in heads)
        return tuple(self._node(i, branch) for i in resolved)

    def _get_revision(self, ident: str | None) -> Node | None:
        resolved, branch = self._resolve_number(ident)
        if len(resolved) > 1:
            raise ResolutionError(f"{ident!r} names {len(resolved)} revisions: {', '.join(resolved)}",
                                  hint="name one of them")
        return self._node(resolved[0], branch) if resolved else None

    def resolve(self, identifier: str | Sequence[str], current: tuple[str, ...] = ()) -> tuple[str, ...]:
        """Revision ids for an identifier of Alembic's grammar; () is base."""
        idents = identifier.split() if isinstance(identifier, str) else list(identifier)
        out: list[str] = []
        for ident in idents:
            if ident == "current":
                nodes: Sequence[Node | None] = [self.nodes[c] for c in current]
            elif _RELATIVE.match(ident):
                nodes = self._parse_upgrade_target(current, ident) if ("+" in ident) else \
                    [self._parse_downgrade_target(current, ident)[1]]
            else:
                nodes = self._get_revisions(ident)
            out += [n.id for n in nodes if n is not None and n.id not in out]
        return tuple(out)

    def _walk(self, start: Node | None, steps: int, branch: str | None = None,
              no_overwalk: bool = True) -> Node | None:
        node = start
        for _ in range(abs(steps)):
            if steps > 0:
                ids = self.bases if node is None else node.nextrev
                children: Sequence[Node | None] = [self.nodes[i] for i in ids]
                if branch:
                    keep = set(self._filter_for_lineage([c.id for c in children], branch))
                    children = [c for c in children if c.id in keep]
            else:
                ids = self.heads if node is None else node.down
                children = [self.nodes[i] for i in ids] or [None]
            if not children:
                return None if no_overwalk else node
            if len(children) > 1:
                raise ResolutionError(
                    f"moving {steps:+d} from {node.id if node else 'base'} is ambiguous: it branches "
                    f"into {', '.join(c.id for c in children if c)}",
                    hint="name the target revision, or a branch as label@+1")
            if children[0] is None:
                return None if (no_overwalk and _ < abs(steps) - 1) else None
            node = children[0]
        return node

    def _parse_upgrade_target(self, current: Sequence[str], target) -> tuple[Node | None, ...]:
        match = _RELATIVE.match(target) if isinstance(target, str) else None
        if not match:
            return self._get_revisions(target)
        branch, symbol, relative_text = match.groups()
        relative = int(relative_text)
        if relative > 0:
            if symbol is None:
                starts: Sequence[str | None] = tuple(current) or (None,)
                if branch:
                    known = [c for c in current if c is not None]
                    starts = self._filter_for_lineage(known, branch)
                    if not starts:
                        active = self.ancestors([self.nodes[c] for c in known])
                        active_on = self._filter_for_lineage(active, branch)
                        downs = {d for a in active_on for d in self.nodes[a].norm_down}
                        starts = tuple(set(active_on) - downs) or (None,)
                if len(starts) > 1:
                    raise ResolutionError(
                        f"{target!r} is ambiguous: the database is at several revisions "
                        f"({', '.join(s for s in starts if s)})",
                        hint="name the branch as label@+1, or give the target revision")
                start = self.nodes[starts[0]] if starts[0] else None
                node = self._walk(start, relative, branch)
            else:
                node = self._walk(self._get_revision(symbol), relative, branch)
            if node is None:
                raise ResolutionError(f"{target!r} goes past the last revision",
                                      hint="`yamig heads` shows where the history ends")
            return (node,)
        if symbol is None:
            raise ResolutionError(f"{target!r} is not an upgrade", hint="use downgrade for -N")
        start = self._get_revision(symbol if branch is None else f"{branch}@{symbol}")
        return (self._walk(start, relative),)

    def _parse_downgrade_target(self, current: Sequence[str], target: str | None):
        if target is None:
            return None, None
        match = _RELATIVE.match(target)
        if match:
            branch, symbol, relative_text = match.groups()
            relative = int(relative_text)
            if relative >= 0:
                if symbol is None:
                    raise ResolutionError(f"{target!r} is not a downgrade", hint="use upgrade for +N")
                node = self._walk(self._get_revision(symbol), relative, branch)
                if node is None:
                    raise ResolutionError(f"{target!r} goes past the last revision")
                return branch, node
            from_current = symbol is None
            if from_current:
                if branch:
                    on_branch = self._filter_for_lineage(current, branch)
                    if not on_branch:
                        tops = self._all_current(tuple(current))
                        on_branch = self._filter_for_lineage(tops, branch)
                    if len(on_branch) != 1:
                        raise ResolutionError(f"no single current revision on branch {branch!r}")
                    symbol = on_branch[0]
                else:
                    if not current:
                        raise ResolutionError(
                            f"{target!r} goes below base: the database has no revision applied")
                    symbol = current[0]
                    branch = symbol
                    if len(set(current)) > 1:
                        others = [c for c in dict.fromkeys(current) if c != symbol]
                        logging.getLogger("runner").warning(
                            "%r from several heads (%s) steps down from %s, the first version row, "
                            "as Alembic does; to choose, name the head: %s", target,
                            ", ".join(dict.fromkeys(current)), symbol,
                            " or ".join(f"{c}@{relative}" for c in [symbol, *others]))
            start = self._get_revision(symbol if branch is None else f"{branch}@{symbol}")
            node = self._walk(start, relative)
            if node is None and (from_current or True):
                if -relative > self._depth(start):
                    raise ResolutionError(f"{target!r} goes below base",
                                          hint="`yamig downgrade base` undoes everything")
            return branch, node
        branch, _, symbol = target.rpartition("@")
        return branch or None, self._get_revision(symbol)

    # -- ordering ----------------------------------------------------------------------------
    def _topological_sort(self, revisions: set[str], heads: Iterable[Node | None]) -> list[str]:
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
        required = self.ancestors(targets) | {t.id for t in targets}
        current_nodes = [n for n in self._get_revisions(tuple(lower)) if n is not None]
        if not implicit_base and any(c.id not in required for c in current_nodes):
            raise ResolutionError(f"{upper!r} is not a descendant of {', '.join(lower)}")
        current_set = self.ancestors(current_nodes) | {c.id for c in current_nodes}
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
            ancestors = self.ancestors([self._branch(branch)], deps=False)
            roots = [r for r in roots if r.id in ancestors]
            if not roots:
                raise ResolutionError(f"{lower!r} is not a valid downgrade target from "
                                      f"{', '.join(current) or 'base'}")
        heads = [n for n in self._get_revisions(current) if n is not None]
        downgrade = self._descendants(roots) & self.ancestors(heads)
        if implicit_base:
            downgrade |= self.ancestors(heads) - self.ancestors(roots)
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
        return version_rows.plan_steps(self, order, current, True)

    def downgrade_plan(self, current: tuple[str, ...], target: str) -> list[Step]:
        revisions, heads = self._collect_downgrade(current, target)
        order = self._topological_sort(revisions, heads)
        return version_rows.plan_steps(self, order, current, False)

    def stamp_plan(self, current: tuple[str, ...], targets: Sequence[str]) -> list[Step]:
        """Version-row changes that make the table say `targets`, as `alembic stamp` does."""
        wanted = tuple(targets) or ("base",)
        heads = [n.id for n in self._get_revisions(tuple(current)) if n is not None]
        filtered: list[str] = []
        for target in wanted:
            if target:
                filtered += [h for h in self._filter_for_lineage(heads, target, deps=True)
                             if h not in filtered]
        current_rows = set(current)
        steps: list[Step] = []
        for dest in self._get_revisions(wanted) or (None,):
            if dest is None:
                for head in filtered:
                    steps.append(version_rows.stamp_step(current_rows, (head,), (), upgrade=False,
                                                         branch_move=True))
                continue
            if dest.id in filtered:
                continue
            if self._descendants([dest]) & set(filtered):
                steps.append(version_rows.stamp_step(current_rows, tuple(filtered), (dest.id,), False, False))
            elif self.ancestors([dest]) & set(filtered):
                steps.append(version_rows.stamp_step(current_rows, tuple(filtered), (dest.id,), True, False))
            else:
                steps.append(version_rows.stamp_step(current_rows, (), (dest.id,), True, True))
        return steps

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


def _label_taken(label: str, other: Node, rev: Revision) -> GraphError:
    return GraphError(f"branch label {label!r} is already used by revision {other.id} ({other.rev.path})",
                      location=rev.where("branch_labels"),
                      hint="branch labels must be unique and differ from every revision id")


def _missing_hint(name: str, nodes: dict[str, Node]) -> str:
    import difflib

    close = difflib.get_close_matches(name, nodes, n=1)
    if close:
        return f"did you mean {close[0]!r}? (or restore the missing revision file)"
    return "restore the missing revision file, or correct the id"
