"""WeCom: a chat reply that lists 内部 items goes as a confidential message, not a passive one.

    confidential.mark(ctx, [hit["item_id"] for hit in hits])   # in a handler listing items
    if ctx.confidential: sent = confidential.send(ctx, text)    # handlers.chat, once a message

A passive reply (the XML answering the callback) has no `safe` field, so a member could
forward a search result's 内部 titles outside the organisation. Where the channel can
(`channel.confidential_replies`: WeCom), a reply listing any 内部 item is sent instead with
`message/send` and `safe: 1` (watermarked, not forwardable outside), and the callback gets no
passive reply. handlers.chat records that for WeChat's retries first, so only the first copy
of a message sends. A send that fails (WeCom down, a token that cannot be had) leaves the
member the short NOT_SENT apology — never the titles in a forwardable reply. The call is made
within WeChat's 5-second answer window, so it waits at most SEND_TIMEOUT seconds.

Each thread keeps its channel for the app between messages (`_channel`): its HTTP session
keeps the connection to WeCom open, so a reply costs one request rather than a TCP and TLS
handshake (two more round trips to WeCom) and a request. The access token is read from the
database at every call, as before, so nothing else is kept.
"""

import logging
import threading

import metrics
from channels import SENT, make_channel
from channels.base import http_timeout
from handlers.replies import fit_text
from store import levels

log = logging.getLogger(__name__)
_local = threading.local()  # .kept: (the app's config, its channel) for this thread
NOT_SENT = "内部内容暂时未能发出，请稍后再试。"
SEND_TIMEOUT = 3.0  # seconds: inside WeChat's 5 s for the whole answer


def mark(ctx, item_ids):
    """Mark the reply confidential if the channel can send one and any item is 内部."""
    if ctx.channel.confidential_replies and levels.internal_among(ctx.db, item_ids):
        ctx.confidential = True


def send(ctx, text):
    """Send `text` to the sender as a confidential message -> True if WeCom took it."""
    try:
        result = _channel(ctx.config).confidential_reply(ctx.user, fit_text(text))
    except Exception as error:  # noqa: BLE001 - network, 5xx, busy: the member gets NOT_SENT
        log.warning("confidential reply to %s not sent: %s", ctx.user, error)
        metrics.confidential_reply("failed")
        return False
    if result.status != SENT:
        log.warning("confidential reply to %s refused: %s %s", ctx.user, result.errcode,
                    result.reason)
        metrics.confidential_reply("failed")
        return False
    metrics.confidential_reply("sent")
    return True


def _channel(config):
    """This thread's channel for the app whose `config` this is, made on first use with the
    HTTP timeout cut to SEND_TIMEOUT."""
    kept = getattr(_local, "kept", None)
    if kept is None or kept[0] is not config:
        capped = dict(config, BOT_HTTP_TIMEOUT=min(http_timeout(config), SEND_TIMEOUT))
        kept = _local.kept = (config, make_channel(capped, config["DATABASE_PATH"]))
    return kept[1]
