"""Revision files to Revision objects, remembering where every node came from.

Files are composed into YAML nodes (with PyYAML's C parser where present) and
turned into plain Python values by hand, so that duplicate keys are caught and
every value's line and column is kept for later error messages.

What a parse learned is kept per versions folder in `.yamig-cache/` (see
FolderCache), so unchanged files are not parsed again: graph commands read only
headers, and even PyYAML is imported only when some file has to be parsed.
"""

from __future__ import annotations

import datetime
import gc
import hashlib
import marshal
import os
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from runner.errors import RevisionFileError
from runner.revisions.revision import ID_PATTERN, KEY, RESERVED_IDS, VERSION_ID_LENGTH, Revision

yaml: Any = None     # PyYAML, imported by _import_yaml() on the first parse
_Loader: Any = None  # its C SafeLoader where present

EXTENSIONS = (".yaml", ".yml")
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


def _import_yaml() -> None:
    global yaml, _Loader
    import yaml as module

    try:  # the C parser is several times faster; fall back quietly where it is missing
        from yaml import CSafeLoader as loader
    except ImportError:  # pragma: no cover - depends on how PyYAML was built
        from yaml import SafeLoader as loader  # type: ignore[assignment]
    yaml, _Loader = module, loader


def find_revision_files(directories: Iterable[str | os.PathLike]) -> list[Path]:
    """Every revision file under `directories`, in Alembic's load order.

    Sorted names; a folder's files before its subfolders; subfolders sorted,
    depth first. Hidden files and folders (and __pycache__) are skipped.
    """
    found: list[os.DirEntry] = []
    for directory in directories:
        _walk(str(directory), found)
    return [Path(entry.path) for entry in found]


def _name(entry: os.DirEntry) -> str:
    return entry.name


def _walk(directory: str, found: list[os.DirEntry], scripts: list[str] | None = None,
          seen: set[tuple[int, int]] | None = None) -> None:
    """`found`: the revision files; `scripts`, when given: the .py files beside them.

    Only regular files are read (a FIFO named x.yaml would block every command, a socket or a
    device fail): others, and links that lead nowhere or round in a loop, are skipped with a
    warning. `seen` (device, inode) keeps a folder linked into itself from being walked forever.
    """
    try:
        entries = list(os.scandir(directory))
        here = os.stat(directory)
    except FileNotFoundError:
        raise RevisionFileError(
            f"versions folder {directory} does not exist",
            hint="create it, or fix script_location / version_locations in the config",
        ) from None
    except NotADirectoryError:
        raise RevisionFileError(
            f"versions folder {directory} is not a folder",
            location=_display_path(directory),
            hint="script_location / version_locations must name folders of revision files",
        ) from None
    except OSError as exc:
        raise RevisionFileError(
            f"cannot read versions folder {directory}: {exc.strerror}",
            location=_display_path(directory),
            hint="fix its permissions, or script_location / version_locations in the config",
        ) from None
    if seen is None:
        seen = set()
    seen.add((here.st_dev, here.st_ino))
    entries.sort(key=_name)
    subdirs = []
    for entry in entries:
        name = entry.name
        if name[0] in "._":
            continue
        revision_file = name.endswith(EXTENSIONS)
        try:
            if entry.is_dir():
                target = entry.stat()
                if (target.st_dev, target.st_ino) in seen:
                    _skipped(entry.path, "a link to a folder already read (a loop)")
                else:
                    subdirs.append(entry.path)
                continue
            regular = entry.is_file()
            if (revision_file or scripts is not None and name.endswith(".py")) and not regular:
                # is_file() is False for broken links and link loops too: stat says which
                entry.stat()
                _skipped(entry.path, "not a regular file")
                continue
        except OSError as exc:
            if revision_file:
                _skipped(entry.path, f"cannot be read: {exc.strerror}")
            continue
        if revision_file:
            found.append(entry)
        elif scripts is not None and name.endswith(".py"):
            scripts.append(entry.path)
    for sub in subdirs:
        _walk(sub, found, scripts, seen)


def _skipped(path: str, why: str) -> None:
    import logging

    logging.getLogger("runner").warning("%s: skipped: %s", _display_path(path), why)


# an Alembic revision script assigns its id at the top level: `revision = "..."` or
# `revision: str = "..."`; other .py files (helpers, conftest) do not count
_ALEMBIC_REVISION = re.compile(rb"^revision\s*(?::[^=\n]*)?=", re.MULTILINE)


def alembic_scripts(directory: str, scripts: list[str], yaml_files: int) -> RevisionFileError | None:
    """A folder holding Alembic's .py revision scripts, which yamig does not read: said, so that
    it is not taken for an empty history (an error when there is no YAML revision at all)."""
    count = 0
    for script in scripts:
        try:
            with open(script, "rb") as handle:
                count += bool(_ALEMBIC_REVISION.search(handle.read()))
        except OSError:
            continue
    if not count:
        return None
    what = f"{count} Alembic .py revision script{'s' if count > 1 else ''}"
    message = (f"{what} beside {yaml_files} YAML revision{'s' if yaml_files > 1 else ''}; yamig reads "
               "only the YAML ones" if yaml_files else f"{what} and no YAML revisions; yamig reads "
               "YAML revisions")
    return RevisionFileError(
        message, location=os.path.join(_display_path(directory), ""),
        hint="convert them to YAML revision files keeping their revision ids (see \"A revision "
             "file\" in yamig's README), so a database Alembic migrated carries on from its version "
             "table")


class _GcPaused:
    """Building thousands of small objects triggers the cyclic GC over and over (about a
    tenth of a warm `heads` at 10,000 revisions); none of them form cycles."""

    def __enter__(self) -> None:
        self.was_enabled = gc.isenabled()
        gc.disable()

    def __exit__(self, *exc: object) -> None:
        if self.was_enabled:
            gc.enable()


gc_paused = _GcPaused


def load_revisions(directories: Iterable[str | os.PathLike], *, check: bool = False,
                   use_cache: bool | None = None,
                   notes: list[tuple[RevisionFileError, bool]] | None = None) -> list[Revision]:
    """Load every revision file under `directories`, in load order.

    Without `check` only what the graph needs is checked; the rest of a file is
    checked when its operations are first asked for (runner.operations.operations),
    so `heads` and `history` do not pay for validating every operation.

    Headers and parsed bodies of unchanged files (see FolderCache.get) come from
    the cache kept in each versions folder (`.yamig-cache/`), so commands parse
    only what changed; YAMIG_NO_CACHE=1 turns it off.

    A folder of Alembic .py revision scripts (see alembic_scripts) is an error when it holds no
    YAML revision, else a logged warning; given `notes`, each is appended there instead, as
    (error, whether it is an error).
    """
    if use_cache is None:
        use_cache = not check and not os.environ.get("YAMIG_NO_CACHE")
    revisions: list[Revision] = []
    shown = _Shown()
    with gc_paused():
        for directory in directories:
            entries: list[os.DirEntry] = []
            scripts: list[str] = []
            _walk(str(directory), entries, scripts)
            if scripts:
                _note(alembic_scripts(str(directory), scripts, len(entries)), not entries, notes)
            if not use_cache:
                for entry in entries:
                    revision = load_revision_file(entry.path, check=check)
                    revision.order = len(revisions)
                    revisions.append(revision)
                continue
            cache = folder_cache(str(directory))
            for entry in entries:
                stat = entry.stat()
                revision = cache.get(entry.path, stat, shown)
                if revision is None:
                    revision = load_revision_file(entry.path, check=check)
                    cache.put(entry.path, stat, revision)
                revision.order = len(revisions)
                revisions.append(revision)
            cache.save_headers()
    return revisions


def _note(note: RevisionFileError | None, fatal: bool, notes: list | None) -> None:
    if note is None:
        return
    if notes is not None:
        notes.append((note, fatal))
    elif fatal:
        raise note
    else:
        import logging

        logging.getLogger("runner").warning("%s", note)


_FORMAT = 6  # bump when what the cache holds changes


def _fingerprint(stat: os.stat_result) -> tuple[int, int, int, int]:
    return (stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino)


def file_digest(path: str) -> bytes:
    """A hash of the file's bytes, for when its stat changed (FolderCache.get): hashing every
    file on every run would make a warm `heads` at 10,000 revisions 30% slower."""
    try:
        with open(path, "rb") as handle:
            return hashlib.blake2b(handle.read(), digest_size=16).digest()
    except OSError as exc:
        raise RevisionFileError(f"cannot read file: {exc.strerror}", location=_display_path(path)) from None
_FOLDERS: dict[str, FolderCache] = {}


def folder_cache(directory: str) -> FolderCache:
    """The cache of one versions folder, read once per process."""
    key = os.path.abspath(directory)
    cache = _FOLDERS.get(key)
    if cache is None:
        cache = _FOLDERS[key] = FolderCache(key)
    return cache


class FolderCache:
    """What parsing taught us about one versions folder's files, per file valid while the
    file is unchanged (see get()); kept in `<folder>/.yamig-cache/`.

    - `headers` (read by every command): each file's graph fields, and whether it has
      passed the JSON Schema, so an unchanged file is not validated again (the cache
      key includes the schema file's size and mtime);
    - `bodies` (read only when operations are needed): each file's parsed document,
      marshalled, decoded only for the files asked for.

    marshal, not pickle or JSON: it is the fastest reader in the standard library
    and holds exactly the plain values a YAML document is made of. Positions (line
    and column of every node) are not kept: they are needed only to report a
    problem, and then the file is parsed again.
    """

    def __init__(self, directory: str):
        self.folder = os.path.join(directory, ".yamig-cache")
        from runner.revisions.checks import schema_path  # lazy: the contract's module is not needed otherwise

        schema = schema_path().stat()
        self.key = (_FORMAT, schema.st_size, schema.st_mtime_ns)
        self.headers: dict[str, tuple] = self._read("headers") or {}
        self.seen: dict[str, tuple] = {}
        self._bodies: dict[str, tuple] | None = None
        self.new_bodies: dict[str, tuple] = {}

    # -- files ---------------------------------------------------------------------------------
    def _read(self, name: str) -> dict | None:
        try:
            with open(os.path.join(self.folder, name), "rb") as handle:
                key, payload = marshal.loads(handle.read())  # load(handle) reads in small pieces
        except (OSError, ValueError, EOFError, TypeError):
            return None
        return payload if key == self.key and isinstance(payload, dict) else None

    def _write(self, name: str, payload: dict) -> None:
        try:
            if not os.path.isdir(self.folder):
                if os.path.lexists(self.folder):  # the single file of older versions
                    os.unlink(self.folder)
                os.mkdir(self.folder)
            target = os.path.join(self.folder, name)
            tmp = f"{target}.{os.getpid()}"
            with open(tmp, "wb") as handle:
                marshal.dump((self.key, payload), handle)
            os.replace(tmp, target)
        except OSError:
            pass  # a read-only checkout still works, just without the cache

    # -- headers -------------------------------------------------------------------------------
    def get(self, path: str, stat: os.stat_result, shown: _Shown | None = None) -> Revision | None:
        """The revision of an unchanged file, its body left to load when needed; else None.

        Unchanged: the same size, mtime, ctime and inode (no read), else the same bytes
        (file_digest). Size and mtime alone miss an edit that keeps them (`cp -p`, `rsync -t`,
        tar); the ctime cannot be set back and changes with every write. The digest keeps a
        file written again with the same bytes (a checkout, an image layer) out of a re-parse,
        and costs a read only then.
        """
        row = self.headers.get(path)
        if row is None:
            return None
        if row[0] != _fingerprint(stat):
            if row[1] != file_digest(path):
                return None
            row = (_fingerprint(stat), *row[1:])
        self.seen[path] = row
        where = (shown or _Shown())(path)
        revision = Revision(row[2], row[3], row[4], row[5], row[6], where,
                            body_loader=_BodyLoader(self, path, where, row[1]))
        if row[7]:
            revision.schema_ok = True
        else:
            revision.on_schema_ok = lambda: self._mark_valid(path)
        return revision

    def put(self, path: str, stat: os.stat_result, rev: Revision) -> None:
        """Remember a freshly parsed file (written by save_headers(), and save() at exit)."""
        content = file_digest(path)
        self.seen[path] = (_fingerprint(stat), content, rev.revision, rev.down_revision,
                           rev.branch_labels, rev.depends_on, rev.message, False)
        rev.on_schema_ok = lambda: self._mark_valid(path)
        self.put_body(path, content, rev.data, rev.positions)

    def _mark_valid(self, path: str) -> None:
        """Called by checks once the file passed the schema; saved when the process ends."""
        row = self.seen.get(path)
        if row is None or row[-1]:
            return
        self.seen[path] = row[:-1] + (True,)
        _dirty(self)

    def save_headers(self) -> None:
        if self.seen == self.headers:
            return
        self.headers = dict(self.seen)
        self._write("headers", self.headers)

    # -- bodies --------------------------------------------------------------------------------
    def body(self, path: str, content: bytes, positions: bool = False) -> Any:
        """The parsed document of an unchanged file (or its positions), or None."""
        if self._bodies is None:
            self._bodies = self._read("bodies") or {}
        row = self.new_bodies.get(path) or self._bodies.get(path)
        try:
            if row[0] != content:  # type: ignore[index]
                return None
            return marshal.loads(row[3 if positions else 2])  # type: ignore[index]
        except (ValueError, EOFError, TypeError, IndexError):  # None, or not what we wrote
            return None

    def put_body(self, path: str, content: bytes, data: Any, positions: dict) -> None:
        try:  # marshalled now: later changes to `data` must not be cached
            row = (content, 0, marshal.dumps(data), marshal.dumps(positions))
        except ValueError:
            return
        self.new_bodies[path] = row
        _dirty(self)

    def save(self) -> None:
        """Write what changed since the cache was read (load_revisions writes the headers at
        once; bodies and schema verdicts are written at exit)."""
        self.save_headers()
        if self.new_bodies:
            if self._bodies is None:
                self._bodies = self._read("bodies") or {}
            current = self.seen or self.headers
            bodies = {p: row for p, row in self._bodies.items() if p in current}
            bodies.update(self.new_bodies)
            self._bodies, self.new_bodies = bodies, {}
            self._write("bodies", bodies)




_DIRTY: list[FolderCache] = []


def _dirty(cache: FolderCache) -> None:
    if cache in _DIRTY:
        return
    if not _DIRTY:
        import atexit

        atexit.register(save_caches)
    _DIRTY.append(cache)


def save_caches() -> None:
    """Write what the caches learned during this run (runs at exit; call it to save sooner)."""
    while _DIRTY:
        _DIRTY.pop().save()


def load_revision_file(path: str | os.PathLike, *, check: bool = True) -> Revision:
    """Parse one file into a Revision; RevisionFileError says file:line:column on any problem.

    With `check` (the default) the document is validated against the JSON
    Schema and every type string against the type grammar.
    """
    path = Path(path)
    shown = _display_path(path)
    data, positions = parse_document(_read(path), shown)
    revision = _revision_from(data, positions, shown)
    if check:
        from runner.revisions.checks import check_revision  # lazy: pulls in jsonschema

        check_revision(revision)
    return revision


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise _not_utf8(path) from None
    except OSError as exc:
        raise RevisionFileError(f"cannot read file: {exc.strerror}", location=_display_path(path)) from None


def _not_utf8(path: Path) -> RevisionFileError:
    """The line and column of the first byte that is not UTF-8 (read again as bytes: the text
    reader's error counts from the start of its buffer, not of the file)."""
    data = path.read_bytes()
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        start, reason = exc.start, exc.reason
    else:  # pragma: no cover - it changed between the two reads
        start, reason = 0, "the file changed while it was read"
    line = data.count(b"\n", 0, start) + 1
    line_start = data.rfind(b"\n", 0, start) + 1
    column = len(data[line_start:start].decode("utf-8", errors="replace")) + 1
    byte = f"byte 0x{data[start]:02x}" if start < len(data) else "the end of the file"
    return RevisionFileError(
        f"not UTF-8 text: {byte} cannot be decoded ({reason})",
        location=f"{_display_path(path)}:{line}:{column}",
        hint="save the file as UTF-8 (your editor's encoding setting, or e.g. "
             "`iconv -f latin1 -t utf-8 FILE > NEW`)")


class _BodyLoader:
    """Gives a cached revision its body when first needed: from the cache, else by parsing.

    Called with positions=True for the line and column of every node (operations
    compute their locations as they go): from the cache too, or by parsing.
    """

    __slots__ = ("cache", "path", "shown", "content")

    def __init__(self, cache: FolderCache, path: str, shown: str, content: bytes):
        self.cache, self.path, self.shown, self.content = cache, path, shown, content

    def __call__(self, positions: bool = False) -> tuple[Any, dict | None]:
        cached = self.cache.body(self.path, self.content, positions)
        if cached is not None:
            return (None, cached) if positions else (cached, None)
        data, where = parse_document(_read(Path(self.path)), self.shown)
        self.cache.put_body(self.path, self.content, data, where)
        return data, where


class _Shown:
    """_display_path with the working directory looked up once per load, and each folder
    outside it once (a project beside the working directory is the common case in CI)."""

    def __init__(self) -> None:
        cwd = os.getcwd()
        self.prefix = cwd if cwd.endswith(os.sep) else cwd + os.sep
        self.folders: dict[str, str] = {}

    def __call__(self, path: str) -> str:
        if path.startswith(self.prefix):
            return path[len(self.prefix):]
        folder, _, name = path.rpartition(os.sep)
        if not folder or name in ("", ".", ".."):
            return _display_path(path)
        shown = self.folders.get(folder)
        if shown is None:
            shown = self.folders[folder] = _display_path(folder)
        return shown + name if shown.endswith(os.sep) else shown + os.sep + name


def _display_path(path: str | os.PathLike) -> str:
    """Paths under the working directory read better relative to it; others stay absolute."""
    cwd = os.getcwd()
    text = os.path.join(cwd, path)
    prefix = cwd if cwd.endswith(os.sep) else cwd + os.sep
    return text[len(prefix):] if text.startswith(prefix) else os.path.normpath(text)


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

    def __init__(self, loader, shown: str):
        self.loader, self.shown = loader, shown
        self.positions: dict[tuple, tuple[int, int]] = {}
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


def parse_document(text: str, shown: str = "<string>") -> tuple[Any, dict[tuple, tuple[int, int]]]:
    """YAML text to (plain value, positions); one document, no duplicate keys, safe tags only,
    nested at most MAX_DEPTH deep, aliases repeating at most MAX_ALIASED values."""
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
        document = _Document(loader, shown)
        value = _build(node, (), document)
        return value, document.positions
    finally:
        loader.dispose()


def _build(node, path: tuple, doc: _Document) -> Any:
    # a quoted scalar's position is that of its text, so offsets into the text line up
    quoted = 1 if getattr(node, "style", None) in ('"', "'") else 0
    doc.positions[path] = (node.start_mark.line + 1, node.start_mark.column + 1 + quoted)
    shown, loader = doc.shown, doc.loader
    if id(node) in doc.built:
        doc.repeat(node)
    if isinstance(node, yaml.ScalarNode):
        doc.built.add(id(node))
        if node.tag == _STR:
            return node.value
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
        positions = doc.positions
        for key_node, value_node in _merged_pairs(node, doc):
            if not isinstance(key_node, yaml.ScalarNode):
                raise RevisionFileError(
                    "mapping keys must be plain names",
                    location=_where(shown, key_node),
                )
            if key_node.tag not in _SCALAR_TAGS:
                raise _tag_error(key_node, shown)
            key = key_node.value if key_node.tag == _STR else loader.construct_object(key_node)
            if key in result:
                first = positions[path + (key, KEY)]
                raise RevisionFileError(
                    f"duplicate key {key!r} (first given at line {first[0]})",
                    location=_where(shown, key_node),
                    hint="remove one of the two; YAML would silently keep only the last",
                )
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


def _revision_from(data: Any, positions: dict, shown: str) -> Revision:
    """The graph-facing fields, checked just enough to build the graph even without `check`."""
    if not isinstance(data, dict):
        raise RevisionFileError(
            "a revision file must be a mapping with `revision:`, `down_revision:` and `upgrade:`",
            location=f"{shown}:1:1",
        )
    rev_id = data.get("revision")
    if not isinstance(rev_id, str) or not rev_id:
        if isinstance(rev_id, (int, float)) and not isinstance(rev_id, bool):
            hint = f"quote it: revision: '{rev_id}'"
        else:
            hint = "add `revision: <id>` (letters, digits, underscore)"
        raise _after_unknown_keys(data, positions, shown, RevisionFileError(
            "`revision` is missing or not a string",
            location=_pos(shown, positions, ("revision",)),
            hint=hint,
        ))
    if "down_revision" not in data:
        raise _after_unknown_keys(data, positions, shown, RevisionFileError(
            "`down_revision` is missing",
            location=_pos(shown, positions, ()),
            hint="write `down_revision: null` for a first revision, or the id of its parent",
        ))
    _check_id(rev_id, ("revision",), positions, shown)
    message = data.get("message")
    return Revision(
        revision=rev_id,
        down_revision=_ids(data, "down_revision", positions, shown),
        branch_labels=_ids(data, "branch_labels", positions, shown),
        depends_on=_ids(data, "depends_on", positions, shown),
        message=str(message) if message is not None else None,
        path=shown,
        data=data,
        positions=positions,
    )


def _after_unknown_keys(data: dict, positions: dict, shown: str,
                        missing: RevisionFileError) -> RevisionFileError:
    """A missing key is often a misspelt one (`down_revison:`): that key first, where it is
    written, with the name it was meant to be."""
    from runner.errors import several
    from runner.revisions.checks import schema, unknown_key

    known = schema()["properties"]
    typos = [unknown_key(key, known, "", f"{shown}:{positions[(key, KEY)][0]}:"
                                         f"{positions[(key, KEY)][1]}")
             for key in data if key not in known]
    return several([*typos, missing]) if typos else missing


def _ids(data: dict, key: str, positions: dict, shown: str) -> tuple[str, ...]:
    value = data.get(key)
    if value is None:
        return ()
    items = value if isinstance(value, list) else [value]
    for i, item in enumerate(items):
        if not isinstance(item, str):
            at = (key, i) if isinstance(value, list) else (key,)
            raise RevisionFileError(
                f"`{key}` must hold revision ids as strings, got {item!r}",
                location=_pos(shown, positions, at),
                hint=f"quote it: '{item}'",
            )
        if key == "down_revision":
            _check_id(item, (key, i) if isinstance(value, list) else (key,), positions, shown)
    return tuple(items)


def _check_id(rev_id: str, at: tuple, positions: dict, shown: str) -> None:
    """An id the graph and the version table can hold: refused here, at load, because every
    command reads it as a revision identifier (`-1` is a step down, `head` a symbol) or writes
    it into the version table, long before validate would look."""
    what = "revision id" if at == ("revision",) else "parent id"
    if rev_id in RESERVED_IDS:
        problem, hint = (f"`{rev_id}` cannot be a {what}: it is a reserved word",
                         f"{', '.join(sorted(RESERVED_IDS))} name places in the history; "
                         "pick another id (e.g. `yamig revision` makes one)")
    elif not ID_PATTERN.fullmatch(rev_id):
        problem, hint = (f"{what} {rev_id!r} may hold only letters, digits and underscores",
                         "`-`, `+`, `@` and `:` would read as steps, branches and ranges; "
                         "e.g. `3c2f6a1d9b7e`")
    elif len(rev_id) > VERSION_ID_LENGTH:
        problem, hint = (f"{what} {rev_id[:40]}... is {len(rev_id)} characters long; the version "
                         f"table holds at most {VERSION_ID_LENGTH}",
                         f"shorten it to {VERSION_ID_LENGTH} characters or fewer")
    else:
        return
    raise RevisionFileError(problem, location=_pos(shown, positions, at), hint=hint)


def _pos(shown: str, positions: dict, path: tuple) -> str:
    while path and path not in positions:
        path = path[:-1]
    line, col = positions.get(path, (1, 1))
    return f"{shown}:{line}:{col}"
