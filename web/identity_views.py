"""An issue's masthead and its versions in the console: correct the number, date or issuer;
decide about an upload held as another version of a stored issue.

    POST /admin/issues/<id>/masthead          issuer, number, date: an audited correction
    POST /admin/issues/<id>/versions/replace  the held upload's items replace the earlier
                                              issue's (neither pushed); the upload is gone
    POST /admin/issues/<id>/versions/keep     keep both issues: the hold on the push is lifted

A correction is a change like an item's: an approved issue goes back to 待审核
(web.review_views.changed -> store.review.changed), a pushed one needs an approver, and the
audit log keeps before and after (`correct`, target issue:<id>). Rules: store/issue_identity.py.
"""

from flask import Blueprint, current_app, flash, redirect, request, url_for

from push import status
from store import issue_identity, local_time
from store.db import get_db
from store.issues import get_issue
from web.auth import admin_required
from web.errors import found, on_console_errors
from web.issue_views import issue_page
from web.review_views import changed, changed_by_editor
from web.trail import note

bp = Blueprint("identity", __name__, url_prefix="/admin")
on_console_errors(bp)
LABELS = {"issuer": "发文单位", "number": "期号", "date": "日期"}


def _back(issue_id):
    return redirect(url_for("issues.review", issue_id=issue_id))


@bp.route("/issues/<int:issue_id>/masthead", methods=["POST"])
@admin_required
def masthead(issue_id):
    """Correct the issue's issuer, number and/or date."""
    db = get_db()
    found(get_issue(db, issue_id))
    if (refused := changed_by_editor(db, issue_id)) is not None:
        return refused
    wanted = {field: request.form.get(field) for field in issue_identity.FIELDS}
    try:
        today = local_time.today(current_app.config)  # the office's day, not the server's
        result = issue_identity.update_issue(db, issue_id, today=today, **wanted)
    except ValueError as error:  # the page again, with what was typed (nothing saved)
        message = f"期号、日期、发文单位未更新：{error}。"
        flash(message + "你输入的内容保留在下面，改正后再提交。", "error")
        typed = {field: str(value or "") for field, value in wanted.items()}
        return issue_page(issue_id, masthead=dict(typed, refused=message)), 422
    if not result["after"]:
        flash("期号、日期、发文单位没有改动。")
        return _back(issue_id)
    changed(db, issue_id, kept=True)  # a replacement keeps the masthead
    note("correct", f"issue:{issue_id}", before=result["before"], after=result["after"])
    flash("已更正" + "、".join(f"{LABELS[f]}（{result['before'][f] or '无'} → {v or '无'}）"
                            for f, v in result["after"].items()) + "。")
    others = issue_identity.versions_of(db, issue_id)
    if others:
        flash(f"注意：存档编号 {others[0]['id']} 的一期期号和日期与本期相同，请确认不是同一期。",
              "warn")
    return _back(issue_id)


@bp.route("/issues/<int:issue_id>/versions/replace", methods=["POST"])
@admin_required
def replace(issue_id):
    """The held upload's items replace the earlier issue's; the upload itself is removed."""
    db = get_db()
    issue = found(get_issue(db, issue_id))
    earlier = issue_identity.same_as(db, issue_id)
    if earlier is None:
        flash("这一期没有待处理的同期号旧版本。", "error")
        return _back(issue_id)
    if any(status.run_state(db, i) is not None for i in (issue_id, earlier)):
        flash("已推送的一期不能整期替换：请在已推送的那期逐条更正，或保留两期。", "error")
        return _back(issue_id)
    try:
        result = issue_identity.replace(db, issue_id)
    except ValueError as error:
        flash(str(error), "error")
        return _back(issue_id)
    changed(db, earlier)
    note("correct", f"issue:{earlier}", replaced_by_upload=issue_id, file=issue.get("source"),
         before={"items": result["before"]}, after={"items": result["after"]})
    flash(f"已用新上传的版本替换这一期的条目（原 {result['before']} 条，现 {result['after']} 条）；"
          f"新上传的那份（存档编号 {issue_id}）不再单独保留。本期需重新审核。")
    return _back(earlier)


@bp.route("/issues/<int:issue_id>/versions/keep", methods=["POST"])
@admin_required
def keep(issue_id):
    """Keep both issues deliberately: this one may be pushed like any other."""
    db = get_db()
    found(get_issue(db, issue_id))
    earlier = issue_identity.same_as(db, issue_id)
    if earlier is None or not issue_identity.keep_both(db, issue_id):
        flash("这一期没有待处理的同期号旧版本。")
        return _back(issue_id)
    note("keep_both", f"issue:{issue_id}", same_as=earlier)
    flash(f"已确认这一期与存档编号 {earlier} 的一期是两期：两期都保留，可分别推送。")
    return _back(issue_id)



def versions_panel(issue_id):
    """Templates: {"earlier": the issue this upload is held as a version of (or None),
    "replaceable": neither pushed, "others": other issues with its number and date}."""
    db = get_db()
    earlier_id = issue_identity.same_as(db, issue_id)
    earlier = get_issue(db, earlier_id) if earlier_id else None
    return {"earlier": earlier,
            "replaceable": bool(earlier) and all(status.run_state(db, i) is None
                                                 for i in (issue_id, earlier_id)),
            "others": [] if earlier else issue_identity.versions_of(db, issue_id)}
