"""After the push, an item's own life: corrected (with notices), moved to another
department, withdrawn (and recalled), made 公开 — the functions the console and the CLI share
(pushing a whole issue is push.publish).

    result = correct_item(db, 7, config, db_path, title="新标题", note="标题有误", who="cli",
                          notify=True)   # {"item", "change", "notified", "gained"}
    result = withdraw_item(db, 7, config, db_path, note="内容有误", who="cli")
    made_public(db, [12, 13], app.config, db_path)   # {"recipients", "queued", "new_to_issue"}
    withdrawn_in_flight(db, 3, app.config)           # {"messages", "items", "recallable"}
"""

from channels import channel_class, make_channel
from config import setting
from push import gained as gained_items, notices, outbox, plan, status
from store import corrections
from store.issues import get_item
from store.transaction import write
from subscriptions import audience


class UnknownItem(LookupError):
    """No item has this id."""


def withdraw_item(db, item_id, config, db_path, *, note, who, channel=None):
    """Withdraw an item (store.corrections: its page shows 该条已撤回, search and 最新 drop it)
    and recall the messages that carried it where the channel can (push.notices.recall_item).
    Messages still queued that carry it are taken back (outbox.take_back): the push's are
    planned again without it (`requeued`: how many), notices and reminders not sent.
    Returns {"item", "change", "recall": {"calls", "recalled", "too_old", "failed",
    "not_recallable", "retryable"}, "requeued"}; ValueError when it cannot be withdrawn (already
    withdrawn — `recall_again` retries its failed recalls — or no note)."""
    change = corrections.withdraw(db, item_id, note=note, who=who)
    if change is None:
        raise UnknownItem(item_id)
    channel = channel or make_channel(config, db_path)
    issue_id = get_item(db, item_id)["issue_id"]
    with write(db):  # still queued: planned again without it (outbox.take_back)
        again = outbox.take_back(db, issue_id, item_id)
        requeued = outbox.enqueue(db, issue_id, channel.name,
                                  plan.plan_again(db, issue_id, config, channel,
                                              dict.fromkeys(again)))
    return {"item": item_id, "change": change["id"],
            "recall": notices.recall_item(db, channel, item_id), "requeued": requeued}


def recall_again(db, item_id, config, db_path, *, channel=None):
    """Retry the recalls of a withdrawn item: exactly its calls whose recall failed
    transiently (or was never tried) and that are still within the channel's window
    (push.notices.recall_item). Returns {"item", "recall": {…, "retryable"}}; no new change
    is recorded. ValueError when the item is not withdrawn."""
    item = get_item(db, item_id)
    if item is None:
        raise UnknownItem(item_id)
    if not item.get("withdrawn_at"):
        raise ValueError(f"item {item_id} is not withdrawn: `item withdraw` withdraws it and "
                         "recalls its messages")
    channel = channel or make_channel(config, db_path)
    return {"item": item_id, "recall": notices.recall_item(db, channel, item_id)}


def withdrawn_in_flight(db, issue_id, config):
    """The issue's messages that went out (or are going) with an item withdrawn while they
    were on their way (push.status.withdrawn_in_flight) -> {"messages", "items",
    "recallable"}; `recallable` by the configured channel (WeCom: within 24 h)."""
    seconds = channel_class(setting(config, "BOT_CHANNEL")).recall_seconds
    return status.withdrawn_in_flight(db, issue_id, seconds)


def recalls_to_retry(db, item_id, config):
    """How many messages of a withdrawn item `recall_again` would try again (0 elsewhere)."""
    return notices.recalls_to_retry(db, channel_class(config["BOT_CHANNEL"]), item_id)


def correct_item(db, item_id, config, db_path, *, title=None, body=None, department=None,
                 note, who, notify=False, channel=None):
    """Correct an item (store.corrections: kept with before/after/who/when/note) and, with
    `notify`, queue one correction notice to each cadre the item reached (push.notices).
    A new department sends the item to the cadres who now follow it and were sent the issue
    without it (push.gained). Returns {"item", "change", "notified": {"recipients",
    "queued"} | None, "gained": {"recipients", "queued", "new_to_issue"} | None (no department
    change)};
    ValueError for a correction that cannot be made (its message says why)."""
    change = corrections.correct(db, item_id, title=title, body=body, department=department,
                                 note=note, who=who)
    if change is None:
        raise UnknownItem(item_id)
    notified = None
    if notify:
        channel = channel or make_channel(config, db_path)
        sent = notices.notify_correction(db, config, channel, change)
        notified = {"recipients": sent["recipients"], "queued": sent["queued"]}
    gained = None
    if change["before"]["department"] != change["after"]["department"]:
        channel = channel or make_channel(config, db_path)
        sent = gained_items.deliver_gained(db, config, channel, item_id)
        gained = {"recipients": sent["recipients"], "queued": sent["queued"],
                  "new_to_issue": sent["new_to_issue"]}
    return {"item": item_id, "change": change["id"], "notified": notified, "gained": gained}


def made_public(db, item_ids, config, db_path, channel=None):
    """Items of a pushed issue made 公开 (store.levels: an item's level, or its issue's) reach
    the followers who may be sent 公开 items only and were not sent them while 内部 — through
    the department correction's path (push.gained): each item on its own to those who had
    the issue, the issue to those it never reached. Whoever has an item gets nothing new.
    Returns {"recipients", "queued", "new_to_issue"}, or None when no item was given.
    Made 内部 again later, nothing is taken back (their phones keep what was sent)."""
    item_ids = sorted(int(item_id) for item_id in item_ids)
    if not item_ids:
        return None
    issue_id = status.issue_of_item(db, item_ids[0])
    if issue_id is None or not audience.planned_recipients(db, issue_id):
        return {"recipients": 0, "queued": 0, "new_to_issue": 0}  # not pushed: the push will
    channel = channel or make_channel(config, db_path)
    sent = gained_items.deliver_gained(db, config, channel, *item_ids)
    return {"recipients": sent["recipients"], "queued": sent["queued"],
            "new_to_issue": sent["new_to_issue"]}
