"""Read status and reminders (催办): who has opened none of their items, and one reminder each.

    state = read_status(db, 3)      # {"recipients": [...], "by_department": {...}, "group_links"}
    result = remind(db, config, channel, 3, dry_run=False)
        # {"issue": 3, "reminded": 4, "already_read": 9, "skipped": 1}

What "read" means. A cadre has read an issue when they opened at least one item they were
sent (a read receipt, web/store.py). On every channel a receipt names its cadre: the sandbox's
and the Official Account's links name the cadre, and on `work`/`mp` the item page learns its
reader from WeChat (web.reader_auth), so each cadre is `read` or `unread`. Only with
BOT_READER_OAUTH=0 (link only) does a WeCom receipt name the delivery group (up to 1,000
members): a group nobody opened is `unread` for every member, but in a group somebody opened
no member can be named — those are `unknown`, counted and not reminded (`skipped`).

A reminder is one text per cadre through the outbox, message kind `remind`: exactly once per
cadre per issue (a second `remind` queues nothing and counts them `skipped`), with the push's
retries, rate limits, WeCom pacing and the Official Account's template fallback. It lists the
cadre's unread items (withdrawn ones left out, and for a follower sent 公开 items only
those made 内部 since the push), each its title linked as in the push (per
cadre; on WeCom the same group link, so opening it counts for the group again), packed
within 2,048 bytes; on WeCom a reminder about any 内部 item is confidential (`safe: 1`).
Removed cadres and cadres with nothing left to read are `skipped`. A reminder goes to the
account the channel reaches the cadre at now (a cadre unbound and bound again on a new
phone: the new one, never the account unbound), once per cadre whichever account the push
or an earlier reminder reached (`_addressed_now`).
"""

from bulletin.cards import fit, item_card
from bulletin.model import Item
from bulletin.safetext import anchor, line, pack
from channels.links import item_url
from push import outbox, status
from push.plan import Message, issue_title
from store.levels import INTERNAL, public_only_among
from subscriptions import audience

READ, UNREAD, UNKNOWN = "read", "unread", "unknown"
TITLE_BYTES = 120
MORE = "其余未读条目请回复“最新”查看。"


def read_status(db, issue_id):
    """Each recipient's state and the read rate per department (the cadre's department):
    {"recipients": [{"cadre_id", "name", "department", "recipient", "removed", "items",
    "groups", "state"}], "by_department": {name: {"recipients", "read", "unread",
    "unknown", "rate"}}, "unread": [recipient dicts]}."""
    opened = status.receipts(db, issue_id)
    recipients = status.issue_reach(db, issue_id)
    by_department = {}
    for entry in recipients:
        readers = set().union(*(opened.get(i, set()) for i in entry["items"]))
        if f"c:{entry['cadre_id']}" in readers:
            entry["state"] = READ
        elif any(f"g:{group}" in readers for group in entry["groups"]):
            entry["state"] = UNKNOWN  # someone of their WeCom group opened it: who, unknown
        else:
            entry["state"] = UNREAD
        counts = by_department.setdefault(entry["department"], dict.fromkeys(
            ("recipients", READ, UNREAD, UNKNOWN), 0))
        counts["recipients"] += 1
        counts[entry["state"]] += 1
    for counts in by_department.values():
        known = counts["recipients"] - counts[UNKNOWN]
        counts["rate"] = round(counts[READ] / known, 3) if known else None
    return {"recipients": recipients, "by_department": by_department,
            "unread": [e for e in recipients if e["state"] == UNREAD]}


def remind(db, config, channel, issue_id, dry_run=False):
    """Queue one reminder to each unread cadre of the issue (nothing with `dry_run`)."""
    items, meta = audience.issue_content(db, issue_id)
    if items is None:
        return None
    live = {item["id"]: item for item in items}  # withdrawn items are not among them
    state = read_status(db, issue_id)
    already = status.reminded(db, issue_id)
    counts = {"issue": issue_id, "reminded": 0, "already_read": 0, "skipped": 0}
    targets = []
    public_only = public_only_among(db, [entry["cadre_id"] for entry in state["recipients"]])
    for entry in _addressed_now(db, config, channel, state["recipients"]):
        unread = [i for i in entry["items"] if i in live  # 内部 since the push: not to them
                  and not (entry["cadre_id"] in public_only and live[i].get("level") == INTERNAL)]
        if entry["state"] == READ:
            counts["already_read"] += 1
        elif (entry["state"] == UNKNOWN or entry["removed"] or not unread
              or entry["accounts"] & already):
            counts["skipped"] += 1
        else:
            targets.append((entry, unread))
    messages = _messages(config, channel, meta, live, targets)
    if dry_run:
        counts["reminded"] = len(targets)
    elif messages:
        counts["reminded"] = outbox.enqueue(db, issue_id, channel.name, messages, kind="remind")
    return counts


def _addressed_now(db, config, channel, entries):
    """The read-status entries (one per account the push reached) as one per cadre at the
    account the channel reaches them at now (subscriptions.audience.addressed_now: bound
    again on a new phone, the new one); a cadre's entries merged — items, groups, read if any
    was, and `reminded_at` every account the cadre had, so a reminder stays once per cadre."""
    merged = {}
    for entry in entries:
        key = entry["cadre_id"] if entry["cadre_id"] is not None else ("r", entry["recipient"])
        if key not in merged:
            merged[key] = dict(entry, items=list(entry["items"]), groups=list(entry["groups"]),
                               accounts={entry["recipient"]})
            continue
        kept = merged[key]
        kept["items"] += [i for i in entry["items"] if i not in kept["items"]]
        kept["groups"] += [g for g in entry["groups"] if g not in kept["groups"]]
        kept["accounts"].add(entry["recipient"])
        kept["state"] = min((kept["state"], entry["state"]), key=[READ, UNKNOWN, UNREAD].index)
    now = dict(audience.addressed_now(db, audience.rule_for(config, channel.identity),
                                      [(e["cadre_id"], e["recipient"]) for e in merged.values()
                                       if e["cadre_id"] is not None]))
    for entry in merged.values():
        entry["recipient"] = now.get(entry["cadre_id"], entry["recipient"])
        entry["accounts"].add(entry["recipient"])
    return list(merged.values())


def _messages(config, channel, meta, live, targets):
    title = issue_title(meta)
    if channel.max_batch <= 1:
        return [Message(f"r{(entry['groups'] or ['-'])[0]}", unread,
                        [(entry["cadre_id"], entry["recipient"])],
                        _payloads(config, channel, meta, title, [live[i] for i in unread],
                                  cadre_id=entry["cadre_id"]))
                for entry, unread in targets]
    grouped = {}  # WeCom: members of one delivery group with the same unread items share a call
    for entry, unread in targets:
        grouped.setdefault(((entry["groups"] or [None])[0], tuple(unread)), []).append(entry)
    messages = []
    for (group, unread), members in grouped.items():
        payloads = _payloads(config, channel, meta, title, [live[i] for i in unread], group=group)
        for start in range(0, len(members), channel.max_batch):
            chunk = members[start:start + channel.max_batch]
            messages.append(Message(f"r{group}", list(unread),
                                    [(m["cadre_id"], m["recipient"]) for m in chunk], payloads))
    return messages


def reminder_text(title, links, limit):
    """`【催办】简报 第3期（…）有N条您还未读：` and one linked title per line, ≤ `limit` bytes
    (the channel's text limit)."""
    blocks = [f"{n}. {anchor(url, fit(line(item_title), TITLE_BYTES))}"
              for n, (url, item_title) in enumerate(links, 1)]
    text, _ = pack(f"【催办】{line(title)}有{len(links)}条您还未读：", blocks,
                   limit, MORE)
    return text


def _payloads(config, channel, meta, title, rows, cadre_id=None, group=None):
    links = [(item_url(config, row["id"], cadre_id=cadre_id, group=group), row["title"])
             for row in rows]
    first = rows[0]
    confidential = any(row.get("level") == INTERNAL for row in rows)  # WeCom: safe
    card = item_card(Item(first["seq"], first["kind"], first["title"], first["body"],
                          first["department"]), date=meta.get("date"), link=links[0][0],
                     limits=channel.card_limits, confidential=confidential)
    return channel.notice(reminder_text(title, links, channel.card_limits["text"]), card,
                          title="催办：" + title, confidential=confidential)
