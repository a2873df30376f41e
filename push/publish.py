"""Pushing an issue: the functions the webhook, the console and the CLI share (taking the
issue in is store.ingest; an item's corrections, withdrawal and level after the push are
push.item_actions).

    result = push_issue(db, issue_id, app.config, db_path)   # {"issue", "queued", "recipients"}
    preview = preview_push(db, issue_id, app.config, db_path) # the same, counted, nothing queued
    queued = resend_failed(db, issue_id, app.config, db_path)

`push_issue` plans the issue for the configured channel (BOT_CHANNEL) and writes every
message to the outbox before anything is sent; workers do the sending. Pushing again
queues nothing for recipients already planned, and resumes a paused push.
"""

import time

from channels import channel_class, make_channel
from config import setting
from push import outbox, plan, reminders, schedules
from store import audit, issue_identity, review
from store.transaction import write
from subscriptions import audience


SCHEDULER = "scheduler"  # who the audit log names for what the worker fires on its own


class UnknownIssue(LookupError):
    """No issue has this id."""


def remind_issue(db, issue_id, config, db_path, dry_run=False, channel=None, *,
                 urgent=False):
    """Queue one reminder to each cadre who opened none of their items (push.reminders):
    {"issue", "reminded", "already_read", "skipped"}; nothing queued with `dry_run`. Inside
    BOT_QUIET_HOURS (not `urgent`) it is scheduled for the window's end and the answer adds
    `"scheduled"` (and `"replaced"`, the pending reminders it replaced), with `reminded` 0 —
    unless nobody is left to remind (everyone read or was reminded): then nothing is
    scheduled and the counts are as outside the quiet hours (`reminded` 0)."""
    channel = channel or make_channel(config, db_path)
    if not (dry_run or urgent) and schedules.quiet_until(config) is not None:
        ahead = reminders.remind(db, config, channel, issue_id, dry_run=True)
        if ahead is None:
            raise UnknownIssue(issue_id)
        if not ahead["reminded"]:  # nobody left to remind: no schedule that would send nothing
            return ahead
    if not dry_run:
        held = _hold(db, issue_id, config, "remind", urgent, None)
        if held:
            return {"issue": issue_id, "reminded": 0, "already_read": 0, "skipped": 0, **held}
    result = reminders.remind(db, config, channel, issue_id, dry_run=dry_run)
    if result is None:
        raise UnknownIssue(issue_id)
    return result


def _hold(db, issue_id, config, action, urgent, at):
    """Schedule the action when asked (`at`) or when quiet hours hold it: {"scheduled": the
    local due time, "replaced": the local times of the issue's pending schedules of that
    action it replaced}, or None to act now."""
    if at is None and not urgent:
        at = schedules.quiet_until(config)
        why = "quiet_hours"
    else:
        why = "scheduled"
    if at is None:
        return None
    if not issue_exists(db, issue_id):
        raise UnknownIssue(issue_id)
    with write(db):
        before = schedules.pending(db, issue_id, config)
        kept = schedules.add(db, issue_id, action, at, why,
                             content=_vouched(db, issue_id, action))
    replaced = [row["due"] for row in before if row["action"] == action and row["id"] != kept]
    return {"scheduled": schedules.local_text(config, at), "replaced": replaced}


def _vouched(db, issue_id, action):
    """What a new push schedule stands for: None when the issue is approved (or pushed) — its
    approval vouches — else the content version now, which the caller was allowed to push
    unapproved (the bootstrap admin, an office without named accounts, the CLI operator, the
    webhook: the callers' rule, docs/web.md)."""
    if action != "push" or review.is_approved(db, issue_id):
        return None
    return review.versions(db, issue_id)["version"]


def held_reason(db, row):
    """Why a push schedule may not fire now (Chinese, for the page and the audit log), or
    None: it fires when the issue is approved or already pushed, or — scheduled while
    unapproved — while the issue is still the content then scheduled. Never while a version
    decision is open (`version_hold`), whatever its approval."""
    if row["action"] != "push":
        return None
    if why := version_hold(db, row["issue_id"]):
        return why
    if review.is_approved(db, row["issue_id"]):
        return None
    current = review.versions(db, row["issue_id"])
    if row.get("content") and current and row["content"] == current["version"]:
        return None
    if row.get("content"):
        return "定时后本期被修改，待审核人批准后按时发出（或重新定时）"
    return "定时后本期被修改，回到待审核，重新批准后按时发出"


def version_hold(db, issue_id):
    """Why the issue's scheduled push waits for the office's choice between two versions
    (store/issue_identity.py), or None: the issue is an upload held as another version of a
    stored issue (`same_as`), or a newer upload is held as another version of it — which
    the office may be about to put in its place. Replacing gives the earlier issue the new
    text, back to 待审核 (then the approval rule holds it); keeping both lifts this."""
    if (earlier := issue_identity.same_as(db, issue_id)) is not None:
        return (f"本期与存档编号 {earlier} 的一期期号、日期相同而内容不同，"
                "在本期页面选择替换或保留两期后按时发出")
    if newer := issue_identity.newer_versions(db, issue_id):
        return (f"存档编号 {newer[0]} 是本期期号、日期相同而内容不同的新上传，"
                "在那一期的页面选择替换或保留两期后按时发出")
    return None


def fire_due(db, config, db_path, channel=None, now=None):
    """Fire every schedule that is due (push.worker calls this each round): the push or the
    reminder is queued, urgent (the quiet window is over or the time was chosen), the
    schedule marked done and an audit row written (who: `scheduler`) in one transaction, so
    two workers never fire one twice. A push whose issue was changed after it was scheduled
    and is not approved again is not fired but held (`held_reason`; one `schedule_held`
    audit row; another when the reason changes, e.g. a version decision made and the issue
    back to 待审核) until it may fire. Returns how many fired."""
    fired = 0
    for row in schedules.due_now(db, now):
        if row["held"] and held_reason(db, row) == row["held"]:
            continue  # still held for the reason recorded when it first fell due
        channel = channel or make_channel(config, db_path)
        try:
            with write(db):
                target = f"issue:{row['issue_id']}"
                if row["action"] == "push" and (why := held_reason(db, row)):
                    if schedules.hold(db, row["id"], why):  # the refusal, recorded once
                        audit.record(db, SCHEDULER, "worker", "schedule_held", target,
                                     {"schedule": row["id"], "reason": why})
                    continue
                if row["action"] == "push":
                    result = push_issue(db, row["issue_id"], config, db_path, channel,
                                        urgent=True)
                elif row["why"] == "auto" and schedules.quiet_until(config, now):
                    schedules.postpone(db, row["id"], schedules.quiet_until(config, now))
                    continue  # an automatic reminder waits for the quiet hours' end
                else:
                    result = reminders.remind(db, config, channel, row["issue_id"])
                if not schedules.finish(db, row["id"], result):
                    raise _AlreadyFired()  # another worker did: roll this round back
                audit.record(db, SCHEDULER, "worker", row["action"], target,
                             dict(result, schedule=row["id"], why=row["why"]))
        except _AlreadyFired:
            continue
        fired += 1
    return fired


class _AlreadyFired(Exception):
    """Raised inside fire_due's transaction to undo a schedule another worker fired."""


def cancel_schedules(db, issue_id, schedule_id=None):
    """Cancel the issue's pending schedules; returns how many."""
    if not issue_exists(db, issue_id):
        raise UnknownIssue(issue_id)
    return schedules.cancel(db, issue_id, schedule_id)


def schedule_time(config, text):
    """`schedule_time(config, "2026-11-28 08:00")` (or the browser's `2026-11-28T08:00`) ->
    unix time in BOT_TIMEZONE; ValueError if it is not such a time or is past."""
    at = schedules.parse_local(config, str(text).replace("T", " "))
    if at <= time.time():
        raise ValueError("in the past (已经过去)")
    return at


def quiet_until(config):
    """The end of the quiet window (unix time) if now is inside BOT_QUIET_HOURS, else None."""
    return schedules.quiet_until(config)


def pending_schedules(db, issue_id, config):
    """The issue's pending schedules with their local due time (the issue page shows them),
    `paused`: why a push would not fire now (held_reason), else None, and `paused_for`:
    "same_as" (waits for the office's choice between two versions: version_hold) or
    "review" (waits for an approval)."""
    rows = schedules.pending(db, issue_id, config)
    held = version_hold(db, issue_id) is not None
    for row in rows:
        row["paused"] = held_reason(db, row)
        row["paused_for"] = row["paused"] and ("same_as" if held else "review")
        row["overdue"] = row["due_at"] <= time.time()
    return rows


def read_status(db, issue_id):
    """Who read the issue: push.reminders.read_status (the console's issue page)."""
    return reminders.read_status(db, issue_id)


def push_issue(db, issue_id, config, db_path, channel=None, *, urgent=False, at=None):
    """Queue the issue's messages; returns {"issue", "queued", "recipients"} (queued = new).

    With `at` (unix time) the push is scheduled instead; inside BOT_QUIET_HOURS a push that is
    not `urgent` is scheduled for the window's end. Either way nothing is queued and the
    answer adds `"scheduled": "YYYY-MM-DD HH:MM"` (local time) and `"replaced"`: the times
    of the issue's pending scheduled pushes this one replaced — push.schedules."""
    held = _hold(db, issue_id, config, "push", urgent, at)
    if held:
        return {"issue": issue_id, "queued": 0, "recipients": 0, **held}
    channel = channel or make_channel(config, db_path)
    messages = plan.plan_issue(db, issue_id, channel, config)
    if messages is None:
        raise UnknownIssue(issue_id)
    queued = outbox.enqueue(db, issue_id, channel.name, messages)
    outbox.resume(db, issue_id)
    review.pushed(db, issue_id)  # 已推送 (who may push is the caller's rule: docs/web.md)
    after = float(config.get("BOT_REMIND_AFTER_HOURS") or 0)
    if queued and after > 0:  # automatic 催办, once per issue (schedules.add reuses it)
        schedules.add(db, issue_id, "remind", time.time() + after * 3600, "auto")
    recipients = len({r for m in messages for _, r in m.recipients})
    return {"issue": issue_id, "queued": queued, "recipients": recipients}


def preview_push(db, issue_id, config, db_path, channel=None):
    """What `push_issue` would queue now, counted and not written (push.plan.dry_run)."""
    channel = channel or make_channel(config, db_path)
    preview = plan.dry_run(db, issue_id, channel, config)
    if preview is None:
        raise UnknownIssue(issue_id)
    return preview


def resend_failed(db, issue_id, config=None, db_path=None, channel=None):
    """Queue the failed deliveries of an issue again; returns how many. With `config` (every
    caller), a recipient the push reached with no part (all failed or window_closed) is
    planned again from the issue as it is now — withdrawn items out, corrections and levels
    in — instead of being sent the stored message; what is sent again as stored (a part of a
    message partly sent, notices, reminders) leaves out a call that carried an item
    withdrawn since (outbox.resend)."""
    if not issue_exists(db, issue_id):
        raise UnknownIssue(issue_id)
    queued = 0
    if config is not None:
        channel = channel or make_channel(config, db_path)
        queued = _replan_unsent(db, issue_id, config, channel)
        _readdress_failed(db, issue_id, config, channel)
    return queued + outbox.resend(db, issue_id)


def _replan_unsent(db, issue_id, config, channel):
    """Plan again, from the current issue, the cadres none of whose push parts was sent —
    at the account they have now (a cadre bound again on a new phone gets it there); their
    failed deliveries give way to the new ones (one transaction)."""
    unsent = outbox.unsent(db, issue_id)
    messages = plan.plan_again(db, issue_id, config, channel, unsent)
    if not messages:
        return 0
    planned = {c for m in messages for c, _ in m.recipients}
    with write(db):
        outbox.forget_unsent(db, issue_id, {r for m in messages for _, r in m.recipients}
                             | {r for r, c in unsent.items() if c in planned})
        return outbox.enqueue(db, issue_id, channel.name, messages)


def _readdress_failed(db, issue_id, config, channel):
    """What is sent again as stored (a part of a message partly sent, notices, reminders)
    goes to the account each cadre has now (subscriptions.audience.addressed_now)."""
    pairs = outbox.failed_addresses(db, issue_id)
    if not pairs:
        return 0
    now = dict(audience.addressed_now(db, audience.rule_for(config, channel.identity), pairs))
    return outbox.readdress(db, issue_id, {(c, r): now.get(c, r) for c, r in pairs})


def issue_exists(db, issue_id):
    """`issue_exists(db, 3)` -> True if issue 3 is stored."""
    return audience.issue_exists(db, issue_id)


def issue_view(db, issue_id, config):
    """{"id", "items": [...], "cards": [...]}: the webhook's answer for a stored issue.

    Cards are the configured channel's, each linking to the item page (no recipient)."""
    items, meta = audience.issue_content(db, issue_id)
    channel = channel_class(setting(config, "BOT_CHANNEL"))  # its card limits
    cards = plan.cards_for(items, meta, channel, config)
    return {"id": issue_id,
            "items": [{k: item[k] for k in ("id", "seq", "kind", "title", "body", "department")}
                      for item in items],
            "cards": [card.to_dict() for card in cards]}



def overdue_schedules(db, now=None):
    """{"overdue", "oldest_due_at"} of schedules whose time has come (for /healthz)."""
    return schedules.overdue(db, now)
