"""SQL of the channels: shared tokens, the refresh lease, the sandbox inbox.

    db = thread_db(path)                          # this thread's connection to the file
    put_token(db, "wx_access_token", "T", expires_at=time.time() + 7200)
    get_token(db, "wx_access_token")              # "T", or None once expired
    take_lease(db, "token:wx", holder, seconds=15)  # True for one process at a time

Every function takes a `sqlite_utils.Database` (or anything with `.execute` and `.conn`).
"""

import hashlib
import json
import threading
import time

from store.db import open_db
from store.transaction import write

_local = threading.local()


def thread_db(path):
    """One connection per thread and database file, opened on first use."""
    cache = _local.__dict__.setdefault("dbs", {})
    if path not in cache:
        cache[path] = open_db(path, migrate=False)
    return cache[path]


def get_token(db, key, now=None):
    now = time.time() if now is None else now
    row = db.execute(
        "SELECT value FROM channel_tokens WHERE key = ? AND (expires_at IS NULL OR expires_at > ?)",
        [key, now]).fetchone()
    return row[0] if row else None


def put_token(db, key, value, expires_at=None):
    with write(db):
        db.execute(
            "INSERT INTO channel_tokens (key, value, expires_at) VALUES (?, ?, ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at",
            [key, value, expires_at])


def drop_token(db, key, value=None):
    """Delete `key`; with `value`, only if it still holds that (stale) value."""
    with write(db):
        if value is None:
            db.execute("DELETE FROM channel_tokens WHERE key = ?", [key])
        else:
            db.execute("DELETE FROM channel_tokens WHERE key = ? AND value = ?", [key, value])


def take_lease(db, name, holder, seconds, now=None):
    """Hold lock `name` for `seconds` unless someone else's lease is still running."""
    now = time.time() if now is None else now
    with write(db):
        db.execute(
            "INSERT INTO channel_locks (name, holder, expires_at) VALUES (?, ?, ?) "
            "ON CONFLICT(name) DO UPDATE SET holder = excluded.holder, "
            "expires_at = excluded.expires_at WHERE channel_locks.expires_at < ?",
            [name, holder, now + seconds, now])
        row = db.execute("SELECT holder FROM channel_locks WHERE name = ?", [name]).fetchone()
    return row is not None and row[0] == holder


def end_lease(db, name, holder):
    with write(db):
        db.execute("DELETE FROM channel_locks WHERE name = ? AND holder = ?", [name, holder])


def deliver_to_inbox(db, recipients, payload):
    """Store `payload` (a dict) once per recipient; returns the new row ids.

    Delivering the same payload to the same recipient again stores nothing (exactly once
    across a worker crash between this insert and the outbox's record of it).
    """
    text = json.dumps(payload, ensure_ascii=False, sort_keys=True)
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    ids = []
    with write(db):
        for recipient in recipients:
            cursor = db.execute(
                "INSERT OR IGNORE INTO sandbox_inbox (recipient, payload, digest) VALUES (?, ?, ?)",
                [recipient, text, digest])
            if cursor.rowcount:
                ids.append(cursor.lastrowid)
    return ids


def inbox_rows(db, recipient, limit=None, after_id=0):
    """Messages delivered to `recipient`, oldest first: [{"id", "recipient", "payload", "received_at"}]."""
    sql = ("SELECT id, recipient, payload, received_at FROM sandbox_inbox "
           "WHERE recipient = ? AND id > ? ORDER BY id")
    params = [recipient, int(after_id)]
    if limit is not None:
        sql = (f"SELECT * FROM ({sql.replace('ORDER BY id', 'ORDER BY id DESC')} LIMIT ?) "
               "ORDER BY id")
        params.append(int(limit))
    return [{"id": r[0], "recipient": r[1], "payload": json.loads(r[2]), "received_at": r[3]}
            for r in db.execute(sql, params).fetchall()]


def inbox_recipients(db):
    """Every recipient with something in the sandbox inbox, with counts: [(recipient, n)]."""
    return db.execute("SELECT recipient, COUNT(*) FROM sandbox_inbox "
                      "GROUP BY recipient ORDER BY recipient").fetchall()
