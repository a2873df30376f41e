"""Who receives an issue, and which of its items: the ONE rule the push, its dry run, the
console's subscriber and people pages (and reminders) all use.

    rule = Rule(identity="userid", default_follow="own")   # the channel's identity, a setting
    rule = rule_for(app.config, channel.identity)           # the same, from BOT_DEFAULT_FOLLOW
    reach = audience(db, issue_id, rule)                    # -> Reach, or None for no issue
    reach.recipients      # [{"id", "recipient", "items": (item id, …), "department"}]
    reach.unreached       # {"unbound": n, "removed": n, "no_matching_items": n}
    reach.planned         # cadres who already have the issue (left out), on any account
    reach.planned_elsewhere  # of those, the ones who had it on an account since replaced
    followers(db, department_id, rule)   # cadres who get that department's items
    addressed_now(db, rule, [(3, "o_old")])  # [(3, "o_new")]: where a cadre is reached today

A cadre is reachable when on the roster (not removed) and addressable on the channel:
- `userid`: WeCom. The address book is the identity, so a roster cadre with a userid is
  reachable at once — no binding code, no first message;
- `openid`: the Official Account. An openid is only ever set by binding, so having one is
  being bound;
- `any`: the sandbox. A bound cadre, by openid or else userid.

What a reachable cadre receives: the lead item always; every item of a department they
follow (their subscriptions, or every department under 全部); and by default, unasked
(BOT_DEFAULT_FOLLOW): `own` the items of their own department, `all` every item, `none`
nothing more. What they subscribe to in chat adds to the default.
"""

from dataclasses import dataclass, field

from store.levels import EFFECTIVE, INTERNAL

DEFAULT_FOLLOWS = ("own", "none", "all")
IDENTITY_SQL = {
    "userid": ("c.userid", "c.userid IS NOT NULL"),
    "openid": ("c.openid", "c.openid IS NOT NULL"),
    "any": ("COALESCE(c.openid, c.userid)",
            "c.bound_at IS NOT NULL AND COALESCE(c.openid, c.userid) IS NOT NULL"),
}


@dataclass(frozen=True)
class Rule:
    """How one deployment reaches cadres: the channel's identity and the default follow."""
    identity: str = "any"
    default_follow: str = "own"

    def __post_init__(self):
        if self.identity not in IDENTITY_SQL:
            raise ValueError(f"unknown identity {self.identity!r}")
        if self.default_follow not in DEFAULT_FOLLOWS:
            raise ValueError(f"unknown default follow {self.default_follow!r}")


@dataclass
class Reach:
    """The audience of one issue, computed without writing anything."""
    recipients: list = field(default_factory=list)
    unreached: dict = field(default_factory=dict)
    planned: int = 0
    planned_elsewhere: int = 0


def rule_for(config, identity):
    """`rule_for(app.config, "userid")` -> the Rule for that identity and BOT_DEFAULT_FOLLOW."""
    return Rule(identity, config.get("BOT_DEFAULT_FOLLOW") or "own")


def audience(db, issue_id, rule, skip_planned=True):
    """Every cadre who receives something of `issue_id` under `rule`; None if no such issue.

    With `skip_planned`, cadres that already have a delivery for this issue are left out
    (counted in `planned`): planning again after new cadres appear plans only them. A cadre
    is known by their id as well as their account, so one who had the issue on a phone since
    replaced (`roster unbind`, a new binding) is not sent it again on the new one (counted
    in `planned_elsewhere` too)."""
    items, _ = issue_content(db, issue_id)
    if items is None:
        return None
    done = planned_recipients(db, issue_id) if skip_planned else set()
    done_cadres = planned_cadres(db, issue_id) if skip_planned else set()
    reach = Reach(unreached=dict.fromkeys(("unbound", "removed", "no_matching_items"), 0))
    for cadre in _cadres(db, rule):
        if cadre["removed"]:
            reach.unreached["removed"] += 1
        elif cadre["recipient"] is None:
            reach.unreached["unbound"] += 1
        elif cadre["recipient"] in done or cadre["id"] in done_cadres:
            reach.planned += 1
            reach.planned_elsewhere += cadre["recipient"] not in done
        else:
            chosen = items_for(cadre, items, rule)
            if chosen:
                reach.recipients.append({"id": cadre["id"], "recipient": cadre["recipient"],
                                         "items": chosen, "department": cadre["department"]})
            else:
                reach.unreached["no_matching_items"] += 1
    return reach


def items_for(cadre, items, rule):
    """`items_for(cadre, items, rule)` -> the ids of the items this cadre gets, in order.
    An item of a joint attribution reaches the followers of each of its departments. A
    follower who enrolled themselves (BOT_OPEN_ACCESS) never gets a 内部 item."""
    return tuple(item["id"] for item in items
                 if not (cadre.get("open_access") and item.get("level") == INTERNAL)
                 and (item["kind"] == "lead"
                      or any(follows(cadre, d, rule) for d in item["department_ids"] or [None])))


def follows(cadre, department_id, rule):
    """True when `cadre` receives items of `department_id` (None: an item with no department,
    which only 全部 — or the `all` default — brings)."""
    if cadre["all"] or rule.default_follow == "all":
        return True
    if department_id is None:
        return False
    return (department_id in cadre["departments"]
            or (rule.default_follow == "own" and department_id == cadre["own_department"]))


def followers(db, department_id, rule):
    """Reachable cadres who get `department_id`'s items: [{"id", "name", "department"}]."""
    return [{"id": c["id"], "name": c["name"], "department": c["department"]}
            for c in _cadres(db, rule)
            if not c["removed"] and c["recipient"] is not None and follows(c, department_id, rule)]


def follower_counts(db, rule):
    """`follower_counts(db, rule)` -> [{"id", "name", "subscribers"}] for every department,
    busiest first: the console's numbers, by the push's rule."""
    cadres = [c for c in _cadres(db, rule) if not c["removed"] and c["recipient"] is not None]
    rows = db.execute("SELECT id, name FROM departments").fetchall()
    counts = [{"id": i, "name": name, "subscribers": sum(follows(c, i, rule) for c in cadres)}
              for i, name in rows]
    return sorted(counts, key=lambda d: (-d["subscribers"], d["name"]))


def issue_content(db, issue_id):
    """The issue's items (dicts, in order; withdrawn ones left out) and its header, or
    (None, None) if unknown. Each item's `department` is the name it printed, and
    `department_now` its department's current name (after a rename or merge; the printed
    name when it has none)."""
    row = db.execute(
        "SELECT id, issuer, date, number FROM issues WHERE id = ?", [issue_id]).fetchone()
    if row is None:
        return None, None
    meta = {"id": row[0], "issuer": row[1], "date": row[2], "number": row[3]}
    cursor = db.execute(
        "SELECT i.id, i.seq, i.kind, i.title, i.body, i.department, i.department_id,"
        f" {EFFECTIVE} AS level, COALESCE(d.name, i.department) AS department_now"
        " FROM items i JOIN issues s ON s.id = i.issue_id"
        " LEFT JOIN departments d ON d.id = i.department_id"
        " WHERE i.issue_id = ? AND i.withdrawn_at IS NULL ORDER BY i.seq",  # 撤回: never sent
        [issue_id])
    columns = [c[0] for c in cursor.description]
    items = [dict(zip(columns, r), department_ids=[]) for r in cursor.fetchall()]
    by_id = {item["id"]: item for item in items}
    for item_id, department_id in db.execute("""
            SELECT j.item_id, j.department_id FROM item_departments j
            JOIN items i ON i.id = j.item_id WHERE i.issue_id = ? ORDER BY j.rowid""",
                                             [issue_id]).fetchall():
        if item_id in by_id:
            by_id[item_id]["department_ids"].append(department_id)
    return items, meta


def issue_exists(db, issue_id):
    """True if an issue with this id is stored."""
    return db.execute("SELECT 1 FROM issues WHERE id = ?", [issue_id]).fetchone() is not None


def planned_recipients(db, issue_id):
    """The set of recipients that already have a delivery row for this issue."""
    return {r[0] for r in db.execute(
        "SELECT DISTINCT recipient FROM deliveries WHERE issue_id = ? AND kind = 'issue'",
        [issue_id]).fetchall()}


def planned_cadres(db, issue_id):
    """The ids of the cadres that already have a delivery for this issue, on any account."""
    return {r[0] for r in db.execute(
        "SELECT DISTINCT cadre_id FROM deliveries WHERE issue_id = ? AND kind = 'issue'"
        " AND cadre_id IS NOT NULL", [issue_id]).fetchall()}


def addressed_now(db, rule, pairs):
    """`[(cadre id, recipient)]` taken from earlier deliveries (what a correction notice or a
    reminder is planned from) -> the same cadres at the account the channel reaches them at
    now: a cadre unbound and bound again (a new phone) is sent to the new account. Each cadre
    once, in the given order. A cadre with no account now (unbound, removed from the roster)
    keeps the old recipient, which the worker then refuses (push.outbox.drop_removed:
    `failed`, never sent); a pair without a cadre id is kept as it is."""
    address, addressable = IDENTITY_SQL[rule.identity]
    ids = sorted({cadre_id for cadre_id, _ in pairs if cadre_id is not None})
    now = {}
    if ids:
        marks = ",".join("?" * len(ids))
        now = dict(db.execute(
            f"SELECT c.id, {address} FROM cadres c WHERE c.id IN ({marks}) AND {addressable}"
            " AND c.removed_at IS NULL", ids).fetchall())
    seen, out = set(), []
    for cadre_id, recipient in pairs:
        if cadre_id is not None and cadre_id in seen:
            continue
        seen.add(cadre_id)
        out.append((cadre_id, now.get(cadre_id) or recipient))
    return out


def _cadres(db, rule):
    """Every cadre on file with what the rule needs: recipient (None when not addressable),
    removed, 全部, subscribed department ids and own department id."""
    address, addressable = IDENTITY_SQL[rule.identity]
    rows = db.execute(f"""
        SELECT c.id, c.name, c.department, CASE WHEN {addressable} THEN {address} END,
               c.removed_at IS NOT NULL, c.subscribe_all, c.department_id, c.open_access
        FROM cadres c ORDER BY c.id""").fetchall()
    cadres = {r[0]: {"id": r[0], "name": r[1], "department": r[2], "recipient": r[3],
                     "removed": bool(r[4]), "all": bool(r[5]), "own_department": r[6],
                     "open_access": bool(r[7]), "departments": set()} for r in rows}
    for cadre_id, department_id in db.execute(
            "SELECT cadre_id, department_id FROM subscriptions").fetchall():
        if cadre_id in cadres:
            cadres[cadre_id]["departments"].add(department_id)
    return list(cadres.values())
