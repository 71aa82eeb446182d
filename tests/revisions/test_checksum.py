"""A revision's checksum is of its operations, not its text: any formatting of the same
operations (comments, key order, quoting, flow or block style, message) gives the same one;
a changed operation gives another, found at its position."""

from __future__ import annotations

import random
import textwrap

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from runner.revisions.checksum import checksum, first_change
from runner.revisions.loader import load_revisions

UPGRADE = [
    {"create_table": {"table_name": "account", "comment": "who pays", "columns": [
        {"name": "id", "type": "Integer", "primary_key": True},
        {"name": "email", "type": "String(255)", "nullable": False},
        {"name": "status", "type": "String(10)", "server_default": "new"}]}},
    {"create_index": {"index_name": "ix_account_email", "table_name": "account",
                      "columns": ["email"], "unique": True}},
]
DOWNGRADE = [{"drop_index": {"index_name": "ix_account_email", "table_name": "account"}},
             {"drop_table": {"table_name": "account"}}]


def shuffled(value, rng: random.Random):
    """The same data with every mapping's keys in another order."""
    if isinstance(value, dict):
        items = list(value.items())
        rng.shuffle(items)
        return {k: shuffled(v, rng) for k, v in items}
    if isinstance(value, list):
        return [shuffled(v, rng) for v in value]
    return value


def render(seed: int, flow: bool | None, quote: bool, comments: bool, message: str,
           with_downgrade: bool) -> str:
    rng = random.Random(seed)
    body = {"upgrade": shuffled(UPGRADE, rng)}
    if with_downgrade:
        body["downgrade"] = shuffled(DOWNGRADE, rng)
    width = rng.choice([40, 200])
    text = "".join(f"{key}:\n" + textwrap.indent(yaml.safe_dump(
        value, default_flow_style=flow, sort_keys=False, width=width,
        default_style='"' if quote else None), "  ") for key, value in body.items())
    if comments:
        text = "\n".join(line + ("  # a note" if i % 3 == 0 and not line.rstrip().endswith((":", ","))
                                 and not flow else "") for i, line in enumerate(text.splitlines()))
        text = "# why this revision\n" + text + "\n# the end\n"
    header = f"revision: r1\ndown_revision: null\nmessage: {message!r}\n"
    return header + text


def checksum_of(tmp_path, text: str, name: str = "r1.yaml"):
    folder = tmp_path / name.replace(".", "_")
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(text)
    [revision] = load_revisions([folder])
    return revision, checksum(revision)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), flow=st.sampled_from([None, True, False]), quote=st.booleans(),
       comments=st.booleans(), message=st.text(alphabet="abc xyz", max_size=12))
def test_any_formatting_gives_the_same_checksum(tmp_path_factory, seed, flow, quote, comments, message):
    tmp = tmp_path_factory.mktemp("fmt")
    _, reference = checksum_of(tmp, render(0, None, False, False, "first", True), "a.yaml")
    _, other = checksum_of(tmp, render(seed, flow, quote, comments, message, True), "b.yaml")
    assert other == reference


def test_allow_and_a_derived_downgrade_do_not_count_a_written_one_does(tmp_path):
    base = render(0, None, False, False, "m", False)
    _, derived = checksum_of(tmp_path, base, "a.yaml")
    allowed = base.replace("- create_index:", "- allow: [drop-table]\n    create_index:")
    _, same = checksum_of(tmp_path, allowed, "b.yaml")
    _, written = checksum_of(tmp_path, render(0, None, False, False, "m", True), "c.yaml")
    assert same == derived and written.value != derived.value and derived.operations["downgrade"] is None


def test_a_changed_operation_is_found_at_its_position(tmp_path):
    text = textwrap.dedent("""\
        revision: r1
        down_revision: null
        upgrade:
          - create_table:
              table_name: account
              columns: [{name: id, type: Integer, primary_key: true}]
          - add_column: {table_name: account, column: {name: email, type: String(255)}}
        """)
    _, before = checksum_of(tmp_path, text, "a.yaml")
    revision, after = checksum_of(tmp_path, text.replace("String(255)", "String(200)"), "b.yaml")
    assert after.value != before.value
    assert after.operations["upgrade"][0] == before.operations["upgrade"][0]
    assert first_change(revision, before.operations_text(), after) == f"{revision.path}:7:5"
