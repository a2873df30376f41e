"""Write transactions that take the write lock up front.

    with write(db):
        db.execute("INSERT ...")

`BEGIN IMMEDIATE` waits (busy timeout) for other writers instead of failing half-way
when a read turns into a write. Nested blocks become savepoints (sqlite-utils' `atomic`).
"""

import contextlib


@contextlib.contextmanager
def write(db):
    """Run the block in one write transaction: committed on success, rolled back on error."""
    if db.conn.in_transaction:
        with db.atomic():
            yield db
        return
    db.conn.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        if db.conn.in_transaction:
            db.conn.rollback()
        raise
    else:
        db.conn.commit()
