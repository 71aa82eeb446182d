"""`yamig validate --format github|sarif`: what GitHub and SARIF readers parse back.

File names with `,`, `:`, spaces and non-ASCII letters, and a message with `%` and line
breaks (a table name can hold them), are the cases a plain f-string gets wrong.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import jsonschema

from ..helpers import validate_code, write_project

SCHEMA = Path(__file__).parents[1] / "data" / "sarif-schema-2.1.0.json"

TABLE = '"50%\\r\\noff"'  # YAML for the table name 50%<CR><LF>off
BASE = f"""revision: a1
down_revision: null
upgrade:
  - create_table:
      table_name: {TABLE}
      columns:
        - {{name: id, type: Integer, primary_key: true}}
"""
DROP = f"revision: b2\ndown_revision: a1\nupgrade:\n  - drop_table: {{table_name: {TABLE}}}\n"
ODD_NAME = "b2_v1,2:ü é.yaml"


def validate(root: Path, fmt: str) -> str:
    config = write_project(root, {"a1_x.yaml": BASE, ODD_NAME: DROP})
    out = io.StringIO()
    config.stdout = out
    assert validate_code(config, output_format=fmt) == 0
    return out.getvalue()


def test_github_annotation_escapes_message_and_properties(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert validate(tmp_path, "github") == (
        "::warning file=versions/b2_v1%2C2%3Aü é.yaml,line=4,col=5,title=drop-table::"
        "drops table 50%25%0D%0Aoff and its data%0A"
        "fix: make sure no code reads it, and keep a backup; allow: [drop-table] to accept\n")


# -- SARIF -----------------------------------------------------------------------------------

_URI_CHARS = re.compile(r"(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/?#\[\]]|%[0-9A-Fa-f]{2})*")
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:")


def _uri_reference(text: str) -> bool:
    """RFC 3986 URI-reference: only its characters, and no `:` in a relative first segment."""
    return bool(_URI_CHARS.fullmatch(text)) and (
        bool(_SCHEME.match(text)) or ":" not in text.split("/", 1)[0])


def _validator() -> jsonschema.Draft4Validator:
    """The official schema, with the URI formats checked (jsonschema checks them only with
    optional packages, which the suite does not need)."""
    checker = jsonschema.FormatChecker()
    checker.checks("uri-reference")(_uri_reference)
    checker.checks("uri")(lambda text: _uri_reference(text) and bool(_SCHEME.match(text)))
    return jsonschema.Draft4Validator(json.loads(SCHEMA.read_text(encoding="utf-8")),
                                      format_checker=checker)


def test_the_uri_check_rejects_unencoded_names():
    assert not _validator().is_valid(
        {"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x"}}, "results": [{
            "message": {"text": "m"},
            "locations": [{"physicalLocation": {"artifactLocation": {"uri": "versions/ü é.yaml"}}}],
        }]}]})
    assert not _uri_reference("2b:x.yaml") and _uri_reference("2b%3Ax.yaml")


def _resolved(log: dict, location: dict) -> Path:
    """The file an artifact location names, read back as a SARIF viewer would."""
    uri = location["uri"]
    if "uriBaseId" in location:
        uri = urljoin(log["runs"][0]["originalUriBaseIds"][location["uriBaseId"]]["uri"], uri)
    parts = urlsplit(uri)
    assert parts.scheme == "file"
    return Path(unquote(parts.path))


def test_sarif_relative_to_srcroot_and_valid(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    log = json.loads(validate(tmp_path, "sarif"))
    _validator().validate(log)
    run = log["runs"][0]
    assert run["originalUriBaseIds"] == {"%SRCROOT%": {"uri": tmp_path.as_uri() + "/"}}
    (result,) = run["results"]
    location = result["locations"][0]["physicalLocation"]
    assert location["artifactLocation"] == {"uri": "versions/b2_v1%2C2%3A%C3%BC%20%C3%A9.yaml",
                                            "uriBaseId": "%SRCROOT%"}
    assert _resolved(log, location["artifactLocation"]) == tmp_path / "versions" / ODD_NAME
    assert location["region"] == {"startLine": 4, "startColumn": 5}
    assert result["message"]["text"] == (
        "drops table 50%\r\noff and its data\n"
        "fix: make sure no code reads it, and keep a backup; allow: [drop-table] to accept")
    rules = run["tool"]["driver"]["rules"]
    assert rules[result["ruleIndex"]] == {
        "id": "drop-table", "shortDescription": {"text": "dropping a table deletes its data"},
        "help": {"text": "make sure no code reads it, and keep a backup; allow: [drop-table] to accept"},
        "defaultConfiguration": {"level": "warning"}}


def test_sarif_outside_the_working_directory_is_an_absolute_file_uri(tmp_path, monkeypatch):
    project = tmp_path / "my project ø"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    log = json.loads(validate(project, "sarif"))
    _validator().validate(log)
    artifact = log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert artifact == {"uri": (project / "versions" / ODD_NAME).as_uri()}
    assert "%20%C3%B8/" in artifact["uri"] and "%2C2%3A" in artifact["uri"]
    assert _resolved(log, artifact) == project / "versions" / ODD_NAME
