"""The compiled schema check (runner.revisions.fastschema) agrees with jsonschema.

It decides whether a file needs jsonschema's walk at all, so it must accept exactly what
jsonschema accepts on every document of the validate corpus, the bad-input corpus and the
sample project, and never accept what jsonschema refuses on the edge cases it is strict about.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from jsonschema import Draft202012Validator

from runner.errors import RevisionFileError
from runner.revisions.checks import schema
from runner.revisions.document import parse_document
from runner.revisions.fastschema import compile_schema
from tests.revisions.test_badinput_corpus import CORPUS as BAD_INPUT
from tests.revisions.test_badinput_corpus import SAMPLE

VALIDATE_CORPUS = Path(__file__).resolve().parents[1] / "review" / "validate_corpus"
FAST = compile_schema(schema())
SLOW = Draft202012Validator(schema())


def _documents(texts: dict[str, str]) -> list[tuple[str, object]]:
    documents = []
    for name, text in texts.items():
        try:
            documents.append((name, parse_document(text, name)[0]))
        except RevisionFileError:
            pass  # not YAML the loader accepts: never reaches the schema check
    return documents


def _disagreements(documents: list[tuple[str, object]]) -> list[str]:
    return [f"{name}: compiled {FAST(doc)}, jsonschema {SLOW.is_valid(doc)}" for name, doc in documents
            if FAST(doc) != SLOW.is_valid(doc)]


def test_the_revision_schema_compiles():
    assert FAST is not None


def test_agrees_on_the_validate_corpus():
    texts = {"_base.yaml": (VALIDATE_CORPUS / "_base.yaml").read_text()}
    for case in sorted(VALIDATE_CORPUS.glob("*.yaml")):
        for name, text in (yaml.safe_load(case.read_text()).get("files") or {}).items():
            texts[f"{case.stem}/{name}"] = text
    documents = _documents(texts)
    assert len(documents) > 80
    assert sum(not SLOW.is_valid(d) for _, d in documents) > 0  # both kinds are there
    assert _disagreements(documents) == []


@pytest.mark.parametrize("chunk", range(4))
def test_agrees_on_the_bad_input_corpus(tmp_path, chunk):
    documents = []
    for i, (name, mutate) in enumerate(BAD_INPUT):
        if i % 4 != chunk:
            continue
        project = tmp_path / f"case{i}"
        shutil.copytree(SAMPLE, project, symlinks=True)
        try:
            mutate(project)
        except OSError:
            continue
        for path in sorted((project / "versions").glob("*.yaml")):
            if not path.is_file() or path.stat().st_size > 1_000_000:  # devices, fifos, huge files
                continue
            try:
                text = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                continue
            documents += _documents({f"{name}/{path.name}": text})
        shutil.rmtree(project, ignore_errors=True)
    assert sum(not SLOW.is_valid(d) for _, d in documents) > 20
    assert _disagreements(documents) == []


EDGES = [
    {"revision": "a", "down_revision": None, "upgrade": [], 1: "x"},          # a key that is no string
    {"revision": "a", "down_revision": None, "upgrade": [{"execute": {"sql": "x", "dialects":
                                                                       ["sqlite", "sqlite"]}}]},
    {"revision": "a", "down_revision": None, "upgrade": [{"add_column": {
        "table_name": "t", "column": {"name": "c", "type": "Integer", "autoincrement": 1}}}]},
    {"revision": "a", "down_revision": None, "upgrade": [{"drop_table": {"table_name": ""}}]},
    {"revision": "a-b", "down_revision": None, "upgrade": []},
    {"revision": "a", "down_revision": None, "upgrade": [{"allow": ["x"]}]},
    {"revision": "a", "down_revision": None, "upgrade": [{"create_table": {"table_name": "t"},
                                                          "drop_table": {"table_name": "t"}}]},
]


@pytest.mark.parametrize("document", EDGES, ids=range(len(EDGES)))
def test_never_accepts_what_jsonschema_refuses(document):
    assert not (FAST(document) and not SLOW.is_valid(document))


def test_an_unknown_keyword_leaves_it_to_jsonschema():
    assert compile_schema({"type": "object", "unevaluatedProperties": False}) is None
    assert compile_schema({"$ref": "https://example.com/other.json"}) is None
