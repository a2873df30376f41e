"""One issue in the console: review and correct items, preview cards, push, follow delivery.

    GET  /admin/issues/<id>                 items (editable), card previews, push panel
    POST /admin/items/<id>                  correct an item's title or department (after the
                                            push: with a note 说明, kept, optionally notified)
    POST /admin/items/<id>/withdraw         withdraw an item (撤回), with a note
    POST /admin/items/<id>/recall           retry its recalls that failed for a passing reason
    POST /admin/issues/<id>/remind          remind (催办) the recipients who read nothing
    POST /admin/issues/<id>/schedules/cancel  cancel its scheduled pushes/reminders
    POST /admin/issues/<id>/push            plan and queue the push (JSON for fetch callers)
    POST /admin/issues/<id>/resend          retry the failed deliveries
    GET  /admin/issues/<id>/progress.json   {"total","sent","failed","pending",…,"done"}
"""

from flask import (Blueprint, current_app, flash, redirect, render_template, request,
                   url_for)

from channels import channel_class
from push import item_actions, publish, status, worker
from store import corrections, review as approval
from store.db import get_db
from store.issues import get_issue, get_item, issue_items, update_item
from web import item_form, previews, push_actions as progress, store
from web.auth import admin_required, current_account, role_required
from web.department_check import confirm_new_department
from web.errors import found, on_console_errors
from web.render import sentence
from web.review_views import changed, changed_by_editor, push_refusal
from web.trail import note

bp = Blueprint("issues", __name__, url_prefix="/admin")
on_console_errors(bp)
TITLE_MAX = 200
DEPARTMENT_MAX = 60
NOTE_MAX = 200
FIELDS = item_form.FIELD_NAMES  # {field: its Chinese name}


def _item_and_back(item_id):
    """(db, the item or 404, the issue page's anchor for it): where an item's form returns."""
    db = get_db()
    item = found(get_item(db, item_id))
    return db, item, url_for("issues.review", issue_id=item["issue_id"]) + f"#item-{item_id}"


@bp.route("/issues/<int:issue_id>")
@admin_required
def review(issue_id):
    """The parse preview: every item with its title and department editable, and the cards."""
    return issue_page(issue_id)


def issue_page(issue_id, drafts=None, masthead=None):
    """The issue page; `drafts` {item id: {"title", "department", "note", "notify",
    "conflicts", "was", "refused"}} shows what someone typed and did not get saved, in place
    of the stored values: after a conflict the stored ones become the form's `*_was`, after
    a refusal (`refused`: the reason) the `was` it was sent with stay. `masthead` {"issuer",
    "number", "date", "refused"}: the same for the masthead form (web/identity_views.py)."""
    db = get_db()
    seen = approval.versions(db, issue_id)  # first: a change while rendering is then refused
    issue = found(get_issue(db, issue_id))
    items = issue_items(db, issue_id)
    reads = store.read_counts(db, [i["id"] for i in items])
    return render_template(
        "admin/issue.html", issue=issue, items=items, reads=reads,
        phone=previews.phone_messages(current_app.config, issue, items),
        channel=channel_class(current_app.config["BOT_CHANNEL"]),
        delivery=progress.issue_progress(db, issue_id),
        preview=progress.push_preview(current_app, issue_id),
        readers=store.readers_of_issue(db, issue_id),
        pushed=status.run_state(db, issue_id) is not None,
        reading=publish.read_status(db, issue_id),
        schedules=publish.pending_schedules(db, issue_id, current_app.config),
        changes={item["id"]: corrections.latest(db, item["id"]) for item in items},
        seen=seen, seen_parts=approval.seen_text(seen), marked=_marked_items(),
        drafts=drafts or {}, masthead_draft=masthead,
        recall_retry={item["id"]: item_actions.recalls_to_retry(db, item["id"], current_app.config)
                      for item in items if item.get("withdrawn_at")})


def _marked_items():
    """`?changed=12,15`: the items a refused approval found changed (web/review_views.py)."""
    return {int(part) for part in request.args.get("changed", "").split(",") if part.isdigit()}


@bp.route("/items/<int:item_id>", methods=["POST"])
@admin_required
def edit_item(item_id):
    """Save an office correction of an item's title and/or department. A refused save (an
    empty or overlong title, a department that could be several, no note after the push, a
    conflict) writes nothing and answers the page again with the reason and everything the
    user typed in the form (JSON callers: `{"error", "item"}`, 409/422)."""
    db, item, back = _item_and_back(item_id)
    if (refused := changed_by_editor(db, item["issue_id"])) is not None:
        return refused
    try:
        form = item_form.sent()
    except item_form.Unreadable as error:
        code, reason = error.args
        return {"error": reason, "item": item["id"]}, code
    typed = {field: " ".join(str(form[field] or "").split())
             for field in FIELDS if field in form}  # a field not sent is not changed
    if form.get("edit_again"):  # 返回修改 from the new-department question: nothing saved
        draft = dict(item_form.draft(item, form, typed), was=item_form.loaded(form),
                     refused=f"第 {item['seq']} 条尚未保存。")
        return issue_page(item["issue_id"], drafts={item["id"]: draft})
    if "title" in typed and not typed["title"]:
        return _refused(item, form, typed, f"第 {item['seq']} 条的标题不能为空。")
    if (len(typed.get("title", "")) > TITLE_MAX
            or len(typed.get("department", "")) > DEPARTMENT_MAX):
        return _refused(item, form, typed, f"第 {item['seq']} 条的标题或单位太长。")
    changes, conflicts = item_form.changes(item, typed, form)
    if conflicts:
        return _conflict(db, item, form, typed, conflicts)
    if not changes:
        return _saved(item, back, f"第 {item['seq']} 条没有改动。", changes)
    if (confirm := confirm_new_department(db, item, form, changes)) is not None:
        return confirm
    unchecked = sorted(f for f in changes if form.get(f"{f}_was") is None) or None
    if status.run_state(db, item["issue_id"]) is not None:
        return _correct_after_push(db, item, form, typed, changes, back, unchecked)
    try:
        update_item(db, item_id, **changes)
        changed(db, item["issue_id"])
        changes = _as_stored(db, item_id, changes)
        note("correct", f"item:{item_id}", issue=item["issue_id"], after=changes,
             before={k: item.get(k) for k in changes}, **item_form.unchecked(unchecked))
    except ValueError as error:  # e.g. a department word that names several departments
        return _refused(item, form, typed, f"第 {item['seq']} 条未更新：{error}")
    return _saved(item, back, f"第 {item['seq']} 条已更新。" + _paused_note(db, item["issue_id"]),
                  changes, unchecked)


def _saved(item, back, message, changes, unchecked=None):
    if item_form.wants_json():
        return {"item": item["id"], "saved": changes, "message": message,
                "unchecked": unchecked or []}
    flash(message)
    return redirect(back)


def _refused(item, form, typed, message, status_code=422):
    """Nothing saved: the reason, and the page again with what the user typed (the form's
    `*_was` kept as sent, so a change someone else made meanwhile is still caught)."""
    message = sentence(message)
    if item_form.wants_json():
        return {"error": message, "item": item["id"]}, status_code
    flash(message + "你输入的内容保留在下面，改正后再提交。", "error")
    draft = item_form.draft(item, form, typed, refused=message)
    draft["was"] = item_form.loaded(form)
    return issue_page(item["issue_id"], drafts={item["id"]: draft}), status_code


def _paused_note(db, issue_id):
    """`定时推送（…）已暂停，…`: a change held the issue's scheduled push (push.publish)."""
    return "".join(f"定时推送（{row['due']}）已暂停：{row['paused']}。"
                   for row in publish.pending_schedules(db, issue_id, current_app.config)
                   if row["paused"])


def _conflict(db, item, form, typed, conflicts):
    """409: the item changed since this form was loaded; the page again, with the stored
    values and what the user typed (nothing saved, nothing lost)."""
    now = "；".join(f"{FIELDS[f]}现为「{v or '（无）'}」" for f, v in conflicts.items())
    who = approval.state(db, item["issue_id"])["changed_by"]
    message = (f"第 {item['seq']} 条未保存：在你打开页面后，此条已被"
               + (f" {who} " if who else "他人") + f"修改（{now}）。")
    if item_form.wants_json():
        return {"error": message, "item": item["id"], "conflicts": conflicts}, 409
    flash(message + "你输入的内容保留在下面，核对后再次提交将以你输入的为准。", "error")
    draft = item_form.draft(item, form, typed, conflicts=conflicts)
    return issue_page(item["issue_id"], drafts={item["id"]: draft}), 409


def _as_stored(db, item_id, changes):
    """The changed fields as the item now holds them: a department typed as a word (`审计`) is
    stored as the department it names (`区审计局`), and the audit and a script's `saved` say
    that, not the word."""
    stored = get_item(db, item_id)
    return {field: stored.get(field) for field in changes}


def _correct_after_push(db, item, form, typed, changes, back, unchecked):
    """After the push a correction needs a note, is kept (store.corrections, who = console)
    and, when 通知已收到的人 is ticked, sends each recipient of the item one notice."""
    why = " ".join(str(form.get("note") or "").split())[:NOTE_MAX]
    if not why:
        return _refused(item, form, typed, f"第 {item['seq']} 条已推送，更正须写明说明。")
    config = current_app.config
    try:
        result = item_actions.correct_item(db, item["id"], config, config["DATABASE_PATH"],
                                      note=why, who=_who(),
                                      notify=bool(form.get("notify")), **changes)
    except (ValueError, item_actions.UnknownItem) as error:
        return _refused(item, form, typed, f"第 {item['seq']} 条未更正：{error}")
    changes = _as_stored(db, item["id"], changes)
    note("correct", f"item:{item['id']}", issue=item["issue_id"], after=changes, note=why,
         before={k: item.get(k) for k in changes}, notified=result["notified"],
         gained=result["gained"], **item_form.unchecked(unchecked))
    message = f"第 {item['seq']} 条已更正。"
    if result["notified"] is not None:
        message += f"更正通知已排队 {result['notified']['queued']} 条。"
        worker.wake(current_app)
    if (gained := result["gained"]) is not None:
        had = gained["recipients"] - gained["new_to_issue"]
        message += (f"新单位的订阅者中有 {had} 人收到过本期但没有这一条，已排队补发给他们"
                    f"（{gained['queued']} 条消息）。" if had and not gained["new_to_issue"]
                    else f"新单位的订阅者中有 {had} 人收到过本期但没有这一条、"
                    f"{gained['new_to_issue']} 人此前没有收到本期，已排队补发给他们"
                    f"（{gained['queued']} 条消息）。" if gained["recipients"]
                    else "新单位的订阅者中没有需要补发这一条的人。")
        worker.wake(current_app)
    return _saved(item, back, message, changes, unchecked)


@bp.route("/items/<int:item_id>/withdraw", methods=["POST"])
@role_required("approver")
def withdraw_item(item_id):
    """Withdraw an item (撤回) with a note; on WeCom its sent messages are recalled."""
    db, item, back = _item_and_back(item_id)
    why = request.form.get("withdraw_note") or request.form.get("note") or ""
    why = " ".join(why.split())[:NOTE_MAX]
    if not why:
        flash(f"第 {item['seq']} 条：撤回须写明说明。", "error")
        return redirect(back)
    config = current_app.config
    try:
        result = item_actions.withdraw_item(db, item_id, config, config["DATABASE_PATH"],
                                       note=why, who=_who())
    except (ValueError, item_actions.UnknownItem) as error:
        flash(f"第 {item['seq']} 条未撤回：{error}", "error")
        return redirect(back)
    note("withdraw", f"item:{item_id}", note=why, recall=result["recall"],
         requeued=result["requeued"])
    recall = result["recall"]
    message = f"第 {item['seq']} 条已撤回。"
    if result["requeued"]:
        message += f"尚未发出的消息中有 {result['requeued']} 条含这一条，已去掉这一条重新排队。"
        worker.wake(current_app)
    if recall["calls"]:
        message += _recall_counts(recall) + ("（本渠道不能撤回已发消息，仅条目页改为已撤回）"
                                             if recall["not_recallable"] else "") + "。"
    flash(message)
    return redirect(back)


@bp.route("/items/<int:item_id>/recall", methods=["POST"])
@role_required("approver")
def recall_item(item_id):
    """Retry recalling a withdrawn item's messages whose recall failed for a passing reason."""
    db, item, back = _item_and_back(item_id)
    config = current_app.config
    try:
        result = item_actions.recall_again(db, item_id, config, config["DATABASE_PATH"])
    except ValueError as error:
        flash(f"第 {item['seq']} 条未重试撤回：{error}", "error")
        return redirect(back)
    note("recall", f"item:{item_id}", recall=result["recall"])
    flash(f"第 {item['seq']} 条重试撤回：" + _recall_counts(result["recall"]) + "。")
    return redirect(back)


def _recall_counts(recall):
    """`载有该条的消息 3 条，已撤回 2 条，超过24小时 1 条` (the parts that are not zero)."""
    return (f"载有该条的消息 {recall['calls']} 条，已撤回 {recall['recalled']} 条"
            + (f"，超过24小时 {recall['too_old']} 条" if recall["too_old"] else "")
            + (f"，未能撤回 {recall['failed']} 条" if recall["failed"] else ""))


def _who():
    """The signed-in account's name, kept with a correction or withdrawal."""
    account = current_account()
    return account["name"] if account else "console"


@bp.route("/issues/<int:issue_id>/remind", methods=["POST"])
@role_required("approver")
def remind(issue_id):
    """Send each recipient who opened none of their items one reminder (once per issue)."""
    db = get_db()
    found(get_issue(db, issue_id))
    config = current_app.config
    result = publish.remind_issue(db, issue_id, config, config["DATABASE_PATH"],
                                  urgent=bool(request.form.get("urgent")))
    if result.get("scheduled"):
        note("remind", f"issue:{issue_id}", reminded=0, scheduled=result["scheduled"],
             replaced=result.get("replaced") or None)
        replaced = "、".join(result.get("replaced") or [])
        flash(f"当前处于免打扰时段，提醒将于 {result['scheduled']} 发出。"
              + (f"原定 {replaced} 的定时提醒已取消。" if replaced else ""))
        return redirect(url_for("issues.review", issue_id=issue_id))
    note("remind", f"issue:{issue_id}", reminded=result["reminded"])
    if not result["reminded"]:  # nothing sent, nothing scheduled (in the quiet hours too)
        flash(f"没有需要提醒的人：已读 {result['already_read']} 人；其余 {result['skipped']} 人"
              "已提醒过、已移除、没有未读的条目，或企业微信群内无法确定是谁读了。")
        return redirect(url_for("issues.review", issue_id=issue_id))
    worker.wake(current_app)
    flash(f"已提醒 {result['reminded']} 人；已读 {result['already_read']} 人；"
          f"未提醒 {result['skipped']} 人（已提醒过、已移除，或企业微信群内无法确定是谁读了）。")
    return redirect(url_for("issues.review", issue_id=issue_id))


@bp.route("/issues/<int:issue_id>/push", methods=["POST"])
@role_required("approver")
def push(issue_id):
    """Queue the issue for every subscriber; pushing again sends nothing new."""
    db = get_db()
    found(get_issue(db, issue_id))
    if (refused := push_refusal(db, issue_id)) is not None:
        return refused
    at = None
    if (request.form.get("at") or "").strip():
        try:
            at = publish.schedule_time(current_app.config, request.form["at"].strip())
        except ValueError as error:
            return _answer(issue_id, {"issue": issue_id, "queued": 0, "error": str(error)},
                           f"未能定时：{error}（格式：YYYY-MM-DD HH:MM）")
    summary = progress.start_push(current_app, issue_id, urgent=bool(request.form.get("urgent")),
                                  at=at)
    note("push", f"issue:{issue_id}", queued=summary.get("queued", 0),
         scheduled=summary.get("scheduled"), replaced=summary.get("replaced") or None)
    if summary.get("scheduled"):
        why = "定时推送" if at else "当前处于免打扰时段，推送"
        replaced = "、".join(summary.get("replaced") or [])
        return _answer(issue_id, summary, f"{why}将于 {summary['scheduled']} 发出。"
                       + (f"原定 {replaced} 的定时推送已取消（以最后设定的时间为准）。" if replaced else ""))
    if not summary.get("recipients") and not summary.get("queued"):
        why = progress.push_preview(current_app, issue_id)["nobody_text"]
        if why:
            return _answer(issue_id, summary, why)
    return _answer(issue_id, summary, f"已排队推送 {summary.get('queued', 0)} 条消息。")


@bp.route("/issues/<int:issue_id>/schedules/cancel", methods=["POST"])
@role_required("approver")
def cancel_schedules(issue_id):
    """Cancel the issue's pending scheduled pushes and reminders."""
    db = get_db()
    found(get_issue(db, issue_id))
    n = publish.cancel_schedules(db, issue_id)
    if not n:  # a page left open after the schedule fired or was cancelled: nothing to log
        flash("没有待发的定时任务，无需取消。")
        return redirect(url_for("issues.review", issue_id=issue_id))
    note("schedule_cancel", f"issue:{issue_id}", cancelled=n)
    flash(f"已取消 {n} 个定时任务。")
    return redirect(url_for("issues.review", issue_id=issue_id))


@bp.route("/issues/<int:issue_id>/resend", methods=["POST"])
@role_required("approver")
def resend(issue_id):
    """Put the failed deliveries of the issue back in the queue."""
    db = get_db()
    found(get_issue(db, issue_id))
    summary = progress.resend_failed(current_app, issue_id)
    note("resend", f"issue:{issue_id}", queued=summary.get("queued", 0))
    return _answer(issue_id, summary, f"已重新排队 {summary.get('queued', 0)} 条失败的消息。")


@bp.route("/issues/<int:issue_id>/progress.json")
@admin_required
def progress_json(issue_id):
    """Delivery counts for the live progress bar."""
    db = get_db()
    found(get_issue(db, issue_id))
    return progress.issue_progress(db, issue_id)


def _answer(issue_id, summary, message):
    if request.accept_mimetypes.best == "application/json":
        return dict(summary, progress=progress.issue_progress(get_db(), issue_id))
    flash(message)
    return redirect(url_for("issues.review", issue_id=issue_id))
