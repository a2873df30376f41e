"""The WeCom address book applied to the org chart and the roster, in one write transaction.

    counts = apply_book(db, book)                # {"added", "updated", "removed", "departments"}
    counts = apply_book(db, book, dry_run=True)  # the same counts; nothing changes
    apply_book(db, book, dry_run=True, changes=[])  # ... and [(outcome, name, userid)] in it
    apply_member_change(db, {"change": "update_user", "userid": "zhangsan", "name": "张三"})

`book` has channels.addressbook.fetch_book's shape. The rules (docs/storage.md, "Roster
sync from the WeCom address book"):
- Departments: store/org_chart.py (by WeCom id, else name; parents; repeated names).
- Members: matched by `userid`, else `mobile`, else name + department (cadres without a
  userid only, as `roster import` matches); a follower's record (open access, the same
  userid) is no match: it is merged into the member's cadre as `绑定` merges it
  (store.binding.take_identity: subscriptions added, the follower's record gone); their main department (`main_department`, else
  the first listed) gives `department` and `department_id`; `synced_at` is when the book
  last changed or first matched the row. Status 2 (disabled) and 5 (quit) mean removed;
  1 and 4 (not yet activated: they receive once they install WeCom) mean on the roster.
- Removal: only rows the book brought or matched (`synced_at` set) are removed when their
  member is gone; CSV cadres the book never matched are left alone. A removal by the book
  sets `removed_at` = `synced_at` (to the millisecond); only such rows are restored when
  the member is back, so a cadre the office removed by hand stays removed.
- Counts: `added` (new cadres and restored ones), `updated` (changed fields or first
  matched), `removed`, and `departments`: how many departments the book holds. Rows that
  do not change are not written, so syncing an unchanged book counts 0, 0, 0.
"""

import datetime
import re

from store.binding import take_identity
from store.departments import resolve
from store.org_chart import Chart, apply_chart
from store.text import add_words
from store.db import EXPIRED
from store.transaction import write

INACTIVE = (2, 5)  # WeCom status: disabled, quit
CADRE = "id, name, department, mobile, userid, department_id, removed_at, synced_at"
ROSTER = "AND open_access = 0"  # a follower's record (open access) is on no roster yet


class EmptyBook(ValueError):
    """The book lists no member while the roster holds synced ones: refuse to remove them all."""


class _DryRun(Exception):
    pass


def apply_book(db, book, dry_run=False, changes=None):
    """Apply a whole address book -> {"added", "updated", "removed", "departments"}; a list
    passed as `changes` receives (outcome, name, userid) for every cadre counted."""
    departments = book.get("departments") or []
    members = list({m["userid"]: m for m in book.get("members") or [] if m.get("userid")}.values())
    counts = {"added": 0, "updated": 0, "removed": 0,
              "departments": len({int(d["id"]) for d in departments})}
    now = _now()
    try:
        with write(db):
            if not members and db.execute("SELECT 1 FROM cadres WHERE synced_at IS NOT NULL "
                                          "AND removed_at IS NULL LIMIT 1").fetchone():
                raise EmptyBook("通讯录里没有任何成员（应用的可见范围是否为空？），名册未改动")
            chart = Chart(db)
            apply_chart(chart, departments)
            for member in members:
                outcome = _save_member(db, chart, member, now)
                if outcome:
                    counts[outcome] += 1
                    if changes is not None:
                        changes.append((outcome, member["name"], member["userid"]))
            gone = _remove_absent(db, {m["userid"] for m in members}, now)
            counts["removed"] += len(gone)
            if changes is not None:
                changes.extend(("removed", name, userid) for name, userid in gone)
            if dry_run:
                raise _DryRun
    except _DryRun:
        return counts
    add_words(chart.new_names)
    return counts


def apply_member_change(db, change):
    """One contact-change event for a member (`change`: create_user, update_user or
    delete_user; `userid`, and what the event carries: `new_userid`, `name`, `department`,
    `main_department`, `status`, `mobile`) -> "added", "updated", "removed", None (nothing
    to change) or "incomplete" (an unknown member the event does not name: fetch them)."""
    userid = change.get("userid")
    if not userid:
        return None
    now = _now()
    with write(db):
        cadre = (_cadre_by(db, "userid", change.get("new_userid"), ROSTER)
                 or _cadre_by(db, "userid", userid, ROSTER))
        if change.get("change") == "delete_user":
            if cadre is None or cadre["removed_at"]:
                return None
            _remove(db, [cadre["id"]], now)
            return "removed"
        if cadre is None and not change.get("name"):
            return "incomplete"
        chart = Chart(db)
        member = {"userid": change.get("new_userid") or userid,
                  "name": change.get("name") or cadre["name"],
                  "mobile": change.get("mobile"), "status": change.get("status"),
                  "department": change.get("department") or [],
                  "main_department": change.get("main_department")}
        outcome = _save_member(db, chart, member, now, previous=userid)
    return outcome


def _save_member(db, chart, member, now, previous=None):
    """Insert or update the cadre for one member -> "added", "updated", "removed" or None."""
    status = member.get("status")
    active = None if status is None else int(status) not in INACTIVE
    department = chart.main_department(member)
    mobile = _mobile(member.get("mobile"))
    cadre = _find(db, chart, member, department, mobile, previous)
    if cadre is None:
        if active is False:
            return None
        cadre_id = db.execute(
            "INSERT INTO cadres (name, department, mobile, department_id, synced_at)"
            " VALUES (?, ?, ?, ?, ?)", [member["name"], department["name"] if department else None,
                                        mobile, department["id"] if department else None,
                                        now]).lastrowid
        take_identity(db, cadre_id, userid=member["userid"])  # a follower's: merged, as 绑定
        return "added"
    wanted = {"name": member["name"], "userid": member["userid"],
              "mobile": mobile or cadre["mobile"]}
    if department is not None:
        wanted.update(department=department["name"], department_id=department["id"])
    changes = {k: v for k, v in wanted.items() if cadre[k] != v}
    outcome = "updated" if changes or cadre["synced_at"] is None else None
    by_book = cadre["removed_at"] is not None and cadre["removed_at"] == cadre["synced_at"]
    if cadre["removed_at"] is None and active is False:
        changes["removed_at"], outcome = now, "removed"
    elif by_book and active:
        changes["removed_at"], outcome = None, "added"
    elif by_book and outcome:
        changes["removed_at"] = now  # still removed by the book: the two stay equal
    if outcome is None:
        return None
    if "userid" in changes:
        take_identity(db, cadre["id"], userid=member["userid"])  # a follower's: merged, as 绑定
    changes["synced_at"] = now
    db.execute(f"UPDATE cadres SET {', '.join(f'{k} = ?' for k in changes)} WHERE id = ?",
               [*changes.values(), cadre["id"]])
    if outcome == "removed":
        _expire_codes(db, [cadre["id"]])
    return outcome


def _find(db, chart, member, department, mobile, previous):
    """The cadre this member is: by userid (or the one they had), else mobile, else name and
    department among cadres without a userid."""
    for userid in (member["userid"], previous):
        found = _cadre_by(db, "userid", userid, ROSTER)
        if found:
            return found
    if mobile:
        found = _cadre_by(db, "mobile", mobile, "AND userid IS NULL")
        if found:
            return found
    if department is None:
        return None
    for cadre in db.query(f"SELECT {CADRE} FROM cadres WHERE name = ? AND userid IS NULL "
                          "ORDER BY id", [member["name"]]):
        if cadre["department_id"] == department["id"] or _means(db, chart, cadre["department"],
                                                                 department["id"]):
            return cadre
    return None


def _means(db, chart, text, department_id):
    """Does the roster's department text name this department (name, alias or core)?"""
    if not text:
        return False
    if chart.holder(text) == department_id:
        return True
    found = resolve(db, text, strict=True).department
    return bool(found) and found["id"] == department_id


def _cadre_by(db, column, value, extra=""):
    if not value:
        return None
    rows = list(db.query(f"SELECT {CADRE} FROM cadres WHERE {column} = ? {extra} ORDER BY id "
                         "LIMIT 1", [value]))
    return rows[0] if rows else None


def _remove_absent(db, userids, now):
    """Remove the synced, on-roster cadres whose member the book no longer lists
    -> [(name, userid)] of those removed."""
    gone = [(cadre_id, name, userid) for cadre_id, name, userid in db.execute(
        "SELECT id, name, userid FROM cadres WHERE synced_at IS NOT NULL AND removed_at IS NULL"
        " ORDER BY id") if userid not in userids]
    _remove(db, [cadre_id for cadre_id, _, _ in gone], now)
    return [(name, userid) for _, name, userid in gone]


def _remove(db, cadre_ids, now):
    db.conn.executemany("UPDATE cadres SET removed_at = ?, synced_at = ? WHERE id = ?",
                        [(now, now, cadre_id) for cadre_id in cadre_ids])
    _expire_codes(db, cadre_ids)


def _expire_codes(db, cadre_ids):
    db.conn.executemany(
        f"UPDATE binding_codes SET expires_at = {EXPIRED} "
        "WHERE cadre_id = ? AND used_at IS NULL", [(cadre_id,) for cadre_id in cadre_ids])


def _mobile(value):
    """WeCom's "+86 138…" or "138…" as the roster keeps it: 11 digits, or None."""
    digits = re.sub(r"\D", "", str(value or ""))
    if len(digits) == 13 and digits.startswith("86"):
        digits = digits[2:]
    return digits if re.fullmatch(r"1\d{10}", digits) else None


def _now():
    """UTC with milliseconds: a removal by the book writes this same value to `removed_at`
    and `synced_at`; `roster remove` writes whole seconds, so the two never look alike."""
    now = datetime.datetime.now(datetime.timezone.utc)
    return now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z"
