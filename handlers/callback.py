"""The Flask adapter: `GET/POST /wechat` for the channel in BOT_CHANNEL.

    GET  /wechat?signature&timestamp&nonce&echostr        -> echostr (mp, sandbox)
    GET  /wechat?msg_signature&timestamp&nonce&echostr    -> decrypted echostr (work)
    POST /wechat?…                                        -> reply XML, encrypted when asked

Refusals: bad or missing signature, or a timestamp more than 300 s away -> 403; a body over
BOT_MAX_CALLBACK_BYTES -> 413; XML that cannot be read -> `success` (no reply) and a log
line. Never a 500. The work is in the channel's inbound half (channels/inbound.py: crypto)
and handlers.chat (replies).
"""

import logging

from flask import Blueprint, Response, current_app, request

from channels import channel_class
from channels.inbound import Malformed, Refused
from handlers.chat import answer
from store.db import get_db

log = logging.getLogger(__name__)
bp = Blueprint("wechat", __name__)


@bp.get("/wechat")
def verify():
    """WeChat's URL check when the callback is configured."""
    try:
        return _text(_inbound().verify_url(current_app.config, request.args))
    except Refused as refused:
        return _refuse(refused)


@bp.post("/wechat")
def receive():
    """One message or event: authenticate, read, answer (well inside WeChat's 5 s)."""
    config, inbound = current_app.config, _inbound()
    try:
        inbound.check_query(config, request.args)
        body = _capped_body(config["BOT_MAX_CALLBACK_BYTES"])
        message = inbound.parse(config, inbound.open_body(config, request.args, body))
    except Refused as refused:
        return _refuse(refused)
    except Malformed as error:
        log.warning("unreadable callback body from %s: %s", request.remote_addr, error)
        return _text("success")
    reply = answer(get_db(), config, message)
    return _text(inbound.seal(config, request.args, reply), xml=bool(reply))


def _inbound():
    return channel_class(current_app.config["BOT_CHANNEL"])


def _capped_body(limit):
    if request.content_length is not None and request.content_length > limit:
        raise Refused(413, f"body of {request.content_length} bytes")
    body = request.stream.read(limit + 1)
    if len(body) > limit:
        raise Refused(413, "body over the limit")
    return body


def _refuse(refused):
    log.warning("refused /wechat %s from %s: %s", request.method, request.remote_addr,
                refused.reason)
    return _text("" if refused.status != 413 else "body too large", status=refused.status)


def _text(body, status=200, xml=False):
    kind = "application/xml" if xml else "text/plain"
    return Response(body, status=status, content_type=f"{kind}; charset=utf-8")
