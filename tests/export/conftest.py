"""A server URL for verify_histories, which makes its scratch databases from it."""

from __future__ import annotations

import pytest


@pytest.fixture(params=["sqlite", "postgresql"])
def server_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'unused.db'}"
    return request.getfixturevalue("postgres_server")
