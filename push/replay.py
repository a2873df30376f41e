"""The webhook's memory of signatures it has accepted, so a captured request is refused.

    if not replay.first_use(db, "ab12…", expires=time.time() + 300):
        ...  # this exact signed request was already served

One table shared by every gunicorn worker and process on the database file. A signature is
kept until the timestamp it covers falls out of the ±WINDOW: after that the timestamp check
refuses the request on its own, so the row is deleted (on the next accepted request).
"""

from store.transaction import write


def first_use(db, signature, expires, now):
    """True when `signature` was not seen before (and is now remembered until `expires`)."""
    with write(db):
        db.execute("DELETE FROM used_signatures WHERE expires < ?", [now])
        cursor = db.execute("INSERT OR IGNORE INTO used_signatures (signature, expires)"
                            " VALUES (?, ?)", [signature, expires])
        return cursor.rowcount == 1
