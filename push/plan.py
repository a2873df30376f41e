"""Planning: which cadre gets which items of an issue, as the fewest messages the channel allows.

    messages = plan_issue(db, issue_id, channel, app.config)   # [Message], nothing written
    preview = dry_run(db, issue_id, channel, app.config)       # what a push would send, counted

Who gets which items is subscriptions.audience's one rule (the console shows the same).
Each cadre gets ONE message per issue holding
all their items (split into parts only where the channel's limit forces it), never the
same item twice. Cadres whose item sets are equal share a payload; where the channel takes
many recipients per call (WeCom, `max_batch` 1,000) they share the call too, and their links
carry the group key instead of a cadre id (`channels.links.item_url(group=…)`).
Cadres that already have a delivery for the issue (on any account of theirs: a new phone
changes nothing) are left out: planning again after new cadres bind plans only the newcomers.
"""

import hashlib
from dataclasses import dataclass, field

from subscriptions import audience


@dataclass
class Message:
    group: str  # key of the item set, shared by every cadre with the same items
    items: list  # item ids, in issue order
    recipients: list  # [(cadre_id, recipient)], at most channel.max_batch
    payloads: list = field(default_factory=list)  # channel.render() parts, in order


def plan_issue(db, issue_id, channel, config, reach=None):
    """The messages still to send for `issue_id` (empty if all planned), or None if no issue."""
    items, meta = audience.issue_content(db, issue_id)
    if items is None:
        return None
    if reach is None:
        reach = audience.audience(db, issue_id, audience.rule_for(config, channel.identity))
    by_id = {item["id"]: item for item in items}
    title = issue_title(meta)
    messages = []
    for item_ids, members in group_by_items(reach.recipients).items():
        group = group_key(issue_id, item_ids)
        chosen = [by_id[i] for i in item_ids]
        if channel.max_batch > 1:
            payloads = channel.render(cards_for(chosen, meta, channel, config, group=group),
                                      title=title)
            for start in range(0, len(members), channel.max_batch):
                chunk = members[start:start + channel.max_batch]
                messages.append(Message(group, list(item_ids),
                                        [(c["id"], c["recipient"]) for c in chunk], payloads))
        else:
            for cadre in members:
                cards = cards_for(chosen, meta, channel, config, cadre_id=cadre["id"])
                messages.append(Message(group, list(item_ids), [(cadre["id"], cadre["recipient"])],
                                        channel.render(cards, title=title)))
    return messages


def group_by_items(recipients):
    """{item ids: [recipient, …]} for every item set, recipients in cadre id order."""
    groups = {}
    for recipient in recipients:
        groups.setdefault(recipient["items"], []).append(recipient)
    return groups


def dry_run(db, issue_id, channel, config):
    """What pushing `issue_id` now would send, written nowhere, or None if no issue:
    {"issue", "recipients", "messages", "api_calls", "by_department": {name: n},
     "unreached": {reason: n}, "already_planned": n, "already_planned_other_account": n}.
    `messages` are the deliveries (one per recipient and message part), `api_calls` the calls
    they take; `by_department` counts the recipients who get at least one item of each
    department, by its current name (items printed with an old name of a renamed or merged
    department count under the department; items without one under ""). `already_planned` counts the cadres who have the issue
    already, whichever account had it; `already_planned_other_account` those of them who had
    it on a WeChat account since replaced (a new phone): they get nothing again."""
    items, _ = audience.issue_content(db, issue_id)
    if items is None:
        return None
    reach = audience.audience(db, issue_id, audience.rule_for(config, channel.identity))
    messages = plan_issue(db, issue_id, channel, config, reach=reach)  # rendered, not sent
    department = {item["id"]: item["department_now"] or "" for item in items}
    by_department = {}
    for recipient in reach.recipients:
        for name in dict.fromkeys(department[i] for i in recipient["items"]):
            by_department[name] = by_department.get(name, 0) + 1
    return {"issue": issue_id, "recipients": len(reach.recipients),
            "messages": sum(len(m.recipients) * len(m.payloads) for m in messages),
            "api_calls": sum(len(m.payloads) for m in messages),
            "by_department": by_department,
            "unreached": dict(reach.unreached),
            "already_planned": reach.planned,
            "already_planned_other_account": reach.planned_elsewhere}



def group_key(issue_id, item_ids):
    """A short stable key naming one item set of one issue: `g3-1a2b3c4d5e`."""
    digest = hashlib.sha1(",".join(map(str, item_ids)).encode()).hexdigest()[:10]
    return f"g{issue_id}-{digest}"


def issue_title(meta):
    """`简报 第3期（2021-01-06）`: the heading of every message of the issue."""
    title = "简报"
    if meta.get("number"):
        title += f" {meta['number']}"
    if meta.get("date"):
        title += f"（{meta['date']}）"
    return title


def cards_for(items, meta, channel, config, cadre_id=None, group=None):
    """The channel's cards for these item rows, each linking to its signed item page; a row
    whose `level` is 内部 gives a confidential card (WeCom: a `safe` message)."""
    from bulletin.cards import item_card
    from bulletin.model import Item
    from channels.links import item_url
    from store.levels import INTERNAL

    cards = []
    for row in items:
        item = Item(row["seq"], row["kind"], row["title"], row["body"], row["department"])
        link = item_url(config, row["id"], cadre_id=cadre_id, group=group)
        cards.append(item_card(item, date=meta.get("date"), link=link,
                               limits=channel.card_limits,
                               confidential=row.get("level") == INTERNAL))
    return cards


def plan_again(db, issue_id, config, channel, unsent):
    """The issue's push messages, as it is now, for these recipients ({recipient: cadre
    id}, planned before), each cadre at the account they have now (a resend, a withdrawal
    taking back what was still queued)."""
    if not unsent:
        return []
    reach = audience.audience(db, issue_id, audience.rule_for(config, channel.identity),
                              skip_planned=False)
    cadres = {c for c in unsent.values() if c is not None}
    reach.recipients = [r for r in reach.recipients
                        if r["recipient"] in unsent or r["id"] in cadres]
    return plan_issue(db, issue_id, channel, config, reach=reach) or []
