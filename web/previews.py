"""Channel payloads as phone messages: card previews, the sandbox inbox, chat replies.

    phone_messages(config, issue, items)   # what a cadre who follows every item would receive
    inbox_messages(inbox_rows)             # the sandbox inbox as the phone shows it
    reply_messages(xml)                    # a /wechat reply, read back

A phone message is {"kind": "news", "articles": [{"title", "description", "url"}]},
{"kind": "card", "title", "description", "url", "button"} or {"kind": "text", "text",
"confidential"};
"time" is set where the message has one.
"""

import xmltodict
from flask import current_app
from xml.parsers.expat import ExpatError

from channels import make_channel
from push.plan import cards_for, issue_title
from store.db import get_db
from store.levels import issue_levels
from web.render import local_time


def phone_messages(config, issue, items):
    """The active channel's real payloads for the whole issue (links open the office preview);
    each item at its 公开/内部 level, so WeCom's confidential text shows as it will go out."""
    if not items:
        return []
    effective = issue_levels(get_db(), issue["id"])["items"]
    items = [dict(item, level=effective.get(item["id"], (None, None))[1]) for item in items]
    channel = make_channel(config, current_app.config["DATABASE_PATH"])
    meta = {"issuer": issue.get("issuer"), "date": issue.get("date"), "number": issue.get("number")}
    cards = cards_for(items, meta, channel, config)
    return [payload_message(p) for p in channel.render(cards, title=issue_title(meta))]


def payload_message(payload, time=None):
    """One channel payload (news / textcard / text, WeCom or Official Account style)."""
    kind = payload.get("msgtype")
    if kind == "news":
        articles = payload.get("news", {}).get("articles", [])
        return {"kind": "news", "time": time, "articles": [
            {"title": a.get("title", ""), "description": a.get("description", ""),
             "url": a.get("url", "")} for a in articles]}
    if kind == "textcard":
        card = payload.get("textcard", {})
        return {"kind": "card", "time": time, "title": card.get("title", ""),
                "description": card.get("description", ""), "url": card.get("url", ""),
                "button": card.get("btntxt")}
    if kind == "text":  # `confidential`: WeCom's `safe` (watermarked, not forwarded outside)
        return {"kind": "text", "time": time, "text": payload.get("text", {}).get("content", ""),
                "confidential": bool(payload.get("safe"))}
    return {"kind": "text", "time": time, "text": f"[{kind or '未知'}消息]"}


def inbox_messages(rows):
    """Sandbox inbox rows ({"payload", "received_at"}) as phone messages."""
    return [payload_message(row["payload"], time=_clock(row.get("received_at"))) for row in rows]


def reply_messages(xml):
    """A passive reply's XML (text or news) as phone messages; "" or "success" is no reply."""
    if not xml or xml.strip() == "success":
        return []
    try:
        root = xmltodict.parse(xml).get("xml") or {}
    except ExpatError:
        return [{"kind": "text", "text": "[无法读取的回复]"}]
    if root.get("MsgType") == "news":
        items = (root.get("Articles") or {}).get("item") or []
        items = items if isinstance(items, list) else [items]
        return [{"kind": "news", "articles": [
            {"title": i.get("Title") or "", "description": i.get("Description") or "",
             "url": i.get("Url") or ""} for i in items]}]
    if root.get("MsgType") == "text":
        return [{"kind": "text", "text": root.get("Content") or ""}]
    return [{"kind": "text", "text": f"[{root.get('MsgType')}消息]"}]


def _clock(stamp):
    """`2021-01-06T08:05:00Z` -> `2021-01-06 16:05`: BOT_TIMEZONE, as the console shows times."""
    return local_time(stamp) if stamp else None
