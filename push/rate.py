"""One send rate for every worker process, kept in SQLite (BOT_SEND_RATE calls per second).

    wait_for_slot(db, rate=20.0)     # sleeps until this process may make its next API call

Each caller books the next free slot in one short `BEGIN IMMEDIATE` transaction, so two
workers in two processes together never exceed the rate: the slots are spaced 1/rate apart.
"""

import time

from push.outbox import transaction


def book_slot(db, rate, name="send", now=None):
    """Reserve the next slot; returns its unix time (may be now or in the future)."""
    now = time.time() if now is None else now
    with transaction(db) as conn:
        row = conn.execute("SELECT next_at FROM push_rate WHERE name = ?", [name]).fetchone()
        slot = max(now, row[0] if row else 0.0)
        conn.execute("INSERT INTO push_rate (name, next_at) VALUES (?, ?)"
                     " ON CONFLICT(name) DO UPDATE SET next_at = excluded.next_at",
                     [name, slot + 1.0 / rate])
    return slot


def wait_for_slot(db, rate, name="send", sleep=time.sleep):
    """Book a slot and sleep until it comes; returns the seconds slept."""
    delay = max(0.0, book_slot(db, rate, name) - time.time())
    if delay:
        sleep(delay)
    return delay
