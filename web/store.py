"""The web side's SQL: read receipts and console login failures.

    record_read(db, item_id=42, claim={"i": 42, "c": 7})   # opening an item page
    read_counts(db, [42, 43])                                # {42: 1, 43: 0}
    note_failure(db, "10.0.0.5"); failures_since(db, "10.0.0.5", since)
"""

import time

from store.db import NOW
from store.transaction import write


def reader_key(claim):
    """`reader_key({"c": 7})` -> "c:7"; a group token -> "g:<key>"; neither -> None."""
    if claim.get("c") is not None:
        return f"c:{int(claim['c'])}"
    if claim.get("g") is not None:
        return f"g:{claim['g']}"
    return None


def record_read(db, item_id, claim):
    """Count one opening of `item_id` by the reader a link token names (idempotent per reader)."""
    reader = reader_key(claim)
    if reader is None:
        return
    with write(db):
        db.execute(f"""
            INSERT INTO read_receipts (item_id, reader, cadre_id) VALUES (?, ?, ?)
            ON CONFLICT (item_id, reader) DO UPDATE SET
                opens = opens + 1,
                last_at = {NOW}
        """, [int(item_id), reader, claim.get("c")])


def read_counts(db, item_ids):
    """Distinct readers per item: {item_id: n} (0 for items nobody opened)."""
    ids = [int(i) for i in item_ids]
    counts = dict.fromkeys(ids, 0)
    if not ids:
        return counts
    marks = ",".join("?" * len(ids))
    rows = db.execute(f"""
        SELECT item_id, COUNT(*) FROM read_receipts WHERE item_id IN ({marks}) GROUP BY item_id
    """, ids).fetchall()
    counts.update({item_id: n for item_id, n in rows})
    return counts


def issue_read_counts(db, issue_ids):
    """Distinct (reader, item) openings per issue: {issue_id: n}."""
    ids = [int(i) for i in issue_ids]
    counts = dict.fromkeys(ids, 0)
    if not ids:
        return counts
    marks = ",".join("?" * len(ids))
    rows = db.execute(f"""
        SELECT items.issue_id, COUNT(*) FROM read_receipts
        JOIN items ON items.id = read_receipts.item_id
        WHERE items.issue_id IN ({marks}) GROUP BY items.issue_id
    """, ids).fetchall()
    counts.update({issue_id: n for issue_id, n in rows})
    return counts


def readers_of_issue(db, issue_id):
    """Distinct readers (cadres or groups) who opened at least one item of the issue."""
    row = db.execute("""
        SELECT COUNT(DISTINCT reader) FROM read_receipts
        JOIN items ON items.id = read_receipts.item_id WHERE items.issue_id = ?
    """, [int(issue_id)]).fetchone()
    return row[0]


def note_failure(db, ip, now=None):
    """Remember one failed console login from `ip`; old entries (over a day) are dropped."""
    now = time.time() if now is None else now
    with write(db):
        db.execute("DELETE FROM login_failures WHERE at < ?", [now - 86400])
        db.execute("INSERT INTO login_failures (ip, at) VALUES (?, ?)", [ip, now])


def count_attempt(db, ip, since, limit, now=None):
    """Check and count one login attempt from `ip` atomically -> (allowed, failures so far).

    The attempt is recorded as a failure before the password is checked (a success clears
    it), in the same write transaction that counts the earlier ones: of 100 concurrent
    guesses exactly `limit` are checked, not every one that read the count before the others
    wrote theirs."""
    now = time.time() if now is None else now
    with write(db):
        count = db.conn.execute("SELECT COUNT(*) FROM login_failures WHERE ip = ? AND at > ?",
                                [ip, since]).fetchone()[0]
        if count >= limit:
            return False, count
        db.conn.execute("INSERT INTO login_failures (ip, at) VALUES (?, ?)", [ip, now])
    return True, count + 1


def recent_failures(db, ip, since):
    """Unix times of the failed logins from `ip` after `since`, oldest first."""
    rows = db.execute("SELECT at FROM login_failures WHERE ip = ? AND at > ? ORDER BY at",
                      [ip, since]).fetchall()
    return [at for (at,) in rows]


def clear_failures(db, ip):
    """Forget the failures of `ip` (after a successful login)."""
    with write(db):
        db.execute("DELETE FROM login_failures WHERE ip = ?", [ip])
