"""Approval before a push (审核): an issue is pending (待审核), approved (已批准) or pushed (已推送).

    changed(db, 7, "zhang")            # uploaded or corrected: back to pending unless pushed
    approve(db, 7, "li", four_eyes=True)   # ReviewRefused when not allowed, with the reason
    pushed(db, 7)                      # after a push was queued
    state(db, 7)                       # {"state", "label", "changed_by", "uploaded_by", …}

Who may approve or push is the caller's rule (roles: web/auth.py, commands); this module
keeps the state and the four-eyes check (the uploader or last changer cannot approve).
"""

from store.db import NOW
from store.transaction import write

LABELS = {"pending": "待审核", "approved": "已批准", "pushed": "已推送"}


class ReviewRefused(Exception):
    """The approval is not allowed; the message says why (in Chinese, shown as is)."""


def state(db, issue_id):
    row = db.execute("SELECT review_state, changed_by, uploaded_by, approved_by, approved_at"
                     " FROM issues WHERE id = ?", [issue_id]).fetchone()
    if row is None:
        return None
    keys = ("state", "changed_by", "uploaded_by", "approved_by", "approved_at")
    return dict(zip(keys, row), label=LABELS[row[0]])


def changed(db, issue_id, who, uploaded=False):
    """Record that `who` uploaded (`uploaded=True`) or changed the issue; an approved issue
    goes back to pending (a pushed one stays pushed: its corrections are sent as such)."""
    with write(db):
        db.execute("UPDATE issues SET changed_by = ?,"
                   " uploaded_by = CASE WHEN ? THEN coalesce(uploaded_by, ?) ELSE uploaded_by END,"
                   " review_state = CASE review_state WHEN 'pushed' THEN 'pushed' ELSE 'pending' END,"
                   " approved_by = CASE review_state WHEN 'pushed' THEN approved_by END,"
                   " approved_at = CASE review_state WHEN 'pushed' THEN approved_at END"
                   " WHERE id = ?", [who, int(uploaded), who, issue_id])


def approve(db, issue_id, who, four_eyes=True):
    """Approve a pending issue as `who`; ReviewRefused with the reason otherwise."""
    with write(db):
        current = state(db, issue_id)
        if current is None:
            raise LookupError(f"no issue {issue_id}")
        if current["state"] != "pending":
            raise ReviewRefused(f"第 {issue_id} 期{current['label']}，无需审核。")
        if four_eyes and who in (current["changed_by"], current["uploaded_by"]):
            raise ReviewRefused(f"第 {issue_id} 期由 {who} 上传或最后修改，需由另一位审核人批准"
                                "（BOT_FOUR_EYES）。")
        db.execute(f"UPDATE issues SET review_state = 'approved', approved_by = ?,"
                   f" approved_at = {NOW} WHERE id = ?", [who, issue_id])


def is_approved(db, issue_id):
    """True when the issue is approved or already pushed (a push to new subscribers)."""
    current = state(db, issue_id)
    return bool(current) and current["state"] in ("approved", "pushed")


def pushed(db, issue_id):
    with write(db):
        db.execute("UPDATE issues SET review_state = 'pushed' WHERE id = ?", [issue_id])
