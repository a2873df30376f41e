"""The floor for bench/load.py: a minimal Flask + wechatpy app that only checks the signature,
parses the message and echoes its text back. Nothing Jianbao does is here.

    WECHAT_TOKEN=bench-token gunicorn -w 2 -b 127.0.0.1:8001 --pythonpath bench 'floor_app:create_app()'
    … 'floor_app:create_raw_app()'      # the same echo without Flask (plain WSGI + werkzeug)

The targets are read against the Flask floor. Jianbao answers /wechat in front of Flask
(handlers/callback.py), so the bench also prints the Flask-less echo, for comparison only.
"""

import os

from flask import Flask, Response, request
from werkzeug.wrappers import Request, Response as PlainResponse
from wechatpy import create_reply, parse_message
from wechatpy.exceptions import InvalidSignatureException
from wechatpy.utils import check_signature


def create_app():
    """`create_app()` -> the floor app (token from WECHAT_TOKEN)."""
    app = Flask(__name__)
    token = os.environ.get("WECHAT_TOKEN", "bench-token")

    @app.post("/wechat")
    def echo():
        args = request.args
        try:
            check_signature(token, args.get("signature", ""), args.get("timestamp", ""),
                            args.get("nonce", ""))
        except InvalidSignatureException:
            return Response("", status=403)
        message = parse_message(request.get_data())
        reply = create_reply(getattr(message, "content", "") or "success", message)
        return Response(reply.render(), content_type="application/xml; charset=utf-8")

    return app


def create_raw_app():
    """`create_raw_app()` -> the same echo as a plain WSGI callable: werkzeug's Request and
    Response, as Jianbao's /wechat uses, and no Flask request cycle."""
    token = os.environ.get("WECHAT_TOKEN", "bench-token")

    def echo(environ, start_response):
        request = Request(environ)
        args = request.args
        try:
            check_signature(token, args.get("signature", ""), args.get("timestamp", ""),
                            args.get("nonce", ""))
        except InvalidSignatureException:
            return PlainResponse("", status=403)(environ, start_response)
        message = parse_message(request.get_data())
        reply = create_reply(getattr(message, "content", "") or "success", message)
        response = PlainResponse(reply.render(), content_type="application/xml; charset=utf-8")
        return response(environ, start_response)

    return echo
