"""The Flask adapter: `GET/POST /wechat` for the channel in BOT_CHANNEL.

    GET  /wechat?signature&timestamp&nonce&echostr        -> echostr (mp, sandbox)
    GET  /wechat?msg_signature&timestamp&nonce&echostr    -> decrypted echostr (work)
    POST /wechat?…                                        -> reply XML, encrypted when asked

Refusals: bad or missing signature, or a timestamp more than 300 s away -> 403; a body over
BOT_MAX_CALLBACK_BYTES -> 413; XML that cannot be read -> `success` (no reply) and a log
line. Never a 500. The work is in handlers.envelope (crypto) and handlers.chat (replies).
"""

import logging

from flask import Blueprint, Response, current_app, request

from handlers import envelope
from handlers.chat import answer
from store.db import get_db

log = logging.getLogger(__name__)
bp = Blueprint("wechat", __name__)


@bp.get("/wechat")
def verify():
    """WeChat's URL check when the callback is configured."""
    try:
        return _text(envelope.verify_url(current_app.config, request.args))
    except envelope.Refused as refused:
        return _refuse(refused)


@bp.post("/wechat")
def receive():
    """One message or event: authenticate, read, answer (well inside WeChat's 5 s)."""
    config = current_app.config
    try:
        envelope.check_query(config, request.args)
        body = _capped_body(config["BOT_MAX_CALLBACK_BYTES"])
        message = envelope.parse(config, envelope.open_body(config, request.args, body))
    except envelope.Refused as refused:
        return _refuse(refused)
    except envelope.Malformed as error:
        log.warning("unreadable callback body from %s: %s", request.remote_addr, error)
        return _text("success")
    reply = answer(get_db(), config, message)
    return _text(envelope.seal(config, request.args, reply), xml=bool(reply))


def _capped_body(limit):
    if request.content_length is not None and request.content_length > limit:
        raise envelope.Refused(413, f"body of {request.content_length} bytes")
    body = request.stream.read(limit + 1)
    if len(body) > limit:
        raise envelope.Refused(413, "body over the limit")
    return body


def _refuse(refused):
    log.warning("refused /wechat %s from %s: %s", request.method, request.remote_addr,
                refused.reason)
    return _text("" if refused.status != 413 else "body too large", status=refused.status)


def _text(body, status=200, xml=False):
    kind = "application/xml" if xml else "text/plain"
    return Response(body, status=status, content_type=f"{kind}; charset=utf-8")
