"""One send rate for every worker process, kept in SQLite (BOT_SEND_RATE calls per second).

    wait_for_slot(db, rate=20.0)     # sleeps until this process may make its next API call
    cap_delay(db, ["zhangsan"], ((30, 60), (1000, 3600)))   # seconds until under WeCom's caps

Each caller books the next free slot in one short `BEGIN IMMEDIATE` transaction, so two
workers in two processes together never exceed the rate: the slots are spaced 1/rate apart.
Per-recipient caps (WeCom: 30 messages a minute, 1,000 an hour per member, the excess
silently dropped) are counted from the deliveries recorded `sent`.
"""

import calendar
import time

from store.transaction import write


def book_slot(db, rate, name="send", now=None):
    """Reserve the next slot; returns its unix time (may be now or in the future)."""
    now = time.time() if now is None else now
    with write(db):
        conn = db.conn
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


def cap_delay(db, recipients, caps, now=None):
    """Seconds to wait before `recipients` may get another message under `caps`, else 0.

    `caps` is ((messages, seconds), …), e.g. WeCom's ((30, 60), (1000, 3600)) per member;
    counted from the deliveries recorded `sent`."""
    now = time.time() if now is None else now
    wait = 0.0
    for limit, seconds in caps:
        cutoff = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now - seconds))
        for start in range(0, len(recipients), 500):
            chunk = recipients[start:start + 500]
            marks = ",".join("?" * len(chunk))
            row = db.conn.execute(f"""
                SELECT MIN(first) FROM (
                    SELECT MIN(sent_at) AS first FROM deliveries
                    WHERE recipient IN ({marks}) AND status = 'sent' AND sent_at >= ?
                    GROUP BY recipient HAVING COUNT(*) >= ?)""",
                                  [*chunk, cutoff, limit]).fetchone()
            if row[0]:
                first = calendar.timegm(time.strptime(row[0], "%Y-%m-%dT%H:%M:%SZ"))
                wait = max(wait, first + seconds - now + 1)
    return wait
