"""Per-user query rate limit: a counter per user in a one-minute fixed window.

    if not ratelimit.allow(db, "o6_bmjrPTlm6", limit=20):
        return ratelimit.SLOW_DOWN           # the polite reply

Shared by every web worker (the state is in the database, table `query_rate`, migration
m004). The only SQL for that table.
"""

import random
import time

from subscriptions.transaction import write

WINDOW_SECONDS = 60
SLOW_DOWN = "查询太频繁了，请稍候一分钟再试。"
PURGE_CHANCE = 0.001


def allow(db, user, limit, now=None):
    """Count one query for `user`; False when this is past `limit` in the current minute.

    `limit` 0 or less means no limit (nothing is counted).
    """
    if not limit or limit <= 0:
        return True
    window = int((time.time() if now is None else now) // WINDOW_SECONDS)
    with write(db):
        count = db.execute(
            "INSERT INTO query_rate (user, window, count) VALUES (?, ?, 1) "
            "ON CONFLICT(user) DO UPDATE SET "
            "count = CASE WHEN window = excluded.window THEN count + 1 ELSE 1 END, "
            "window = excluded.window RETURNING count", [user, window]).fetchone()[0]
        if random.random() < PURGE_CHANCE:
            db.execute("DELETE FROM query_rate WHERE window < ?", [window - 1])
    return count <= limit
