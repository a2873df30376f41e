"""The WeCom address book applied to the org chart and the roster, in one write transaction.

    counts = apply_book(db, book)                # {"added", "updated", "removed", "departments"}
    counts = apply_book(db, book, dry_run=True)  # the same counts; nothing changes
    apply_member_change(db, {"change": "update_user", "userid": "zhangsan", "name": "张三"})
    apply_party_change(db, {"change": "create_party", "id": 7, "name": "办公室", "parentid": 2})

`book` has channels.addressbook.fetch_book's shape. The rules (docs/storage.md, "Roster
sync from the WeCom address book"):
- Departments: matched by `wecom_id`, else by name or alias after folding (a department
  first learned from an issue is linked, not duplicated); `parent_id` follows `parentid`.
  Names the book repeats (an 办公室 under several bureaus) are qualified by their parent's
  name (区财政局办公室). A renamed department keeps its old name as an alias. A department
  gone from the book loses its `wecom_id` and stays (items still point at it).
- Members: matched by `userid`, else `mobile`, else name + department (cadres without a
  userid only, as `roster import` matches); their main department (`main_department`, else
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

from store.departments import resolve
from store.text import add_words, fold
from store.transaction import write

INACTIVE = (2, 5)  # WeCom status: disabled, quit
CADRE = "id, name, department, mobile, userid, department_id, removed_at, synced_at"


class EmptyBook(ValueError):
    """The book lists no member while the roster holds synced ones: refuse to remove them all."""


class _DryRun(Exception):
    pass


def apply_book(db, book, dry_run=False):
    """Apply a whole address book -> {"added", "updated", "removed", "departments"}."""
    departments = _parents_first(book.get("departments") or [])
    members = list({m["userid"]: m for m in book.get("members") or [] if m.get("userid")}.values())
    counts = {"added": 0, "updated": 0, "removed": 0, "departments": len(departments)}
    now = _now()
    try:
        with write(db):
            if not members and db.execute("SELECT 1 FROM cadres WHERE synced_at IS NOT NULL "
                                          "AND removed_at IS NULL LIMIT 1").fetchone():
                raise EmptyBook("通讯录里没有任何成员（应用的可见范围是否为空？），名册未改动")
            chart = Chart(db)
            names = _display_names(departments)
            for entry in departments:
                chart.save(entry, names[entry["id"]])
            chart.forget_missing({entry["id"] for entry in departments})
            for member in members:
                outcome = _save_member(db, chart, member, now)
                if outcome:
                    counts[outcome] += 1
            counts["removed"] += _remove_absent(db, {m["userid"] for m in members}, now)
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
        cadre = _cadre_by(db, "userid", change.get("new_userid")) or _cadre_by(db, "userid", userid)
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


def apply_party_change(db, change):
    """One contact-change event for a department (`change`: create_party, update_party or
    delete_party; `id`, and `name`, `parentid` when the event carries them) -> "added",
    "updated", "removed", None or "incomplete" (an unknown department without a name)."""
    try:
        wecom_id = int(change.get("id"))
    except (TypeError, ValueError):
        return None
    with write(db):
        chart = Chart(db)
        row = chart.by_wecom(wecom_id)
        if change.get("change") == "delete_party":
            if row is None:
                return None
            db.execute("UPDATE departments SET wecom_id = NULL WHERE id = ?", [row["id"]])
            return "removed"
        if row is None and not change.get("name"):
            return "incomplete"
        parentid = change.get("parentid")
        if parentid is None and row is not None:
            parent = chart.rows.get(row["parent_id"])
            parentid = parent["wecom_id"] if parent else 0
        name = " ".join(str(change.get("name") or "").split()) or row["name"]
        outcome = chart.save({"id": wecom_id, "name": name, "parentid": int(parentid or 0)},
                             name)
    add_words(chart.new_names)
    return outcome


class Chart:
    """The departments table in memory for one transaction: look-ups by WeCom id and by
    folded name or alias, and the writes that keep both in step."""

    def __init__(self, db):
        self.db = db
        self.rows, self.wecom, self.folded = {}, {}, {}
        self.new_names = []
        for department_id, name, wecom_id, parent_id in db.execute(
                "SELECT id, name, wecom_id, parent_id FROM departments"):
            self._index({"id": department_id, "name": name, "wecom_id": wecom_id,
                         "parent_id": parent_id})
        for alias, department_id in db.execute("SELECT alias, department_id FROM department_aliases"):
            self.folded.setdefault(fold(alias), department_id)

    def _index(self, row):
        self.rows[row["id"]] = row
        if row["wecom_id"] is not None:
            self.wecom[row["wecom_id"]] = row
        self.folded[fold(row["name"])] = row["id"]

    def by_wecom(self, wecom_id):
        return self.wecom.get(wecom_id)

    def holder(self, name):
        """The id of the department this name or alias means (after folding), or None."""
        return self.folded.get(fold(name))

    def main_department(self, member):
        """The member's main department row (`main_department`, else the first listed)."""
        main = member.get("main_department")
        for wecom_id in ([main] if main else []) + list(member.get("department") or []):
            if wecom_id in self.wecom:
                return self.wecom[wecom_id]
        return None

    def save(self, entry, name):
        """Create, link or update the department for book entry `entry` under `name`
        -> "added", "updated" or None (unchanged)."""
        row = self.by_wecom(entry["id"])
        if row is None:
            holder = self.holder(name)
            if holder is not None and self.rows[holder]["wecom_id"] is None:
                row = self.rows[holder]
        parent = self.by_wecom(entry["parentid"])
        parent_id = parent["id"] if parent and parent is not row else None
        name = self._free_name(name, entry, parent, row)
        if row is None:
            department_id = self.db.execute(
                "INSERT INTO departments (name, parent_id, wecom_id) VALUES (?, ?, ?)",
                [name, parent_id, entry["id"]]).lastrowid
            self._index({"id": department_id, "name": name, "wecom_id": entry["id"],
                         "parent_id": parent_id})
            self.new_names.append(name)
            return "added"
        wanted = {"name": name, "parent_id": parent_id, "wecom_id": entry["id"]}
        changes = {k: v for k, v in wanted.items() if row[k] != v}
        if not changes:
            return None
        if "wecom_id" in changes and row["wecom_id"] is not None:
            self.wecom.pop(row["wecom_id"], None)
        self.db.execute(f"UPDATE departments SET {', '.join(f'{k} = ?' for k in changes)} "
                        "WHERE id = ?", [*changes.values(), row["id"]])
        if "name" in changes:
            self._renamed(row, name)
        row.update(changes)
        self._index(row)
        return "updated"

    def _renamed(self, row, name):
        """The old name stays an alias (items printed with it still resolve); cadres of the
        department show the new name."""
        self.db.execute("DELETE FROM department_aliases WHERE alias = ?", [name])
        self.db.execute("INSERT OR IGNORE INTO department_aliases (alias, department_id) "
                        "VALUES (?, ?)", [row["name"], row["id"]])
        self.db.execute("UPDATE cadres SET department = ? WHERE department_id = ?",
                        [name, row["id"]])
        self.new_names.append(name)

    def _free_name(self, name, entry, parent, row):
        """`name`, or qualified by the parent's name, or by the WeCom id, whichever no other
        department holds."""
        mine = row["id"] if row else None
        candidates = [name]
        if parent is not None:
            candidates.append(parent["name"] + entry["name"])
        candidates.append(f"{entry['name']}（{entry['id']}）")
        for candidate in candidates:
            if self.holder(candidate) in (None, mine):
                return candidate
        return candidates[-1]

    def forget_missing(self, wecom_ids):
        """Departments no longer in the book lose their WeCom id (the rows stay)."""
        for wecom_id in [w for w in self.wecom if w not in wecom_ids]:
            row = self.wecom.pop(wecom_id)
            self.db.execute("UPDATE departments SET wecom_id = NULL WHERE id = ?", [row["id"]])
            row["wecom_id"] = None


def _parents_first(departments):
    """The book's departments, each after its parent (the order department/list gives)."""
    by_id = {int(d["id"]): dict(d, id=int(d["id"]), parentid=int(d.get("parentid") or 0))
             for d in departments}
    placed, ordered = set(), []

    def place(department_id, trail=()):
        if department_id in placed or department_id in trail:
            return
        entry = by_id[department_id]
        if entry["parentid"] in by_id:
            place(entry["parentid"], trail + (department_id,))
        placed.add(department_id)
        ordered.append(entry)

    for department_id in by_id:
        place(department_id)
    return ordered


def _display_names(departments):
    """{wecom id: name}: a name the book repeats becomes parent name + name (区财政局办公室);
    one that still repeats, name + WeCom id."""
    by_id = {d["id"]: d for d in departments}
    names = {d["id"]: " ".join(d["name"].split()) for d in departments}
    for department_id in _repeated(names):
        entry = by_id[department_id]
        parent = by_id.get(entry["parentid"])
        names[department_id] = (parent["name"] + names[department_id] if parent
                                else f"{names[department_id]}（{department_id}）")
    for department_id in _repeated(names):
        names[department_id] = f"{by_id[department_id]['name']}（{department_id}）"
    return names


def _repeated(names):
    groups = {}
    for department_id, name in names.items():
        groups.setdefault(fold(name), []).append(department_id)
    return [i for ids in groups.values() if len(ids) > 1 for i in ids]


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
        db.execute("INSERT INTO cadres (name, department, mobile, userid, department_id, synced_at)"
                   " VALUES (?, ?, ?, ?, ?, ?)",
                   [member["name"], department["name"] if department else None, mobile,
                    member["userid"], department["id"] if department else None, now])
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
        found = _cadre_by(db, "userid", userid)
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
    """Remove the synced, on-roster cadres whose member the book no longer lists."""
    gone = [cadre_id for cadre_id, userid in db.execute(
        "SELECT id, userid FROM cadres WHERE synced_at IS NOT NULL AND removed_at IS NULL")
        if userid not in userids]
    _remove(db, gone, now)
    return len(gone)


def _remove(db, cadre_ids, now):
    db.conn.executemany("UPDATE cadres SET removed_at = ?, synced_at = ? WHERE id = ?",
                        [(now, now, cadre_id) for cadre_id in cadre_ids])
    _expire_codes(db, cadre_ids)


def _expire_codes(db, cadre_ids):
    db.conn.executemany(
        "UPDATE binding_codes SET expires_at = strftime('%Y-%m-%dT%H:%M:%SZ','now','-1 second') "
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
