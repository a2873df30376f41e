"""Write transactions that take the write lock up front.

    with write(db):
        db.execute("INSERT ...")

    write_one(db, "UPDATE ...", [params])      # one statement: no savepoint when nested

    with snapshot(db):                         # reads in one read transaction
        ...

    except sqlite3.OperationalError as error:
        if is_busy(error): ...                 # another writer held the lock too long

    with lock_wait(db, 2500):                  # wait at most 2.5 s for the lock in here
        ...

The one transaction idiom of the whole code base: no module commits, rolls back or opens a
transaction by hand (`with db.conn:` included), so nesting is always safe and a caller's
open transaction is never committed behind its back.

`BEGIN IMMEDIATE` waits for other writers instead of failing half-way when a read turns
into a write. A block inside another one is a savepoint: an error rolls back that block
only, and the outer transaction carries on if the caller catches it.

Waiting for the lock: SQLite's busy handler sleeps 1, 2, 5, 10, … ms between tries, while a
chat message holds the write lock for ~0.1 ms. Two gunicorn workers answering ~500 messages
a second each collided on about one message in eight, and each collision slept a whole
millisecond or more (strace: 105 sleeps in 884 messages) with the lock long free. So
`write` asks for the lock itself: at once, then after 50 µs, doubling up to 2 ms, until the
connection's busy timeout has passed — then SQLite's own "database is locked" error.
"""

import contextlib
import sqlite3
import time

# One name for every savepoint: SQLite nests savepoints of the same name (RELEASE and
# ROLLBACK TO take the innermost), and three fixed statements stay in sqlite3's statement
# cache. (sqlite-utils' `atomic()` names each savepoint afresh, so each one is parsed anew:
# ~35 µs a block, a tenth of a chat message's time when a reply stores three.)
SAVEPOINT = "jianbao_write"
FIRST_WAIT = 0.00005  # seconds
LONGEST_WAIT = 0.002
SNAPSHOT_FLAG = "_jianbao_read_snapshot"  # set on the sqlite_utils.Database while one is open


@contextlib.contextmanager
def snapshot(db):
    """Run the block's reads in one read transaction: one consistent view of the database,
    and one read lock and one look at the WAL instead of one per statement (a chat message
    makes five small reads). A `write` or `write_one` inside ends the snapshot first — a read
    transaction must not turn into a write, which SQLite refuses at once if another process
    has written since it began — and reads after that are autocommit again."""
    conn = db.conn
    if conn.in_transaction:
        yield db
        return
    conn.execute("BEGIN")
    setattr(db, SNAPSHOT_FLAG, True)
    try:
        yield db
    finally:
        _end_snapshot(db)


def _end_snapshot(db):
    if getattr(db, SNAPSHOT_FLAG, False):
        setattr(db, SNAPSHOT_FLAG, False)
        if db.conn.in_transaction:
            db.conn.commit()  # it only read: this just lets go of the read lock


@contextlib.contextmanager
def write(db):
    """Run the block in one write transaction: committed on success, rolled back on error."""
    _end_snapshot(db)
    conn = db.conn
    if conn.in_transaction:
        conn.execute(f"SAVEPOINT {SAVEPOINT}")
        try:
            yield db
        except BaseException:
            if conn.in_transaction:  # a RAISE(ROLLBACK) trigger may have ended it already
                conn.execute(f"ROLLBACK TO {SAVEPOINT}")
                conn.execute(f"RELEASE {SAVEPOINT}")
            raise
        conn.execute(f"RELEASE {SAVEPOINT}")
        return
    begin_immediate(conn)
    try:
        yield db
    except BaseException:
        if conn.in_transaction:
            conn.rollback()
        raise
    else:
        conn.commit()


def begin_immediate(conn):
    """BEGIN IMMEDIATE, waiting for another writer in short steps (see above)."""
    timeout_ms = conn.execute("PRAGMA busy_timeout").fetchone()[0]
    conn.execute("PRAGMA busy_timeout = 0")
    try:
        deadline, wait = time.monotonic() + timeout_ms / 1000, FIRST_WAIT
        while True:
            try:
                conn.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as error:
                if error.sqlite_errorcode != sqlite3.SQLITE_BUSY or time.monotonic() >= deadline:
                    raise
            time.sleep(wait)
            wait = min(wait * 2, LONGEST_WAIT)
    finally:
        conn.execute(f"PRAGMA busy_timeout = {timeout_ms}")


@contextlib.contextmanager
def lock_wait(db, ms):
    """Inside the block, wait at most `ms` milliseconds for another writer's lock (the
    connection's busy timeout, which `write` honours too), then as before. A WeChat callback
    must answer within WeChat's 5 s, so it waits less than the 5 s every other caller may."""
    conn = db.conn
    before = conn.execute("PRAGMA busy_timeout").fetchone()[0]
    conn.execute(f"PRAGMA busy_timeout = {int(ms)}")
    try:
        yield db
    finally:
        conn.execute(f"PRAGMA busy_timeout = {before}")


def write_one(db, sql, params=()):
    """Run one write statement -> its cursor: inside the caller's transaction when there is
    one, else in a transaction of its own. A single statement is atomic by itself, so unlike
    a nested `write` block it costs no savepoint (the chat reply stores three such writes)."""
    _end_snapshot(db)
    if db.conn.in_transaction:
        return db.conn.execute(sql, params)
    with write(db):
        return db.conn.execute(sql, params)


BUSY_CODES = (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)


def is_busy(error):
    """`is_busy(error)` -> True when `error` is SQLite's "database is locked/busy" (by error
    code, not by message text): the write lock was not had within the busy timeout."""
    return (isinstance(error, sqlite3.OperationalError)
            and getattr(error, "sqlite_errorcode", None) in BUSY_CODES)
