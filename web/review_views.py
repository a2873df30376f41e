"""Approval in the console (审核): the approve action, and the rules the push and edit routes
ask about.

    POST /admin/issues/<id>/approve       approver or admin; four-eyes (BOT_FOUR_EYES);
                                          `version` and `seen`: what the page showed

Rules (docs/web.md): an upload or a correction makes the issue 待审核 (pending); an approver
other than its uploader and last changer approves it (已批准); then it can be pushed
(已推送). While the office has no named accounts (only BOT_ADMIN_PASSWORD) nothing changes
for it: the push button works as before. Once named accounts exist, the console's push needs
an approved issue — except for the bootstrap `admin`, the emergency door (logged like the
rest). Correcting an issue that was already pushed needs an approver.

The approve form carries the content version it was rendered with (store.review.versions):
if anyone changed the issue since, nothing is approved and the issue page opens again with
the changed items marked (`?changed=<item ids>`).
"""

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for

from push import publish
from store import accounts, issue_identity, review
from store.db import get_db
from web.auth import ROLE_NAMES, current_account, may, role_required
from web.errors import on_console_errors
from web.trail import note

bp = Blueprint("review", __name__, url_prefix="/admin")
on_console_errors(bp)


def _refuse(message, status=409):
    if request.accept_mimetypes.best == "application/json":
        return {"error": message}, status
    return render_template("message.html", title="不能操作", message=message), status


@bp.route("/issues/<int:issue_id>/approve", methods=["POST"])
@role_required("approver")
def approve(issue_id):
    """Approve a pending issue (已批准): then it can be pushed."""
    who = current_account()["name"]
    db = get_db()
    version = (request.form.get("version") or "").strip()
    if review.state(db, issue_id) is None:
        return _refuse(f"没有第 {issue_id} 期。", 404)
    if not version:  # not sent from the issue page as it is now: it says what it approves
        flash("页面已过期，未批准：请在本期页面核对后再批准。", "error")
        return redirect(url_for("issues.review", issue_id=issue_id))
    try:
        review.approve(db, issue_id, who, seen=version,
                       four_eyes=current_app.config.get("BOT_FOUR_EYES", True))
    except LookupError:
        return _refuse(f"没有第 {issue_id} 期。", 404)
    except review.ReviewStale as error:
        flash(str(error), "error")
        return redirect(_marked(db, issue_id, request.form.get("seen")))
    except review.ReviewRefused as error:
        flash(str(error), "error")
        return redirect(url_for("issues.review", issue_id=issue_id))
    note("approve", f"issue:{issue_id}", version=version)
    flash("已批准，可以推送。" + _schedules_now(db, issue_id))
    return redirect(url_for("issues.review", issue_id=issue_id))


def _schedules_now(db, issue_id):
    """`定时推送将于 … 发出。` for the issue's pending scheduled pushes (held ones go now, but
    for one still held as another version of a stored issue: why it waits)."""
    rows = [r for r in publish.pending_schedules(db, issue_id, current_app.config)
            if r["action"] == "push"]
    return "".join(f"定时推送（{row['due']}）仍暂停：{row['paused']}。" if row["paused"]
                   else "定时推送时间已过，即将发出。" if row["overdue"]
                   else f"定时推送将于 {row['due']} 发出。" for row in rows[:1])


def _marked(db, issue_id, seen):
    """The issue page with what changed since `seen` marked: items, and the masthead/level."""
    if not seen:
        return url_for("issues.review", issue_id=issue_id)
    changed = review.what_changed(db, issue_id, seen)
    if changed["issue"]:
        flash("本期的期号、日期、发文单位或密级也已改动。", "error")
    return url_for("issues.review", issue_id=issue_id,
                   changed=",".join(map(str, changed["items"])) or None)


def push_refusal(db, issue_id):
    """None when the signed-in account may push the issue now, else the refusal to answer.
    An upload held as another version of a stored issue (store/issue_identity.py) waits for
    the office's decision, whoever pushes."""
    earlier = issue_identity.same_as(db, issue_id)
    if earlier is not None:
        return _refuse(issue_identity.undecided(issue_id, earlier, "推送"))
    account = current_account()
    if account["name"] == accounts.BOOTSTRAP or not accounts.any_active(db):
        return None
    if review.is_approved(db, issue_id):
        return None
    state = review.state(db, issue_id)
    return _refuse(f"第 {issue_id} 期{state['label']}：需经审核人批准后才能推送。")


def changed(db, issue_id, kept=False):
    """An upload or correction by the signed-in account: the issue is pending again.
    `kept=True`: of the issue's level or masthead, which a replacement of its items keeps
    (four eyes: store.review)."""
    account = current_account()
    review.changed(db, issue_id, account and account["name"], kept=kept)


def uploaded(db, issue_id):
    account = current_account()
    review.changed(db, issue_id, account and account["name"], uploaded=True)


def changed_by_editor(db, issue_id):
    """None when the signed-in account may change the issue; a 403 when it was pushed already
    and the account is an editor (correcting sent items is an approver's)."""
    state = review.state(db, issue_id)
    if state and state["state"] == "pushed" and not may("approver"):
        return _refuse(f"第 {issue_id} 期已推送，更正需要{ROLE_NAMES['approver']}。", 403)
    return None
