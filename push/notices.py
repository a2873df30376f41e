"""Notices about items already pushed: a correction notice (更正) to those who received the item.

    result = notify_correction(db, config, channel, change)   # {"change", "recipients", "queued"}
    text = correction_text(change, item, url)   # the notice: ≤ 120 B title, 600 B note, link

The notice goes through the outbox like the push itself (retries, rate limits, the Official
Account window and template fallback, WeCom's per-member pacing) as message kind
`correct:<change id>`: the deliveries' unique key (issue, kind, recipient, part) makes a
second `--notify` of the same correction queue nothing, while a later correction (a new
change id) is a new notice. Recipients are exactly those the issue's push reached with this
item (`push.status.item_recipients`: deliveries of kind `issue`, status `sent`), each at the
account the channel reaches them at now (`subscriptions.audience.addressed_now`: a cadre
bound again on a new phone gets it there, never on the account unbound) — but for an
item made 内部 since, not the followers sent 公开 items only (store.levels.public_only_among). Links are
signed per cadre where the channel sends one recipient per call, per notice group on WeCom
(`n<change id>`), like the push's own links. On WeCom a notice about a 内部 item is a
confidential message (`safe: 1`), like the push that carried it.
"""

from bulletin.cards import fit, item_card
from bulletin.model import Item
from bulletin.safetext import anchor, line
from channels.base import TransientError
from channels.links import item_url
from push import outbox, status
from push.plan import Message
from store.issues import get_item
from store.levels import INTERNAL, item_level, public_only_among
from subscriptions import audience

TITLE_BYTES = 120
NOTE_BYTES = 600


def correction_kind(change):
    return f"correct:{change['id']}"


def correction_text(change, item, url):
    """`【更正】<a href="…">新标题</a>\\n说明：…` — the title linked to the corrected page."""
    title = fit(line(item["title"]), TITLE_BYTES)
    note = fit(line(change["note"]), NOTE_BYTES)
    return f"【更正】{anchor(url, title)}\n说明：{note}"


def notify_correction(db, config, channel, change):
    """Queue one correction notice to each recipient of the changed item (once per change)."""
    item = get_item(db, change["item_id"])
    confidential = item_level(db, item["id"]) == INTERNAL  # WeCom: a `safe` message
    recipients = audience.addressed_now(db, audience.rule_for(config, channel.identity),
                                        status.item_recipients(db, item["id"]))
    if confidential:  # made 内部 after the push: not to followers sent 公开 items only
        barred = public_only_among(db, [cadre_id for cadre_id, _ in recipients])
        recipients = [r for r in recipients if r[0] not in barred]
    group = f"n{change['id']}"
    messages = []
    if channel.max_batch > 1:
        url = item_url(config, item["id"], group=group)
        payloads = _payloads(channel, change, item, url, confidential)
        for start in range(0, len(recipients), channel.max_batch):
            messages.append(Message(group, [item["id"]],
                                    recipients[start:start + channel.max_batch], payloads))
    else:
        for cadre_id, recipient in recipients:
            url = item_url(config, item["id"], cadre_id=cadre_id)
            messages.append(Message(group, [item["id"]], [(cadre_id, recipient)],
                                    _payloads(channel, change, item, url, confidential)))
    queued = outbox.enqueue(db, item["issue_id"], channel.name, messages,
                            kind=correction_kind(change)) if messages else 0
    return {"change": change["id"], "recipients": len(recipients), "queued": queued}


def _payloads(channel, change, item, url, confidential):
    card = item_card(Item(item["seq"], item["kind"], item["title"], item["body"],
                          item["department"]), date=item.get("date"), link=url,
                     limits=channel.card_limits, confidential=confidential)
    return channel.notice(correction_text(change, item, url), card, title="更正通知",
                          confidential=confidential)


RETRY = "retry: "  # a recall outcome worth trying again: the failure was transient


def recall_item(db, channel, item_id):
    """Recall the sent messages that carried a withdrawn item, where the channel can
    (WeCom: `message/recall` within 24 h). Returns {"calls", "recalled", "too_old",
    "failed", "not_recallable", "retryable"}: the push's calls that carried the item, and
    what became of each (`retryable`: those of `failed` whose failure was transient).
    A WeCom message holds up to 8 items: recalling it takes the others away too (they stay
    readable through 最新 and search). Each outcome is kept on the call (outbox.recall).

    Calling it again (`python bot.py item recall ITEM_ID`) tries exactly the calls not yet
    tried or whose recall failed transiently (network, HTTP 5xx, -1 busy, the token) and that
    are still within the window; a recalled call, a refusal (unknown or already recalled
    msgid) and a too-old call are settled and only counted."""
    calls = status.sent_calls(db, item_id)
    counts = {"calls": len(calls), "recalled": 0, "too_old": 0, "failed": 0,
              "not_recallable": 0, "retryable": 0}
    for call in calls:
        if call["recall"] == "recalled":
            counts["recalled"] += 1
            continue
        if not channel.recall_seconds:
            counts["not_recallable"] += 1
            continue
        outcome = call["recall"]
        if outcome is None or outcome.startswith(RETRY):
            outcome = _recall_call(channel, call)
            status.record_recall(db, call["outbox_id"], outcome)
        for key in _counted(outcome):
            counts[key] += 1
    return counts


def recalls_to_retry(db, channel, item_id):
    """How many of the item's sent calls `recall_item` would try again: on a channel that
    recalls, those whose recall failed transiently or was never tried (the console's button)."""
    if not channel.recall_seconds:
        return 0
    return sum(1 for call in status.sent_calls(db, item_id)
               if call["recall"] is None or call["recall"].startswith(RETRY))


def _recall_call(channel, call):
    if not call["msgid"]:
        return "no msgid recorded when it was sent"
    if (call["age"] or 0) > channel.recall_seconds:
        return f"sent more than {channel.recall_seconds // 3600} h ago"
    try:
        result = channel.recall(call["msgid"])
    except TransientError as error:
        return f"{RETRY}errcode {error.errcode}: {error.reason}"
    return "recalled" if result.status == "sent" else f"errcode {result.errcode}: {result.reason}"


def _counted(outcome):
    if outcome == "recalled":
        return ("recalled",)
    if outcome.startswith("sent more than"):
        return ("too_old",)
    return ("failed", "retryable") if outcome.startswith(RETRY) else ("failed",)
