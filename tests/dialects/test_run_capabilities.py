"""The capabilities a run needs from its dialect: transactional DDL on a live connection,
savepoints, the run lock, and SQLite's engine set-up."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from runner.sql.dialects import impl_for


def test_sqlite_ddl_is_transactional_only_on_a_prepared_engine(sqlite_url):
    plain = sa.create_engine(sqlite_url)
    prepared = sa.create_engine(sqlite_url)
    impl = impl_for(prepared.dialect)
    impl.prepare_engine(prepared)
    with plain.connect() as connection:
        assert not impl.transactional_ddl_on(connection)
        assert not impl.savepoints_work(connection)
        connection.begin()
        impl.begin_on_driver(connection)  # a caller's connection: yamig opens the driver's transaction
        assert impl.transactional_ddl_on(connection) and impl.savepoints_work(connection)
        connection.exec_driver_sql("CREATE TABLE t (a INTEGER)")
        connection.rollback()
        assert not sa.inspect(connection).has_table("t")
    with prepared.connect() as connection:
        assert impl.transactional_ddl_on(connection) and impl.savepoints_work(connection)
        with connection.begin():
            connection.exec_driver_sql("CREATE TABLE t (a INTEGER)")
            connection.exec_driver_sql("DROP TABLE t")
    plain.dispose()
    prepared.dispose()


def test_other_dialects_say_it_without_a_connection():
    assert impl_for("postgresql").transactional_ddl_on(None)
    assert impl_for("mssql").transactional_ddl_on(None)
    assert not impl_for("mysql").transactional_ddl_on(None)
    assert impl_for("mysql").savepoints_work(None)


def test_the_default_lock_is_a_no_op():
    with impl_for("a-dialect-yamig-does-not-know").lock(None, "yamig:.alembic_version"):
        pass


@pytest.mark.parametrize("in_transaction", [False, True])
def test_postgresql_lock_keeps_a_second_run_out(postgres_url, in_transaction):
    engine = sa.create_engine(postgres_url)
    impl = impl_for(engine.dialect)
    name = "yamig:.alembic_version"
    entered = threading.Event()

    def second() -> None:
        with engine.connect() as other, impl.lock(other, name):
            entered.set()

    with engine.connect() as connection:
        if in_transaction:
            connection.begin()
        with impl.lock(connection, name):
            thread = threading.Thread(target=second)
            thread.start()
            assert not entered.wait(0.5)  # blocked while the lock is held
            if in_transaction:
                connection.commit()  # a transaction's lock goes with it
        thread.join(10)
        assert entered.is_set()
    engine.dispose()
