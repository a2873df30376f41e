"""Approval before a push (审核): an issue is pending (待审核), approved (已批准) or pushed (已推送).

    changed(db, 7, "zhang")            # uploaded or corrected: back to pending unless pushed
    changed(db, 7, "zhang", kept=True)  # the issue's level or masthead (a 替换 keeps them)
    approve(db, 7, "li", four_eyes=True)   # ReviewRefused when not allowed, with the reason
    pushed(db, 7)                      # after a push was queued
    state(db, 7)                       # {"state", "label", "changed_by", "uploaded_by", …}
    seen = versions(db, 7)             # {"version", "issue", "items": {item id: digest}}
    approve(db, 7, "li", seen=seen["version"])   # ReviewStale if it changed since
    what_changed(db, 7, seen_text(seen))         # {"issue": bool, "items": [ids]}
    is_approved(db, 7)                 # approved or pushed: cadres may see it
    item_states(db, [3, 4])            # {3: "pending", 4: "pushed"}

Who may approve or push is the caller's rule (roles: web/auth.py, commands); this module
keeps the state and the four-eyes check: nobody who uploaded the issue, or uploaded, replaced
(替换) or changed it — items' text, title, department, level; the masthead — since its last
approval may approve it (`issues.changers`, store m022, emptied by an approval; `changers`).
A replacement of the items (store.issue_identity.replace) drops the earlier uploader from
them — their text is gone — unless they also changed what a replacement keeps, the issue's
level or masthead (`kept=True`: `issues.kept_changers`, store m023; `kept_changers`).

An approval is of the content the approver saw: `versions` digests everything the issue page
shows of it (masthead, level, and each item's title, body, department, kind, level,
withdrawal), so a change by anyone, through any path, changes the version. The console's
approve form carries the version it was rendered with; a mismatch is refused.

What cadres see follows the state (RELEASED): the chat's 最新, 更多, search and help's
examples, and item pages opened from a reply, show approved or pushed issues only — an
upload from the console, the CLI or the webhook waits for its approval (or its push) like a
push does. Search keeps this without a join: items of an issue not released carry a filter
token in the index (store/search_index.py, HELD), moved by a trigger when the state changes
(store/schema.py m016). Staff tools (the console, `python bot.py search`) see everything.
"""

import hashlib
import json

from store import issue_identity
from store.db import NOW
from store.transaction import write

LABELS = {"pending": "待审核", "approved": "已批准", "pushed": "已推送"}
RELEASED = ("approved", "pushed")  # the states cadres may see in chat and on item pages
RELEASED_SQL = "review_state IN ('approved', 'pushed')"  # the same, on issues


class ReviewRefused(Exception):
    """The approval is not allowed; the message says why (in Chinese, shown as is)."""


class ReviewStale(ReviewRefused):
    """The issue changed after the approver loaded it: nothing was approved."""


def state(db, issue_id):
    row = db.execute("SELECT review_state, changed_by, uploaded_by, approved_by, approved_at"
                     " FROM issues WHERE id = ?", [issue_id]).fetchone()
    if row is None:
        return None
    keys = ("state", "changed_by", "uploaded_by", "approved_by", "approved_at")
    return dict(zip(keys, row), label=LABELS[row[0]])


def changers(db, issue_id):
    """Who uploaded, replaced or changed the issue since its last approval (in that order;
    its uploader and last changer are refused too, as `state` gives them): [names]."""
    row = db.execute("SELECT changers FROM issues WHERE id = ?", [issue_id]).fetchone()
    return json.loads(row[0]) if row and row[0] else []


def kept_changers(db, issue_id):
    """Who changed what a replacement of the items keeps (the issue's level, its masthead)
    since its last approval: [names], each also among `changers`."""
    row = db.execute("SELECT kept_changers FROM issues WHERE id = ?", [issue_id]).fetchone()
    return json.loads(row[0]) if row and row[0] else []


def add_changers(db, issue_id, names, kept=False):
    """Count `names` among the issue's changers since its last approval (four eyes); with
    `kept`, among those whose change a replacement of the items keeps too."""
    with write(db):
        for column, read in (("changers", changers), ("kept_changers", kept_changers)):
            if column == "kept_changers" and not kept:
                continue
            known = read(db, issue_id)
            added = known + [n for n in dict.fromkeys(names) if n and n not in known]
            if added != known:
                db.execute(f"UPDATE issues SET {column} = ? WHERE id = ?",
                           [json.dumps(added, ensure_ascii=False), issue_id])


def changed(db, issue_id, who, uploaded=False, kept=False):
    """Record that `who` uploaded (`uploaded=True`) or changed the issue — `kept=True`: its
    level or masthead, which a replacement of its items keeps; an approved issue goes back
    to pending (a pushed one stays pushed: its corrections are sent as such)."""
    with write(db):
        add_changers(db, issue_id, [who], kept=kept)
        db.execute("UPDATE issues SET changed_by = ?,"
                   " uploaded_by = CASE WHEN ? THEN coalesce(uploaded_by, ?) ELSE uploaded_by END,"
                   " review_state = CASE review_state WHEN 'pushed' THEN 'pushed' ELSE 'pending' END,"
                   " approved_by = CASE review_state WHEN 'pushed' THEN approved_by END,"
                   " approved_at = CASE review_state WHEN 'pushed' THEN approved_at END"
                   " WHERE id = ?", [who, int(uploaded), who, issue_id])


def approve(db, issue_id, who, four_eyes=True, seen=None):
    """Approve a pending issue as `who`; ReviewRefused with the reason otherwise — an upload
    held as another version of a stored issue (`same_as`) is not approved until the office
    replaces the earlier items or keeps both: approved, cadres would read both versions. With
    `seen` (a `versions(...)["version"]`), ReviewStale when the content is no longer that."""
    with write(db):
        current = state(db, issue_id)
        if current is None:
            raise LookupError(f"no issue {issue_id}")
        if current["state"] != "pending":
            raise ReviewRefused(f"第 {issue_id} 期{current['label']}，无需审核。")
        if seen is not None and seen != versions(db, issue_id)["version"]:
            raise ReviewStale(f"第 {issue_id} 期在你打开页面后已被修改"
                              + (f"（最后修改：{current['changed_by']}）" if current["changed_by"]
                                 else "") + "，未批准：请核对标出的改动后再批准。")
        earlier = issue_identity.same_as(db, issue_id)
        if earlier is not None:  # another version of a stored issue, not decided yet
            raise ReviewRefused(issue_identity.undecided(issue_id, earlier, "批准"))
        if four_eyes and (why := _own_work(db, issue_id, who, current)):
            raise ReviewRefused(f"第 {issue_id} 期{why}，需由另一位审核人批准（BOT_FOUR_EYES）。")
        db.execute(f"UPDATE issues SET review_state = 'approved', approved_by = ?,"
                   f" approved_at = {NOW}, changers = NULL, kept_changers = NULL"
                   " WHERE id = ?", [who, issue_id])


def _own_work(db, issue_id, who, current):
    """Why `who` may not approve the issue under four eyes (after `第 N 期`), or None."""
    if who == current["uploaded_by"]:
        return f"由 {who} 上传"
    if who == current["changed_by"] or who in changers(db, issue_id):
        return f"自上次批准以来由 {who} 修改过（上传、替换或更正条目、密级、期号等）"
    return None


def is_approved(db, issue_id):
    """True when the issue is approved or already pushed (a push to new subscribers): cadres
    may see it (RELEASED)."""
    current = state(db, issue_id)
    return bool(current) and current["state"] in RELEASED


def item_states(db, item_ids):
    """`item_states(db, [3, 4])` -> {3: "pending", 4: "pushed"}: each item's issue's state."""
    ids = [int(item_id) for item_id in item_ids]
    if not ids:
        return {}
    marks = ",".join("?" * len(ids))
    return dict(db.execute(f"SELECT i.id, s.review_state FROM items i JOIN issues s"
                           f" ON s.id = i.issue_id WHERE i.id IN ({marks})", ids).fetchall())


def pushed(db, issue_id):
    with write(db):
        db.execute("UPDATE issues SET review_state = 'pushed' WHERE id = ?", [issue_id])


def versions(db, issue_id):
    """What an approver sees of the issue, digested: {"version": the whole, "issue": the
    masthead and level, "items": {item id: digest}}; None for an unknown issue."""
    head = db.execute("SELECT issuer, date, number, level FROM issues WHERE id = ?",
                      [issue_id]).fetchone()
    if head is None:
        return None
    joint = {}
    for item_id, department_id in db.execute(
            "SELECT j.item_id, j.department_id FROM item_departments j JOIN items i"
            " ON i.id = j.item_id WHERE i.issue_id = ?", [issue_id]):
        joint.setdefault(item_id, []).append(department_id)
    items = {row[0]: _digest(list(row[1:]) + [sorted(joint.get(row[0], []))])
             for row in db.execute(
                 "SELECT i.id, i.seq, i.kind, i.title, i.body, COALESCE(d.name, i.department),"
                 " i.level, i.withdrawn_at FROM items i"
                 " LEFT JOIN departments d ON d.id = i.department_id"
                 " WHERE i.issue_id = ? ORDER BY i.seq", [issue_id])}
    issue = _digest(list(head))
    return {"version": _digest([issue, sorted(items.items())], 16), "issue": issue,
            "items": items}


def seen_text(seen):
    """`versions(...)` as the approve form carries it: `issue:1a2b3c4d 12:5e6f7a8b …`."""
    return " ".join([f"issue:{seen['issue']}"]
                    + [f"{item_id}:{digest}" for item_id, digest in seen["items"].items()])


def what_changed(db, issue_id, text):
    """Against a `seen_text`: {"issue": True if the masthead or level changed, "items": ids of
    the items changed or added since}."""
    seen = dict(part.split(":", 1) for part in str(text or "").split() if ":" in part)
    now = versions(db, issue_id) or {"issue": None, "items": {}}
    return {"issue": seen.get("issue") != now["issue"],
            "items": [item_id for item_id, digest in now["items"].items()
                      if seen.get(str(item_id)) != digest]}


def _digest(value, size=8):
    text = json.dumps(value, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:size]
