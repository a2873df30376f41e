"""The console's view of a push: counts and a state in words, and the push/resend actions.

    issue_progress(db, 3)    # {"total", "sent", "failed", "pending", "by_reason", "state",
                             #  "state_text", "done"[, "withdrawn_in_flight"]}
    push_preview(app, 3)     # push --dry-run's numbers, before anything is sent
    start_push(app, 3)       # {"issue", "queued", "recipients"}, the worker woken
    resend_failed(app, 3)    # {"queued": n}

Everything here calls the push package (push.publish, push.status, push.worker).
"""

from flask import current_app

from channels import channel_class
from push import item_actions, publish, status, worker
from store.db import get_db

STATE_TEXT = {
    "new": "尚未推送。核对无误后点击“推送给订阅者”。",
    "empty": "已推送，但没有人收到：原因见下方“没有人会收到”。",
    "sending": "正在推送……",
    "paused": "推送已暂停：连续失败过多，请检查后点“重发失败的消息”或再次推送以继续。",
    "done": "推送完成。",
    "done_failed": "推送结束，有消息未送达，可点“重发失败的消息”。",
}


def issue_progress(db, issue_id, config=None):
    """Delivery counts for one issue plus what the office should read into them; messages
    that went out with an item withdrawn while they were on their way are said
    (`withdrawn_in_flight`, push.item_actions), with the recall the channel still allows."""
    counts = status.summary(db, issue_id)
    run = status.run_state(db, issue_id)
    if run is None:
        state = "new"
    elif run["status"] == "paused" and counts["pending"]:
        state = "paused"
    elif counts["pending"]:
        state = "sending"
    elif not counts["total"]:
        state = "empty"
    else:
        state = "done_failed" if counts["failed"] else "done"
    text = STATE_TEXT[state]
    if state == "paused" and run.get("paused_reason"):
        text += f"（{run['paused_reason']}）"
    late = item_actions.withdrawn_in_flight(db, issue_id, config or current_app.config)
    if late["messages"]:
        counts["withdrawn_in_flight"] = late
        text += in_flight_text(late)
    return dict(counts, state=state, state_text=text,
                done=state in ("empty", "done", "done_failed"))


def in_flight_text(late):
    """`withdrawn_in_flight`'s counts in words for the office."""
    text = (f"撤回时已在发送途中的 {late['messages']} 条消息仍带着已撤回的条目发出"
            "（当时已交给微信，无法拦下）。")
    if late["recallable"]:
        text += (f"其中 {late['recallable']} 次发送可在 24 小时内撤回："
                 "在该条下点“重试撤回”。")
    return text


UNREACHED_TEXT = {"unbound": "未绑定", "removed": "已移除", "no_matching_items": "无对应条目"}


def push_preview(app, issue_id):
    """What pushing now would send (push --dry-run), with the reasons in words."""
    preview = publish.preview_push(get_db(), issue_id, app.config, app.config["DATABASE_PATH"])
    preview["unreached_text"] = {UNREACHED_TEXT.get(reason, reason): n
                                 for reason, n in preview["unreached"].items() if n}
    preview["nobody_text"] = nobody_text(preview, app.config)
    return preview


def nobody_text(preview, config):
    """A preview that reaches nobody (and no one had the issue already) -> why, in words for
    the office, and where to fix it; else None (`push --dry-run` says the same)."""
    if preview["recipients"] or preview.get("already_planned"):
        return None
    address_book = channel_class(config["BOT_CHANNEL"]).has_address_book
    unreached = preview["unreached"]
    if not any(unreached.values()):
        return ("没有人会收到：名册为空。请先在“名册与绑定码”页"
                + ("同步企业微信通讯录或" if address_book else "") + "导入名册。")
    parts = []
    if unreached.get("unbound"):
        parts.append(f"{unreached['unbound']} 人未绑定" + (
            "（没有企业微信账号：同步通讯录，或生成绑定码发给他们）" if address_book
            else "（在“名册与绑定码”页生成绑定码发给他们）"))
    if unreached.get("removed"):
        parts.append(f"{unreached['removed']} 人已移出名册")
    if unreached.get("no_matching_items"):
        parts.append(f"{unreached['no_matching_items']} 人没有关注本期任何条目的部门")
    return "没有人会收到：名册上" + "；".join(parts) + "。"


def start_push(app, issue_id, urgent=False, at=None):
    """Plan and queue the issue's messages (nothing new for cadres already planned); with
    `at` (unix time), or inside BOT_QUIET_HOURS unless `urgent`, schedule it ("scheduled")."""
    result = publish.push_issue(get_db(), issue_id, app.config, app.config["DATABASE_PATH"],
                                urgent=urgent, at=at)
    worker.wake(app)
    return result


def resend_failed(app, issue_id):
    """Queue the failed deliveries again."""
    queued = publish.resend_failed(get_db(), issue_id, app.config, app.config["DATABASE_PATH"])
    worker.wake(app)
    return {"issue": issue_id, "queued": queued}
