"""Chat: the /wechat callback, the router and the command handlers.

    handlers.init_app(app)                      # registers GET/POST /wechat
    xml = handlers.chat.answer(db, config, msg) # the same answer without HTTP

Layout: router.py (match -> handle), one module per command family (access, welcome,
subscribing, departments, searching, fallback), replies.py (data -> wechatpy reply), envelope.py
(signatures and crypto), chat.py (one message -> one reply), callback.py (Flask adapter).
See docs/chat.md.
"""


def init_app(app):
    """Register the WeChat callback blueprint."""
    from handlers.callback import bp

    app.register_blueprint(bp)
