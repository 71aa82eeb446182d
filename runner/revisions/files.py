"""The revision files of a versions folder: which files are read (regular `.yaml`/`.yml`
files, a folder linked into itself walked once, FIFOs and devices skipped with a warning), and
the Alembic `.py` scripts a folder holds instead, which yamig does not read."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from pathlib import Path

from runner.errors import RevisionFileError

EXTENSIONS = (".yaml", ".yml")


def find_revision_files(directories: Iterable[str | os.PathLike]) -> list[Path]:
    """Every revision file under `directories`, in Alembic's load order.

    Sorted names; a folder's files before its subfolders; subfolders sorted,
    depth first. Hidden files and folders (and __pycache__) are skipped.
    """
    found: list[os.DirEntry] = []
    for directory in directories:
        walk(str(directory), found)
    return [Path(entry.path) for entry in found]


def _name(entry: os.DirEntry) -> str:
    return entry.name


def walk(directory: str, found: list[os.DirEntry], scripts: list[str] | None = None,
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
            location=display_path(directory),
            hint="script_location / version_locations must name folders of revision files",
        ) from None
    except OSError as exc:
        raise RevisionFileError(
            f"cannot read versions folder {directory}: {exc.strerror}",
            location=display_path(directory),
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
        walk(sub, found, scripts, seen)


def _skipped(path: str, why: str) -> None:
    import logging

    logging.getLogger("runner").warning("%s: skipped: %s", display_path(path), why)


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
        message, location=os.path.join(display_path(directory), ""),
        hint="convert them to YAML revision files keeping their revision ids (see \"A revision "
             "file\" in yamig's README), so a database Alembic migrated carries on from its version "
             "table")


def display_path(path: str | os.PathLike) -> str:
    """Paths under the working directory read better relative to it; others stay absolute."""
    cwd = os.getcwd()
    text = os.path.join(cwd, path)
    prefix = cwd if cwd.endswith(os.sep) else cwd + os.sep
    return text[len(prefix):] if text.startswith(prefix) else os.path.normpath(text)
