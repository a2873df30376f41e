"""An item readers gained after the push: a department correction moved a pushed item to a
department whose followers got the issue without it, or staff made a 内部 item 公开 (the
followers who may be sent 公开 items only were rightly not sent it); they get the item on
its own, once.

    result = deliver_gained(db, config, channel, item_id)
        # {"item", "items", "recipients", "queued", "new_to_issue"}
    deliver_gained(db, config, channel, 12, 13, 15)   # several items of one issue (made 公开)
    who = gained_recipients(db, config, channel, item_id)   # [recipient dict], nothing written

Who: the cadres the audience rule (subscriptions.audience) now gives the item, who were sent
the issue (a delivery of kind `issue`) and have no delivery carrying the item (the push's, or
an earlier one of these) — a cadre by their id as well as their account, so one bound again
on a new phone gets the item there, not the whole issue. Cadres the issue never reached for whom this item is now all
of it — in an issue without a lead, the followers of a department it had no other item
of, left out of the push for having nothing in it; or a self-enrolled follower of an issue
pushed while all its items were 内部 — get the issue's own push now (these items; kind
`issue`, so pushing again adds nothing): `first_reach`, counted in
`new_to_issue`. Cadres who bound since the push and have other items in it get the whole
issue when it is pushed again to new subscribers (push.plan), as before. Nothing is sent
for an issue not pushed yet.

The message is the push's own card for the item (channel.render; per cadre links on
one-recipient channels, the group `i<item id>` on WeCom), under the issue's title, through the
outbox as message kind `item:<item id>`: the deliveries' unique key (issue, kind, recipient,
part) makes it once per item and reader however often the item is moved back and forth,
and every later reading of "who received this item" (correction notices, recalls, the item
page's reader check, read status) counts these deliveries with the push's (push.status).
"""

from push import outbox, plan, status
from subscriptions import audience


def gained_kind(item_id):
    return f"item:{item_id}"


def gained_group(item_id):
    return f"i{item_id}"


def gained_recipients(db, config, channel, item_id):
    """The recipients (audience dicts) who should have `item_id` now and were sent the issue
    without it; [] when the item is unknown or withdrawn."""
    issue_id = status.issue_of_item(db, item_id)
    if issue_id is None:
        return []
    reach = audience.audience(db, issue_id, audience.rule_for(config, channel.identity),
                              skip_planned=False)
    if reach is None:
        return []
    pushed = audience.planned_recipients(db, issue_id)
    pushed_cadres = audience.planned_cadres(db, issue_id)
    holders = status.item_holders(db, item_id)
    holder_cadres = status.item_holders(db, item_id, cadres=True)
    return [r for r in reach.recipients  # a cadre is one reader, whichever phone had it
            if item_id in r["items"] and (r["recipient"] in pushed or r["id"] in pushed_cadres)
            and r["recipient"] not in holders and r["id"] not in holder_cadres]


def first_reach(db, config, channel, *item_ids):
    """The issue's push messages (push.plan) for the cadres it never reached whose items in
    it are now only of `item_ids` (items of one issue); [] when the issue was not pushed (a
    push run with deliveries)."""
    issue_id = status.issue_of_item(db, item_ids[0])
    if issue_id is None or not audience.planned_recipients(db, issue_id):
        return []
    return [m for m in plan.plan_issue(db, issue_id, channel, config) or []
            if set(m.items) <= set(item_ids)]


def deliver_gained(db, config, channel, *item_ids):
    """Queue each item (of one issue) to each of its gained recipients (once per item and
    recipient), and the issue to the cadres it never reached whose items in it are now only
    these (`new_to_issue`: how many). `recipients` counts the cadres sent anything."""
    reaching = first_reach(db, config, channel, *item_ids)
    new_to_issue = {r for m in reaching for _, r in m.recipients}
    queued = 0
    if reaching:
        queued = outbox.enqueue(db, status.issue_of_item(db, item_ids[0]), channel.name,
                                reaching)
    gained = set()
    for item_id in item_ids:
        recipients = gained_recipients(db, config, channel, item_id)
        gained |= {r["recipient"] for r in recipients}
        queued += _queue_item(db, config, channel, item_id, recipients)
    return {"item": item_ids[0], "items": list(item_ids),
            "recipients": len(gained | new_to_issue), "queued": queued,
            "new_to_issue": len(new_to_issue)}


def _queue_item(db, config, channel, item_id, recipients):
    """Queue the item on its own (kind `item:<id>`) to these recipients; how many queued."""
    if not recipients:
        return 0
    issue_id = status.issue_of_item(db, item_id)
    items, meta = audience.issue_content(db, issue_id)
    row = next(item for item in items if item["id"] == item_id)
    title = plan.issue_title(meta)
    group = gained_group(item_id)
    messages = []
    if channel.max_batch > 1:
        payloads = channel.render(plan.cards_for([row], meta, channel, config, group=group),
                                  title=title)
        for start in range(0, len(recipients), channel.max_batch):
            chunk = recipients[start:start + channel.max_batch]
            messages.append(plan.Message(group, [item_id],
                                         [(r["id"], r["recipient"]) for r in chunk], payloads))
    else:
        for r in recipients:
            cards = plan.cards_for([row], meta, channel, config, cadre_id=r["id"])
            messages.append(plan.Message(group, [item_id], [(r["id"], r["recipient"])],
                                         channel.render(cards, title=title)))
    return outbox.enqueue(db, issue_id, channel.name, messages, kind=gained_kind(item_id))
