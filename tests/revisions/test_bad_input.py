"""One test per kind of bad input that used to get past the loader (issue 14): each ends in a
positioned RevisionFileError, a warning, or a graph that loads, never a hang or a traceback."""

from __future__ import annotations

import os
import shutil
import time

import pytest

from runner.errors import RevisionFileError
from runner.graph import RevisionGraph
from runner.revisions import loader
from runner.revisions.document import parse_document
from runner.revisions.loader import load_revision_file, load_revisions
from tests.helpers import revision_text

BOMB = """revision: b1
down_revision: null
a: &a ["x","x","x","x","x","x","x","x","x"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
upgrade: []
"""


def _error(text: str) -> RevisionFileError:
    with pytest.raises(RevisionFileError) as info:
        parse_document(text, "r.yaml")
    return info.value


def test_an_alias_bomb_is_refused_at_once():
    start = time.perf_counter()
    error = _error(BOMB)
    assert time.perf_counter() - start < 1
    assert "aliases" in error.message and error.location.startswith("r.yaml:")


def test_small_merges_still_work():
    data, _ = parse_document("a: &a {x: 1, y: 2}\nb: {<<: *a, y: 3}\n")
    assert data["b"] == {"x": 1, "y": 3}


@pytest.mark.parametrize("text", ["x: &a [*a]", "x: &a {<<: *a}", "x: &a {k: [*a]}"])
def test_an_alias_inside_itself_is_refused(text):
    assert _error(text).location.startswith("r.yaml:1:")


@pytest.mark.parametrize("text", ["x: " + "[" * 100_000 + "]" * 100_000,
                                  "x:\n  " + "- " * 100_000 + "1"])
def test_nesting_deeper_than_a_revision_needs_is_refused(text):
    # libyaml's C composer recurses on the C stack: this depth crashed the interpreter
    error = _error(text)
    assert "nests more than" in error.message and error.location.startswith("r.yaml:")


def test_duplicate_parents_are_one_parent(tmp_path):
    (tmp_path / "a1.yaml").write_text(revision_text("a1", None))
    (tmp_path / "b2.yaml").write_text("revision: b2\ndown_revision: [a1, a1]\nupgrade: []\n")
    revisions = load_revisions([tmp_path], use_cache=False)
    assert revisions[1].down_revision == ("a1",)
    graph = RevisionGraph(revisions)
    assert graph.heads == ("b2",)
    assert [step.revision.revision for step in graph.upgrade_plan((), "heads")] == ["a1", "b2"]


@pytest.mark.parametrize("rev, problem", [
    ("'-1'", "letters, digits and underscores"), ("base", "reserved word"), ("head", "reserved word"),
    ("heads", "reserved word"), ("current", "reserved word"), ("a" * 33, "at most 32"),
    ("'x@head'", "letters, digits and underscores"),
])
def test_ids_the_graph_or_the_version_table_cannot_hold_are_refused_at_load(tmp_path, rev, problem):
    path = tmp_path / "r.yaml"
    path.write_text(f"revision: {rev}\ndown_revision: null\nupgrade: []\n")
    with pytest.raises(RevisionFileError) as info:
        load_revision_file(path, check=False)
    assert problem in info.value.message
    assert info.value.location.endswith("r.yaml:1:11") or info.value.location.endswith("r.yaml:1:12")
    path.write_text(f"revision: r1\ndown_revision: {rev}\nupgrade: []\n")
    with pytest.raises(RevisionFileError) as info:
        load_revision_file(path, check=False)
    assert problem in info.value.message and ":2:" in info.value.location


def test_files_that_are_not_regular_are_skipped_with_a_warning(tmp_path, caplog):
    (tmp_path / "a1.yaml").write_text(revision_text("a1", None))
    os.mkfifo(tmp_path / "fifo.yaml")  # opened, it would block every command
    (tmp_path / "l1.yaml").symlink_to("l2.yaml")
    (tmp_path / "l2.yaml").symlink_to("l1.yaml")
    (tmp_path / "gone.yaml").symlink_to("nowhere.yaml")
    (tmp_path / "sub").symlink_to(".")  # a folder linked into itself
    with caplog.at_level("WARNING", logger="runner"):
        revisions = load_revisions([tmp_path], use_cache=False)
    assert [r.revision for r in revisions] == ["a1"]
    skipped = sorted(line.split(":")[0].rsplit("/", 1)[-1] for line in caplog.messages)
    assert skipped == ["fifo.yaml", "gone.yaml", "l1.yaml", "l2.yaml", "sub"]


def test_a_versions_path_that_is_a_file_is_a_clear_error(tmp_path):
    (tmp_path / "versions").write_text("")
    with pytest.raises(RevisionFileError, match="is not a folder"):
        load_revisions([tmp_path / "versions"], use_cache=False)


def test_the_cache_sees_a_same_size_edit_that_keeps_the_mtime(tmp_path):
    """`cp -p`, `rsync -t` and tar keep the mtime: the cache must still see the edit."""
    versions = tmp_path / "versions"
    versions.mkdir()
    path = versions / "a1.yaml"
    path.write_text(revision_text("a1", None, message="first"))
    loader._FOLDERS.clear()
    assert load_revisions([versions], use_cache=True)[0].message == "first"
    loader.save_caches()
    stat = path.stat()
    edited = tmp_path / "edited.yaml"
    edited.write_text(revision_text("a1", None, message="FIRST"))
    os.utime(edited, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    shutil.copy2(edited, path)  # cp -p: same size, same mtime
    assert (path.stat().st_size, path.stat().st_mtime_ns) == (stat.st_size, stat.st_mtime_ns)
    loader._FOLDERS.clear()
    assert load_revisions([versions], use_cache=True)[0].message == "FIRST"


def test_the_cache_keeps_a_file_rewritten_with_the_same_bytes(tmp_path):
    """A checkout or an image layer writes the file again (new inode and ctime, same bytes):
    recognised by the digest, not parsed again."""
    versions = tmp_path / "versions"
    versions.mkdir()
    path = versions / "a1.yaml"
    path.write_text(revision_text("a1", None, message="first"))
    loader._FOLDERS.clear()
    load_revisions([versions], use_cache=True)
    loader.save_caches()
    shutil.copy(path, tmp_path / "same.yaml")
    os.replace(tmp_path / "same.yaml", path)
    loader._FOLDERS.clear()
    parsed = []
    real = loader.load_revision_file
    try:
        loader.load_revision_file = lambda *a, **k: parsed.append(a) or real(*a, **k)
        assert load_revisions([versions], use_cache=True)[0].message == "first"
    finally:
        loader.load_revision_file = real
        loader._FOLDERS.clear()
    assert parsed == []


def test_duplicate_parents_run_as_in_alembic(tmp_path):
    """`down_revision: [a1, a1]` is one parent, as Alembic's dedupe_tuple makes it: upgrade runs
    it (no schema error), and validate warns at the repeat."""
    import sqlalchemy as sa

    from runner import command
    from runner.review.validate import _findings
    from tests.helpers import write_project

    config = write_project(tmp_path, {"a1_x.yaml": revision_text("a1", None),
                                      "b2_x.yaml": "revision: b2\ndown_revision: [a1, a1]\nupgrade: []\n"},
                           url=f"sqlite:///{tmp_path / 'db.sqlite'}")
    command.upgrade(config, "head")
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'db.sqlite'}")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalars().all() == ["b2"]
    engine.dispose()
    found = [(f.rule, f.location.split(":")[1]) for f in _findings(config, None)]
    assert found == [("repeated-reference", "2")]
