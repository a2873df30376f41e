"""The org chart from the WeCom address book: departments by WeCom id, parents, names.

    apply_departments(db, book["departments"])       # the whole list (a department changed)
    apply_party_change(db, {"change": "create_party", "id": 7, "name": "办公室", "parentid": 2})
    chart = Chart(db)                                 # inside a write: look-ups and writes

Departments are matched by `wecom_id`, else by name or alias after folding (a department
first learned from an issue is linked, not duplicated); `parent_id` follows `parentid`.
Names the book repeats (an 办公室 under several bureaus) are qualified by their parent's
name (区财政局办公室), and by the WeCom id if that still repeats. A renamed department keeps
its old name as an alias and its cadres show the new name. A department gone from the book
loses its `wecom_id` and stays (items still point at it). store/addressbook.py applies the
members; docs/storage.md has the rules.
"""

from store.departments import core, district_prefix
from store.text import add_words, fold
from store.transaction import write


def apply_departments(db, departments):
    """Only the org chart, from the book's whole department list (what a department's
    change event fetches) -> {"added", "updated", "removed"} departments. An empty list
    changes nothing (the app sees no department: not a reason to unlink them all)."""
    if not departments:
        return {"added": 0, "updated": 0, "removed": 0}
    with write(db):
        chart = Chart(db)
        result = apply_chart(chart, departments)
    add_words(chart.new_names)
    return result


def apply_chart(chart, departments):
    """Save every department of the book in `chart` (parents first) and unlink the ones gone
    -> {"added", "updated", "removed"}."""
    departments = _parents_first(departments)
    result = {"added": 0, "updated": 0, "removed": 0}
    names = _display_names(departments)
    for entry in departments:
        outcome = chart.save(entry, names[entry["id"]])
        if outcome:
            result[outcome] += 1
    result["removed"] = chart.forget_missing({entry["id"] for entry in departments})
    return result


def apply_party_change(db, change):
    """One contact-change event for a department (`change`: create_party, update_party or
    delete_party; `id`, and `name`, `parentid` when the event carries them) -> "added",
    "updated", "removed", None or "incomplete" (an unknown department without a name).
    Only the event's own fields: a name the book repeats is qualified only if another
    department already holds it (`apply_departments` with the whole list sees repeats)."""
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
        self.district = district_prefix(row["name"] for row in self.rows.values())

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

    def same_core(self, name):
        """The one department not yet linked to the book whose short name equals this
        name's (财政局办公室 for 区财政局办公室: a roster or an issue named it first), else None."""
        wanted = core(name, self.district)
        found = [row["id"] for row in self.rows.values()
                 if row["wecom_id"] is None and core(row["name"], self.district) == wanted]
        return found[0] if len(found) == 1 else None

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
            if holder is None:
                holder = self.same_core(name)
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
        """Departments no longer in the book lose their WeCom id (the rows stay) -> how many."""
        gone = [w for w in self.wecom if w not in wecom_ids]
        for wecom_id in gone:
            row = self.wecom.pop(wecom_id)
            self.db.execute("UPDATE departments SET wecom_id = NULL WHERE id = ?", [row["id"]])
            row["wecom_id"] = None
        return len(gone)


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
