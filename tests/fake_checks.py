"""What the fake WeChat server checks in a message body, with WeChat's error codes.

    check_bytes(title, 128, 45003, "title size out of limit")
    check_articles(articles)          # news: 1–8 articles, title/description/url sizes
    check_work_message(data)          # WeCom message/send: msgtype limits, `safe`
    work_safe(data)                   # the `safe` WeCom applies: 0, 1 or 2 (mpnews)

WeCom's `safe` (保密消息: 1 = not shareable outside the organisation, shown watermarked) is
a field of text, image, video and file messages (0 or 1) and of mpnews (also 2: shareable
only inside the organisation); news, textcard and markdown have none. WeCom's documentation
lists no error for it; the fake reads it the strict way: a value outside those is refused
with 40058 (不合法的参数, WeCom's invalid-parameter code), and on a type without the field
it is ignored — the message is recorded as not confidential (`safe` 0), so a test that
expects a confidential message fails. Unconfirmed against WeCom itself.
"""

from fake_reject import Reject


def check_bytes(text, limit, errcode, errmsg):
    if len(str(text).encode("utf-8")) > limit:
        raise Reject(errcode, errmsg)


def check_articles(articles):
    for article in articles:
        check_bytes(article.get("title") or "", 128, 45003, "title size out of limit")
        check_bytes(article.get("description") or "", 512, 45004, "description size out of limit")
        check_bytes(article.get("url") or "", 2048, 45005, "url size out of limit")


SAFE_VALUES = {"text": (0, 1), "image": (0, 1), "video": (0, 1), "file": (0, 1),
               "mpnews": (0, 1, 2)}


def work_safe(data):
    """The `safe` WeCom applies to this message/send body (0 where the type has none);
    Reject(40058) for a value the type does not take."""
    allowed = SAFE_VALUES.get(data.get("msgtype"))
    if allowed is None or "safe" not in data:
        return 0
    value = data["safe"]
    if isinstance(value, str) and value.isdigit():  # WeCom's old examples send "0"
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or value not in allowed:
        raise Reject(40058, f"invalid parameter: safe {data['safe']!r} for "
                            f"{data.get('msgtype')} (takes {'/'.join(map(str, allowed))})")
    return value


def check_work_message(data):
    msgtype = data.get("msgtype")
    body = data.get(msgtype)
    if not isinstance(body, dict):
        raise Reject(40008, f"invalid message type {msgtype!r}")
    work_safe(data)
    if msgtype in ("text", "markdown"):
        if not body.get("content"):
            raise Reject(44004, "empty content")
        check_bytes(body["content"], 2048, 45002, "content size out of limit")
    elif msgtype == "news":
        articles = body.get("articles") or []
        if not 1 <= len(articles) <= 8:
            raise Reject(45008, "article size out of limit")
        check_articles(articles)
    elif msgtype == "textcard":
        check_articles([body])
    elif msgtype in ("image", "video", "file"):
        if not body.get("media_id"):
            raise Reject(40007, "invalid media_id")
    elif msgtype == "mpnews":
        articles = body.get("articles") or []
        if not 1 <= len(articles) <= 8:
            raise Reject(45008, "article size out of limit")
        if not all(a.get("thumb_media_id") for a in articles):
            raise Reject(40007, "invalid media_id")
        if not all(a.get("title") and a.get("content") for a in articles):
            raise Reject(44004, "empty content")
        check_articles([{"title": a["title"], "description": a.get("digest") or "",
                         "url": a.get("content_source_url") or ""} for a in articles])
    else:
        raise Reject(40008, f"invalid message type {msgtype!r}")
