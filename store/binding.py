"""Binding a WeChat identity to a roster cadre: one-time codes, WeCom members, who is who.

    invite(db, ttl_hours=72)                  # -> [{"name", "code", ...}] for unbound cadres
    invite(db, cadre_ids=[7], renew=True)     # a lost code: a new one, the old one void
    valid_codes(db)                           # {cadre id: expires_at} of codes still usable
    result = bind(db, "48213907", openid="o6_bmj…")
    result.ok, result.reason, result.cadre    # True, "ok", {...}
    cadre_for(db, openid="o6_bmj…")           # the bound, active cadre, or None
    bind_wecom_member(db, "zhangsan")         # WeCom: a roster userid binds without a code
    enrol(db, openid="o6_bmj…")               # BOT_OPEN_ACCESS=1: a follower's own record
    take_identity(db, 7, userid="lisi")       # the roster adds a follower: merged, as bind does

Codes are 8 random digits from `secrets`, single use, expiring. Inviting again gives codes
only to the cadres without a valid unused one, so the codes handed out stay good; renewing
(`renew=True`, for a lost code) expires the cadre's older unused codes. An identity with MAX_FAILED wrong codes within an
hour is refused (`throttled`) until the hour passes, so codes cannot be guessed.

A follower who enrolled themselves (open access) and then binds with a roster cadre's code
becomes that cadre: their subscriptions (and 全部) are added to the cadre's, and their own
record is deleted, so one person is one record and one recipient. The roster merges them the
same way (`take_identity`) when it gives a cadre a follower's userid: a CSV import or the
WeCom address book adding someone who chatted as a follower first.
"""

import secrets
import unicodedata
from dataclasses import dataclass

from store.db import EXPIRED, NOW, at
from store.transaction import write

DAY_AGO, HOUR_AGO = at("'-1 day'"), at("'-1 hour'")
CODE_DIGITS = 8
MAX_FAILED = 10  # wrong codes per identity per hour
CADRE_COLUMNS = ("id, name, department, mobile, userid, openid, bound_at, subscribe_all, "
                 "removed_at, created_at, department_id, open_access")
# Why a bind failed, for the chat reply ("ok" when it worked).
REASONS = ("ok", "unknown", "expired", "used", "bound_elsewhere", "identity_taken", "removed",
           "throttled")


@dataclass
class BindResult:
    ok: bool
    reason: str  # one of REASONS
    cadre: dict | None = None  # the cadre bound (ok), or the code's cadre
    already: bool = False  # ok, and this identity was already bound to this cadre
    merged: bool = False  # ok, and a self-enrolled follower's record was merged into the cadre


# When a cadre can be reached without a code, per channel identity (subscriptions.audience).
REACHABLE = {
    "userid": "(userid IS NOT NULL OR bound_at IS NOT NULL)",
    "openid": "(openid IS NOT NULL AND bound_at IS NOT NULL)",
    "any": "(bound_at IS NOT NULL)",
}


def invite(db, ttl_hours=72, cadre_ids=None, identity="any", renew=False):
    """New one-time codes for active cadres who need one to be reached (or just `cadre_ids`)
    and hold no valid unused code: -> [{"name", "code", "cadre_id", "department",
    "expires_at"}] by name. `renew=True` gives them new codes even so, the old ones void.

    Who needs one depends on the channel's `identity`: on WeCom (`userid`) the address book
    is the identity, so only cadres without a userid; on the Official Account (`openid`)
    cadres without an openid; in the sandbox (`any`) every unbound cadre."""
    ttl = f"{int(ttl_hours * 3600):+d} seconds"
    invitations = []
    with write(db):
        holding = set() if renew else set(valid_codes(db))
        cadres = [c for c in _cadres(db, f"NOT {REACHABLE[identity]} AND removed_at IS NULL")
                  if (cadre_ids is None or c["id"] in set(cadre_ids)) and c["id"] not in holding]
        for cadre in cadres:
            db.execute(f"UPDATE binding_codes SET expires_at = {EXPIRED} "
                       f"WHERE cadre_id = ? AND used_at IS NULL AND expires_at > {NOW}", [cadre["id"]])
            code = _new_code(db)
            db.execute("INSERT INTO binding_codes (code, cadre_id, expires_at) "
                       f"VALUES (?, ?, {at('?')})",
                       [code, cadre["id"], ttl])
            expires = db.execute("SELECT expires_at FROM binding_codes WHERE code = ?",
                                 [code]).fetchone()[0]
            invitations.append({"name": cadre["name"], "code": code, "cadre_id": cadre["id"],
                                "department": cadre["department"], "expires_at": expires})
    return invitations


def valid_codes(db):
    """`{cadre id: expires_at}` of the active cadres holding an unused, unexpired code (the
    latest expiry when several)."""
    return dict(db.execute(
        "SELECT b.cadre_id, MAX(b.expires_at) FROM binding_codes b JOIN cadres c ON c.id ="
        f" b.cadre_id WHERE b.used_at IS NULL AND b.expires_at > {NOW} AND c.removed_at IS NULL"
        " GROUP BY b.cadre_id").fetchall())


def codes_since(db, cadre_ids, since):
    """The unused, unexpired codes of `cadre_ids` made at or after the stored time `since`
    (what one press of the console's button made) -> invite()'s rows, by name."""
    ids = [int(i) for i in cadre_ids]
    if not ids:
        return []
    rows = db.execute(
        "SELECT c.name, b.code, c.id, c.department, b.expires_at FROM binding_codes b"
        " JOIN cadres c ON c.id = b.cadre_id"
        f" WHERE b.cadre_id IN ({','.join('?' * len(ids))}) AND b.used_at IS NULL"
        f" AND b.expires_at > {NOW} AND b.created_at >= ? ORDER BY c.name, c.id",
        [*ids, since]).fetchall()
    return [dict(zip(("name", "code", "cadre_id", "department", "expires_at"), r)) for r in rows]


def now(db):
    """The database's "now" in stored time format (a mark for codes_since)."""
    return db.execute(f"SELECT {NOW}").fetchone()[0]


def bind(db, code, openid=None, userid=None):
    """Bind this identity (one of `openid`, `userid`) with a code -> BindResult."""
    column, identity = _identity(openid, userid)
    code = "".join(unicodedata.normalize("NFKC", str(code or "")).split())
    with write(db):
        if _failures(db, column, identity) >= MAX_FAILED:
            return BindResult(False, "throttled")
        row = db.execute(f"SELECT cadre_id, used_at, expires_at < {NOW} FROM binding_codes "
                         "WHERE code = ?", [code]).fetchone()
        if row is None:
            db.execute("DELETE FROM binding_attempts WHERE at < "
                       f"{DAY_AGO}")
            db.execute("INSERT INTO binding_attempts (identity) VALUES (?)", [f"{column}:{identity}"])
            return BindResult(False, "unknown")
        cadre_id, used_at, expired = row
        cadre = get_cadre(db, cadre_id)
        if cadre[column] == identity and cadre["bound_at"] and not cadre["removed_at"]:
            return BindResult(True, "ok", cadre, already=True)
        reason = ("removed" if cadre["removed_at"] else "used" if used_at else
                  "expired" if expired else "bound_elsewhere" if cadre["bound_at"] else None)
        holders = [] if reason else _cadres(db, f"{column} = ? AND id != ?", [identity, cadre_id])
        if any(not holder["open_access"] for holder in holders):
            reason = "identity_taken"  # a roster cadre's identity: the office unbinds first
        if reason:
            return BindResult(False, reason, cadre)
        merged = take_identity(db, cadre_id, **{column: identity})
        db.execute(f"UPDATE binding_codes SET used_at = {NOW} WHERE code = ?", [code])
        db.execute(f"UPDATE cadres SET bound_at = {NOW} WHERE id = ?", [cadre_id])
    return BindResult(True, "ok", get_cadre(db, cadre_id), merged=merged)


def take_identity(db, cadre_id, openid=None, userid=None):
    """`take_identity(db, 7, userid="lisi")`: roster cadre 7 takes this WeChat identity; a
    follower who enrolled themselves under it (open access) — this very person, before the
    office knew them — is merged into the cadre first: their subscriptions and 全部 added,
    their record deleted, their chat state (kept by identity) theirs still -> True when one
    was. What `bind` does with a code, and the roster with a userid (a CSV import, the WeCom
    address book: subscriptions/roster_csv.py, store/addressbook.py)."""
    column, identity = _identity(openid, userid)
    with write(db):
        followers = _cadres(db, f"{column} = ? AND id != ? AND open_access = 1",
                            [identity, cadre_id])
        for follower in followers:
            _merge_follower(db, follower["id"], cadre_id)
        db.execute(f"UPDATE cadres SET {column} = ? WHERE id = ?", [identity, cadre_id])
    return bool(followers)


def _merge_follower(db, follower_id, cadre_id):
    """A self-enrolled follower binds as roster cadre `cadre_id`: the follower's
    subscriptions and 全部 are added to the cadre's, then the follower's record is deleted
    (its identity moves to the cadre; past deliveries keep their recipient, cadre_id NULL)."""
    db.execute("INSERT OR IGNORE INTO subscriptions (cadre_id, department_id, created_at) "
               "SELECT ?, department_id, created_at FROM subscriptions WHERE cadre_id = ?",
               [cadre_id, follower_id])
    db.execute("UPDATE cadres SET subscribe_all = 1 WHERE id = ? AND "
               "(SELECT subscribe_all FROM cadres WHERE id = ?)", [cadre_id, follower_id])
    db.execute("DELETE FROM cadres WHERE id = ?", [follower_id])


def cadre_for(db, openid=None, userid=None):
    """The bound, active cadre with this identity, or None."""
    column, identity = _identity(openid, userid)
    found = _cadres(db, f"{column} = ? AND bound_at IS NOT NULL AND removed_at IS NULL", [identity])
    return found[0] if found else None


def bind_wecom_member(db, userid):
    """WeCom: the active roster cadre with this userid, bound now (no code); else None."""
    if not userid:
        return None
    with write(db):
        db.execute(f"UPDATE cadres SET bound_at = {NOW} WHERE userid = ? AND bound_at IS NULL "
                   "AND removed_at IS NULL", [userid])
    return cadre_for(db, userid=userid)


def enrol(db, openid=None, userid=None, name="公众用户"):
    """Open access (BOT_OPEN_ACCESS=1): the cadre record of a self-registered follower, made
    on first use so they can subscribe -> the cadre dict. A removed record is not revived."""
    column, identity = _identity(openid, userid)
    with write(db):
        found = _cadres(db, f"{column} = ?", [identity])
        if not found:
            db.execute(f"INSERT INTO cadres (name, {column}, bound_at, open_access)"
                       f" VALUES (?, ?, {NOW}, 1)", [name, identity])  # 内部 items: never
        elif found[0]["bound_at"] is None and not found[0]["removed_at"]:
            db.execute(f"UPDATE cadres SET bound_at = {NOW} WHERE id = ?", [found[0]["id"]])
    return cadre_for(db, **{column: identity})


def unbind(db, cadre_id):
    """Forget a cadre's WeChat binding (new phone, wrong person): they need a new code.
    The WeCom userid, part of the roster, stays. Returns False for an unknown cadre."""
    with write(db):
        changed = db.execute("UPDATE cadres SET openid = NULL, bound_at = NULL WHERE id = ?",
                             [cadre_id]).rowcount
    return bool(changed)


def get_cadre(db, cadre_id):
    """`get_cadre(db, 1)` -> the cadre's row as a dict, or None."""
    found = _cadres(db, "id = ?", [cadre_id])
    return found[0] if found else None


def _identity(openid, userid):
    if bool(openid) == bool(userid):
        raise ValueError("pass exactly one of openid= or userid=")
    return ("openid", openid) if openid else ("userid", userid)


def _failures(db, column, identity):
    return db.execute("SELECT COUNT(*) FROM binding_attempts WHERE identity = ? "
                      f"AND at > {HOUR_AGO}",
                      [f"{column}:{identity}"]).fetchone()[0]


def _new_code(db):
    while True:
        code = f"{secrets.randbelow(10 ** CODE_DIGITS):0{CODE_DIGITS}d}"
        if not db.execute("SELECT 1 FROM binding_codes WHERE code = ?", [code]).fetchone():
            return code


CADRE_KEYS = tuple(column.strip() for column in CADRE_COLUMNS.split(","))


def _cadres(db, where, params=()):
    # db.execute, not sqlite-utils' query(): that wraps every read in a savepoint (two more
    # statements on each chat message, which looks its sender up here)
    cursor = db.execute(f"SELECT {CADRE_COLUMNS} FROM cadres WHERE {where} ORDER BY name, id",
                        list(params))
    return [dict(zip(CADRE_KEYS, row)) for row in cursor]
