"""/wechat as the WSGI endpoint in front of Flask (handlers/callback.py): what a Flask view
gave it and it must still give — HEAD and 405 like Flask's routing, the first request's
starters (the in-process push worker, jieba's warm-up), a logged plain 500 if Jianbao itself
fails. The protocol (signatures, crypto, retries) is tests/test_callback.py's."""

import logging

from fixtures_chat import post_xml, signed_args, text_xml


def test_head_checks_like_get_and_other_methods_get_405(client):
    head = client.head("/wechat", query_string={**signed_args(), "echostr": "hello123"})
    assert head.status_code == 200 and head.get_data() == b""
    bad = client.head("/wechat", query_string={**signed_args(), "echostr": "x", "nonce": "other"})
    assert bad.status_code == 403
    for method in ("PUT", "DELETE", "PATCH"):
        response = client.open("/wechat", method=method, query_string=signed_args(), data=b"x")
        assert response.status_code == 405 and response.headers["Allow"] == "GET, HEAD, POST"


def test_a_chat_message_starts_what_a_first_request_starts(make_app):
    """/wechat is answered in front of Flask, yet its first message starts the in-process
    push worker and jieba's warm-up (app.extensions["request_starters"]) as a page does."""
    from push import worker

    app = make_app(BOT_INPROCESS_WORKER=True)
    started = []
    app.extensions["request_starters"].append(lambda: started.append(True))
    try:
        assert "push_worker" not in app.extensions
        assert post_xml(app.test_client(), text_xml("o_x", "帮助", 9903)).status_code == 200
        assert app.extensions["push_worker"]["thread"].is_alive() and started == [True]
    finally:
        assert worker.stop_background(app)


def test_a_failure_outside_the_handlers_is_a_logged_plain_500(app, client, monkeypatch, caplog):
    """The handlers turn their own failures into an apology; if the database cannot even be
    lent (a broken pool), the endpoint logs it and answers a plain 500, no traceback."""
    import handlers.callback

    def broken(app):
        raise RuntimeError("no connection")

    monkeypatch.setattr(handlers.callback, "borrowed", broken)
    with caplog.at_level(logging.ERROR, logger="handlers.callback"):
        response = post_xml(client, text_xml("o_x", "帮助", 9902))
    assert response.status_code == 500 and response.get_data(as_text=True) == "internal error"
    assert "no connection" in caplog.text
