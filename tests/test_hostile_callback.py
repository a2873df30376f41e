"""Bad-input catalogue, part 1: hostile requests to the WeChat callback `/wechat`.

    pytest tests/test_hostile_callback.py

Each case runs against the real app served over loopback HTTP (werkzeug, threaded) on a real
SQLite file, and asserts three things: the exact status (and reply), that the server still
answers a signed URL check afterwards, and that nothing was stored or pushed (row counts of
issues, items, outbox, deliveries, the sandbox inbox, subscriptions, bindings — and the
retry memory `inbound_replies`, which grows by one only for a message that was answered).
The harness (the `live` fixture, `assert_unchanged`) is tests/fixtures_hostile.py.
"""

import sqlite3
import time

import pytest
import requests
import xmltodict

from fixtures_chat import ACCOUNT, TOKEN, event_xml, signed_args, text_xml
from fixtures_hostile import BOUND, STRANGER, assert_unchanged
from handlers.access import how_to_bind
from web.wechat_sim import callback_xml


def reply_text(body):
    if not body or body == "success":
        return ""
    return xmltodict.parse(body)["xml"].get("Content") or ""


def post(live, body, args=None, headers=None):
    data = body.encode("utf-8") if isinstance(body, str) else body
    return requests.post(live.url("/wechat"), params=args or signed_args(), data=data,
                         headers={"Content-Type": "text/xml", **(headers or {})}, timeout=30)


# ---- messages WeChat could never send, or an attacker would ----------------------------------

MSG = text_xml(BOUND, "疫情", msg_id=4242)
BILLION_LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY l0 "lol">'
    + "".join(f'<!ENTITY l{n} "{f"&l{n - 1};" * 10}">' for n in range(1, 10))
    + f']><xml><ToUserName>gh</ToUserName><FromUserName>{BOUND}</FromUserName>'
      '<CreateTime>1</CreateTime><MsgType>text</MsgType><Content>&l9;</Content>'
      '<MsgId>1</MsgId></xml>')
EXTERNAL_ENTITY = (
    '<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    f'<xml><ToUserName>gh</ToUserName><FromUserName>{BOUND}</FromUserName>'
    '<CreateTime>1</CreateTime><MsgType>text</MsgType><Content>&x;</Content>'
    '<MsgId>2</MsgId></xml>')
PARAMETER_ENTITY = (
    '<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY % p SYSTEM "http://127.0.0.1:9/evil.dtd"> %p;]>'
    f'<xml><FromUserName>{BOUND}</FromUserName><MsgType>text</MsgType></xml>')

UNREADABLE = [
    pytest.param("<xml><ToUserName>gh</ToUserName><FromUser", id="truncated-xml"),
    pytest.param(MSG[: len(MSG) // 2], id="message-cut-in-half"),
    pytest.param("<xml><a></b></xml>", id="mismatched-tags"),
    pytest.param("\x00\x01\x02<xml/>", id="control-bytes"),
    pytest.param("", id="empty-body"),
    pytest.param('{"MsgType": "text"}', id="json-not-xml"),
    pytest.param(BILLION_LAUGHS, id="billion-laughs"),
    pytest.param(EXTERNAL_ENTITY, id="external-entity-file"),
    pytest.param(PARAMETER_ENTITY, id="external-parameter-entity"),
    pytest.param(MSG.encode("utf-8")[:-3] + b"\xff\xfe", id="invalid-utf8-tail"),
]


@pytest.mark.parametrize("body", UNREADABLE)
def test_unreadable_bodies_get_success_and_change_nothing(live, body):
    before = live.counts()
    started = time.monotonic()
    response = post(live, body)
    assert response.status_code == 200 and response.text == "success"
    assert time.monotonic() - started < 10  # not stuck expanding entities or fetching a DTD
    assert live.alive()
    assert_unchanged(before, live.counts())


def test_a_gbk_encoded_message_is_read_leniently_and_answered(live):
    before = live.counts()
    response = post(live, MSG.encode("gbk"))
    assert response.status_code == 200
    assert reply_text(response.text).startswith(("找到", "没有找到"))
    assert live.alive()
    assert_unchanged(before, live.counts(), remembered=1)


REFUSED = [
    pytest.param({"signature": "0" * 40}, 403, id="wrong-signature"),
    pytest.param({"signature": None}, 403, id="missing-signature"),
    pytest.param({"signature": ""}, 403, id="empty-signature"),
    pytest.param({"timestamp": None}, 403, id="missing-timestamp"),
    pytest.param({"nonce": None}, 403, id="missing-nonce"),
    pytest.param({"timestamp": "yesterday"}, 403, id="timestamp-not-a-number"),
    pytest.param({"skew": -301}, 403, id="timestamp-301s-old"),
    pytest.param({"skew": 3600}, 403, id="timestamp-an-hour-ahead"),
    pytest.param({"skew": -86400 * 365}, 403, id="timestamp-a-year-old"),
    pytest.param({"token": "someone-elses-token"}, 403, id="signed-with-another-token"),
    pytest.param({"body": "x" * (10 * 1024 * 1024)}, 413, id="10MB-body"),
    pytest.param({"body": text_xml(BOUND, "疫" * 30_000, 9)}, 413, id="over-the-64KB-cap"),
]


@pytest.mark.parametrize("change, status", REFUSED)
def test_refused_requests_are_not_handled(live, change, status):
    stamp = int(time.time()) + change.get("skew", 0)
    args = signed_args(token=change.get("token", TOKEN), timestamp=stamp)
    for key in ("signature", "timestamp", "nonce"):
        if key in change:
            args.pop(key) if change[key] is None else args.__setitem__(key, change[key])
    before = live.counts()
    response = post(live, change.get("body", MSG), args)
    assert response.status_code == status
    assert "Traceback" not in response.text and len(response.text) < 100
    assert live.alive()
    assert_unchanged(before, live.counts())


def test_a_replayed_request_is_answered_from_memory_not_handled_again(live):
    args = signed_args()
    before = live.counts()
    first = post(live, MSG, args)
    replays = [post(live, MSG, args) for _ in range(3)]
    assert first.status_code == 200 and reply_text(first.text).startswith("找到")
    assert [r.text for r in replays] == [first.text] * 3
    assert live.alive()
    assert_unchanged(before, live.counts(), remembered=1)


def test_a_replay_after_the_window_is_refused(live, monkeypatch):
    from channels import inbound as envelope

    args = signed_args()
    assert post(live, MSG, args).status_code == 200
    monkeypatch.setattr(envelope, "now", lambda: time.time() + 301)
    before = live.counts()
    assert post(live, MSG, args).status_code == 403
    assert_unchanged(before, live.counts())


def test_get_with_a_forged_signature_does_not_echo(live):
    args = dict(signed_args(), signature="f" * 40, echostr="<script>alert(1)</script>")
    response = requests.get(live.url("/wechat"), params=args, timeout=10)
    assert response.status_code == 403 and "script" not in response.text
    assert live.alive()


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH"])
def test_other_methods_are_405(live, method):
    response = requests.request(method, live.url("/wechat"), params=signed_args(), data=MSG,
                                timeout=10)
    assert response.status_code == 405
    assert live.alive()


# ---- odd but authentic messages: a short, polite reply and nothing stored but the memory -----

def message(kind, user=BOUND, msg_id=None):
    fields = {
        "image": {"PicUrl": "http://example.invalid/a.jpg", "MediaId": "m"},
        "voice": {"MediaId": "m", "Format": "amr"},
        "video": {"MediaId": "m", "ThumbMediaId": "t"},
        "location": {"Location_X": 34.8, "Location_Y": 113.3, "Scale": 15, "Label": "上街区"},
        "link": {"Title": "t", "Description": "d", "Url": "http://example.invalid"},
        "hologram": {"Payload": "???"},
    }[kind]
    return callback_xml(user, kind, to=ACCOUNT, **fields,
                        MsgId=msg_id or time.monotonic_ns() % 10**15)


@pytest.mark.parametrize("kind", ["image", "voice", "video", "location", "link", "hologram"])
def test_non_text_messages_get_a_polite_reply(live, kind):
    before = live.counts()
    response = post(live, message(kind))
    text = reply_text(response.text)
    assert response.status_code == 200
    assert "文字" in text and len(text) < 200
    assert live.alive()
    assert_unchanged(before, live.counts(), remembered=1)


LONG = "疫情防控" * 1250  # 5,000 characters
ODD_TEXT = [
    pytest.param(LONG, id="5000-characters"),
    pytest.param("😀🎉👍" * 50, id="emoji"),
    pytest.param("疫\u200b情\u200c防\u200d控\ufeff", id="zero-width"),
    pytest.param("\u202e情疫\u202c \u05e9\u05dc\u05d5\u05dd \u0627\u0644\u0633\u0644\u0627\u0645",
                 id="rtl-override-hebrew-arabic"),
    pytest.param('"', id="fts-lone-quote"),
    pytest.param("疫情 NEAR/2 防控", id="fts-near"),
    pytest.param("title:疫情 OR body:*", id="fts-column-filter"),
    pytest.param("{title body}: 疫情", id="fts-column-set"),
    pytest.param("^疫情 AND NOT (", id="fts-operators"),
    pytest.param("'; DROP TABLE items; --", id="sql-drop-table"),
    pytest.param("1' OR '1'='1", id="sql-tautology"),
    pytest.param("疫情\" UNION SELECT body FROM items --", id="sql-union"),
    pytest.param("%_%\\", id="like-wildcards"),
    pytest.param("<script>alert(1)</script>]]>", id="markup-and-cdata-end"),
]


@pytest.mark.parametrize("text", ODD_TEXT)
def test_odd_queries_get_hits_or_not_found_and_store_nothing(live, text):
    before = live.counts()
    body = text_xml(BOUND, text, msg_id=time.monotonic_ns())  # markup escaped by the builder
    response = post(live, body)
    reply = reply_text(response.text)
    assert response.status_code == 200
    assert reply.startswith(("找到", "没有找到")), reply
    assert len(reply.encode("utf-8")) <= 2048
    assert "Traceback" not in reply and "sqlite" not in reply.lower()
    assert live.alive()
    assert_unchanged(before, live.counts(), remembered=1)
    conn = sqlite3.connect(live.app.config["DATABASE_PATH"])
    assert conn.execute("SELECT count(*) FROM items").fetchone()[0] == before["items"]
    conn.close()


# ---- a stranger tries everything ---------------------------------------------------------

EVERY_COMMAND = ["帮助", "订阅 审计", "订阅 全部", "退订 审计", "退订 全部", "我的订阅", "部门",
                 "最新", "更多", "疫情", "1", "绑定", "绑定 abc"]


@pytest.mark.parametrize("text", EVERY_COMMAND)
def test_an_unbound_user_gets_only_the_binding_explanation(live, text):
    before = live.counts()
    response = post(live, text_xml(STRANGER, text, msg_id=time.monotonic_ns()))
    reply = reply_text(response.text)
    assert response.status_code == 200
    if text.startswith("绑定"):
        assert "绑定码" in reply and "上街" not in reply
    else:
        assert reply == how_to_bind({})
    assert live.alive()
    assert_unchanged(before, live.counts(), remembered=1)


def test_an_unbound_menu_click_gets_the_binding_explanation(live):
    before = live.counts()
    response = post(live, event_xml(STRANGER, "CLICK", key="LATEST"))
    assert reply_text(response.text) == how_to_bind({})
    assert_unchanged(before, live.counts(), remembered=1)
