"""Who gets which department's items: per-cadre subscriptions, and 全部.

    subscribe(db, cadre_id, [3, 5])      # -> ids newly added
    subscribe_all(db, cadre_id)          # every department, including ones learned later
    unsubscribe(db, cadre_id, [3])       # under 全部: becomes "every department except 3"
    subscriptions_of(db, cadre_id)       # {"all": False, "departments": [{"id", "name"}]}
    recipients(db, department_id)        # bound, active cadres who get that department's items
"""

from store.transaction import write

ACTIVE = "c.removed_at IS NULL"
BOUND = "c.bound_at IS NOT NULL"  # as push/audience.py: bound by code, WeCom contact or enrol


def subscribe(db, cadre_id, department_ids):
    """Add subscriptions; returns the ids newly added (unknown ids are skipped; 全部 stays on)."""
    ids = _unique(department_ids)
    with write(db):
        before = _subscribed_ids(db, cadre_id)
        db.conn.executemany("INSERT OR IGNORE INTO subscriptions (cadre_id, department_id) "
                            "SELECT ?, id FROM departments WHERE id = ?", [(cadre_id, i) for i in ids])
        after = _subscribed_ids(db, cadre_id)
    return [i for i in ids if i in after and i not in before]


def subscribe_all(db, cadre_id):
    """Subscribe to every department, now and future (全部)."""
    with write(db):
        db.execute("UPDATE cadres SET subscribe_all = 1 WHERE id = ?", [cadre_id])


def unsubscribe(db, cadre_id, department_ids):
    """Drop subscriptions; returns the ids that were subscribed (under 全部: all of them).

    A cadre on 全部 who drops one department keeps every other department that exists now.
    """
    ids = _unique(department_ids)
    with write(db):
        if _is_all(db, cadre_id):
            db.execute("UPDATE cadres SET subscribe_all = 0 WHERE id = ?", [cadre_id])
            db.execute("INSERT OR IGNORE INTO subscriptions (cadre_id, department_id) "
                       "SELECT ?, id FROM departments", [cadre_id])
        before = _subscribed_ids(db, cadre_id)
        db.conn.executemany("DELETE FROM subscriptions WHERE cadre_id = ? AND department_id = ?",
                            [(cadre_id, i) for i in ids])
    return [i for i in ids if i in before]


def unsubscribe_all(db, cadre_id):
    """Drop 全部 and every subscription."""
    with write(db):
        db.execute("UPDATE cadres SET subscribe_all = 0 WHERE id = ?", [cadre_id])
        db.execute("DELETE FROM subscriptions WHERE cadre_id = ?", [cadre_id])


def subscriptions_of(db, cadre_id):
    """`subscriptions_of(db, 1)` -> {"all": bool, "departments": [{"id", "name"}] by name}."""
    departments = list(db.query("""
        SELECT d.id, d.name FROM subscriptions s JOIN departments d ON d.id = s.department_id
        WHERE s.cadre_id = ? ORDER BY d.name""", [cadre_id]))
    return {"all": _is_all(db, cadre_id), "departments": departments}


def subscribers_by_department(db):
    """For the console: [{"id", "name", "subscribers"}] — bound, active cadres, 全部 included."""
    return list(db.query(f"""
        SELECT d.id, d.name,
               (SELECT COUNT(*) FROM cadres c WHERE {ACTIVE} AND {BOUND} AND (c.subscribe_all = 1
                OR c.id IN (SELECT cadre_id FROM subscriptions WHERE department_id = d.id)))
               AS subscribers
        FROM departments d ORDER BY subscribers DESC, d.name"""))


def recipients(db, department_id):
    """Bound, active cadres who receive items of `department_id` (None: items without a
    department, which go to 全部 subscribers only): [{"id", "name", "openid", "userid"}]."""
    return list(db.query(f"""
        SELECT c.id, c.name, c.department, c.openid, c.userid FROM cadres c
        WHERE {ACTIVE} AND {BOUND} AND (c.subscribe_all = 1 OR c.id IN (
            SELECT cadre_id FROM subscriptions WHERE department_id = ?))
        ORDER BY c.id""", [department_id]))


def _is_all(db, cadre_id):
    row = db.execute("SELECT subscribe_all FROM cadres WHERE id = ?", [cadre_id]).fetchone()
    return bool(row and row[0])


def _subscribed_ids(db, cadre_id):
    return {r[0] for r in db.execute(
        "SELECT department_id FROM subscriptions WHERE cadre_id = ?", [cadre_id])}


def _unique(ids):
    return list(dict.fromkeys(int(i) for i in ids))
