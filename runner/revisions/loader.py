"""Revision files to Revision objects, remembering where every node came from.

Which files are read is revisions.files; how YAML text becomes plain values with positions is
revisions.document. Here: a file's graph-facing fields checked and made a Revision, and what a
parse learned kept per versions folder in `.yamig-cache/` (FolderCache), so unchanged files are
not parsed again: graph commands read only headers, and even PyYAML is imported only when some
file has to be parsed.
"""

from __future__ import annotations

import gc
import hashlib
import marshal
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from runner.errors import RevisionFileError
from runner.revisions.document import parse_document
from runner.revisions.files import alembic_scripts, display_path, walk
from runner.revisions.revision import ID_PATTERN, KEY, RESERVED_IDS, VERSION_ID_LENGTH, Revision


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
            walk(str(directory), entries, scripts)
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
        raise RevisionFileError(f"cannot read file: {exc.strerror}", location=display_path(path)) from None
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
        self.put_body(path, content, rev.data, rev.known_positions)

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

    def put_body(self, path: str, content: bytes, data: Any, positions: dict | None) -> None:
        """Positions None (not parsed with them): a later ask for them parses the file again."""
        try:  # marshalled now: later changes to `data` must not be cached
            row = (content, 0, marshal.dumps(data), None if positions is None else marshal.dumps(positions))
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
    shown = display_path(path)
    text = _read(path)
    data, _ = parse_document(text, shown, positions=False)
    try:
        revision = _revision_from(data, None, shown)
    except RevisionFileError:  # parsed again for the positions of the message
        data, positions = parse_document(text, shown)
        revision = _revision_from(data, positions, shown)
    else:
        revision.body_loader = _Reparse(str(path), shown)
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
        raise RevisionFileError(f"cannot read file: {exc.strerror}", location=display_path(path)) from None


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
        location=f"{display_path(path)}:{line}:{column}",
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


class _Reparse:
    """Gives a freshly parsed revision its positions when a problem is first reported: the file
    is parsed again (load_revision_file parses without them)."""

    __slots__ = ("path", "shown")

    def __init__(self, path: str, shown: str):
        self.path, self.shown = path, shown

    def __call__(self, positions: bool = False) -> tuple[Any, dict | None]:
        return parse_document(_read(Path(self.path)), self.shown)


class _Shown:
    """display_path with the working directory looked up once per load, and each folder
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
            return display_path(path)
        shown = self.folders.get(folder)
        if shown is None:
            shown = self.folders[folder] = display_path(folder)
        return shown + name if shown.endswith(os.sep) else shown + os.sep + name


def _revision_from(data: Any, positions: dict | None, shown: str) -> Revision:
    """The graph-facing fields, checked just enough to build the graph even without `check`.
    Without positions (None) any problem raises a bare RevisionFileError: the caller parses
    again with them for the message."""
    if not isinstance(data, dict):
        raise RevisionFileError(
            "a revision file must be a mapping with `revision:`, `down_revision:` and `upgrade:`",
            location=f"{shown}:1:1",
        )
    rev_id = data.get("revision")
    if positions is None:
        positions = _NO_POSITIONS
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
        positions=None if positions is _NO_POSITIONS else positions,
    )


class _NoPositions(dict):
    """Stands for the positions of a file parsed without them: asked for one, it raises."""

    def __contains__(self, key: object) -> bool:
        raise RevisionFileError("parse again with positions")

    def __getitem__(self, key: object):
        raise RevisionFileError("parse again with positions")

    def get(self, key: object, default=None):
        raise RevisionFileError("parse again with positions")


_NO_POSITIONS = _NoPositions()


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
