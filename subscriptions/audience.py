"""Who may receive an issue, read from the store's tables (the SQL side of planning).

    items, meta = issue_content(db, issue_id)        # item rows and {"issuer", "date", "number"}
    cadres = reachable_cadres(db, "work")            # bound, on-roster cadres with their follows
    done = planned_recipients(db, issue_id)          # recipients already in the outbox

A cadre is reachable when bound (`bound_at` set), not removed, and has the identity the
channel addresses: `userid` for WeCom (`work`), `openid` for the Official Account (`mp`),
either for the `sandbox` channel.
"""

IDENTITY = {
    "work": "c.userid",
    "mp": "c.openid",
    "sandbox": "COALESCE(c.openid, c.userid)",
}


def issue_content(db, issue_id):
    """The issue's items (dicts, in order) and its header, or (None, None) if unknown."""
    row = db.execute(
        "SELECT id, issuer, date, number FROM issues WHERE id = ?", [issue_id]).fetchone()
    if row is None:
        return None, None
    meta = {"id": row[0], "issuer": row[1], "date": row[2], "number": row[3]}
    cursor = db.execute(
        "SELECT id, seq, kind, title, body, department, department_id FROM items"
        " WHERE issue_id = ? ORDER BY seq", [issue_id])
    columns = [c[0] for c in cursor.description]
    return [dict(zip(columns, r)) for r in cursor.fetchall()], meta


def issue_exists(db, issue_id):
    """True if an issue with this id is stored."""
    return db.execute("SELECT 1 FROM issues WHERE id = ?", [issue_id]).fetchone() is not None


def reachable_cadres(db, channel):
    """[{"id", "recipient", "all": bool, "departments": set}] for every cadre we can push to."""
    identity = IDENTITY[channel]
    rows = db.execute(f"""
        SELECT c.id, {identity}, c.subscribe_all FROM cadres c
        WHERE c.bound_at IS NOT NULL AND c.removed_at IS NULL AND {identity} IS NOT NULL
        ORDER BY c.id""").fetchall()
    cadres = {r[0]: {"id": r[0], "recipient": r[1], "all": bool(r[2]), "departments": set()}
              for r in rows}
    for cadre_id, department_id in db.execute(
            "SELECT cadre_id, department_id FROM subscriptions").fetchall():
        if cadre_id in cadres:
            cadres[cadre_id]["departments"].add(department_id)
    return list(cadres.values())


def planned_recipients(db, issue_id):
    """The set of recipients that already have a delivery row for this issue."""
    return {r[0] for r in db.execute(
        "SELECT DISTINCT recipient FROM deliveries WHERE issue_id = ?", [issue_id]).fetchall()}
