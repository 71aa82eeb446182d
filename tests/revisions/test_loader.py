"""Revision files in, Revisions or file:line:column errors out."""

from __future__ import annotations

import textwrap

import pytest

from runner import command
from runner.errors import RevisionFileError
from runner.revisions.files import find_revision_files
from runner.revisions.loader import load_revision_file, load_revisions

from ..helpers import write_project


def write(tmp_path, text, name="r1_x.yaml"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return path


def error_of(path) -> str:
    with pytest.raises(RevisionFileError) as info:
        load_revision_file(path)
    return str(info.value)


def test_loads_contract_fields_and_positions(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = write(tmp_path, """
        revision: abc123
        down_revision: [p1, p2]
        branch_labels: billing
        depends_on: [d1]
        message: add invoice
        create_date: 2026-11-24 10:00:00
        upgrade:
          - create_table:
              table_name: invoice
              columns:
                - {name: id, type: Integer, primary_key: true}
    """)
    rev = load_revision_file(path)
    assert (rev.revision, rev.down_revision, rev.branch_labels, rev.depends_on) == (
        "abc123", ("p1", "p2"), ("billing",), ("d1",))
    assert rev.message == "add invoice"
    assert rev.data["create_date"] == "2026-11-24 10:00:00"
    assert rev.where("upgrade", 0, "create_table", "columns", 0, "type") == "r1_x.yaml:11:28"
    assert [op.name for op in rev.parsed["upgrade"]] == ["create_table"]
    assert rev.parsed["downgrade"] is None


def test_load_order_files_before_subfolders_depth_first(tmp_path):
    for name in ["b.yaml", "a.yml", "z/c.yaml", "m/d.yaml", "m/n/e.yaml", "m/f.yaml", "notes.txt",
                 ".hidden.yaml"]:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("")
    names = [p.relative_to(tmp_path).as_posix() for p in find_revision_files([tmp_path])]
    assert names == ["a.yml", "b.yaml", "m/d.yaml", "m/f.yaml", "m/n/e.yaml", "z/c.yaml"]


@pytest.mark.parametrize("text, expected", [
    ("revision: a\ndown_revision: null\nupgrade: [\n",
     "r1_x.yaml:4:1: invalid YAML: "),
    ("revision: a\ndown_revision: null\nrevision: b\nupgrade: []\n",
     "r1_x.yaml:3:1: duplicate key 'revision' (first given at line 1)"),
    ("revision: a\ndown_revision: null\nupgrade: []\ncolour: red\n",
     "r1_x.yaml:4:1: unknown key `colour`"),
    ("revision: a\ndown_revision: null\nupgrade:\n  - create_tabel: {table_name: t}\n",
     "r1_x.yaml:4:5: unknown operation `create_tabel`\n  hint: did you mean `create_table`?"),
    ("revision: a\ndown_revision: null\nupgrade:\n  - drop_table: {table_name: 5}\n",
     "r1_x.yaml:4:30: `upgrade[0].drop_table.table_name` must be a string, not a number (5)"),
    ("revision: a\ndown_revision: null\nupgrade:\n  - drop_table: {table: t}\n",
     "r1_x.yaml:4:18: unknown key `table` in `upgrade[0].drop_table`\n  hint: did you mean `table_name`?"),
    ("revision: a\nupgrade: []\n", "r1_x.yaml:1:1: `down_revision` is missing"),
    ("revision: [a]\ndown_revision: null\nupgrade: []\n",
     "r1_x.yaml:1:11: `revision` is missing or not a string"),
    ("", "r1_x.yaml: the file is empty"),
    ("- just\n- a list\n", "r1_x.yaml:1:1: a revision file must be a mapping"),
    ("revision: a\ndown_revision: !!python/object:os.system x\nupgrade: []\n",
     "r1_x.yaml:2:16: YAML tag 'tag:yaml.org,2002:python/object:os.system' is not allowed"),
    ("revision: a\ndown_revision: null\nupgrade:\n  - add_column:\n"
     "      table_name: t\n      column: {name: c, type: Strng(20)}\n",
     "r1_x.yaml:6:31: unknown type 'Strng'; did you mean 'String'?"),
])
def test_bad_input_is_reported_with_its_place(tmp_path, monkeypatch, text, expected):
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "r1_x.yaml"
    path.write_text(text, encoding="utf-8")
    assert error_of(path).startswith(expected)


def test_load_revisions_numbers_the_load_order(tmp_path):
    write(tmp_path, "revision: b\ndown_revision: a\nupgrade: []\n", "2_b.yaml")
    write(tmp_path, "revision: a\ndown_revision: null\nupgrade: []\n", "1_a.yaml")
    revisions = load_revisions([tmp_path])
    assert [(r.revision, r.order) for r in revisions] == [("a", 0), ("b", 1)]


def test_missing_versions_folder(tmp_path):
    with pytest.raises(RevisionFileError, match="versions folder .* does not exist"):
        load_revisions([tmp_path / "nope"])


def test_yaml_merge_keys_are_expanded(tmp_path):
    path = write(tmp_path, """
        revision: a
        down_revision: null
        upgrade:
          - create_table:
              table_name: t
              columns:
                - &id {name: id, type: Integer, primary_key: true}
                - {<<: *id, name: other, primary_key: false}
    """)
    columns = load_revision_file(path).data["upgrade"][0]["create_table"]["columns"]
    assert columns[1] == {"name": "other", "type": "Integer", "primary_key": False}


def test_ids_are_read_as_written_even_when_they_look_like_numbers(tmp_path):
    path = write(tmp_path, """
        revision: 0123
        down_revision: 855631770575
        depends_on: [1e5, 42]
        upgrade: []
    """)
    rev = load_revision_file(path)
    assert (rev.revision, rev.down_revision, rev.depends_on) == ("0123", ("855631770575",), ("1e5", "42"))


def test_header_cache_serves_unchanged_files_and_rereads_changed_ones(tmp_path):
    write(tmp_path, "revision: a\ndown_revision: null\nupgrade: []\n", "1_a.yaml")
    second = write(tmp_path, "revision: b\ndown_revision: a\nmessage: one\nupgrade:\n"
                   "  - drop_table: {table_name: t}\n", "2_b.yaml")
    first = load_revisions([tmp_path], use_cache=True)
    assert (tmp_path / ".yamig-cache" / "headers").is_file()
    cached = load_revisions([tmp_path], use_cache=True)
    assert [(r.revision, r.down_revision, r.message) for r in cached] == \
        [(r.revision, r.down_revision, r.message) for r in first]
    assert cached[1]._data is None                      # body not parsed for the header
    from runner.revisions.checks import operations

    assert [op.name for op in operations(cached[1], "upgrade")] == ["drop_table"]
    assert cached[1].where("upgrade", 0) == f"{second}:5:5"
    second.write_text("revision: b\ndown_revision: a\nmessage: two, longer\nupgrade: []\n")
    assert load_revisions([tmp_path], use_cache=True)[1].message == "two, longer"


def test_no_cache_when_checking(tmp_path):
    write(tmp_path, "revision: a\ndown_revision: null\nupgrade: []\n", "1_a.yaml")
    load_revisions([tmp_path], check=True)
    assert not (tmp_path / ".yamig-cache").exists()


def test_cache_remembers_a_file_passed_the_schema(tmp_path):
    from runner.revisions.checks import operations
    from runner.revisions.loader import save_caches

    write(tmp_path, "revision: a\ndown_revision: null\nupgrade:\n  - drop_table: {table_name: t}\n",
          "1_a.yaml")
    first = load_revisions([tmp_path], use_cache=True)[0]
    assert not first.schema_ok
    operations(first, "upgrade")          # validated now: the cache is told, and saves at exit
    save_caches()
    again = load_revisions([tmp_path], use_cache=True)[0]
    assert again.schema_ok is True
    assert [op.name for op in operations(again, "upgrade")] == ["drop_table"]


def test_unchanged_bodies_and_positions_come_from_the_cache_without_parsing(tmp_path, monkeypatch):
    import runner.revisions.loader as loader
    from runner.revisions.checks import operations

    path = write(tmp_path, "revision: a\ndown_revision: null\nupgrade:\n"
                 "  - drop_table: {table_name: t}\n", "1_a.yaml")
    first = load_revisions([tmp_path], use_cache=True)[0]
    operations(first, "upgrade")
    loader.save_caches()
    loader._FOLDERS.clear()                                # as a new process would start

    def no_parsing(*args, **kwargs):
        raise AssertionError("parsed again")

    monkeypatch.setattr(loader, "parse_document", no_parsing)
    again = load_revisions([tmp_path], use_cache=True)[0]
    assert [op.name for op in operations(again, "upgrade")] == ["drop_table"]
    assert again.data == first.data
    # positions are kept only once a problem asked for them (a cold load parses without them)
    monkeypatch.undo()
    assert again.where("upgrade", 0) == f"{path}:4:5"
    loader.save_caches()
    loader._FOLDERS.clear()
    monkeypatch.setattr(loader, "parse_document", no_parsing)
    third = load_revisions([tmp_path], use_cache=True)[0]
    assert third.where("upgrade", 0) == f"{path}:4:5"
    assert third.positions == again.positions


def test_a_changed_file_is_parsed_again_and_its_body_replaced(tmp_path):
    import runner.revisions.loader as loader

    path = write(tmp_path, "revision: a\ndown_revision: null\nupgrade: []\n", "1_a.yaml")
    load_revisions([tmp_path], use_cache=True)
    loader.save_caches()
    loader._FOLDERS.clear()
    path.write_text("revision: a\ndown_revision: null\nmessage: longer now\nupgrade:\n"
                    "  - drop_table: {table_name: t}\n")
    again = load_revisions([tmp_path], use_cache=True)[0]
    assert again.message == "longer now" and again.data["upgrade"] == [{"drop_table": {"table_name": "t"}}]


def test_the_single_cache_file_of_older_versions_is_replaced_by_the_folder(tmp_path):
    import runner.revisions.loader as loader

    write(tmp_path, "revision: a\ndown_revision: null\nupgrade: []\n", "1_a.yaml")
    (tmp_path / ".yamig-cache").write_bytes(b"\x80\x04 an old pickle")
    loader._FOLDERS.clear()
    assert [r.revision for r in load_revisions([tmp_path], use_cache=True)] == ["a"]
    assert (tmp_path / ".yamig-cache" / "headers").is_file()


@pytest.mark.parametrize("path", ["/tmp/proj/versions/a.yaml", "/tmp/../tmp/x/y.yaml", "versions/x.yaml",
                                  "x.yaml", "../shared/x.yaml", "/a.yaml", "/tmp//x//y.yaml"])
def test_paths_are_shown_as_one_by_one(path):
    """The per-load path display (folders outside the working directory computed once) shows
    every path exactly as the plain function does."""
    from runner.revisions.files import display_path as _display_path
    from runner.revisions.loader import _Shown

    shown = _Shown()
    assert shown(path) == _display_path(path)
    assert shown(path) == _display_path(path)  # the folder now comes from its memo


def test_a_file_that_is_not_utf8_is_an_error_at_its_byte(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "r1_x.yaml"
    path.write_bytes("revision: a\ndown_revision: null\nmessage: d\u00e9j\u00e0 ".encode()
                     + b"caf\xe9\nupgrade: []\n")
    assert error_of(path) == (
        "r1_x.yaml:3:18: not UTF-8 text: byte 0xe9 cannot be decoded (invalid continuation byte)\n"
        "  hint: save the file as UTF-8 (your editor's encoding setting, or e.g. "
        "`iconv -f latin1 -t utf-8 FILE > NEW`)")
    path.write_bytes(b"revision: a\ndown_revision: null\nmessage: a\x00b\nupgrade: []\n")
    assert error_of(path).startswith(
        "r1_x.yaml:3:11: invalid YAML: character #x0000 is not allowed (control characters are not "
        "allowed)")


def test_a_misspelt_key_comes_before_the_missing_key_it_causes(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = write(tmp_path, "revision: b2\ndown_revison: a1\nupgrade: []\n")
    with pytest.raises(RevisionFileError) as info:
        load_revision_file(path)
    assert [str(e) for e in info.value.errors] == [
        "r1_x.yaml:2:1: unknown key `down_revison`\n  hint: did you mean `down_revision`?",
        "r1_x.yaml:1:1: `down_revision` is missing\n  hint: write `down_revision: null` for a "
        "first revision, or the id of its parent"]


def test_alembic_scripts_are_reported_not_read_as_an_empty_history(tmp_path, monkeypatch, caplog):
    monkeypatch.chdir(tmp_path)
    versions = tmp_path / "versions"
    versions.mkdir()
    for i in range(2):
        (versions / f"a{i}_x.py").write_text(f'"""x"""\nrevision: str = "a{i}"\ndown_revision = None\n')
    (versions / "__init__.py").write_text('revision = "not one"\n')
    (versions / "helpers.py").write_text("REVISION = 1\n")
    with pytest.raises(RevisionFileError) as info:
        load_revisions([versions])
    assert str(info.value) == (
        "versions/: 2 Alembic .py revision scripts and no YAML revisions; yamig reads YAML revisions"
        "\n  hint: convert them to YAML revision files keeping their revision ids (see \"A revision "
        "file\" in yamig's README), so a database Alembic migrated carries on from its version table")
    write(versions, "revision: b1\ndown_revision: null\nupgrade: []\n", "b1_x.yaml")
    assert [r.revision for r in load_revisions([versions])] == ["b1"]
    assert caplog.messages[0].startswith(
        "versions/: 2 Alembic .py revision scripts beside 1 YAML revision; yamig reads only the "
        "YAML ones\n")


# Regressions from the user trial (a new user trying every operation of the README on SQLite and
# PostgreSQL; tests/test_user_trial.py until issue 13): each failed before its fix.
@pytest.mark.parametrize("upgrade, where", [
    ("upgrade:\n\t- drop_table: {table_name: t}\n", "r1_x.yaml:4:1:"),
    ("upgrade:\n  - drop_table:\n  \t  table_name: t\n", "r1_x.yaml:5:3:"),
])
def test_a_tab_in_the_indentation_is_named(upgrade, where):
    """PyYAML says "found character that cannot start any token", which does not tell a user
    whose editor inserted a tab what to do."""
    from runner.revisions.document import parse_document

    with pytest.raises(RevisionFileError) as err:
        parse_document("revision: a\ndown_revision: null\n" + upgrade, "r1_x.yaml")
    assert str(err.value).startswith(where)
    assert "invalid YAML: a tab in the indentation" in str(err.value)
    assert "replace the tab" in str(err.value)


@pytest.mark.parametrize("operation, expected", [
    ("- create_table: {table_name: t, columns: [{name: c, type: Integer, foreign_key: {column: other}}]}",
     "r1_x.yaml:4:92: `upgrade[0].create_table.columns[0].foreign_key.column` is 'other'; expected the "
     "referenced column as table.column (or schema.table.column)\n  hint: e.g. `account.id`"),
    ("- drop_constraint: {constraint_name: c, table_name: t, type: foreign}",
     "r1_x.yaml:4:64: `upgrade[0].drop_constraint.type` is 'foreign', not one of foreignkey, unique, "
     "check, primary\n  hint: did you mean `foreignkey`?"),
    ("- add_column: {table_name: t, column: {name: c, type: Integer, autoincrement: 'yes'}}",
     "r1_x.yaml:4:82: `upgrade[0].add_column.column.autoincrement` is 'yes', not one of true, false, "
     "auto, ignore_fk\n  hint: see the revision format in the README"),
])
def test_a_value_of_the_wrong_form_says_which_form(tmp_path, operation, expected):
    """A pattern or a choice the value missed was reported as jsonschema's own text: a regular
    expression (`'other' does not match '^[^.]+(\\\\.[^.]+){1,2}$'`) or a Python list."""
    text = f"revision: a\ndown_revision: null\nupgrade:\n  {operation}\n"
    cfg = write_project(tmp_path, {"r1_x.yaml": text})
    with pytest.raises(RevisionFileError) as err:
        command.upgrade(cfg, "head", sql=True)
    assert str(err.value).replace(str(tmp_path / "versions") + "/", "") == expected
