"""The audit log: one row per action — who, from where, what, on which issue/item/cadre.

    record(db, "li", "10.0.0.7", "approve", "issue:7")
    record(db, "cli", "cli", "correct", "item:12", {"before": {...}, "after": {...}})
    entries(db, since="2026-11-01", action="push")   # newest first, dicts
    as_csv(entries(db), local=to_local)              # the console's export (+ "local_time")

Append-only: triggers (store/schema.py m010) make SQLite refuse UPDATE and DELETE on the table,
so neither a bug nor a console user can rewrite history; only replacing the database file
(a restore, itself logged in the restored file's successor) can.
`action` is a stable English word (ACTIONS) so scripts can filter on it.
"""

import csv
import io
import json

from store.transaction import write_one

ACTIONS = ("login", "login_failed", "logout", "publish", "correct", "approve", "push", "resend",
           "remind", "withdraw", "recall", "schedule", "schedule_cancel", "schedule_held", "roster_import", "roster_invite", "roster_remove",
           "roster_unbind", "roster_sync", "departments_import", "department_alias",
           "classify", "keep_both", "account_add", "account_disable", "account_enable", "account_password", "account_role", "restore",
           "reindex", "demo", "department_rename", "department_split")
FIELDS = ("at", "who", "where", "action", "target", "details")


def record(db, who, where, action, target=None, details=None):
    """Append one row (in the caller's transaction when one is open)."""
    write_one(db, 'INSERT INTO audit_log (who, "where", action, target, details)'
                  " VALUES (?, ?, ?, ?, ?)",
              [who or "unknown", where or "unknown", action, target,
               json.dumps(details or {}, ensure_ascii=False, sort_keys=True, default=str)])


def entries(db, since=None, until=None, who=None, action=None, target=None, limit=None):
    """Rows newest first as dicts (`details` parsed), filtered by time (ISO dates or times,
    UTC as stored: `until` a date is inclusive of that day, a time exclusive), account,
    action and target (exact or a prefix "issue:")."""
    where, args = [], []
    if since:
        where.append("at >= ?")
        args.append(since)
    if until:
        where.append("at < ?")
        args.append(until + ("~" if len(until) <= 10 else ""))  # the whole of that day
    if who:
        where.append("who = ?")
        args.append(who)
    if action:
        where.append("action = ?")
        args.append(action)
    if target:
        where.append("(target = ? OR target LIKE ? ESCAPE '\\')")
        args += [target, target.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
                 + ("%" if target.endswith(":") else "")]
    sql = ('SELECT at, who, "where", action, target, details FROM audit_log'
           + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY id DESC")
    if limit:
        sql += f" LIMIT {int(limit)}"
    return [dict(zip(FIELDS, row[:5] + (json.loads(row[5]),)))
            for row in db.execute(sql, args).fetchall()]


def as_csv(rows, local=None):
    """The rows as CSV text (UTF-8 with a BOM so spreadsheet programs read the Chinese);
    `local(at)` adds a last column `local_time` (the time as the console shows it)."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(FIELDS + (("local_time",) if local else ()))
    for row in rows:
        writer.writerow([_cell(row[f] if f != "details" else json.dumps(
            row[f], ensure_ascii=False, sort_keys=True)) for f in FIELDS]
            + ([_cell(local(row["at"]))] if local else []))
    return out.getvalue()


def _cell(value):
    """A value a spreadsheet will not run as a formula (a leading = + - @ gets a ')."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
