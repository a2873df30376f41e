"""The floor for bench/load.py: a minimal Flask + wechatpy app that only checks the signature,
parses the message and echoes its text back. Nothing Jianbao does is here.

    WECHAT_TOKEN=bench-token gunicorn -w 2 -b 127.0.0.1:8001 --pythonpath bench 'floor_app:create_app()'
"""

import os

from flask import Flask, Response, request
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
