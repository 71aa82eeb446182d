"""Alembic's identifier grammar over a RevisionGraph: ids and unique partial ids, branch
labels, `head(s)`, `base`, `current`, relative steps (`+2`, `head-1`, `label@+1`) and the
upgrade / downgrade targets built from them.

A mixin rather than functions because every rule walks the graph's nodes, heads and
ancestor sets; kept apart so the graph module holds the structure and the plans.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Sequence
from itertools import chain
from typing import TYPE_CHECKING

from runner.errors import ResolutionError
from runner.revision import Revision

if TYPE_CHECKING:
    from runner.graph import _Node

_RELATIVE = re.compile(r"(?:(.+?)@)?(\w+)?((?:\+|-)\d+)")


class IdentifierGrammar:
    """What `RevisionGraph.resolve()` and the plans understand as a revision name."""

    def get(self, identifier: str) -> Revision:
        """A revision by id, unique partial id or branch label."""
        return self._node(identifier).rev

    def _node(self, ident: str, branch: str | None = None) -> _Node:
        branch_node = self._branch(branch) if branch else None
        node = self.nodes.get(ident) or self.labels.get(ident)
        if node is None:
            node = self._by_prefix(ident, branch_node)
        if branch_node is not None and not self._shares_lineage(node, [branch_node]):
            raise ResolutionError(f"revision {node.id} is not on branch {branch!r}")
        return node

    def _by_prefix(self, ident: str, branch_node: _Node | None) -> _Node:
        """Alembic's partial match: the one id or branch label that starts with `ident`, of any
        length; ids and labels of 3 characters or fewer count only in full, so that `a1` never
        stands for `a1b2` when a revision is called `a1` (an id and a label of one revision
        are one match, where Alembic calls them two)."""
        matches: dict[str, _Node] = {}
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

    def _branch(self, label: str) -> _Node:
        node = self.labels.get(label)
        if node is not None:
            return node
        try:
            return self._node(label)
        except ResolutionError:
            raise ResolutionError(f"no branch {label!r}",
                                  hint="`yamig branches` and `yamig heads` show the labels") from None

    def _shares_lineage(self, node: _Node, against: Sequence[_Node], deps: bool = False) -> bool:
        if not against:
            return True
        related = self._descendants([node], deps) | self._ancestors([node], deps)
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

    def _get_revisions(self, ident) -> tuple[_Node | None, ...]:
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

    def _get_revision(self, ident: str | None) -> _Node | None:
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
                nodes: Sequence[_Node | None] = [self.nodes[c] for c in current]
            elif _RELATIVE.match(ident):
                nodes = self._parse_upgrade_target(current, ident) if ("+" in ident) else \
                    [self._parse_downgrade_target(current, ident)[1]]
            else:
                nodes = self._get_revisions(ident)
            out += [n.id for n in nodes if n is not None and n.id not in out]
        return tuple(out)

    def _walk(self, start: _Node | None, steps: int, branch: str | None = None,
              no_overwalk: bool = True) -> _Node | None:
        node = start
        for _ in range(abs(steps)):
            if steps > 0:
                ids = self.bases if node is None else node.nextrev
                children: Sequence[_Node | None] = [self.nodes[i] for i in ids]
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

    def _parse_upgrade_target(self, current: Sequence[str], target) -> tuple[_Node | None, ...]:
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
                        active = self._ancestors([self.nodes[c] for c in known])
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
