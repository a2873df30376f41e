"""The SQL of operations: heartbeats and the figures /healthz, /metrics and `stats` show.

    beat(db, "host:123", "worker")                 # a sending process is alive
    last_beat(db, "worker")                        # unix time of the freshest beat, or None
    outbox_depth(db)                               # {"pending": n, "oldest_at": unix time | None}

Every function takes a `sqlite_utils.Database` (or anything with `.execute` and `.conn`).
"""

import time

from store.transaction import write

STALE_HEARTBEAT_SECONDS = 86400  # rows of processes silent this long are forgotten


def beat(db, process, role, now=None):
    now = time.time() if now is None else now
    with write(db):
        db.conn.execute("INSERT INTO ops_heartbeats (process, role, beat_at) VALUES (?, ?, ?)"
                        " ON CONFLICT(process) DO UPDATE SET beat_at = excluded.beat_at,"
                        " role = excluded.role", [process, role, now])
        db.conn.execute("DELETE FROM ops_heartbeats WHERE beat_at < ?",
                        [now - STALE_HEARTBEAT_SECONDS])


def last_beat(db, role):
    return db.execute("SELECT MAX(beat_at) FROM ops_heartbeats WHERE role = ?",
                      [role]).fetchone()[0]


def outbox_depth(db):
    """Rows still to send (pending or leased) and when the oldest was queued."""
    count, oldest = db.execute(
        "SELECT COUNT(*), MIN(strftime('%s', created_at)) FROM outbox"
        " WHERE status != 'done'").fetchone()
    return {"pending": count, "oldest_at": float(oldest) if oldest is not None else None}


def paused_pushes(db):
    """[{"issue_id", "reason"}] of pushes paused for review."""
    return [{"issue_id": row[0], "reason": row[1]} for row in db.execute(
        "SELECT issue_id, paused_reason FROM push_runs WHERE status = 'paused' ORDER BY issue_id")]


def token_expiries(db):
    """{token key: expires_at} of the stored access tokens (keys name no secret)."""
    return dict(db.execute("SELECT key, expires_at FROM channel_tokens").fetchall())


def table_sizes(db):
    """[(table, rows)] of every table, largest first."""
    names = [row[0] for row in db.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        " AND sql NOT LIKE 'CREATE VIRTUAL%'")]
    sizes = []
    for name in names:
        quoted = '"' + name.replace('"', '""') + '"'
        sizes.append((name, db.execute(f"SELECT COUNT(*) FROM {quoted}").fetchone()[0]))
    return sorted(sizes, key=lambda pair: -pair[1])


# ---- retention --------------------------------------------------------------------------------

# What each retention setting purges: (table, the age column, an extra condition).
PURGES = {
    "BOT_KEEP_CHAT_DAYS": [("chat_state", "updated_at", ""),
                           ("sandbox_inbox", "received_at", "")],
    "BOT_KEEP_RETRIES_DAYS": [("inbound_replies", "created_at", "")],
    "BOT_KEEP_RECEIPTS_DAYS": [("read_receipts", "last_at", "")],
    "BOT_KEEP_LOGS_DAYS": [("outbox", "done_at", " AND status = 'done'"),
                           ("binding_attempts", "at", "")],
}


def purge_older(db, table, column, days, extra="", now=None):
    """Delete `table` rows whose ISO-time `column` is more than `days` old -> rows deleted."""
    now = time.time() if now is None else now
    cutoff = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now - days * 86400))
    with write(db):
        return db.conn.execute(f"DELETE FROM {table} WHERE {column} < ?{extra}",
                               [cutoff]).rowcount


def purge_rate_windows(db, now=None):
    """Query-limit rows of windows long past (one per user who ever searched)."""
    now = time.time() if now is None else now
    with write(db):
        return db.conn.execute("DELETE FROM query_rate WHERE window < ?",
                               [int(now // 60) - 60]).rowcount


def optimize(db):
    """`PRAGMA optimize` holding the write lock from the start. Run on its own, its ANALYZE
    reads first and then asks for the write lock; when another connection has written in
    between (the worker's threads at start, a chat reply), SQLite refuses at once ("database
    is locked", which no busy timeout waits out) and the whole retention run was put off."""
    with write(db):
        db.conn.execute("PRAGMA optimize")


def space_by_table(db):
    """{table or index: bytes} from SQLite's dbstat (empty when it is not compiled in)."""
    import sqlite3

    try:
        return dict(db.execute("SELECT name, SUM(pgsize) FROM dbstat GROUP BY name").fetchall())
    except sqlite3.Error:
        return {}


def page_figures(db):
    """(page size, pages, free pages)."""
    return tuple(db.execute(f"PRAGMA {name}").fetchone()[0]
                 for name in ("page_size", "page_count", "freelist_count"))
