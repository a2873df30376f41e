"""Notices about items already pushed: a correction notice (更正) to those who received the item.

    result = notify_correction(db, config, channel, change)   # {"change", "recipients", "queued"}
    text = correction_text(change, item, url)   # the notice: ≤ 120 B title, 600 B note, link

The notice goes through the outbox like the push itself (retries, rate limits, the Official
Account window and template fallback, WeCom's per-member pacing) as message kind
`correct:<change id>`: the deliveries' unique key (issue, kind, recipient, part) makes a
second `--notify` of the same correction queue nothing, while a later correction (a new
change id) is a new notice. Recipients are exactly those the issue's push reached with this
item (`push.status.item_recipients`: deliveries of kind `issue`, status `sent`). Links are
signed per cadre where the channel sends one recipient per call, per notice group on WeCom
(`n<change id>`), like the push's own links.
"""

from bulletin.cards import fit, item_card
from bulletin.model import Item
from bulletin.safetext import anchor, line
from channels.links import item_url
from push import outbox, status
from push.plan import Message
from store.issues import get_item

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
    recipients = status.item_recipients(db, item["id"])
    group = f"n{change['id']}"
    messages = []
    if channel.max_batch > 1:
        url = item_url(config, item["id"], group=group)
        payloads = _payloads(channel, change, item, url)
        for start in range(0, len(recipients), channel.max_batch):
            messages.append(Message(group, [item["id"]],
                                    recipients[start:start + channel.max_batch], payloads))
    else:
        for cadre_id, recipient in recipients:
            url = item_url(config, item["id"], cadre_id=cadre_id)
            messages.append(Message(group, [item["id"]], [(cadre_id, recipient)],
                                    _payloads(channel, change, item, url)))
    queued = outbox.enqueue(db, item["issue_id"], channel.name, messages,
                            kind=correction_kind(change)) if messages else 0
    return {"change": change["id"], "recipients": len(recipients), "queued": queued}


def _payloads(channel, change, item, url):
    card = item_card(Item(item["seq"], item["kind"], item["title"], item["body"],
                          item["department"]), date=item.get("date"), link=url,
                     channel=channel.name)
    return channel.notice(correction_text(change, item, url), card, title="更正通知")
