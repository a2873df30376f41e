"""公开/内部 in the console: the issue's level and an item's override.

    POST /admin/issues/<id>/level    level=公开|内部
    POST /admin/items/<id>/level     level=公开|内部, or empty: the issue's level

A change is a change like a correction: the issue goes back to 待审核 (store/review.py), and
an issue already pushed needs an approver. 内部 items never reach followers who enrolled
themselves under BOT_OPEN_ACCESS=1 (store/levels.py); items of a pushed issue made 公开 are
sent to them then, once (push.item_actions.made_public).
"""

from flask import Blueprint, abort, current_app, flash, redirect, request, url_for

from push import item_actions
from store import levels
from store.db import get_db
from store.issues import get_item
from web.auth import admin_required
from web.errors import on_console_errors
from web.review_views import changed, changed_by_editor
from web.trail import note

bp = Blueprint("levels", __name__, url_prefix="/admin")
on_console_errors(bp)


@bp.route("/issues/<int:issue_id>/level", methods=["POST"])
@admin_required
def issue_level(issue_id):
    db = get_db()
    level = request.form.get("level")
    if level not in levels.LEVELS:
        flash("请选择公开或内部。", "error")
        return redirect(url_for("issues.review", issue_id=issue_id))
    if (refused := changed_by_editor(db, issue_id)) is not None:
        return refused
    before = levels.issue_levels(db, issue_id)
    try:
        levels.set_issue_level(db, issue_id, level)
    except LookupError:
        abort(404)
    sent = _made_public(db, issue_id, before)
    if before["issue"] != level:
        changed(db, issue_id, kept=True)  # a replacement keeps the level
        note("classify", f"issue:{issue_id}", before=before["issue"], after=level,
             **({"sent": sent} if sent else {}))
    flash(f"本期定为{level}。" + _said(sent))
    return redirect(url_for("issues.review", issue_id=issue_id))


def _made_public(db, issue_id, before):
    """Send the items that went from 内部 to 公开 to those who may be sent 公开 items only
    (after the push; push.item_actions.made_public): its answer, or None."""
    after = levels.issue_levels(db, issue_id)["items"]
    public = [item_id for item_id, (_, now) in after.items()
              if now == "公开" and before["items"].get(item_id, (None, now))[1] != "公开"]
    sent = item_actions.made_public(db, public, current_app.config, current_app.config["DATABASE_PATH"])
    return sent if sent and sent["recipients"] else None


def _said(sent):
    if not sent:
        return ""
    return (f"本期已推送：只能收到公开内容的订阅者中有 {sent['recipients']} 人此前没有收到，"
            f"已排队补发给他们（{sent['queued']} 条消息）。")


@bp.route("/items/<int:item_id>/level", methods=["POST"])
@admin_required
def item_level(item_id):
    db = get_db()
    item = get_item(db, item_id)
    if item is None:
        abort(404)
    level = request.form.get("level") or None
    back = url_for("issues.review", issue_id=item["issue_id"]) + f"#item-{item_id}"
    if level is not None and level not in levels.LEVELS:
        flash("请选择公开、内部或随本期。", "error")
        return redirect(back)
    if (refused := changed_by_editor(db, item["issue_id"])) is not None:
        return refused
    before = levels.issue_levels(db, item["issue_id"])
    levels.set_item_level(db, item_id, level)
    sent = _made_public(db, item["issue_id"], before)
    if before["items"][item_id][0] != level:
        changed(db, item["issue_id"])
        note("classify", f"item:{item_id}", before=before["items"][item_id][0], after=level,
             **({"sent": sent} if sent else {}))
    flash(f"第 {item['seq']} 条定为{level or '随本期'}。" + _said(sent))
    return redirect(back)
