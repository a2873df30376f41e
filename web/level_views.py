"""公开/内部 in the console: the issue's level and an item's override.

    POST /admin/issues/<id>/level    level=公开|内部
    POST /admin/items/<id>/level     level=公开|内部, or empty: the issue's level

A change is a change like a correction: the issue goes back to 待审核 (store/review.py), and
an issue already pushed needs an approver. 内部 items never reach followers who enrolled
themselves under BOT_OPEN_ACCESS=1 (store/levels.py).
"""

from flask import Blueprint, abort, flash, redirect, request, url_for

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
    before = levels.issue_levels(db, issue_id)["issue"]
    try:
        levels.set_issue_level(db, issue_id, level)
    except LookupError:
        abort(404)
    if before != level:
        changed(db, issue_id)
        note("classify", f"issue:{issue_id}", before=before, after=level)
    flash(f"本期定为{level}。")
    return redirect(url_for("issues.review", issue_id=issue_id))


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
    before = levels.issue_levels(db, item["issue_id"])["items"][item_id][0]
    levels.set_item_level(db, item_id, level)
    if before != level:
        changed(db, item["issue_id"])
        note("classify", f"item:{item_id}", before=before, after=level)
    flash(f"第 {item['seq']} 条定为{level or '随本期'}。")
    return redirect(back)
