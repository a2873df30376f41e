"""Corrections (更正) and withdrawals (撤回) of an item, each one kept: before, after, who, when, why.

    change = correct(db, 7, title="新标题", body=None, department=None, note="标题有误", who="cli")
    change = withdraw(db, 7, note="误发", who="console")
    changes(db, 7)        # [{"id", "item_id", "action", "before", "after", "who", "note",
                          #   "created_at"}], oldest first
    latest(db, 7)         # the newest change, or None
    get_change(db, 3)     # one change, or None

A correction changes the stored item (store.issues.update_item: the search index follows by
trigger, so search finds the new text, never the old) and records the change in the same
transaction. A withdrawal sets `items.withdrawn_at` (a trigger takes the item out of the
index) and keeps the text it had, for the record: the pages show none of it. A withdrawn
item can be neither corrected nor withdrawn again. Raises ValueError (message in Chinese,
for the console and the CLI) for a missing note, no change, or an empty title/body.
"""

import json

from store.db import NOW
from store.issues import get_item, update_item
from store.transaction import write

FIELDS = ("title", "body", "department")
COLUMNS = "id, item_id, action, before, after, who, note, created_at"


def _text(item):
    return {"title": item["title"], "body": item["body"], "department": item["department"]}


def correct(db, item_id, *, title=None, body=None, department=None, note, who):
    """Correct an item (only the fields given); returns the change, or None if no such item."""
    note = " ".join(str(note or "").split())
    if not note:
        raise ValueError("请写明更正说明（--note）")
    item = get_item(db, item_id)
    if item is None:
        return None
    if item.get("withdrawn_at"):
        raise ValueError("该条已撤回，不能再更正")
    wanted = {"title": title, "body": body, "department": department}
    before = _text(item)
    with write(db):
        updated = update_item(db, item_id, **wanted)
        after = _text(updated)
        if after == before:
            raise ValueError("没有任何改动：请给出新的标题、正文或部门")
        change_id = db.execute(
            "INSERT INTO item_changes (item_id, action, before, after, who, note)"
            " VALUES (?, 'correct', ?, ?, ?, ?)",
            [item_id, _dump(before), _dump(after), who, note]).lastrowid
    return get_change(db, change_id)


def withdraw(db, item_id, *, note, who):
    """Withdraw an item; returns the change, or None if no such item."""
    note = " ".join(str(note or "").split())
    if not note:
        raise ValueError("请写明撤回说明（--note）")
    item = get_item(db, item_id)
    if item is None:
        return None
    if item.get("withdrawn_at"):
        raise ValueError("该条已经撤回")
    with write(db):
        db.execute(f"UPDATE items SET withdrawn_at = {NOW} WHERE id = ?", [item_id])
        change_id = db.execute(
            "INSERT INTO item_changes (item_id, action, before, after, who, note)"
            " VALUES (?, 'withdraw', ?, '{}', ?, ?)",
            [item_id, _dump(_text(item)), who, note]).lastrowid
    return get_change(db, change_id)


def changes(db, item_id):
    """Every change of an item, oldest first."""
    return [_row(r) for r in db.execute(
        f"SELECT {COLUMNS} FROM item_changes WHERE item_id = ? ORDER BY id", [item_id])]


def latest(db, item_id):
    """The item's newest change, or None."""
    row = db.execute(f"SELECT {COLUMNS} FROM item_changes WHERE item_id = ?"
                     " ORDER BY id DESC LIMIT 1", [item_id]).fetchone()
    return _row(row) if row else None


def get_change(db, change_id):
    row = db.execute(f"SELECT {COLUMNS} FROM item_changes WHERE id = ?",
                     [change_id]).fetchone()
    return _row(row) if row else None


def withdrawn_ids(db, issue_id):
    """The ids of the issue's withdrawn items."""
    return {r[0] for r in db.execute("SELECT id FROM items WHERE issue_id = ? AND"
                                     " withdrawn_at IS NOT NULL", [issue_id])}


def _dump(value):
    return json.dumps(value, ensure_ascii=False)


def _row(row):
    change = dict(zip(COLUMNS.split(", "), row))
    change["before"] = json.loads(change["before"])
    change["after"] = json.loads(change["after"])
    return change
