"""store/transaction.py on a real SQLite file: write blocks, nested savepoints, busy detection."""

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
    # At least the caller's 200 ms; well under the 5 s default a lost setting would wait (the
    # upper bound tells the two apart and leaves a loaded machine its scheduling delays).
    assert 0.2 <= time.monotonic() - started < 4
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


# ---- one idiom everywhere -----------------------------------------------------------------------

@pytest.mark.slow  # a second process
def test_a_writer_held_by_another_process_is_busy_by_error_code(table, app):
    """A second process holds the write lock; the error that ends the wait is recognised by
    its SQLite error code (is_busy), whatever the message's wording."""
    import sqlite3
    import subprocess
    import sys

    from store.transaction import is_busy

    holder = subprocess.Popen([sys.executable, "-c", (
        "import sqlite3, sys, time\n"
        f"c = sqlite3.connect({app.config['DATABASE_PATH']!r})\n"
        "c.execute('BEGIN IMMEDIATE'); c.execute('INSERT INTO t VALUES (9)')\n"
        "print('held', flush=True); sys.stdin.readline(); c.commit()\n")],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        table.execute("PRAGMA busy_timeout = 100")
        with pytest.raises(sqlite3.OperationalError) as raised:
            with write(table):
                table.execute("INSERT INTO t VALUES (1)")
        assert is_busy(raised.value)
        assert not is_busy(sqlite3.OperationalError("no such table: locked"))
    finally:
        holder.communicate("\n", timeout=10)
    assert values(table) == [9]


def test_storage_functions_join_the_callers_transaction_instead_of_committing_it(app, db):
    """The outbox and the send rate used to COMMIT whatever the caller had open; now a caller's
    block that fails rolls back their writes too."""
    from push import outbox, rate
    from push.plan import Message

    db.execute("INSERT INTO issues (content_hash) VALUES ('x')")
    db.conn.commit()
    issue_id = db.execute("SELECT id FROM issues").fetchone()[0]
    message = Message(group="g", recipients=[(None, "someone")], items=[1], payloads=[{"a": 1}])
    with pytest.raises(RuntimeError):
        with write(db):
            assert outbox.enqueue(db, issue_id, "sandbox", [message]) == 1
            rate.book_slot(db, rate=20.0)
            raise RuntimeError("the caller changes its mind")
    assert db.execute("SELECT COUNT(*) FROM outbox").fetchone()[0] == 0
    assert db.execute("SELECT COUNT(*) FROM deliveries").fetchone()[0] == 0
    assert db.execute("SELECT COUNT(*) FROM push_rate").fetchone()[0] == 0


def test_no_module_handles_transactions_by_hand():
    """One idiom: only store/transaction.py (and the pool's rollback in store/db.py) may
    commit, roll back or use `with conn:`."""
    import pathlib
    import re

    root = pathlib.Path(__file__).resolve().parent.parent
    # store/backup.py commits the backup copy: its own connection to a new file, not ours.
    allowed = {"store/transaction.py", "store/db.py", "store/backup.py"}
    offenders = []
    for path in root.glob("*/**/*.py"):
        relative = path.relative_to(root).as_posix()
        if relative.split("/")[0] in ("tests", "bench", ".venv") or relative in allowed:
            continue
        text = path.read_text(encoding="utf-8")
        if re.search(r"\.(commit|rollback)\(\)|with \w+\.conn:|BEGIN IMMEDIATE\"", text):
            offenders.append(relative)
    assert offenders == []
