"""Real databases for the tests: a SQLite file, a throwaway PostgreSQL cluster and a throwaway
MariaDB server.

The cluster is made with the machine's initdb/pg_ctl on a free loopback port
(as the `postgres` user when the tests run as root, since PostgreSQL refuses
root). Without PostgreSQL its tests are skipped, unless YAMIG_REQUIRE_POSTGRES=1
(CI), which makes that a failure. YAMIG_TEST_POSTGRES_URL uses a server of yours.

The MariaDB server is made the same way with mariadb-install-db/mariadbd: its own datadir
and socket in a temporary folder, a free loopback port, no configuration file read
(--no-defaults, so the machine's my.cnf changes nothing), root without a password.
YAMIG_REQUIRE_MARIADB=1 and YAMIG_TEST_MARIADB_URL play the same parts for it.
"""

from __future__ import annotations

import glob
import itertools
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_migrations"


def _pg_bin() -> Path | None:
    found = shutil.which("pg_ctl")
    if found:
        return Path(found).resolve().parent
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    return Path(candidates[-1]).parent if candidates else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Cluster:
    def __init__(self, bin_dir: Path):
        self.bin = bin_dir
        self.root = Path(tempfile.mkdtemp(prefix="yamig-pg-"))
        self.data = self.root / "data"
        self.port = _free_port()
        self.as_user: list[str] = []
        if os.geteuid() == 0:
            shutil.chown(self.root, user="postgres")
            os.chmod(self.root, 0o755)
            self.as_user = ["runuser", "-u", "postgres", "--"]

    def _run(self, *args: str) -> None:
        result = subprocess.run([*self.as_user, *args], capture_output=True, text=True, timeout=120)
        if result.returncode != 0:
            raise RuntimeError(f"{args[0]} failed: {result.stdout}\n{result.stderr}")

    def start(self) -> str:
        self._run(str(self.bin / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres",
                  "-E", "UTF8", "--no-sync", "--locale=C")
        options = (f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -F "
                   "-c fsync=off -c synchronous_commit=off -c full_page_writes=off")
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-o", options,
                  "-l", str(self.root / "log"), "-w", "start")
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def stop(self) -> None:
        try:
            self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)


def _unavailable(reason: str):
    if os.environ.get("YAMIG_REQUIRE_POSTGRES") == "1":
        pytest.fail(f"PostgreSQL is required (YAMIG_REQUIRE_POSTGRES=1) but {reason}")
    pytest.skip(f"PostgreSQL not available: {reason}")


@pytest.fixture(scope="session")
def postgres_server():
    """The admin URL of a PostgreSQL server for this test session."""
    given = os.environ.get("YAMIG_TEST_POSTGRES_URL")
    if given:
        yield given
        return
    try:
        import psycopg  # noqa: F401
    except ImportError:
        _unavailable("psycopg is not installed (pip install -e '.[test]')")
    bin_dir = _pg_bin()
    if bin_dir is None:
        _unavailable("no pg_ctl/initdb on PATH or in /usr/lib/postgresql/*/bin")
    cluster = _Cluster(bin_dir)
    try:
        url = cluster.start()
    except (RuntimeError, OSError, subprocess.TimeoutExpired) as err:
        cluster.stop()
        _unavailable(f"could not start a cluster: {err}")
    yield url
    cluster.stop()


_counter = itertools.count()


@pytest.fixture
def postgres_url(postgres_server):
    """A fresh, empty database on the session's server for one test."""
    name = f"yamig_test_{os.getpid()}_{next(_counter)}"
    admin = sa.create_engine(postgres_server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}" TEMPLATE template0')
    url = sa.engine.make_url(postgres_server).set(database=name)
    yield url.render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


def _mariadb_bin(name: str) -> str | None:
    return shutil.which(name) or next(
        (str(p) for p in (Path("/usr/sbin") / name, Path("/usr/local/sbin") / name) if p.exists()), None)


class _MariaDB:
    """A mariadbd of its own: fast and unsafe (no fsync, no binary log), it only lives for the tests."""

    def __init__(self, server: str, install: str):
        self.server, self.install = server, install
        self.root = Path(tempfile.mkdtemp(prefix="yamig-mariadb-"))
        self.data = self.root / "data"
        self.port = _free_port()
        self.as_root = ["--user=root"] if os.geteuid() == 0 else []
        self.process: subprocess.Popen | None = None

    def start(self) -> str:
        result = subprocess.run(
            [self.install, "--no-defaults", f"--datadir={self.data}",
             "--auth-root-authentication-method=normal", "--skip-test-db", "--skip-name-resolve",
             *self.as_root],
            capture_output=True, text=True, timeout=120)
        if result.returncode != 0:
            raise RuntimeError(f"mariadb-install-db failed: {result.stdout}\n{result.stderr}")
        self.process = subprocess.Popen(
            [self.server, "--no-defaults", f"--datadir={self.data}", f"--socket={self.root / 'sock'}",
             f"--port={self.port}", "--bind-address=127.0.0.1", "--skip-name-resolve", *self.as_root,
             f"--pid-file={self.root / 'pid'}", f"--log-error={self.root / 'log'}", "--skip-log-bin",
             "--character-set-server=utf8mb4", "--collation-server=utf8mb4_general_ci",
             "--innodb-buffer-pool-size=128M", "--innodb-log-file-size=32M",
             "--innodb-flush-log-at-trx-commit=0", "--innodb-doublewrite=0", "--sync-frm=0",
             "--max-connections=200"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        url = f"mysql+pymysql://root@127.0.0.1:{self.port}/mysql"
        deadline = time.monotonic() + 60
        while True:
            try:
                engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
                with engine.connect():
                    return url
            except sa.exc.OperationalError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    log = self.root / "log"
                    raise RuntimeError("mariadbd did not start: "
                                       + (log.read_text()[-2000:] if log.exists() else "no log")) from None
                time.sleep(0.2)

    def stop(self) -> None:
        try:
            if self.process is not None and self.process.poll() is None:
                self.process.terminate()
                try:
                    self.process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    self.process.kill()
                    self.process.wait()
        finally:
            shutil.rmtree(self.root, ignore_errors=True)


def _mariadb_unavailable(reason: str):
    if os.environ.get("YAMIG_REQUIRE_MARIADB") == "1":
        pytest.fail(f"MariaDB is required (YAMIG_REQUIRE_MARIADB=1) but {reason}")
    pytest.skip(f"MariaDB not available: {reason}")


@pytest.fixture(scope="session")
def mariadb_server():
    """The admin URL of a MariaDB server for this test session (mysql+pymysql://)."""
    given = os.environ.get("YAMIG_TEST_MARIADB_URL")
    if given:
        yield given
        return
    try:
        import pymysql  # noqa: F401
    except ImportError:
        _mariadb_unavailable("PyMySQL is not installed (pip install -e '.[test]')")
    server, install = _mariadb_bin("mariadbd"), _mariadb_bin("mariadb-install-db")
    if server is None or install is None:
        _mariadb_unavailable("no mariadbd/mariadb-install-db on PATH or in /usr/sbin "
                             "(apt-get install mariadb-server)")
    instance = _MariaDB(server, install)
    try:
        url = instance.start()
    except (RuntimeError, OSError, subprocess.TimeoutExpired) as err:
        instance.stop()
        _mariadb_unavailable(f"could not start a server: {err}")
    yield url
    instance.stop()


@pytest.fixture
def mariadb_databases(mariadb_server):
    """make(): a fresh, empty database on the session's MariaDB server, its URL; all dropped
    after the test, first ending what still holds them open (MariaDB's DROP DATABASE would
    wait for a connection left in a transaction)."""
    admin = sa.create_engine(mariadb_server, poolclass=sa.pool.NullPool)
    made: list[str] = []

    def make() -> str:
        name = f"yamig_test_{os.getpid()}_{next(_counter)}"
        with admin.connect() as conn:
            conn.exec_driver_sql(f"CREATE DATABASE `{name}`")
        made.append(name)
        return sa.engine.make_url(mariadb_server).set(database=name).render_as_string(hide_password=False)

    yield make
    with admin.connect() as conn:
        for name in made:
            for (pid,) in conn.exec_driver_sql(
                    "SELECT id FROM information_schema.processlist WHERE db = %s AND id <> CONNECTION_ID()",
                    (name,)):
                conn.exec_driver_sql(f"KILL {int(pid)}")
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS `{name}`")


@pytest.fixture
def mariadb_url(mariadb_databases):
    """A fresh, empty database on the session's MariaDB server for one test (mysql+pymysql://)."""
    return mariadb_databases()


@pytest.fixture
def sqlite_url(tmp_path):
    return f"sqlite:///{tmp_path / 'test.db'}"


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request):
    """Each test that takes it runs on SQLite and on PostgreSQL; one ready for MariaDB too says
    `@pytest.mark.parametrize("db_url", EVERY_DATABASE, indirect=True)` (tests.helpers)."""
    return request.getfixturevalue(
        {"sqlite": "sqlite_url", "postgresql": "postgres_url", "mariadb": "mariadb_url"}[request.param])
