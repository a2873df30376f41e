"""One issue in the console: review and correct items, preview cards, push, follow delivery.

    GET  /admin/issues/<id>                 items (editable), card previews, push panel
    POST /admin/items/<id>                  correct an item's title or department
    POST /admin/issues/<id>/push            plan and queue the push (JSON for fetch callers)
    POST /admin/issues/<id>/resend          retry the failed deliveries
    GET  /admin/issues/<id>/progress.json   {"total","sent","failed","pending",…,"done"}
"""

from flask import (Blueprint, abort, current_app, flash, redirect, render_template, request,
                   url_for)

from channels import channel_class
from store.db import get_db
from store.issues import get_issue, get_item, issue_items, update_item
from web import previews, push_actions as progress, store
from web.auth import admin_required, role_required
from web.errors import on_console_errors
from web.review_views import changed, changed_by_editor, push_refusal
from web.trail import note

bp = Blueprint("issues", __name__, url_prefix="/admin")
on_console_errors(bp)
TITLE_MAX = 200
DEPARTMENT_MAX = 60


def _issue_or_404(db, issue_id):
    issue = get_issue(db, issue_id)
    if issue is None:
        abort(404)
    return issue


@bp.route("/issues/<int:issue_id>")
@admin_required
def review(issue_id):
    """The parse preview: every item with its title and department editable, and the cards."""
    db = get_db()
    issue = _issue_or_404(db, issue_id)
    items = issue_items(db, issue_id)
    reads = store.read_counts(db, [i["id"] for i in items])
    return render_template(
        "admin/issue.html", issue=issue, items=items, reads=reads,
        phone=previews.phone_messages(current_app.config, issue, items),
        channel=channel_class(current_app.config["BOT_CHANNEL"]),
        delivery=progress.issue_progress(db, issue_id),
        preview=progress.push_preview(current_app, issue_id),
        readers=store.readers_of_issue(db, issue_id))


@bp.route("/items/<int:item_id>", methods=["POST"])
@admin_required
def edit_item(item_id):
    """Save an office correction of an item's title and/or department."""
    db = get_db()
    item = get_item(db, item_id)
    if item is None:
        abort(404)
    if (refused := changed_by_editor(db, item["issue_id"])) is not None:
        return refused
    title = " ".join((request.form.get("title") or "").split())
    department = " ".join((request.form.get("department") or "").split())
    back = url_for("issues.review", issue_id=item["issue_id"]) + f"#item-{item_id}"
    if not title:
        flash(f"第 {item['seq']} 条的标题不能为空。", "error")
        return redirect(back)
    if len(title) > TITLE_MAX or len(department) > DEPARTMENT_MAX:
        flash(f"第 {item['seq']} 条的标题或单位太长。", "error")
        return redirect(back)
    changes = {}
    if title != item["title"]:
        changes["title"] = title
    if department != (item.get("department") or ""):
        changes["department"] = department
    if changes:
        try:
            update_item(db, item_id, **changes)
            changed(db, item["issue_id"])
            note("correct", f"item:{item_id}", issue=item["issue_id"], after=changes,
                 before={k: item.get(k) for k in changes})
        except ValueError as error:  # e.g. a department word that names several departments
            flash(f"第 {item['seq']} 条未更新：{error}", "error")
            return redirect(back)
        flash(f"第 {item['seq']} 条已更新。")
    return redirect(back)


@bp.route("/issues/<int:issue_id>/push", methods=["POST"])
@role_required("approver")
def push(issue_id):
    """Queue the issue for every subscriber; pushing again sends nothing new."""
    db = get_db()
    _issue_or_404(db, issue_id)
    if (refused := push_refusal(db, issue_id)) is not None:
        return refused
    summary = progress.start_push(current_app, issue_id)
    note("push", f"issue:{issue_id}", queued=summary.get("queued", 0))
    return _answer(issue_id, summary, f"已排队推送 {summary.get('queued', 0)} 条消息。")


@bp.route("/issues/<int:issue_id>/resend", methods=["POST"])
@role_required("approver")
def resend(issue_id):
    """Put the failed deliveries of the issue back in the queue."""
    db = get_db()
    _issue_or_404(db, issue_id)
    summary = progress.resend_failed(current_app, issue_id)
    note("resend", f"issue:{issue_id}", queued=summary.get("queued", 0))
    return _answer(issue_id, summary, f"已重新排队 {summary.get('queued', 0)} 条失败的消息。")


@bp.route("/issues/<int:issue_id>/progress.json")
@admin_required
def progress_json(issue_id):
    """Delivery counts for the live progress bar."""
    db = get_db()
    _issue_or_404(db, issue_id)
    return progress.issue_progress(db, issue_id)


def _answer(issue_id, summary, message):
    if request.accept_mimetypes.best == "application/json":
        return dict(summary, progress=progress.issue_progress(get_db(), issue_id))
    flash(message)
    return redirect(url_for("issues.review", issue_id=issue_id))
