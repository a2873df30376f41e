"""Who gets which department's items: per-cadre subscriptions, and 全部.

    subscribe(db, cadre_id, [3, 5])      # -> ids newly added
    subscribe_all(db, cadre_id)          # every department, including ones learned later
    unsubscribe(db, cadre_id, [3])       # under 全部: becomes "every department except 3"
    subscriptions_of(db, cadre_id)       # {"all": False, "departments": [{"id", "name"}]}

Who receives what — subscriptions, 全部 and the default follow — is decided in one place:
subscriptions/audience.py.
"""

from store.transaction import write



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


def _is_all(db, cadre_id):
    row = db.execute("SELECT subscribe_all FROM cadres WHERE id = ?", [cadre_id]).fetchone()
    return bool(row and row[0])


def _subscribed_ids(db, cadre_id):
    return {r[0] for r in db.execute(
        "SELECT department_id FROM subscriptions WHERE cadre_id = ?", [cadre_id])}


def _unique(ids):
    return list(dict.fromkeys(int(i) for i in ids))
