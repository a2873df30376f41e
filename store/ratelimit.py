"""Per-user query rate limit: a counter per user in a one-minute fixed window.

    if not ratelimit.allow(db, "o6_bmjrPTlm6", limit=20):
        return ratelimit.SLOW_DOWN           # the polite reply
    ratelimit.count(db, "o6_bmjrPTlm6", limit=20)    # with the reply (ctx.on_reply)

Shared by every web worker (the state is in the database, table `query_rate`, migration
m004). The only SQL for that table.

`allow` only reads, so a query's search never waits on the write lock; the query is counted
when its reply is stored. Queries of one user that are answered at the same moment all see
the count before them, so a user can pass the limit by at most the number of requests the
server runs at once (gunicorn workers × threads) — this is a courtesy limit, not a quota.
"""

import random
import time

from store.transaction import write_one

WINDOW_SECONDS = 60
SLOW_DOWN = "查询太频繁了，请稍候一分钟再试。"
PURGE_CHANCE = 0.001


def allow(db, user, limit, now=None):
    """False when `user` has made `limit` queries in the current minute (0 or less: no limit)."""
    if not limit or limit <= 0:
        return True
    row = db.execute("SELECT count FROM query_rate WHERE user = ? AND window = ?",
                     [user, _window(now)]).fetchone()
    return (row[0] if row else 0) < limit


def count(db, user, limit, now=None):
    """Count one query for `user` in the current minute (nothing when there is no limit)."""
    if not limit or limit <= 0:
        return
    window = _window(now)
    write_one(db, "INSERT INTO query_rate (user, window, count) VALUES (?, ?, 1) "
                  "ON CONFLICT(user) DO UPDATE SET "
                  "count = CASE WHEN window = excluded.window THEN count + 1 ELSE 1 END, "
                  "window = excluded.window", [user, window])
    if random.random() < PURGE_CHANCE:
        write_one(db, "DELETE FROM query_rate WHERE window < ?", [window - 1])


def _window(now):
    return int((time.time() if now is None else now) // WINDOW_SECONDS)
