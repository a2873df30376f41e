"""The roster of cadres: list them, take one off; the CSV import is subscriptions/roster_csv.py.

    list_cadres(db, bound=False)               # who still needs a code
    remove_cadre(db, 7)                         # off the roster: no pushes, no chat, no search
"""

from store.binding import REACHABLE
from store.transaction import write


def list_cadres(db, bound=None, include_removed=False, search=None, limit=None, offset=0,
                identity="any"):
    """`list_cadres(db, bound=True)` -> [{cadre row..., "bound": bool, "subscriptions": n}]
    by name; `search` matches name, department or mobile. `bound` means reachable without a
    code on a channel of that `identity` (store.binding.REACHABLE): on WeCom, a userid."""
    reachable = REACHABLE[identity]
    where, params = ["1"], []
    if not include_removed:
        where.append("removed_at IS NULL")
    if bound is not None:
        where.append(reachable if bound else f"NOT {reachable}")
    if search:
        where.append("(name LIKE ? OR department LIKE ? OR mobile LIKE ?)")
        params += [f"%{search}%"] * 3
    params += [-1 if limit is None else int(limit), int(offset)]
    rows = db.query(f"""
        SELECT c.*, {reachable} AS bound,
               (SELECT COUNT(*) FROM subscriptions s WHERE s.cadre_id = c.id) AS subscriptions
        FROM cadres c WHERE {' AND '.join(where)} ORDER BY name, id LIMIT ? OFFSET ?""", params)
    return [dict(row, bound=bool(row["bound"])) for row in rows]


def remove_cadre(db, cadre_id):
    """Take a cadre off the roster (kept for history): no pushes, no chat, no search.
    Their unused codes expire. Returns False for an unknown or already removed cadre."""
    with write(db):
        changed = db.execute("UPDATE cadres SET removed_at = strftime('%Y-%m-%dT%H:%M:%SZ','now') "
                             "WHERE id = ? AND removed_at IS NULL", [cadre_id]).rowcount
        db.execute("UPDATE binding_codes SET expires_at = strftime('%Y-%m-%dT%H:%M:%SZ','now','-1 second') "
                   "WHERE cadre_id = ? AND used_at IS NULL", [cadre_id])
    return bool(changed)
