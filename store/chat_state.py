"""Chat memory: replies already sent (for WeChat retries) and each user's paging/choice state.

    saved = stored_reply(db, "msg:6954...")          # the reply XML sent before, or None
    if not remember_reply(db, key, xml):             # first writer wins
        xml = stored_reply(db, key)
    replace_reply(db, key, "<xml>…</xml>")            # what its retries get from now on
    state = load_state(db, "o6_bmjrPTlm6_2sgVt7hMZOPfL2M")   # {"query", "page", "basis", "pending"}
    save_query(db, user, "疫情", page=5, basis="42:9f3a…")   # for 更多
    save_pending(db, user, {"action": "subscribe", "choices": [...]})   # numbered choice

The only SQL for the `inbound_replies` and `chat_state` tables (migrations m002, m017).
"""

import json
import random

from store.db import NOW, at
from store.transaction import write_one

# Retries come within seconds; a day of history is plenty.
PURGE_SQL = ("DELETE FROM inbound_replies WHERE created_at < "
             + at("'-1 day'"))  # by index (m006)
PURGE_CHANCE = 0.01


def stored_reply(db, key):
    """The reply XML already sent for `key` ('' means "no reply"), or None if never seen."""
    row = db.execute("SELECT reply FROM inbound_replies WHERE key = ?", [key]).fetchone()
    return None if row is None else row[0]


def remember_reply(db, key, reply):
    """Record `reply` for `key` unless one is already there; True if this one was recorded.

    Of two concurrent copies of one message only the first records its reply; the other
    sends `stored_reply(db, key)` (handlers.chat does both in one transaction).
    """
    recorded = write_one(db, "INSERT OR IGNORE INTO inbound_replies (key, reply) VALUES (?, ?)",
                         [key, reply or ""]).rowcount == 1
    if random.random() < PURGE_CHANCE:
        write_one(db, PURGE_SQL)
    return recorded


def replace_reply(db, key, reply):
    """Keep `reply` for `key` instead of the one recorded (a confidential reply that could
    not be sent: its retries get the apology, not silence)."""
    write_one(db, "UPDATE inbound_replies SET reply = ? WHERE key = ?", [reply or "", key])


def load_state(db, user):
    """`{"query": str|None, "page": int, "basis": str|None, "pending": dict|None}` for `user`
    (empty if none)."""
    row = db.execute("SELECT query, page, pending, basis FROM chat_state WHERE user = ?",
                     [user]).fetchone()
    if row is None:
        return {"query": None, "page": 0, "basis": None, "pending": None}
    try:
        pending = json.loads(row[2]) if row[2] else None
    except ValueError:
        pending = None
    return {"query": row[0], "page": int(row[1] or 0), "basis": row[3], "pending": pending}


def save_query(db, user, query, page=0, basis=None):
    """Remember the user's last search and where its next page starts (clears any pending
    choice). Chat's search pages store the count of items already shown as `page`, and as
    `basis` what those were shown from (handlers/searching.py: a short text, not the ids)."""
    _upsert(db, user, query=query, page=int(page), basis=basis, pending=None)


def save_pending(db, user, pending):
    """Remember a numbered choice awaiting the user's `1`/`2` answer (None clears it)."""
    _upsert(db, user, pending=json.dumps(pending, ensure_ascii=False) if pending else None)


def _upsert(db, user, **values):
    columns = ", ".join(values)
    marks = ", ".join("?" for _ in values)
    updates = ", ".join(f"{name} = excluded.{name}" for name in values)
    write_one(db,
              f"INSERT INTO chat_state (user, {columns}) VALUES (?, {marks}) "
              f"ON CONFLICT(user) DO UPDATE SET {updates}, "
              f"updated_at = {NOW}",
              [user, *values.values()])
