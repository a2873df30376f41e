"""Pushing an issue: the functions the webhook, the console and the CLI share (taking the
issue in is store.ingest).

    result = push_issue(db, issue_id, app.config, db_path)   # {"issue", "queued", "recipients"}
    preview = preview_push(db, issue_id, app.config, db_path) # the same, counted, nothing queued
    queued = resend_failed(db, issue_id)

`push_issue` plans the issue for the configured channel (BOT_CHANNEL) and writes every
message to the outbox before anything is sent; workers do the sending. Pushing again
queues nothing for recipients already planned, and resumes a paused push.
"""

from config import setting
from channels import channel_class, make_channel
from push import outbox, plan
from store import review
from subscriptions import audience


class UnknownIssue(LookupError):
    """No issue has this id."""


def push_issue(db, issue_id, config, db_path, channel=None):
    """Queue the issue's messages; returns {"issue", "queued", "recipients"} (queued = new)."""
    channel = channel or make_channel(config, db_path)
    messages = plan.plan_issue(db, issue_id, channel, config)
    if messages is None:
        raise UnknownIssue(issue_id)
    queued = outbox.enqueue(db, issue_id, channel.name, messages)
    outbox.resume(db, issue_id)
    review.pushed(db, issue_id)  # 已推送 (who may push is the caller's rule: docs/web.md)
    recipients = len({r for m in messages for _, r in m.recipients})
    return {"issue": issue_id, "queued": queued, "recipients": recipients}


def preview_push(db, issue_id, config, db_path, channel=None):
    """What `push_issue` would queue now, counted and not written (push.plan.dry_run)."""
    channel = channel or make_channel(config, db_path)
    preview = plan.dry_run(db, issue_id, channel, config)
    if preview is None:
        raise UnknownIssue(issue_id)
    return preview


def resend_failed(db, issue_id):
    """Queue the failed deliveries of an issue again; returns how many."""
    if not issue_exists(db, issue_id):
        raise UnknownIssue(issue_id)
    return outbox.resend(db, issue_id)


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

