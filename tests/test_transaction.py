"""subscriptions/transaction.py on a real SQLite file: write blocks and nested savepoints."""

import pytest

from store.transaction import write


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
    from store.db import open_db

    other = open_db(app.config["DATABASE_PATH"])
    other.conn.execute("PRAGMA busy_timeout = 0")
    with write(table):
        with pytest.raises(Exception, match="locked"):
            other.conn.execute("BEGIN IMMEDIATE")
    other.conn.close()


def test_write_one_commits_alone_or_joins_the_callers_transaction(table):
    from store.transaction import write_one

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


# ---- waiting for another writer ---------------------------------------------------------------

@pytest.fixture
def other(app):
    from store.db import open_db

    database = open_db(app.config["DATABASE_PATH"])
    yield database
    database.conn.close()


def test_a_writer_waits_in_short_steps_until_the_lock_is_free(table, other, monkeypatch):
    from store import transaction

    waits = []

    def sleep(seconds):            # the other writer commits after the third wait
        waits.append(seconds)
        if len(waits) == 3:
            other.conn.commit()

    other.conn.execute("BEGIN IMMEDIATE")
    other.conn.execute("INSERT INTO t VALUES (1)")
    monkeypatch.setattr(transaction.time, "sleep", sleep)
    with write(table):
        table.execute("INSERT INTO t VALUES (2)")
    assert waits == [0.00005, 0.0001, 0.0002]      # not SQLite's 1, 2, 5 ms
    assert values(table) == [1, 2]
    assert table.execute("PRAGMA busy_timeout").fetchone()[0] == 5000   # restored


def test_a_writer_gives_up_after_the_busy_timeout(table, other):
    import sqlite3
    import time

    table.execute("PRAGMA busy_timeout = 200")
    other.conn.execute("BEGIN IMMEDIATE")
    started = time.monotonic()
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        with write(table):
            pass
    assert 0.2 <= time.monotonic() - started < 1.5
    assert table.execute("PRAGMA busy_timeout").fetchone()[0] == 200
    assert not table.conn.in_transaction
    other.conn.rollback()


# ---- read snapshots ---------------------------------------------------------------------------

def test_reads_in_a_snapshot_see_one_state(table, other):
    from store.transaction import snapshot

    with snapshot(table):
        assert values(table) == []
        other.execute("INSERT INTO t VALUES (1)")
        other.conn.commit()
        assert values(table) == []           # still the state the snapshot began with
    assert values(table) == [1] and not table.conn.in_transaction


def test_a_write_in_a_snapshot_ends_it_and_succeeds_after_anothers_write(table, other):
    """Upgrading the read transaction would fail at once (SQLITE_BUSY_SNAPSHOT): the other
    connection wrote after it began. write() ends the snapshot and writes afresh instead."""
    from store.transaction import snapshot, write_one

    with snapshot(table):
        assert values(table) == []
        other.execute("INSERT INTO t VALUES (1)")
        other.conn.commit()
        with write(table):
            table.execute("INSERT INTO t VALUES (2)")
        write_one(table, "INSERT INTO t VALUES (3)")
        assert values(table) == [1, 2, 3]     # autocommit reads again, after the write
    assert not table.conn.in_transaction


def test_a_snapshot_inside_a_transaction_joins_it(table):
    from store.transaction import snapshot

    with write(table):
        table.execute("INSERT INTO t VALUES (1)")
        with snapshot(table):
            assert values(table) == [1]
    assert values(table) == [1]
