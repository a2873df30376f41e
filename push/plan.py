"""Planning: which cadre gets which items of an issue, as the fewest messages the channel allows.

    messages = plan_issue(db, issue_id, channel, app.config)   # [Message], nothing written

Rules: an item goes to bound, on-roster cadres subscribed to its department or to 全部;
the lead item goes to every reachable cadre. Each cadre gets ONE message per issue holding
all their items (split into parts only where the channel's limit forces it), never the
same item twice. Cadres whose item sets are equal share a payload; where the channel takes
many recipients per call (WeCom, `max_batch` 1,000) they share the call too, and their links
carry the group key instead of a cadre id (`channels.links.item_url(group=…)`).
Recipients that already have a delivery for the issue are left out: planning again after
new cadres bind plans only the newcomers.
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


def plan_issue(db, issue_id, channel, config):
    """The messages still to send for `issue_id` (empty if all planned), or None if no issue."""
    items, meta = audience.issue_content(db, issue_id)
    if items is None:
        return None
    done = audience.planned_recipients(db, issue_id)
    cadres = [c for c in audience.reachable_cadres(db, channel.name) if c["recipient"] not in done]
    by_id = {item["id"]: item for item in items}
    title = issue_title(meta)
    messages = []
    for item_ids, members in group_by_items(items, cadres).items():
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


def items_for(cadre, items):
    """`items_for(cadre, items)` -> tuple of the item ids this cadre should get, in order."""
    return tuple(item["id"] for item in items
                 if item["kind"] == "lead" or cadre["all"]
                 or (item["department_id"] is not None
                     and item["department_id"] in cadre["departments"]))


def group_by_items(items, cadres):
    """{item ids: [cadre, …]} for every non-empty item set, cadres in id order."""
    groups = {}
    for cadre in cadres:
        chosen = items_for(cadre, items)
        if chosen:
            groups.setdefault(chosen, []).append(cadre)
    return groups


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
    """The channel's cards for these item rows, each linking to its signed item page."""
    from bulletin.cards import item_card
    from bulletin.model import Item
    from channels.links import item_url

    cards = []
    for row in items:
        item = Item(row["seq"], row["kind"], row["title"], row["body"], row["department"])
        link = item_url(config, row["id"], cadre_id=cadre_id, group=group)
        cards.append(item_card(item, date=meta.get("date"), link=link, channel=channel.name))
    return cards
