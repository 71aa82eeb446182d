"""A URL's password never appears in yamig's output: a corpus of URL shapes (passwords with
special characters and percent-encoding, `?password=`, unknown drivers, malformed ports, bad
schemes, an unreachable server, a wrong and a right password on the real PostgreSQL server)
over the commands that take a URL, given with --url and in the ini."""

from __future__ import annotations

import re
import sys
from urllib.parse import quote, unquote

import pytest
import sqlalchemy as sa

from runner import masking
from runner.cli import main

from ..helpers import revision_text, write_project

PASSWORDS = ["S3cret-Pass", "p@ss:w0rd!", "sl/ash#Pw1", "q?uest&ion=pw", "sp ace pw", "semi;colon=pw",
             "doll$r%pct", "pct%40encod%2Fed", "pässwörd-ü", "it's\"quoted", "back\\slash9",
             "at@@twice@pw", "colon:colon:pw"]

REFUSED = "127.0.0.1:1"  # nothing listens on port 1: connection refused at once


def url_shapes(pw: str) -> list[str]:
    return [f"postgresql+psycopg://u:{pw}@{REFUSED}/db", f"postgresql://u:{pw}@{REFUSED}/db",
            f"postgresql+psycopg://u:{quote(pw, safe='')}@{REFUSED}/db",
            f"mysql+pymysql://u:{pw}@{REFUSED}/db", f"sqlite://u:{pw}@/x.db"]


CORPUS = [
    *[url for pw in PASSWORDS for url in url_shapes(pw)],
    # ?password= and other secret query keys
    f"postgresql+psycopg://u@{REFUSED}/db?password=Qry-Secret1",
    f"postgresql+psycopg://u:User-Secret2@{REFUSED}/db?password=Qry-Secret3&sslmode=disable",
    f"postgresql+psycopg://u@{REFUSED}/db?sslpassword=Ssl-Secret4",
    f"postgresql+psycopg://u@{REFUSED}/db?PASSWORD=Upper-Secret5",
    "sqlite:///x.db?password=Lite-Secret6",
    "foo://h/db?password=Foo-Secret7",
    # unknown drivers and dialects
    "postgresql+nodriver://u:NoDriver-Secret8@h/db", "foo://u:Foo-Secret9@h/db",
    "mysql://u:MySQLdb-Secret10@h/db", "oracle+cx_oracle://u:Ora-Secret11@h/db",
    "mssql+pyodbc://u:Odbc-Secret12@h/db",
    # malformed ports and hosts
    "postgresql+psycopg://u:Port-Secret13@127.0.0.1:abc/db",
    "postgresql+psycopg://u:Port-Secret14@127.0.0.1:99999/db",
    "postgresql+psycopg://u:Port-Secret15@127.0.0.1:-1/db",
    "postgresql+psycopg://u:Ipv6-Secret16@[::1/db",
    "postgresql+psycopg://u:Host-Secret17@no_such host!/db",
    # bad schemes
    "://u:Scheme-Secret18@h/db", "u:Scheme-Secret19@h/db", "postgresql:/u:Scheme-Secret20@h/db",
    "postgres ql://u:Scheme-Secret21@h/db", "http://u:Scheme-Secret22@h/db",
    "postgresql//u:Scheme-Secret23@h/db", "Scheme-Secret24",
    # bad query values the driver reports
    f"postgresql+psycopg://u:Query-Secret25@{REFUSED}/db?connect_timeout=abc",
    f"postgresql+psycopg://u:Query-Secret26@{REFUSED}/db?sslmode=bogus",
    # unreachable: a timeout rather than a refusal
    "postgresql+psycopg://u:Timeout-Secret27@10.255.255.1:5432/db?connect_timeout=1",
]

COMMANDS = [["upgrade", "head"], ["upgrade", "head", "--sql"], ["current"], ["current", "-v"],
            ["check"], ["check", "--offline"]]


def secret_of(url: str) -> list[str]:
    """The password the corpus case hides, as written and percent-decoded."""
    if url == "Scheme-Secret24":
        return [url]
    for pw in PASSWORDS:
        if pw in url or quote(pw, safe="") in url:
            return [pw, unquote(pw)]
    return re.findall(r"[A-Z][\w]*-Secret\d+", url)


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A project with one revision and models (for `check`), its URL in the ini replaced per case."""
    monkeypatch.chdir(tmp_path)
    write_project(tmp_path, {"a1_first.yaml": revision_text("a1", None, """
        - create_table: {table_name: t, columns: [{name: id, type: Integer, primary_key: true}]}
        """)})
    (tmp_path / "secret_models.py").write_text("import sqlalchemy as sa\nmetadata = sa.MetaData()\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "secret_models", raising=False)
    return tmp_path


def outputs(capsys, project, url: str, commands=COMMANDS, in_ini: bool = False) -> list[tuple]:
    """(command, exit code, stdout + stderr) for each command on `url`."""
    ini = project / "yamig.ini"
    ini.write_text("[yamig]\nscript_location = .\ntarget_metadata = secret_models:metadata\n"
                   f"sqlalchemy.url = {url.replace('%', '%%') if in_ini else 'sqlite://'}\n")
    found = []
    for argv in commands:
        capsys.readouterr()
        code = main(["-c", str(ini), *argv, *([] if in_ini else ["--url", url])])
        captured = capsys.readouterr()
        found.append((argv, code, captured.out + captured.err))
    return found


def assert_hidden(results, secrets) -> None:
    for argv, code, text in results:
        for secret in secrets:
            assert secret not in text, (argv, text)
        assert code != 3, (argv, text)  # an error said as one, not an internal error


@pytest.mark.parametrize("url", CORPUS)
def test_password_never_printed(project, capsys, url):
    secrets = secret_of(url)
    assert secrets
    assert_hidden(outputs(capsys, project, url), secrets)
    assert_hidden(outputs(capsys, project, url, [["current"], ["upgrade", "head", "--sql"]], in_ini=True),
                  secrets)


def test_corpus_is_large():
    assert len(CORPUS) >= 40


def test_mistyped_argument_is_masked(capsys):
    """argparse's usage error quotes what it could not place: a URL there keeps its password."""
    with pytest.raises(SystemExit):
        main(["current", "postgresql://u:Argv-Secret28@h/db"])
    assert "Argv-Secret28" not in capsys.readouterr().err


@pytest.fixture
def password_role(postgres_server):
    """A role the server asks a password of (the suite's server trusts everyone else), with a
    database of its own; its pg_hba.conf line is removed again afterwards."""
    from pathlib import Path

    admin = sa.create_engine(postgres_server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        hba = Path(conn.exec_driver_sql("SHOW hba_file").scalar())
        try:
            saved = hba.read_text()
            hba.write_text("host all yamig_pw_user 127.0.0.1/32 scram-sha-256\n" + saved)
        except OSError as err:
            pytest.skip(f"cannot make the server ask for a password: {err}")
        conn.exec_driver_sql("CREATE ROLE yamig_pw_user LOGIN SUPERUSER PASSWORD 'Right-Secret29'")
        conn.exec_driver_sql("CREATE DATABASE yamig_pw_db OWNER yamig_pw_user TEMPLATE template0")
        conn.exec_driver_sql("SELECT pg_reload_conf()")
    server = sa.engine.make_url(postgres_server)
    try:
        yield f"{server.host}:{server.port}"
    finally:
        hba.write_text(saved)
        with admin.connect() as conn:
            conn.exec_driver_sql("SELECT pg_reload_conf()")
            conn.exec_driver_sql("DROP DATABASE IF EXISTS yamig_pw_db WITH (FORCE)")
            conn.exec_driver_sql("DROP ROLE IF EXISTS yamig_pw_user")
        admin.dispose()


def test_real_server_wrong_and_right_password(project, capsys, password_role):
    where = password_role
    wrong = f"postgresql+psycopg://yamig_pw_user:Wrong-Secret30@{where}/yamig_pw_db"
    results = outputs(capsys, project, wrong)
    assert all(code != 0 for argv, code, _ in results if "--sql" not in argv)
    assert any("password authentication failed" in text for _, _, text in results)
    assert_hidden(results, ["Wrong-Secret30"])
    assert_hidden(outputs(capsys, project, wrong, [["current"]], in_ini=True), ["Wrong-Secret30"])

    for right in (f"postgresql+psycopg://yamig_pw_user:Right-Secret29@{where}/yamig_pw_db",
                  f"postgresql+psycopg://yamig_pw_user@{where}/yamig_pw_db?password=Right-Secret29",
                  f"postgresql+psycopg://yamig_pw_user:Right-Secret29@{where}/no_such_db"):
        results = outputs(capsys, project, right, [["upgrade", "head"], ["current", "-v"], ["check"]])
        assert_hidden(results, ["Right-Secret29"])
        if "no_such_db" in right:
            assert all(code == 1 or (argv == ["check"] and code == 2) for argv, code, _ in results)
            assert 'database "no_such_db" does not exist' in results[0][2]
        else:
            assert [code for _, code, _ in results] == [0, 0, 1], results  # check: table t is new
            assert "Current revision(s) for postgresql+psycopg://yamig_pw_user" in results[1][2]


def test_masking_of_each_shape():
    assert masking.mask_url("postgresql://u:p@ss/w@h:5/db") == "postgresql://u:***@h:5/db"
    assert masking.mask_url("u:pw@h/db") == "***@h/db"
    assert masking.mask_url("Secret-only") == "***"
    assert masking.mask_url("sqlite:////tmp/a@b/x.db") == "sqlite:////tmp/a@b/x.db"
    assert masking.mask_url("pg://h/db?a=1&password=x%40y&pwd=z") == "pg://h/db?a=1&password=***&pwd=***"
    assert masking.mask("to pg://u:secret@h/db: failed") == "to pg://u:***@h/db: failed"
    assert masking.mask("see pg://user:password@host/db") == "see pg://user:password@host/db"
    text = "cannot connect to pg://u@h/db?password=***: refused"
    assert masking.mask(text) == text
    assert masking.secrets_in("pg://u:ab%40cd@h/db") >= {"ab%40cd", "ab@cd"}
    assert "ssHunt" in masking.secrets_in("pg://u:p@ssHunt@h/db")  # what SQLAlchemy reads as host
