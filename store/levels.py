"""公开 or 内部: each issue has a level (default 内部), each item may override it.

    set_issue_level(db, 7, "公开")
    set_item_level(db, 12, "内部")        # None: back to the issue's level
    item_level(db, 12)                    # "内部": the item's own, else its issue's
    internal_among(db, [3, 4, 9])         # {3, 9}: which of these items are 内部
    public_only(ctx.cadre)                # True: this chat reader sees 公开 items only
    public_only_among(db, [1, 2, 5])      # {5}: of these cadres, those sent 公开 items only
    EFFECTIVE                             # the SQL for an item's level (items i, issues s)

内部 items never reach followers who enrolled themselves under BOT_OPEN_ACCESS=1
(`cadres.open_access`), nor anyone who chats without a cadre record: not in pushes
(subscriptions/audience.py), not in what is sent about an item after the push — a
correction notice, a reminder (`public_only_among`: the item may have been 公开 when it was
pushed) —, not in any chat reply (`public_only`, handlers/searching.py:
search, 最新, 更多 and help's examples; 部门's counts), not on item pages (web/pages.py). Issues marked
秘密/机密/绝密 are never stored at all (store/ingest.py).

Search keeps to 公开 items by the index's `public` token (store/search_index.py), which
triggers rewrite on every change of a level (store/schema.py m020): change levels through
these functions or any UPDATE of `items.level` / `issues.level`, and the next search follows.
"""

from store.transaction import write

LEVELS = ("公开", "内部")
INTERNAL = "内部"
EFFECTIVE = "COALESCE(i.level, s.level)"


def _check(level):
    if level not in LEVELS:
        raise ValueError(f"level must be one of {', '.join(LEVELS)}")


def set_issue_level(db, issue_id, level):
    """Set the issue's level; LookupError for an unknown issue."""
    _check(level)
    with write(db):
        if not db.execute("UPDATE issues SET level = ? WHERE id = ?", [level, issue_id]).rowcount:
            raise LookupError(f"no issue {issue_id}")
        db.execute("UPDATE search_version SET n = n + 1 WHERE id = 1")  # cached answers stale


def set_item_level(db, item_id, level):
    """Override one item's level (None: follow the issue)."""
    if level is not None:
        _check(level)
    with write(db):
        if not db.execute("UPDATE items SET level = ? WHERE id = ?", [level, item_id]).rowcount:
            raise LookupError(f"no item {item_id}")


def item_level(db, item_id):
    row = db.execute(f"SELECT {EFFECTIVE} FROM items i JOIN issues s ON s.id = i.issue_id"
                     " WHERE i.id = ?", [item_id]).fetchone()
    return row and row[0]


def internal_among(db, item_ids):
    """`internal_among(db, [3, 4, 9])` -> {3, 9}: those of the items that are 内部."""
    ids = [int(item_id) for item_id in item_ids]
    if not ids:
        return set()
    marks = ",".join("?" * len(ids))
    return {row[0] for row in db.execute(
        f"SELECT i.id FROM items i JOIN issues s ON s.id = i.issue_id"
        f" WHERE i.id IN ({marks}) AND {EFFECTIVE} = ?", [*ids, INTERNAL])}


def issue_levels(db, issue_id):
    """{"issue": level, "items": {item id: (own level or None, effective level)}}."""
    row = db.execute("SELECT level FROM issues WHERE id = ?", [issue_id]).fetchone()
    items = db.execute(f"SELECT i.id, i.level, {EFFECTIVE} FROM items i"
                       " JOIN issues s ON s.id = i.issue_id WHERE s.id = ?", [issue_id]).fetchall()
    return {"issue": row and row[0], "items": {r[0]: (r[1], r[2]) for r in items}}


def public_only(cadre):
    """True when a chat reader with this cadre record (None: none) sees 公开 items only: a
    follower under BOT_OPEN_ACCESS who has no record (never subscribed) or enrolled themselves
    (`open_access`). The one rule for every chat reply that lists items or quotes titles."""
    return cadre is None or bool(cadre.get("open_access"))


def is_open_access(db, cadre_id):
    row = db.execute("SELECT open_access FROM cadres WHERE id = ?", [cadre_id]).fetchone()
    return bool(row and row[0])


def public_only_among(db, cadre_ids):
    """`public_only_among(db, [1, 2, 5])` -> {5}: those of the cadres who may be sent 公开
    items only — self-enrolled followers (`open_access`), and ids with no cadre record.
    What is sent about an item after its push (notices, reminders) asks this: the item may
    have been made 内部 since."""
    ids = {int(cadre_id) for cadre_id in cadre_ids if cadre_id is not None}
    if not ids:
        return set()
    marks = ",".join("?" * len(ids))
    allowed = {row[0] for row in db.execute(
        f"SELECT id FROM cadres WHERE id IN ({marks}) AND NOT open_access", sorted(ids))}
    return ids - allowed
