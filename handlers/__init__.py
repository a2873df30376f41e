"""Chat: the /wechat callback, the router and the command handlers.

    handlers.init_app(app)                      # answers GET/POST /wechat (in front of Flask)
    xml = handlers.chat.answer(db, config, msg) # the same answer without HTTP

Layout: router.py (match -> handle), one module per command family (access, welcome,
subscribing, departments, searching, fallback), replies.py (data -> wechatpy reply), chat.py (one
message -> one reply), callback.py (the WSGI endpoint; signatures and crypto are the channel's,
channels/inbound.py).
See docs/chat.md.
"""


def init_app(app):
    """Answer the WeChat callback, /wechat, in front of Flask (handlers/callback.py)."""
    from handlers.callback import install

    install(app)
