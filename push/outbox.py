"""The durable outbox: planned messages are written here before anything is sent.

    new = enqueue(db, issue_id, "work", messages)       # idempotent per (issue, kind, recipient, part)
    enqueue(db, issue_id, "work", notices, kind="correct:3")   # a notice about the issue
    row = claim(db, owner="worker-1", lease_seconds=120)
    record_results(db, row, {"zhangsan": Result("sent")}, settings)
    record_error(db, row, errcode=-1, reason="system busy", settings=settings)

One `outbox` row is one API call (a payload and its recipients); one `deliveries` row per
(issue, kind, recipient, part) keeps each recipient's outcome. `kind` is what the message
is: `issue` (the push itself), `remind` (催办), `correct:<change id>` (更正 notice); each
recipient gets each kind of an issue once, however often it is enqueued (push.md "Message
kinds"). WeCom's msgid of a sent call is kept on its row (from `Result.msgid`) for recall. A claim is a single
`UPDATE … RETURNING` that leases the row; a worker that dies leaves the lease to expire and
another worker takes the row up again (see docs/push.md for the delivery guarantee).
Failed calls back off exponentially with jitter, up to a bounded number of attempts; too
many failed calls in a row pause the issue's push (`push_runs.status = 'paused'`) until
someone resumes it (push or resend).
"""

import json
import random
import time
from dataclasses import dataclass

import config as settings
from store.db import NOW, TIME_FORMAT
from store.transaction import write


@dataclass
class RetryPolicy:
    attempts: int = settings.default("BOT_SEND_ATTEMPTS")  # calls per row before it fails
    base: float = settings.default("BOT_RETRY_BASE_SECONDS")  # first retry; doubles, jittered
    cap: float = 300.0  # longest wait between two attempts
    pause_after: int = settings.default("BOT_PAUSE_AFTER_FAILURES")  # failed calls in a row

    @classmethod
    def from_config(cls, config):
        """`RetryPolicy.from_config(app.config)`: BOT_SEND_ATTEMPTS, BOT_RETRY_BASE_SECONDS, …"""
        return cls(attempts=int(config.get("BOT_SEND_ATTEMPTS") or cls.attempts),
                   base=float(config.get("BOT_RETRY_BASE_SECONDS") or cls.base),
                   pause_after=int(config.get("BOT_PAUSE_AFTER_FAILURES") or cls.pause_after))

    def delay(self, attempt):
        """Seconds to wait after failed attempt number `attempt` (1-based), jittered ±50 %."""
        return min(self.cap, self.base * 2 ** (attempt - 1)) * random.uniform(0.5, 1.5)


def enqueue(db, issue_id, channel_name, messages, kind="issue"):
    """Write planned messages; returns how many new deliveries were queued (0 = nothing new)."""
    queued = 0
    with write(db):
        conn = db.conn
        conn.execute("INSERT OR IGNORE INTO push_runs (issue_id, channel) VALUES (?, ?)",
                     [issue_id, channel_name])
        for message in messages:
            for part, payload in enumerate(message.payloads, 1):
                outbox_id = conn.execute(
                    "INSERT INTO outbox (issue_id, group_key, part, recipients, payload, kind)"
                    " VALUES (?, ?, ?, '[]', ?, ?)",
                    [issue_id, message.group, part,
                     json.dumps(payload, ensure_ascii=False), kind]).lastrowid
                kept = []
                for cadre_id, recipient in message.recipients:
                    inserted = conn.execute(
                        "INSERT OR IGNORE INTO deliveries"
                        " (issue_id, cadre_id, recipient, part, outbox_id, items, kind)"
                        " VALUES (?, ?, ?, ?, ?, ?, ?)",
                        [issue_id, cadre_id, recipient, part, outbox_id,
                         json.dumps(message.items), kind]).rowcount
                    if inserted:
                        kept.append(recipient)
                if kept:
                    conn.execute("UPDATE outbox SET recipients = ? WHERE id = ?",
                                 [json.dumps(kept, ensure_ascii=False), outbox_id])
                    queued += len(kept)
                else:
                    conn.execute("DELETE FROM outbox WHERE id = ?", [outbox_id])
    return queued


def claim(db, owner, lease_seconds=120.0, now=None):
    """Lease the next sendable row to `owner`: a dict (recipients, payload decoded) or None."""
    now = time.time() if now is None else now
    with write(db):
        row = db.conn.execute("""
            UPDATE outbox SET status = 'leased', lease_owner = ?, lease_until = ?,
                              attempts = attempts + 1
            WHERE id = (
                SELECT o.id FROM outbox o JOIN push_runs r ON r.issue_id = o.issue_id
                WHERE r.status = 'active'
                  AND ((o.status = 'pending' AND o.next_at <= ?)
                       OR (o.status = 'leased' AND o.lease_until <= ?))
                ORDER BY o.next_at, o.id LIMIT 1)
            RETURNING id, issue_id, group_key, part, recipients, payload, attempts, kind""",
                              [owner, now + lease_seconds, now, now]).fetchone()
    if row is None:
        return None
    keys = ("id", "issue_id", "group_key", "part", "recipients", "payload", "attempts", "kind")
    claimed = dict(zip(keys, row))
    claimed["recipients"] = json.loads(claimed["recipients"])
    claimed["payload"] = json.loads(claimed["payload"])
    return claimed


def record_results(db, row, results, policy):
    """Store each recipient's Result of a completed call and close the outbox row."""
    outcomes = {}
    for recipient in row["recipients"]:
        result = results.get(recipient)
        key = (getattr(result, "status", None) or "failed", getattr(result, "errcode", None),
               getattr(result, "reason", None) if result else "no result from the channel")
        outcomes.setdefault(key, []).append(recipient)
    any_sent = any(status == "sent" for status, _, _ in outcomes)
    msgid = next((r.msgid for r in results.values() if getattr(r, "msgid", None)), None)
    common = max(outcomes, key=lambda key: len(outcomes[key]), default=None)
    with write(db):
        conn = db.conn
        for (status, errcode, reason), recipients in outcomes.items():
            if (status, errcode, reason) != common:
                _set_delivery(conn, row, recipients, status, errcode, reason)
        if common is not None:  # usually everyone: one statement over the rest of the call
            _set_call(conn, row, *common)
        conn.execute("UPDATE outbox SET status = 'done', lease_owner = NULL, last_error = NULL,"
                     f" done_at = {NOW}, msgid = COALESCE(?, msgid) WHERE id = ?",
                     [msgid, row["id"]])
        if any_sent or not row["recipients"]:
            _reset_failures(conn, row["issue_id"])
        else:
            _count_failure(conn, row["issue_id"], "every recipient of a call failed", policy)


def record_error(db, row, errcode, reason, policy, now=None):
    """A call failed as a whole: back off and retry, or mark its recipients failed when spent.

    Returns "retry" or "failed"."""
    now = time.time() if now is None else now
    with write(db):
        conn = db.conn
        if row["attempts"] >= policy.attempts:
            _set_delivery(conn, row, row["recipients"], "failed", errcode,
                          f"{reason} (gave up after {row['attempts']} attempts)")
            conn.execute("UPDATE outbox SET status = 'done', lease_owner = NULL, last_error = ?,"
                         f" done_at = {NOW} WHERE id = ?",
                         [reason, row["id"]])
            outcome = "failed"
        else:
            conn.execute("UPDATE outbox SET status = 'pending', lease_owner = NULL,"
                         " next_at = ?, last_error = ? WHERE id = ?",
                         [now + policy.delay(row["attempts"]), reason, row["id"]])
            outcome = "retry"
        _count_failure(conn, row["issue_id"], reason, policy)
    return outcome


UNBOUND = "unbound from WeChat since planning"


def drop_removed(db, row):
    """Mark deliveries of cadres taken off the roster since planning, or whose WeChat account
    is no longer the recipient (unbound — the wrong person had bound, a phone handed on — or
    bound anew), as failed; returns the row's remaining recipients (the call goes to them
    only). A notice, a reminder or a resend is planned from earlier deliveries: without this
    it went to the account the office had unbound."""
    found = db.conn.execute("""
        SELECT d.recipient, c.removed_at IS NOT NULL FROM deliveries d JOIN cadres c ON c.id = d.cadre_id
        WHERE d.outbox_id = ? AND d.status = 'pending' AND (c.removed_at IS NOT NULL
              OR d.recipient IS NOT c.openid AND d.recipient IS NOT c.userid)""",
                            [row["id"]]).fetchall()
    if not found:
        return row["recipients"]
    removed = sorted(r for r, gone in found if gone)
    unbound = sorted(r for r, gone in found if not gone)
    with write(db):
        conn = db.conn
        _set_delivery(conn, row, removed, "failed", None, "removed from the roster")
        _set_delivery(conn, row, unbound, "failed", None, UNBOUND)
    dropped = {r for r, _ in found}
    return [r for r in row["recipients"] if r not in dropped]


def postpone(db, row, seconds, reason):
    """Put a claimed row back for later without counting the attempt (pacing, not failure)."""
    with write(db):
        conn = db.conn
        conn.execute("UPDATE outbox SET status = 'pending', lease_owner = NULL, next_at = ?,"
                     " attempts = MAX(0, attempts - 1), last_error = ? WHERE id = ?",
                     [time.time() + seconds, reason, row["id"]])


def unsent_recipients(db, issue_id):
    """The recipients of the issue's push none of whose parts was sent and who have a part
    `failed` or `window_closed` (publish.resend_failed plans them again)."""
    return set(unsent(db, issue_id))


def unsent(db, issue_id):
    """{recipient: cadre id} of the issue's push recipients none of whose parts was sent —
    on that account or any other of the cadre's (a cadre bound again on a new phone) — with
    a part `failed` or `window_closed`."""
    return dict(db.execute("""
        SELECT recipient, cadre_id FROM (
            SELECT recipient, MAX(cadre_id) AS cadre_id FROM deliveries
            WHERE issue_id = ? AND kind = 'issue' GROUP BY recipient
            HAVING SUM(status = 'sent') = 0 AND SUM(status IN ('failed', 'window_closed')) > 0)
        WHERE cadre_id IS NULL OR cadre_id NOT IN (
            SELECT cadre_id FROM deliveries WHERE issue_id = ? AND kind = 'issue'
            AND status = 'sent' AND cadre_id IS NOT NULL)""", [issue_id, issue_id]).fetchall())


def failed_addresses(db, issue_id):
    """[(cadre id, recipient)] of the issue's `failed` and `window_closed` deliveries (any
    kind), in planning order: what `readdress` may move to a cadre's account of today."""
    return [tuple(r) for r in db.execute("""
        SELECT cadre_id, recipient FROM deliveries
        WHERE issue_id = ? AND status IN ('failed', 'window_closed') AND cadre_id IS NOT NULL
        GROUP BY cadre_id, recipient ORDER BY MIN(id)""", [issue_id])]


def readdress(db, issue_id, moves):
    """Move the issue's `failed` and `window_closed` deliveries of each cadre to the account
    the cadre has now (`moves`: {(cadre id, old recipient): new recipient}; a cadre bound
    again on a new phone), before `resend` queues them: sent as stored, they went to the
    account the office had unbound. A delivery whose message the new account already holds
    (the same kind and part) goes: the cadre has it. Returns how many moved."""
    moved = 0
    with write(db):
        conn = db.conn
        for (cadre_id, old), new in sorted(moves.items()):
            if new == old:
                continue
            failed = "status IN ('failed', 'window_closed')"
            moved += conn.execute(
                f"UPDATE OR IGNORE deliveries SET recipient = ?, updated_at = {NOW}"
                f" WHERE issue_id = ? AND cadre_id = ? AND recipient = ? AND {failed}",
                [new, issue_id, cadre_id, old]).rowcount
            conn.execute(f"DELETE FROM deliveries WHERE issue_id = ? AND cadre_id = ?"
                         f" AND recipient = ? AND {failed}", [issue_id, cadre_id, old])
    return moved


def forget_unsent(db, issue_id, recipients):
    """Delete the push deliveries of these recipients none of whose parts was sent (inside
    the caller's transaction, which plans them again)."""
    db.conn.executemany(
        "DELETE FROM deliveries WHERE issue_id = ? AND kind = 'issue' AND recipient = ?"
        " AND status IN ('failed', 'window_closed')",
        [(issue_id, recipient) for recipient in sorted(recipients)])


WITHDRAWN = "item withdrawn before it was sent"


def take_back(db, issue_id, item_id):
    """An item was just withdrawn: take its queued calls back (inside the caller's
    transaction). A recipient of the push none of whose parts was sent or is being sent, with
    a queued part carrying the item, loses their unsent push deliveries (returned: the caller
    plans them again from the issue as it is now); a queued notice or reminder carrying it is
    `failed` (WITHDRAWN). Rows left with nobody to send to are dropped. Calls in flight (leased)
    and parts of a message partly sent go as they are (recall: push.notices)."""
    conn = db.conn
    carrying = conn.execute("""
        SELECT DISTINCT d.recipient, d.kind FROM deliveries d JOIN outbox o ON o.id = d.outbox_id
        WHERE d.issue_id = ? AND d.status = 'pending' AND o.status = 'pending'
          AND EXISTS (SELECT 1 FROM json_each(d.items) j WHERE j.value = ?)""",
                            [issue_id, item_id]).fetchall()
    busy = {r[0] for r in conn.execute("""
        SELECT d.recipient FROM deliveries d JOIN outbox o ON o.id = d.outbox_id
        WHERE d.issue_id = ? AND d.kind = 'issue' AND (d.status = 'sent' OR o.status = 'leased')""",
                                        [issue_id])}
    again = {r for r, kind in carrying if kind == "issue" and r not in busy}
    notices = {(r, kind) for r, kind in carrying if kind != "issue"}
    touched = {r[0] for r in conn.execute(
        "SELECT outbox_id FROM deliveries WHERE issue_id = ? AND status = 'pending'"
        " AND outbox_id IS NOT NULL", [issue_id])
        if r[0] is not None} if again or notices else set()
    for recipient in sorted(again):
        conn.execute("DELETE FROM deliveries WHERE issue_id = ? AND kind = 'issue'"
                     " AND recipient = ? AND status != 'sent'", [issue_id, recipient])
    for recipient, kind in sorted(notices):
        conn.execute(f"UPDATE deliveries SET status = 'failed', reason = ?, updated_at = {NOW}"
                     " WHERE issue_id = ? AND kind = ? AND recipient = ? AND status = 'pending'"
                     " AND EXISTS (SELECT 1 FROM json_each(items) j WHERE j.value = ?)",
                     [WITHDRAWN, issue_id, kind, recipient, item_id])
    for outbox_id in sorted(touched):
        state = conn.execute("SELECT status FROM outbox WHERE id = ?", [outbox_id]).fetchone()
        if state is None or state[0] != "pending":
            continue
        before = json.loads(conn.execute("SELECT recipients FROM outbox WHERE id = ?",
                                         [outbox_id]).fetchone()[0])
        left = [r[0] for r in conn.execute(
            "SELECT recipient FROM deliveries WHERE outbox_id = ? AND status = 'pending'"
            " ORDER BY id", [outbox_id])]
        if left == before:
            continue
        if left:
            conn.execute("UPDATE outbox SET recipients = ? WHERE id = ?",
                         [json.dumps(left, ensure_ascii=False), outbox_id])
        elif not conn.execute("SELECT 1 FROM deliveries WHERE outbox_id = ?",
                              [outbox_id]).fetchone():
            conn.execute("DELETE FROM outbox WHERE id = ?", [outbox_id])
        else:
            conn.execute(f"UPDATE outbox SET status = 'done', done_at = {NOW} WHERE id = ?",
                         [outbox_id])
    return again


def resend(db, issue_id):
    """Queue the issue's `failed` and `window_closed` deliveries again (same payloads), but
    for those carrying an item withdrawn since (they stay failed: not sent again).

    A closed Official Account window opens when the cadre writes to the account, so those
    are worth retrying too. Resumes a paused push.

    Returns how many deliveries were queued."""
    with write(db):
        conn = db.conn
        failed = conn.execute("""
            SELECT d.id, d.recipient, d.part, o.group_key, o.payload, d.kind FROM deliveries d
            JOIN outbox o ON o.id = d.outbox_id
            WHERE d.issue_id = ? AND d.status IN ('failed', 'window_closed')
              AND NOT EXISTS (SELECT 1 FROM json_each(d.items) j JOIN items i ON i.id = j.value
                              WHERE i.withdrawn_at IS NOT NULL)
            ORDER BY o.id, d.id""",
                              [issue_id]).fetchall()
        calls = {}
        for delivery_id, recipient, part, group, payload, kind in failed:
            calls.setdefault((group, part, payload, kind), []).append((delivery_id, recipient))
        for (group, part, payload, kind), members in calls.items():
            outbox_id = conn.execute(
                "INSERT INTO outbox (issue_id, group_key, part, recipients, payload, kind)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                [issue_id, group, part, json.dumps([r for _, r in members], ensure_ascii=False),
                 payload, kind]).lastrowid
            conn.executemany(
                "UPDATE deliveries SET status = 'pending', errcode = NULL, reason = NULL,"
                f" outbox_id = ?, updated_at = {NOW} WHERE id = ?",
                [(outbox_id, delivery_id) for delivery_id, _ in members])
        _resume(conn, issue_id)
    return len(failed)


def pause_active(db, reason, since=None):
    """Pause every active push (e.g. the disk is full) not resumed or changed after `since`
    (unix time); returns how many were paused."""
    changed = time.strftime(TIME_FORMAT, time.gmtime(time.time() if since is None
                                                               else since))
    with write(db):
        return db.conn.execute("UPDATE push_runs SET status = 'paused', paused_reason = ?,"
                               f" updated_at = {NOW} WHERE status = 'active' AND updated_at <= ?",
                               [reason, changed]).rowcount


def resume(db, issue_id):
    """Un-pause an issue's push (failure count back to zero)."""
    with write(db):
        conn = db.conn
        _resume(conn, issue_id)


def next_wake(db, now=None):
    """Seconds until some row of an active push becomes claimable; None when nothing is left."""
    now = time.time() if now is None else now
    row = db.conn.execute("""
        SELECT MIN(CASE o.status WHEN 'pending' THEN o.next_at ELSE o.lease_until END)
        FROM outbox o JOIN push_runs r ON r.issue_id = o.issue_id
        WHERE o.status != 'done' AND r.status = 'active'""").fetchone()
    if row[0] is None:
        return None
    return max(0.0, row[0] - now)


def _set_delivery(conn, row, recipients, status, errcode, reason):
    """Set the deliveries this outbox row carries for `recipients` (whatever their kind)."""
    sent_at = NOW if status == "sent" else "NULL"
    conn.executemany(
        f"UPDATE deliveries SET status = ?, errcode = ?, reason = ?, sent_at = {sent_at},"
        f" updated_at = {NOW}"
        " WHERE outbox_id = ? AND recipient = ? AND status != 'sent'",
        [(status, errcode, reason, row["id"], recipient) for recipient in recipients])


def _set_call(conn, row, status, errcode, reason):
    """Set every still-pending delivery this outbox row carries at once."""
    sent_at = NOW if status == "sent" else "NULL"
    conn.execute(
        f"UPDATE deliveries SET status = ?, errcode = ?, reason = ?, sent_at = {sent_at},"
        f" updated_at = {NOW}"
        " WHERE outbox_id = ? AND status = 'pending'",
        [status, errcode, reason, row["id"]])


def _reset_failures(conn, issue_id):
    conn.execute("UPDATE push_runs SET failures = 0 WHERE issue_id = ? AND failures != 0",
                 [issue_id])


def _count_failure(conn, issue_id, reason, policy):
    conn.execute(f"""
        UPDATE push_runs SET failures = failures + 1,
            status = CASE WHEN failures + 1 >= ? THEN 'paused' ELSE status END,
            paused_reason = CASE WHEN failures + 1 >= ? THEN ? ELSE paused_reason END,
            updated_at = {NOW}
        WHERE issue_id = ?""",
                 [policy.pause_after, policy.pause_after,
                  f"{policy.pause_after} failed calls in a row, last: {reason}", issue_id])


def _resume(conn, issue_id):
    conn.execute("UPDATE push_runs SET status = 'active', failures = 0, paused_reason = NULL,"
                 f" updated_at = {NOW} WHERE issue_id = ?",
                 [issue_id])
