"""yamig's pytest plugin: fixtures for a project's migrations on a throwaway database, and the
built-in migration tests (runner.testing.checks) collected beside the project's own.

Installed with yamig (entry point `runner.testing.plugin` in the `pytest11` group), it always
loads and does nothing until a project turns it on: `yamig_config = yamig.ini` in the pytest
ini (pytest.ini, or [tool.pytest.ini_options] of pyproject.toml), or `--yamig` /
`--yamig-config PATH` on the command line. Without the installed entry point,
`pytest_plugins = ["runner.testing.plugin"]` in a conftest.py loads it (and still needs one of
those to turn it on). The entry point is named after the module so that both ways of loading
it name the same plugin.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

# runner.testing.checks and .databases (SQLAlchemy, the commands) are imported when a test
# needs them: the plugin loads in every pytest run where yamig is installed.
DEFAULT_TESTS_PATH = "tests/conftest.py"


@dataclass
class Settings:
    """The plugin turned on: the project's config file, the server for throwaway databases
    (None: SQLite files), and the file the built-in tests are collected under."""

    config_path: Path
    server_url: str | None
    tests_path: Path
    collected: bool = False


SETTINGS = pytest.StashKey[Settings]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("yamig", "yamig migrations (runner.testing.plugin)")
    group.addoption("--yamig", action="store_true",
                    help="turn the yamig plugin on, with the yamig.ini of the rootdir")
    group.addoption("--yamig-config", metavar="PATH",
                    help="turn the yamig plugin on, with this yamig.ini (or pyproject.toml)")
    group.addoption("--yamig-url", metavar="URL",
                    help="a database server where each test gets a fresh database, created and "
                         "dropped (PostgreSQL, MySQL/MariaDB); default: a temporary SQLite file")
    group.addoption("--yamig-tests-path", metavar="PATH",
                    help=f"the file the built-in tests are collected under (default {DEFAULT_TESTS_PATH})")
    parser.addini("yamig_config", "turn the yamig plugin on, with this yamig.ini (relative to the rootdir)")
    parser.addini("yamig_url", "as --yamig-url")
    parser.addini("yamig_tests_path", f"as --yamig-tests-path (default {DEFAULT_TESTS_PATH})")


def _settings(config: pytest.Config) -> Settings | None:
    """What the options and the ini say; None when the plugin is off."""
    given = config.getoption("yamig_config")
    if given:
        path = Path(config.invocation_params.dir, given)
    elif config.getini("yamig_config"):
        path = config.rootpath / config.getini("yamig_config")
    elif config.getoption("yamig"):
        path = config.rootpath / "yamig.ini"
    else:
        return None
    tests = config.getoption("yamig_tests_path")
    tests_path = (Path(config.invocation_params.dir, tests) if tests
                  else config.rootpath / (config.getini("yamig_tests_path") or DEFAULT_TESTS_PATH))
    return Settings(path.resolve(), config.getoption("yamig_url") or config.getini("yamig_url") or None,
                    tests_path.resolve())


def pytest_configure(config: pytest.Config) -> None:
    settings = _settings(config)
    if settings is None:
        return
    if not settings.config_path.is_file() and not (settings.config_path.parent / "pyproject.toml").is_file():
        raise pytest.UsageError(f"yamig: no config file {settings.config_path}: set yamig_config (or "
                                "--yamig-config) to your project's yamig.ini")
    if not settings.tests_path.is_file():
        raise pytest.UsageError(f"yamig: the built-in tests are collected under {settings.tests_path}, "
                                "which does not exist: create it, or set yamig_tests_path")
    config.stash[SETTINGS] = settings
    config.addinivalue_line("markers", "yamig: yamig's built-in migration tests")


def pytest_collect_file(file_path: Path, parent: pytest.Collector):
    settings = parent.config.stash.get(SETTINGS, None)
    if settings is not None and not settings.collected and file_path.resolve() == settings.tests_path:
        settings.collected = True
        return YamigTests.from_parent(parent, path=file_path)
    return None


class YamigTests(pytest.File):
    """The built-in tests, under the tests path's node (its own tests are collected apart)."""

    def collect(self):
        from runner.testing.checks import CHECKS

        for name, check in CHECKS.items():
            item = YamigItem.from_parent(self, name=f"yamig_{name}", check=check)
            item.add_marker("yamig")
            yield item


class YamigItem(pytest.Item):
    """One built-in test on its own throwaway database; a failure is its message, not a traceback."""

    def __init__(self, *, check, **kwargs):
        super().__init__(**kwargs)
        self.check = check

    def runtest(self) -> None:
        from runner.testing.checks import Migrator, NotApplicable
        from runner.testing.databases import throwaway_database

        settings = self.config.stash[SETTINGS]
        with throwaway_database(settings.server_url) as url:
            try:
                self.check(Migrator(project_config(settings, url)))
            except NotApplicable as reason:
                pytest.skip(str(reason))

    def repr_failure(self, excinfo, style=None):
        from runner.errors import YamigError
        from runner.testing.checks import CheckFailed

        if isinstance(excinfo.value, (CheckFailed, YamigError)):
            return str(excinfo.value)
        return super().repr_failure(excinfo, style=style)

    def reportinfo(self):
        return self.path, None, self.name


def project_config(settings: Settings, url: str):
    """The project's Config with its database replaced by `url`."""
    from runner.config import Config
    from runner.errors import ConfigError

    config = Config(str(settings.config_path))
    if config.databases:
        raise ConfigError("the yamig plugin tests projects of one database; this one has several "
                          f"({', '.join(config.databases)})", location=config.config_file_name)
    config.set_main_option("sqlalchemy.url", url)
    return config


def _required(request: pytest.FixtureRequest) -> Settings:
    settings = request.config.stash.get(SETTINGS, None)
    if settings is None:
        pytest.fail("the yamig plugin is off: set `yamig_config = yamig.ini` in the pytest ini, or "
                    "pass --yamig / --yamig-config PATH", pytrace=False)
    return settings


@pytest.fixture
def yamig_database(request: pytest.FixtureRequest):
    """The URL of an empty throwaway database (a SQLite file, or a fresh database on --yamig-url's
    server), removed after the test."""
    from runner.testing.databases import throwaway_database

    with throwaway_database(_required(request).server_url) as url:
        yield url


@pytest.fixture
def yamig_config(request: pytest.FixtureRequest, yamig_database: str):
    """The project's Config (runner.config.Config) pointed at yamig_database: pass it to
    runner.command's functions."""
    return project_config(_required(request), yamig_database)


@pytest.fixture
def migrated_database(yamig_config):
    """A SQLAlchemy Engine on yamig_database upgraded to head (disposed after the test)."""
    import sqlalchemy as sa

    from runner import command
    from runner.errors import YamigError

    failure = None
    try:
        command.upgrade(yamig_config, "heads")
    except YamigError as err:  # the revision's file:line and the database's error, no traceback
        failure = f"migrated_database: the upgrade to head failed\n{err}"
    if failure:
        pytest.fail(failure, pytrace=False)
    engine = sa.create_engine(yamig_config.url)
    yield engine
    engine.dispose()
