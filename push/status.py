"""What happened to an issue's push: counts by status and per-recipient rows.

    summary(db, 3)      # {"issue": 3, "total": 12, "sent": 10, "failed": 1, "pending": 1,
                        #  "by_reason": {"invaliduser": 1}}
    rows(db, 3)         # [{"recipient", "cadre_id", "name", "part", "status", "errcode", …}]
    run_state(db, 3)    # {"status": "active"|"paused", "failures", "paused_reason"} or None

`failed` counts every delivery that did not arrive: status `failed` and `window_closed`
(the Official Account's 48-hour window was closed and no template is configured); their
reasons are tallied in `by_reason`. `pending` is queued or in flight (also while paused).
These count the issue's own push (deliveries of kind `issue`); notices about it (reminders,
correction notices) and items sent on their own after a department correction (`item:<id>`,
push.gained) are counted by `kinds(db, issue_id)`. Who received an item (`item_recipients`,
`sent_calls`, `issue_reach`, `received_items`, `item_holders`) counts both the push's
deliveries and those `item:<id>` ones.
"""

import json


def summary(db, issue_id):
    """The `status --json` shape for one issue."""
    counts = {"sent": 0, "failed": 0, "pending": 0}
    by_reason = {}
    for status, errcode, reason, n in db.execute("""
            SELECT status, errcode, reason, COUNT(*) FROM deliveries
            WHERE issue_id = ? AND kind = 'issue' GROUP BY status, errcode, reason""", [issue_id]).fetchall():
        if status in ("sent", "pending"):
            counts[status] += n
            continue
        counts["failed"] += n
        key = "window_closed" if status == "window_closed" else _reason_key(errcode, reason)
        by_reason[key] = by_reason.get(key, 0) + n
    return {"issue": issue_id, "total": sum(counts.values()), **counts, "by_reason": by_reason}


def counts_by_status(db, issue_id):
    """{"pending": n, "sent": n, "failed": n, "window_closed": n} (every status present)."""
    counts = dict.fromkeys(("pending", "sent", "failed", "window_closed"), 0)
    for status, n in db.execute("SELECT status, COUNT(*) FROM deliveries WHERE issue_id = ?"
                                " AND kind = 'issue' GROUP BY status", [issue_id]).fetchall():
        counts[status] = n
    return counts


def rows(db, issue_id, limit=None, offset=0):
    """Per-recipient delivery rows, in planning order, with the cadre's name."""
    sql = """
        SELECT d.recipient, d.cadre_id, c.name, d.part, d.status, d.errcode, d.reason,
               d.items, d.sent_at, d.updated_at
        FROM deliveries d LEFT JOIN cadres c ON c.id = d.cadre_id
        WHERE d.issue_id = ? AND d.kind = 'issue' ORDER BY d.id"""
    params = [issue_id]
    if limit is not None:
        sql += " LIMIT ? OFFSET ?"
        params += [int(limit), int(offset)]
    cursor = db.execute(sql, params)
    columns = [c[0] for c in cursor.description]
    out = []
    for row in cursor.fetchall():
        record = dict(zip(columns, row))
        record["items"] = json.loads(record["items"])
        out.append(record)
    return out


def kinds(db, issue_id):
    """{kind: {status: n}} for the issue's notices (every kind but `issue`)."""
    out = {}
    for kind, status, n in db.execute(
            "SELECT kind, status, COUNT(*) FROM deliveries WHERE issue_id = ? AND kind != 'issue'"
            " GROUP BY kind, status", [issue_id]):
        out.setdefault(kind, {})[status] = n
    return out


def notices(db, issue_id):
    """{kind: {"total", "sent", "failed", "pending"}} for the issue's notices (kinds(), the
    statuses folded as summary() folds them: `failed` counts `window_closed` too)."""
    out = {}
    for kind, statuses in kinds(db, issue_id).items():
        sent, pending = statuses.get("sent", 0), statuses.get("pending", 0)
        failed = sum(n for status, n in statuses.items() if status not in ("sent", "pending"))
        out[kind] = {"total": sent + failed + pending, "sent": sent, "failed": failed,
                     "pending": pending}
    return out


def waiting(db):
    """What a worker will send when it starts, over every issue (`restore` says it):
    {"messages": pending deliveries of active pushes, "issues": their issue ids,
    "paused": pending deliveries of paused pushes (sent once resumed), "schedules": pending
    scheduled pushes and reminders}."""
    counts = {"messages": 0, "issues": [], "paused": 0}
    for issue_id, state, n in db.execute("""
            SELECT d.issue_id, r.status, COUNT(*) FROM deliveries d
            JOIN push_runs r ON r.issue_id = d.issue_id
            WHERE d.status = 'pending' GROUP BY d.issue_id, r.status ORDER BY d.issue_id"""):
        if state == "paused":
            counts["paused"] += n
        else:
            counts["messages"] += n
            counts["issues"].append(issue_id)
    counts["schedules"] = db.execute("SELECT COUNT(*) FROM push_schedules"
                                     " WHERE status = 'pending'").fetchone()[0]
    return counts


def run_state(db, issue_id):
    """The push run of an issue, or None if it was never pushed."""
    row = db.execute("SELECT status, failures, paused_reason, channel FROM push_runs"
                     " WHERE issue_id = ?", [issue_id]).fetchone()
    if row is None:
        return None
    return {"status": row[0], "failures": row[1], "paused_reason": row[2], "channel": row[3]}


def _reason_key(errcode, reason):
    if reason:
        return reason.split(" (gave up")[0]
    return f"errcode {errcode}" if errcode is not None else "unknown"


def item_recipients(db, item_id):
    """[(cadre_id, recipient)] who were sent `item_id` in its issue's push (status `sent`),
    in the order they were planned; each recipient once."""
    return [(r[0], r[1]) for r in db.execute("""
        SELECT d.cadre_id, d.recipient FROM deliveries d JOIN items i ON i.issue_id = d.issue_id
        WHERE i.id = ? AND (d.kind = 'issue' OR d.kind = 'item:' || i.id) AND d.status = 'sent'
          AND EXISTS (SELECT 1 FROM json_each(d.items) j WHERE j.value = i.id)
        GROUP BY d.recipient ORDER BY MIN(d.id)""", [item_id])]


def sent_calls(db, item_id):
    """[{"outbox_id", "msgid", "age", "recall"}] of the issue-push calls that carried
    `item_id` and were sent: the platform's message id where it gave one, seconds since the
    call, and what recalling it gave (None: not tried)."""
    return [{"outbox_id": r[0], "msgid": r[1], "age": r[2], "recall": r[3]} for r in db.execute("""
        SELECT DISTINCT o.id, o.msgid, (julianday('now') - julianday(o.done_at)) * 86400, o.recall
        FROM outbox o
        JOIN deliveries d ON d.outbox_id = o.id JOIN items i ON i.issue_id = d.issue_id
        WHERE i.id = ? AND (o.kind = 'issue' OR o.kind = 'item:' || i.id) AND d.status = 'sent'
          AND EXISTS (SELECT 1 FROM json_each(d.items) j WHERE j.value = i.id)
        ORDER BY o.id""", [item_id])]


def record_recall(db, outbox_id, outcome):
    """Keep what recalling a sent call gave: 'recalled' or the reason it was not. A call
    once recalled stays so (a concurrent retry's 'already recalled' does not overwrite it)."""
    from store.transaction import write_one

    write_one(db, "UPDATE outbox SET recall = ? WHERE id = ? AND recall IS NOT 'recalled'",
              [outcome, outbox_id])


def issue_reach(db, issue_id):
    """Who the issue's push reached: [{"cadre_id", "name", "department", "recipient",
    "removed", "items", "groups"}], one per recipient, in planning order; `items` every item
    id sent to them (all parts), `groups` the delivery group keys their calls carried."""
    reach = {}
    for cadre_id, name, department, removed, recipient, items, group in db.execute("""
            SELECT d.cadre_id, c.name, COALESCE(dep.name, c.department), c.removed_at IS NOT NULL,
                   d.recipient, d.items, o.group_key
            FROM deliveries d LEFT JOIN outbox o ON o.id = d.outbox_id  -- purged after years
            LEFT JOIN cadres c ON c.id = d.cadre_id
            LEFT JOIN departments dep ON dep.id = c.department_id
            WHERE d.issue_id = ? AND (d.kind = 'issue' OR d.kind LIKE 'item:%') AND d.status = 'sent'
            ORDER BY d.id""", [issue_id]):
        entry = reach.setdefault(recipient, {
            "cadre_id": cadre_id, "name": name, "department": department or "",
            "recipient": recipient, "removed": bool(removed), "items": [], "groups": []})
        entry["items"] += [i for i in json.loads(items) if i not in entry["items"]]
        if group and group not in entry["groups"]:
            entry["groups"].append(group)
    return list(reach.values())


def receipts(db, issue_id):
    """{item_id: {reader key, …}} of the issue's items opened ('c:<cadre id>', 'g:<group>';
    the read_receipts table the item pages write)."""
    out = {}
    for item_id, reader in db.execute("""
            SELECT r.item_id, r.reader FROM read_receipts r JOIN items i ON i.id = r.item_id
            WHERE i.issue_id = ?""", [issue_id]):
        out.setdefault(item_id, set()).add(reader)
    return out


def reminded(db, issue_id):
    """The recipients who already have a reminder (kind `remind`) for the issue."""
    return {r[0] for r in db.execute("SELECT DISTINCT recipient FROM deliveries"
                                     " WHERE issue_id = ? AND kind = 'remind'", [issue_id])}


def received_items(db, issue_id, cadre_id=None, group=None):
    """The ids of the issue's items a reader was sent (push deliveries of kind `issue` and
    items sent on their own, `item:<id>`; any status): a cadre's (`cadre_id`) or a WeCom
    delivery group's (`group`)."""
    if cadre_id is not None:
        rows = db.execute("SELECT items FROM deliveries WHERE issue_id = ? AND (kind = 'issue'"
                          " OR kind LIKE 'item:%') AND cadre_id = ?", [issue_id, cadre_id])
    elif group is not None:
        rows = db.execute("SELECT d.items FROM deliveries d JOIN outbox o ON o.id = d.outbox_id"
                          " WHERE d.issue_id = ? AND (d.kind = 'issue' OR d.kind LIKE 'item:%')"
                          " AND o.group_key = ?", [issue_id, group])
    else:
        return set()
    return {item for (items,) in rows for item in json.loads(items)}


def item_holders(db, item_id, cadres=False):
    """The recipients any delivery (any status) of the push or of `item:<id>` carries
    `item_id` to: who has it, or will. `cadres=True`: their cadre ids instead (a cadre has
    it whichever account of theirs it went to)."""
    column = "d.cadre_id" if cadres else "d.recipient"
    return {r[0] for r in db.execute(f"""
        SELECT DISTINCT {column} FROM deliveries d JOIN items i ON i.issue_id = d.issue_id
        WHERE i.id = ? AND (d.kind = 'issue' OR d.kind = 'item:' || i.id)
          AND EXISTS (SELECT 1 FROM json_each(d.items) j WHERE j.value = i.id)""", [item_id])}


def withdrawn_in_flight(db, issue_id, recall_seconds=0):
    """`withdrawn_in_flight(db, 3, 86400)` -> {"messages", "items", "recallable"}: the
    issue's messages that carried an item withdrawn while they were already on their way —
    the call claimed by a worker and not yet answered (`outbox.take_back` cannot take it
    back), or the rest of a message partly sent — so it went out, or still will, with the
    item; recalled ones are not counted. `messages` counts deliveries (any kind), `items` the
    withdrawn items they carry, `recallable` the push's sent calls among them a channel that
    recalls (`recall_seconds`: WeCom's 24 h) can still recall and has not yet tried (what
    `item recall ITEM_ID`, push.notices.recall_item, would recall)."""
    rows = db.execute("""
        SELECT d.id, i.id, o.id, d.status = 'sent' AND o.msgid IS NOT NULL
               AND (o.kind = 'issue' OR o.kind = 'item:' || i.id)
               AND (o.recall IS NULL OR o.recall LIKE 'retry: %')
               AND (julianday('now') - julianday(o.done_at)) * 86400 < ?
        FROM deliveries d JOIN outbox o ON o.id = d.outbox_id
        JOIN json_each(d.items) j JOIN items i ON i.id = j.value
        WHERE d.issue_id = ? AND i.withdrawn_at IS NOT NULL AND o.recall IS NOT 'recalled'
          AND ((d.status = 'pending' AND o.status = 'leased')
               OR (d.status = 'sent' AND d.sent_at >= i.withdrawn_at))""",
                      [recall_seconds, issue_id]).fetchall()
    return {"messages": len({r[0] for r in rows}), "items": sorted({r[1] for r in rows}),
            "recallable": len({r[2] for r in rows if r[3]})}


def issue_of_item(db, item_id):
    """The issue id of `item_id`, or None."""
    row = db.execute("SELECT issue_id FROM items WHERE id = ?", [item_id]).fetchone()
    return row and row[0]
