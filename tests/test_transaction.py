"""subscriptions/transaction.py on a real SQLite file: write blocks and nested savepoints."""

import pytest

from subscriptions.transaction import write


@pytest.fixture
def table(db):
    db.execute("CREATE TABLE t (n INTEGER)")
    db.conn.commit()
    return db


def values(db):
    return [row[0] for row in db.execute("SELECT n FROM t ORDER BY n")]


def test_a_block_commits_or_rolls_back_whole(table):
    with write(table):
        table.execute("INSERT INTO t VALUES (1)")
    with pytest.raises(ZeroDivisionError):
        with write(table):
            table.execute("INSERT INTO t VALUES (2)")
            1 / 0
    assert values(table) == [1] and not table.conn.in_transaction


def test_a_failed_inner_block_rolls_back_only_itself(table):
    with write(table):
        table.execute("INSERT INTO t VALUES (1)")
        with pytest.raises(ZeroDivisionError):
            with write(table):
                table.execute("INSERT INTO t VALUES (2)")
                with write(table):                  # savepoints of one name nest
                    table.execute("INSERT INTO t VALUES (3)")
                1 / 0
        with write(table):
            table.execute("INSERT INTO t VALUES (4)")
            with pytest.raises(ZeroDivisionError):
                with write(table):
                    table.execute("INSERT INTO t VALUES (5)")
                    1 / 0
    assert values(table) == [1, 4]


def test_an_inner_error_left_uncaught_rolls_back_everything(table):
    with pytest.raises(ZeroDivisionError):
        with write(table):
            table.execute("INSERT INTO t VALUES (1)")
            with write(table):
                table.execute("INSERT INTO t VALUES (2)")
                1 / 0
    assert values(table) == [] and not table.conn.in_transaction


def test_the_write_lock_is_taken_at_the_start(table, app):
    from subscriptions.db import open_db

    other = open_db(app.config["DATABASE_PATH"])
    other.conn.execute("PRAGMA busy_timeout = 0")
    with write(table):
        with pytest.raises(Exception, match="locked"):
            other.conn.execute("BEGIN IMMEDIATE")
    other.conn.close()


def test_write_one_commits_alone_or_joins_the_callers_transaction(table):
    from subscriptions.transaction import write_one

    write_one(table, "INSERT INTO t VALUES (1)")
    assert not table.conn.in_transaction and values(table) == [1]
    with pytest.raises(ZeroDivisionError):
        with write(table):
            write_one(table, "INSERT INTO t VALUES (2)")
            1 / 0
    assert values(table) == [1]
    with pytest.raises(Exception):
        write_one(table, "INSERT INTO no_such_table VALUES (3)")
    assert not table.conn.in_transaction
