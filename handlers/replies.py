"""Turn what a handler returned into a wechatpy reply — the one place that does it.

    reply = render("已订阅：区财政局", message, channel.reply_kinds)   # TextReply, ≤ 2,047 B
    xml = reply.render()                                        # '' for "no reply"

Handlers return a str (text), a list of article dicts (`title`, `description`, `url`,
`image`) or None (no reply). A passive news reply shows one article on WeChat, so only the
first is kept. Text longer than the passive-reply limit is cut at a line or sentence end.
Every text goes into an XML CDATA section, so `]]>` (a user's words echoed back, a title)
is made harmless here, for every handler (bulletin.safetext.cdata_safe).
"""

from wechatpy import replies as mp_replies

from bulletin.cards import cut_bytes, size
from bulletin.safetext import cdata_safe

TEXT_LIMIT = 2047  # UTF-8 bytes; the passive text reply limit (design for the stricter reading)
MORE_MARK = "…"
SENTENCE_ENDS = "。！？；!?;"


def render(data, message, kinds=mp_replies):
    """The wechatpy reply for `data` answering `message` (EmptyReply for None/''), made with
    the channel's replies module (`channel.reply_kinds`: wechatpy's mp or WeCom replies)."""
    if not data:
        return mp_replies.EmptyReply()
    if isinstance(data, str):
        return kinds.TextReply(message=message, content=fit_text(data))
    article = dict(data[0])
    article["title"] = fit_text(article.get("title", ""), 128)
    article["description"] = fit_text(article.get("description", ""), 512)
    return kinds.ArticlesReply(message=message, articles=[article])


def fit_text(text, limit=TEXT_LIMIT):
    """`text` if it fits in `limit` UTF-8 bytes, else cut at the last line/sentence end + '…'."""
    text = cdata_safe(text)
    if size(text) <= limit:
        return text
    head = cut_bytes(text, limit - size(MORE_MARK))
    cut = head.rfind("\n")
    if cut < len(head) // 2:
        cut = max(head.rfind(mark) for mark in SENTENCE_ENDS)
        cut = cut + 1 if cut >= len(head) // 2 else len(head)
    return head[:cut].rstrip() + MORE_MARK
