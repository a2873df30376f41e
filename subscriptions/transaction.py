"""Write transactions that take the write lock up front.

    with write(db):
        db.execute("INSERT ...")

    write_one(db, "UPDATE ...", [params])      # one statement: no savepoint when nested

`BEGIN IMMEDIATE` waits (busy timeout) for other writers instead of failing half-way
when a read turns into a write. A block inside another one is a savepoint: an error rolls
back that block only, and the outer transaction carries on if the caller catches it.
"""

import contextlib

# One name for every savepoint: SQLite nests savepoints of the same name (RELEASE and
# ROLLBACK TO take the innermost), and three fixed statements stay in sqlite3's statement
# cache. (sqlite-utils' `atomic()` names each savepoint afresh, so each one is parsed anew:
# ~35 µs a block, a tenth of a chat message's time when a reply stores three.)
SAVEPOINT = "jianbao_write"


@contextlib.contextmanager
def write(db):
    """Run the block in one write transaction: committed on success, rolled back on error."""
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
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        if conn.in_transaction:
            conn.rollback()
        raise
    else:
        conn.commit()


def write_one(db, sql, params=()):
    """Run one write statement -> its cursor: inside the caller's transaction when there is
    one, else in a transaction of its own. A single statement is atomic by itself, so unlike
    a nested `write` block it costs no savepoint (the chat reply stores three such writes)."""
    if db.conn.in_transaction:
        return db.conn.execute(sql, params)
    with write(db):
        return db.conn.execute(sql, params)
