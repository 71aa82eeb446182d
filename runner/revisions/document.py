"""YAML text to plain Python values and where each came from, for revision files.

Files are composed into YAML nodes (with PyYAML's C parser where present) and turned into plain
values by hand, so that duplicate keys, tags and alias bombs are caught and every value's line
and column is kept for later error messages. PyYAML is imported on the first parse only.
"""

from __future__ import annotations

import datetime
import sys
from typing import Any

from runner.errors import RevisionFileError
from runner.revisions.revision import KEY

yaml: Any = None     # PyYAML, imported by _import_yaml() on the first parse
_Loader: Any = None  # its C SafeLoader where present

_STR = "tag:yaml.org,2002:str"
_MERGE = "tag:yaml.org,2002:merge"
_SCALAR_TAGS = {
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:timestamp",
    _STR,
}
# revision ids are read as written: `down_revision: 855631770575` is an id, not a number
_ID_KEYS = {"revision", "down_revision", "depends_on", "branch_labels"}
_NUMBER_TAGS = {"tag:yaml.org,2002:int", "tag:yaml.org,2002:float"}


_INTERNED = 40
"""Keys and short string values are interned: a history repeats the same few (`table_name`,
`Integer`, column names) tens of thousands of times, one copy each is enough."""
_intern = sys.intern


def _import_yaml() -> None:
    global yaml, _Loader
    import yaml as module

    try:  # the C parser is several times faster; fall back quietly where it is missing
        from yaml import CSafeLoader as loader
    except ImportError:  # pragma: no cover - depends on how PyYAML was built
        from yaml import SafeLoader as loader  # type: ignore[assignment]
    yaml, _Loader = module, loader


def _tab_indented(text: str, line: int, column: int) -> bool:
    """Whether the error is at, or after, a tab in the leading whitespace of its line."""
    lines = text.splitlines()
    if line >= len(lines):
        return False
    indent = lines[line][:len(lines[line]) - len(lines[line].lstrip(" \t"))]
    return "\t" in indent[:column + 1]


MAX_DEPTH = 100
"""How deeply a revision file may nest (the deepest real one nests about 8): deeper is refused
before composing, since PyYAML's C composer recurses on the C stack and crashes past ~30,000."""

MAX_ALIASED = 10_000
"""How many values YAML aliases (and `<<` merges) may add by repeating nodes: enough for any
merge of shared column definitions, far too few for an alias bomb (9 aliases of 9 aliases ...,
a few hundred bytes expanding to gigabytes)."""


def _too_deep(text: str, shown: str) -> RevisionFileError | None:
    """Whether the document nests deeper than MAX_DEPTH, read from libyaml's event stream (an
    iterative parser). Each level opens with a new line, `[`, `{`, `- ` or `? `: a text with
    fewer of those cannot nest deeper, so ordinary files are not parsed twice."""
    bound = (text.count("\n") + text.count("[") + text.count("{") + text.count("-")
             + text.count("?"))
    if bound <= MAX_DEPTH:
        return None
    depth = 0
    for event in yaml.parse(text, Loader=_Loader):
        if isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
            depth += 1
            if depth > MAX_DEPTH:
                return RevisionFileError(
                    f"the document nests more than {MAX_DEPTH} levels deep",
                    location=_where(shown, event),
                    hint="a revision file is a few levels of mappings and lists: flatten it")
        elif isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
            depth -= 1
    return None


class _Document:
    """One parse: where each value came from, and what aliases have cost so far."""

    __slots__ = ("loader", "shown", "positions", "built", "open", "aliased")

    def __init__(self, loader, shown: str, positions: bool):
        self.loader, self.shown = loader, shown
        self.positions: dict[tuple, tuple[int, int]] | None = {} if positions else None
        self.built: set[int] = set()   # nodes built once: built again, they are an alias's copy
        self.open: set[int] = set()    # collections being built: met again, an alias loops
        self.aliased = 0

    def repeat(self, node) -> None:
        """Count a value an alias repeats; refuse a loop or an expansion past MAX_ALIASED."""
        self.aliased += 1
        if self.aliased > MAX_ALIASED:
            raise RevisionFileError(
                f"YAML aliases (`*name`) expand to more than {MAX_ALIASED:,} values",
                location=_where(self.shown, node),
                hint="write the values out, or alias only small mappings (`<<: *defaults`)")


def parse_document(text: str, shown: str = "<string>", positions: bool = True) -> tuple[Any, Any]:
    """YAML text to (plain value, positions); one document, no duplicate keys, safe tags only,
    nested at most MAX_DEPTH deep, aliases repeating at most MAX_ALIASED values.

    `positions=False` gives None for the positions: keeping a line and column for every node
    was a third of the parse and half the memory of a cold load, and they are needed only to
    report a problem (the caller parses again then). A file with a problem is parsed again
    with positions here, so the error is the same either way."""
    if not positions:
        try:
            return _parse(text, shown, False)
        except RevisionFileError:
            return _parse(text, shown, True)
    return _parse(text, shown, True)


def _parse(text: str, shown: str, positions: bool) -> tuple[Any, Any]:
    if yaml is None:
        _import_yaml()
    loader = None
    try:
        too_deep = _too_deep(text, shown)
        if too_deep is not None:
            raise too_deep
        loader = _Loader(text)
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{shown}:{mark.line + 1}:{mark.column + 1}" if mark else shown
        problem = exc.problem or exc.context or "invalid YAML"
        hint = "check indentation, quoting and brackets around this point"
        if mark and _tab_indented(text, mark.line, mark.column):
            problem, hint = "a tab in the indentation", "YAML indents with spaces only: replace the tab"
        raise RevisionFileError(f"invalid YAML: {problem}", location=where, hint=hint) from None
    except yaml.reader.ReaderError as exc:  # a character YAML refuses, such as NUL
        before = text[:exc.position]
        where = f"{shown}:{before.count(chr(10)) + 1}:{exc.position - before.rfind(chr(10))}"
        char = exc.character if isinstance(exc.character, int) else ord(exc.character)
        raise RevisionFileError(f"invalid YAML: character #x{char:04x} is not allowed "
                                f"({exc.reason})", location=where,
                                hint="remove it; a revision file is plain UTF-8 text") from None
    except yaml.YAMLError as exc:
        raise RevisionFileError(f"invalid YAML: {exc}", location=shown) from None
    except RevisionFileError:
        if loader is not None:
            loader.dispose()
        raise
    try:
        if node is None:
            raise RevisionFileError(
                "the file is empty",
                location=shown,
                hint="a revision needs at least `revision:` and `down_revision:`",
            )
        document = _Document(loader, shown, positions)
        value = _build(node, (), document)
        return value, document.positions
    finally:
        loader.dispose()


def _build(node, path: tuple, doc: _Document) -> Any:
    # a quoted scalar's position is that of its text, so offsets into the text line up
    positions = doc.positions
    if positions is not None:
        quoted = 1 if getattr(node, "style", None) in ('"', "'") else 0
        positions[path] = (node.start_mark.line + 1, node.start_mark.column + 1 + quoted)
    shown, loader = doc.shown, doc.loader
    if id(node) in doc.built:
        doc.repeat(node)
    if isinstance(node, yaml.ScalarNode):
        doc.built.add(id(node))
        if node.tag == _STR:
            value = node.value
            return _intern(value) if len(value) <= _INTERNED else value
        if node.tag not in _SCALAR_TAGS:
            raise _tag_error(node, shown)
        if node.tag in _NUMBER_TAGS and path and path[0] in _ID_KEYS and len(path) <= 2:
            return node.value
        value = loader.construct_object(node)
        if isinstance(value, (datetime.date, datetime.datetime)):
            return node.value  # keep timestamps as written: they are informational
        return value
    if id(node) in doc.open:
        raise RevisionFileError("a YAML alias refers to a value that contains it",
                                location=_where(shown, node),
                                hint="a revision file is a tree: remove the alias")
    if len(path) > MAX_DEPTH:  # through aliases: each file's own nesting was measured before
        raise RevisionFileError(f"the document nests more than {MAX_DEPTH} levels deep",
                                location=_where(shown, node), hint="flatten it")
    doc.open.add(id(node))
    doc.built.add(id(node))
    try:
        if isinstance(node, yaml.SequenceNode):
            if node.tag != "tag:yaml.org,2002:seq":
                raise _tag_error(node, shown)
            return [_build(item, path + (i,), doc) for i, item in enumerate(node.value)]
        if node.tag != "tag:yaml.org,2002:map":
            raise _tag_error(node, shown)
        result: dict[Any, Any] = {}
        for key_node, value_node in _merged_pairs(node, doc):
            if not isinstance(key_node, yaml.ScalarNode):
                raise RevisionFileError(
                    "mapping keys must be plain names",
                    location=_where(shown, key_node),
                )
            if key_node.tag not in _SCALAR_TAGS:
                raise _tag_error(key_node, shown)
            key = _intern(key_node.value) if key_node.tag == _STR else loader.construct_object(key_node)
            if key in result:
                if positions is None:  # parsed again with positions for the message
                    raise RevisionFileError("duplicate key")
                first = positions[path + (key, KEY)]
                raise RevisionFileError(
                    f"duplicate key {key!r} (first given at line {first[0]})",
                    location=_where(shown, key_node),
                    hint="remove one of the two; YAML would silently keep only the last",
                )
            if positions is not None:
                positions[path + (key, KEY)] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            result[key] = _build(value_node, path + (key,), doc)
        return result
    finally:
        doc.open.discard(id(node))


def _merged_pairs(node, doc: _Document, merging: frozenset = frozenset()):
    """A mapping's key/value node pairs with YAML `<<` merge keys expanded (explicit keys win)."""
    pairs = []
    merged = []
    for key_node, value_node in node.value:
        if key_node.tag == _MERGE:
            sources = value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
            for source in sources:
                if not isinstance(source, yaml.MappingNode):
                    raise RevisionFileError("`<<` must merge a mapping", location=_where(doc.shown, source))
                if id(source) in merging or id(source) in doc.open or source is node:
                    raise RevisionFileError("a `<<` merge refers to a mapping that contains it",
                                            location=_where(doc.shown, source),
                                            hint="a revision file is a tree: remove the merge")
                more = _merged_pairs(source, doc, merging | {id(node)})
                for _ in more:
                    doc.repeat(source)
                merged.extend(more)
        else:
            pairs.append((key_node, value_node))
    if merged:
        explicit = {k.value for k, _ in pairs}
        pairs = [(k, v) for k, v in merged if k.value not in explicit] + pairs
    return pairs


def _where(shown: str, node) -> str:
    """`file:line:column` of a node or event."""
    return f"{shown}:{node.start_mark.line + 1}:{node.start_mark.column + 1}"


def _tag_error(node, shown: str) -> RevisionFileError:
    return RevisionFileError(
        f"YAML tag {node.tag!r} is not allowed in a revision file",
        location=_where(shown, node),
        hint="revision files are plain data: remove the tag",
    )
