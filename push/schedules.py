"""Scheduled pushes and quiet hours: what is due later, kept in SQLite until the worker fires it.

    due = parse_local(config, "2026-11-28 08:00")     # unix time (BOT_TIMEZONE), ValueError
    until = quiet_until(config)                        # end of the quiet window now, or None
    schedule_id = add(db, 3, "push", due, "scheduled", content=None)
    pending(db, 3)                      # [{"id", "action", "due_at", "due", "why", "content", "held"}]
    cancel(db, 3)                                       # how many pending schedules were cancelled
    for row in due_now(db): …; finish(db, row["id"], result)   # push.publish.fire_due
    overdue(db)                                         # {"overdue", "oldest_due_at"}: /healthz

A schedule is a row of `push_schedules` (push migration m004): the issue, the action (`push`
or `remind`), when (unix time), why (`scheduled`: someone chose the time; `quiet_hours`: it
came inside BOT_QUIET_HOURS and waits for the window's end; `auto`: the automatic reminder
BOT_REMIND_AFTER_HOURS after a push, once per issue, itself held by quiet hours), and its
status. Rows survive
restarts; any worker fires what is due (push.publish.fire_due, from push.worker's loop).
A push schedule also keeps `content`: the content version (store.review.versions) its
scheduler vouched for when the issue was not approved (None: its approval vouches), and
`held`: why a worker did not fire it when it fell due (push migration m005).
The only SQL for that table.
"""

import json
import time
from datetime import datetime, timedelta

from config import local_zone, parse_quiet_hours
from store.db import NOW
from store.transaction import write

LOCAL_FORMAT = "%Y-%m-%d %H:%M"
COLUMNS = ("id", "issue_id", "action", "due_at", "why", "status", "content", "held")


def parse_local(config, text):
    """`parse_local(config, "2026-11-28 08:00")` -> unix time of that local (BOT_TIMEZONE) time."""
    try:
        moment = datetime.strptime(" ".join(str(text).split()), LOCAL_FORMAT)
    except ValueError:
        raise ValueError(f"{text!r} is not a time: write \"YYYY-MM-DD HH:MM\"") from None
    return moment.replace(tzinfo=local_zone(config)).timestamp()


def local_text(config, when):
    """Unix time -> `2026-11-28 08:00` in BOT_TIMEZONE."""
    return datetime.fromtimestamp(when, local_zone(config)).strftime(LOCAL_FORMAT)


def quiet_until(config, now=None):
    """The unix time the quiet window (BOT_QUIET_HOURS, local time) ends if `now` is inside
    it, else None (also when no window is set)."""
    window = parse_quiet_hours(config.get("BOT_QUIET_HOURS"))
    if window is None:
        return None
    start, end = window
    local = datetime.fromtimestamp(time.time() if now is None else now, local_zone(config))
    minute = local.hour * 60 + local.minute
    inside = start <= minute < end if start < end else (minute >= start or minute < end)
    if not inside:
        return None
    ends = local.replace(hour=end // 60, minute=end % 60, second=0, microsecond=0)
    if ends <= local:
        ends += timedelta(days=1)
    return ends.timestamp()


def add(db, issue_id, action, due_at, why, content=None):
    """Keep a schedule; returns its id. A pending quiet-hours one of the same issue and
    action is reused (vouching for `content` now). A schedule someone asked for (`scheduled`,
    `quiet_hours`) replaces the issue's other pending schedules of that action: they are
    cancelled with `{"replaced_by": id}` as their result — the time chosen last holds.
    The automatic reminder (`auto`) is added once per issue and replaces nothing."""
    with write(db):
        row = None
        if why in ("quiet_hours", "auto"):
            row = db.execute("SELECT id FROM push_schedules WHERE issue_id = ? AND action = ?"
                             " AND why = ? AND status != 'cancelled'"
                             + (" AND status = 'pending'" if why == "quiet_hours" else ""),
                             [issue_id, action, why]).fetchone()
        if row:
            schedule_id = row[0]
            db.execute("UPDATE push_schedules SET content = ?, held = NULL WHERE id = ?"
                       " AND status = 'pending'", [content, schedule_id])
        else:
            schedule_id = db.execute(
                "INSERT INTO push_schedules (issue_id, action, due_at, why, content)"
                " VALUES (?, ?, ?, ?, ?)", [issue_id, action, due_at, why, content]).lastrowid
        if why != "auto":
            db.execute("UPDATE push_schedules SET status = 'cancelled', result = ?"
                       " WHERE issue_id = ? AND action = ? AND status = 'pending' AND id != ?",
                       [json.dumps({"replaced_by": schedule_id}), issue_id, action,
                        schedule_id])
        return schedule_id


def pending(db, issue_id, config=None):
    """The issue's pending schedules, soonest first (`due`: local text when `config` given)."""
    rows = [dict(zip(COLUMNS, r)) for r in db.execute(
        f"SELECT {', '.join(COLUMNS)} FROM push_schedules WHERE issue_id = ?"
        " AND status = 'pending' ORDER BY due_at", [issue_id])]
    for row in rows:
        row["due"] = local_text(config, row["due_at"]) if config is not None else None
    return rows


def cancel(db, issue_id, schedule_id=None):
    """Cancel the issue's pending schedules (or one of them); returns how many."""
    sql = ("UPDATE push_schedules SET status = 'cancelled' WHERE issue_id = ?"
           " AND status = 'pending'")
    params = [issue_id]
    if schedule_id is not None:
        sql += " AND id = ?"
        params.append(schedule_id)
    with write(db):
        return db.execute(sql, params).rowcount


def due_now(db, now=None):
    """Pending schedules whose time has come, oldest first."""
    return [dict(zip(COLUMNS, r)) for r in db.execute(
        f"SELECT {', '.join(COLUMNS)} FROM push_schedules WHERE status = 'pending'"
        " AND due_at <= ? ORDER BY due_at, id", [time.time() if now is None else now])]


def overdue(db, now=None):
    """{"overdue", "oldest_due_at"}: pending schedules whose time has come (/healthz: only a
    worker fires them; none running, a scheduled push silently never goes)."""
    now = time.time() if now is None else now
    count, oldest = db.execute("SELECT COUNT(*), MIN(due_at) FROM push_schedules"
                               " WHERE status = 'pending' AND due_at <= ?", [now]).fetchone()
    return {"overdue": count, "oldest_due_at": oldest}


def postpone(db, schedule_id, due_at):
    """Move a pending schedule to a later time (inside the caller's transaction)."""
    db.execute("UPDATE push_schedules SET due_at = ? WHERE id = ? AND status = 'pending'",
               [due_at, schedule_id])


def hold(db, schedule_id, why):
    """Record why a due schedule was not fired (inside the caller's transaction); False if it
    was already held for that reason or is no longer pending."""
    return db.execute("UPDATE push_schedules SET held = ? WHERE id = ? AND status = 'pending'"
                      " AND held IS NOT ?", [why, schedule_id, why]).rowcount == 1


def finish(db, schedule_id, result):
    """Mark a schedule fired (inside the caller's transaction); False if another worker did."""
    return db.execute(
        f"UPDATE push_schedules SET status = 'done', result = ?, fired_at = {NOW}, held = NULL"
        " WHERE id = ? AND status = 'pending'",
        [json.dumps(result, ensure_ascii=False), schedule_id]).rowcount == 1
