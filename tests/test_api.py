"""runner.command mirrors Alembic's command API: every function, its parameters, its defaults."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest

from runner import command

SEED = Path(__file__).resolve().parents[1].parent / "shared" / "seed" / "alembic-commands.txt"


def seed_signatures() -> dict[str, list[tuple[str, str | None]]]:
    text = SEED.read_text()
    found = {}
    for name, params in re.findall(r"^alembic\.command\.(\w+)\((.*)\)$", text, re.M):
        found[name] = [(p.split("=")[0].strip(), p.split("=")[1].strip() if "=" in p else None)
                       for p in params.split(",")]
    return found


def test_every_alembic_command_exists_with_its_signature():
    if not SEED.is_file():
        pytest.skip(f"{SEED} not present")
    seeds = seed_signatures()
    assert len(seeds) >= 13
    for name, params in seeds.items():
        function = getattr(command, name, None)
        assert function is not None, f"runner.command.{name} is missing"
        ours = inspect.signature(function).parameters
        for param, default in params:
            assert param in ours, f"{name}() lacks parameter {param}"
            if default is not None:
                assert repr(ours[param].default) == default.replace('"', "'"), (name, param)
