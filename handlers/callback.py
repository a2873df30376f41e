"""`GET/POST /wechat` for the channel in BOT_CHANNEL, served in front of Flask.

    install(app)      # app.wsgi_app: /wechat answered here, every other path goes on to Flask
    GET  /wechat?signature&timestamp&nonce&echostr        -> echostr (mp, sandbox)
    GET  /wechat?msg_signature&timestamp&nonce&echostr    -> decrypted echostr (work)
    POST /wechat?…                                        -> reply XML, encrypted when asked

Refusals: bad or missing signature, or a timestamp more than 300 s away -> 403; a body over
BOT_MAX_CALLBACK_BYTES -> 413; XML that cannot be read -> `success` (no reply) and a log
line; another method -> 405. Never a 500 for anything WeChat (or anyone) sends. The work is
in the channel's inbound half (channels/inbound.py: crypto) and handlers.chat (replies).

Why not a Flask view: every chat message comes through here, and Flask's request cycle —
a request context, URL matching over the console's rules, the before/after hooks, sessions —
cost ~0.35 ms of a ~1 ms message (bench/load.py), for nothing the callback uses: it has no
cookies, no CSRF token, no template. What Flask gave it is kept: werkzeug's Request and
Response (query decoding, the body stream), the app's pool of connections (store.db.borrowed:
nothing on the chat path needs an app context, and pushing one cost 25 µs a message), the
proxy fix (web/proxy.py wraps this), the answer-time histogram
(jianbao_callback_seconds), what a serving process starts on its first request (jieba's
warm-up, the in-process push worker: `app.extensions["request_starters"]`, run for every
path by bot.create_app's outermost wrapper) and a logged, plain 500 if Jianbao itself fails.
"""

import logging
import time

from werkzeug.wrappers import Request, Response

import metrics
from channels import channel_class
from channels.inbound import Malformed, Refused
from handlers.chat import answer
from store.db import borrowed
from store.transaction import lock_wait

log = logging.getLogger(__name__)
PATH = "/wechat"
ROUTES = {("GET", PATH), ("POST", PATH)}  # served here, not in app.url_map (README's table)
ALLOWED = "GET, HEAD, POST"
# How long a message waits for another writer's lock (a backup, an import) before the chat
# says SORRY: WeChat waits 5 s for the reply and nginx gives /wechat 4 s
# (deploy/nginx-jianbao.conf), so the apology must leave well before; the retry memory then
# answers WeChat's resend afresh. Other callers keep the 5 s busy timeout (store/db.py).
LOCK_WAIT_MS = 2500


def install(app):
    """Answer /wechat in front of `app`'s Flask request cycle."""
    app.wsgi_app = Callback(app, app.wsgi_app)
    app.extensions["wsgi_routes"] = app.extensions.get("wsgi_routes", set()) | ROUTES


class Callback:
    """WSGI middleware: /wechat here, anything else to `inner` (Flask's wsgi_app)."""

    def __init__(self, app, inner):
        self.app, self.inner = app, inner

    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO") != PATH:
            return self.inner(environ, start_response)
        started = time.perf_counter()
        request = Request(environ)
        try:
            response = self._respond(request)
        except Exception:  # Jianbao's own failure (the database gone): logged, plain 500
            log.exception("/wechat %s failed", request.method)
            response = _text("internal error", 500)
        if request.method in ("GET", "POST"):
            metrics.callback_seconds(request.method, time.perf_counter() - started)
        return response(environ, start_response)

    def _respond(self, request):
        config = self.app.config
        inbound = channel_class(config["BOT_CHANNEL"])
        try:
            if request.method in ("GET", "HEAD"):  # WeChat's URL check
                return _text(inbound.verify_url(config, request.args))
            if request.method != "POST":
                return _text("method not allowed", 405, headers={"Allow": ALLOWED})
            inbound.check_query(config, request.args)
            body = _capped_body(request, config["BOT_MAX_CALLBACK_BYTES"])
            message = inbound.parse(config, inbound.open_body(config, request.args, body))
        except Refused as refused:
            log.warning("refused /wechat %s from %s: %s", request.method, request.remote_addr,
                        refused.reason)
            return _text("" if refused.status != 413 else "body too large", refused.status)
        except Malformed as error:
            log.warning("unreadable callback body from %s: %s", request.remote_addr, error)
            return _text("success")
        with borrowed(self.app) as db, lock_wait(db, LOCK_WAIT_MS):  # the app's pool
            reply = answer(db, config, message)
        return _text(inbound.seal(config, request.args, reply), xml=bool(reply))


def _capped_body(request, limit):
    if request.content_length is not None and request.content_length > limit:
        raise Refused(413, f"body of {request.content_length} bytes")
    body = request.stream.read(limit + 1)
    if len(body) > limit:
        raise Refused(413, "body over the limit")
    return body


def _text(body, status=200, xml=False, headers=None):
    kind = "application/xml" if xml else "text/plain"
    return Response(body, status=status, headers=headers,
                    content_type=f"{kind}; charset=utf-8")
