"""A server URL for verify_histories, which makes its scratch databases from it."""

from __future__ import annotations

import pytest


@pytest.fixture(params=["sqlite", "postgresql", "mariadb"])
def server_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'unused.db'}"
    servers = {"postgresql": "postgres_server", "mariadb": "mariadb_server"}
    return request.getfixturevalue(servers[request.param])
