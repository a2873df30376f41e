"""What the fake WeChat server checks in a message body, with WeChat's error codes.

    check_bytes(title, 128, 45003, "title size out of limit")
    check_articles(articles)          # news: 1–8 articles, title/description/url sizes
    check_work_message(data)          # WeCom message/send: touser, agentid, msgtype limits
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


def check_work_message(data):
    msgtype = data.get("msgtype")
    body = data.get(msgtype)
    if not isinstance(body, dict):
        raise Reject(40008, f"invalid message type {msgtype!r}")
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
    else:
        raise Reject(40008, f"invalid message type {msgtype!r}")
