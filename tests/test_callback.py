"""GET/POST /wechat through the real endpoint: signatures, timestamps, size cap, malformed XML,
retries, safe mode and WeCom crypto (wechatpy's own published vectors), and one exchange
over real loopback HTTP."""

import logging
import time

import pytest
import requests
import xmltodict
from wechatpy.crypto import WeChatCrypto
from wechatpy.enterprise.crypto import WeChatCrypto as WorkCrypto

from fixtures_chat import (Chat, TOKEN, content, enrol, event_xml, post_xml, sign, signed_args,
                           text_xml)
from channels import inbound as envelope
from handlers.access import how_to_bind

# wechatpy's published WeCom test vector: wechatpy/wechatpy tests/test_crypto.py
# (CryptoTestCase: token, encoding_aes_key, corp_id; test_check_signature_should_ok;
# test_decrypt_message).
VECTOR_TOKEN = "123456"
VECTOR_AES_KEY = "kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR"
VECTOR_CORP_ID = "wx49f0ab532d5d035a"
VECTOR_URL_CHECK = {
    "msg_signature": "dd6b9c95b495b3f7e2901bfbc76c664930ffdb96",
    "timestamp": "1411443780",
    "nonce": "437374425",
    "echostr": "4ByGGj+sVCYcvGeQYhaKIk1o0pQRNbRjxybjTGblXrBaXlTXeOo1+bXFXDQQb1o6co6Yh9Bv41n7hOchLF6p+Q==",
}
VECTOR_MESSAGE = """<xml><ToUserName><![CDATA[wx49f0ab532d5d035a]]></ToUserName>
<Encrypt><![CDATA[RgqEoJj5A4EMYlLvWO1F86ioRjZfaex/gePD0gOXTxpsq5Yj4GNglrBb8I2BAJVODGajiFnXBu7mCPatfjsu6IHCrsTyeDXzF6Bv283dGymzxh6ydJRvZsryDyZbLTE7rhnus50qGPMfp2wASFlzEgMW9z1ef/RD8XzaFYgm7iTdaXpXaG4+BiYyolBug/gYNx410cvkKR2/nPwBiT+P4hIiOAQqGp/TywZBtDh1yCF2KOd0gpiMZ5jSw3e29mTvmUHzkVQiMS6td7vXUaWOMZnYZlF3So2SjHnwh4jYFxdgpkHHqIrH/54SNdshoQgWYEvccTKe7FS709/5t6NMxuGhcUGAPOQipvWTT4dShyqio7mlsl5noTrb++x6En749zCpQVhDpbV6GDnTbcX2e8K9QaNWHp91eBdCRxthuL0=]]></Encrypt>
<AgentID><![CDATA[1]]></AgentID>
</xml>"""
VECTOR_MESSAGE_ARGS = {"msg_signature": "74d92dfeb87ba7c714f89d98870ae5eb62dff26d",
                       "timestamp": "1411525903", "nonce": "461056294"}

WORK = dict(BOT_CHANNEL="work", WECOM_CORP_ID=VECTOR_CORP_ID, WECOM_SECRET="unused",
            WECOM_AGENT_ID="1", WECOM_TOKEN=VECTOR_TOKEN, WECOM_ENCODING_AES_KEY=VECTOR_AES_KEY)
MP_AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
MP = dict(BOT_CHANNEL="mp", WECHAT_APP_ID="wx0123456789abcdef", WECHAT_SECRET="unused",
          WECHAT_TOKEN=TOKEN, WECHAT_ENCODING_AES_KEY=MP_AES_KEY)


# ---- plain mode (sandbox and mp) -------------------------------------------------------

def test_url_check_answers_the_echostr(client):
    response = client.get("/wechat", query_string={**signed_args(), "echostr": "hello123"})
    assert response.status_code == 200 and response.get_data(as_text=True) == "hello123"


@pytest.mark.parametrize("change", [
    {"signature": "0" * 40},
    {"signature": ""},
    {"nonce": "other"},
])
def test_url_check_with_a_bad_or_missing_signature_is_403(client, change):
    args = {**signed_args(), "echostr": "x", **change}
    assert client.get("/wechat", query_string=args).status_code == 403


def test_sandbox_token_defaults_when_wechat_token_is_unset(make_app):
    client = make_app(WECHAT_TOKEN=None).test_client()
    args = {**signed_args(token=envelope.SANDBOX_TOKEN), "echostr": "ok"}
    assert client.get("/wechat", query_string=args).get_data(as_text=True) == "ok"
    assert client.get("/wechat", query_string={**signed_args(), "echostr": "ok"}).status_code == 403


def test_unbound_user_gets_how_to_bind(client):
    assert content(post_xml(client, text_xml("o_stranger", "疫情", 101))) == how_to_bind({})


@pytest.mark.parametrize("args", [
    {"signature": "f" * 40},
    {},
    {"timestamp": "yesterday"},
])
def test_post_with_a_bad_signature_is_403_and_not_handled(client, db, args):
    query = {**signed_args(), **args} if args else {}
    response = client.post("/wechat", query_string=query, data=text_xml("o_x", "帮助", 102))
    assert response.status_code == 403
    assert db.execute("SELECT COUNT(*) FROM inbound_replies").fetchone()[0] == 0


@pytest.mark.parametrize("skew", [-301, 400, -86400])
def test_timestamps_outside_300_seconds_are_refused(client, skew):
    args = signed_args(timestamp=int(time.time()) + skew)  # correctly signed, but stale
    response = post_xml(client, text_xml("o_x", "帮助", 103), args)
    assert response.status_code == 403


def test_a_timestamp_inside_the_window_is_accepted(client):
    args = signed_args(timestamp=int(time.time()) - 250)
    assert post_xml(client, text_xml("o_x", "帮助", 104), args).status_code == 200


def test_oversized_body_is_refused_before_parsing(make_app):
    client = make_app(BOT_MAX_CALLBACK_BYTES=1024).test_client()
    xml = text_xml("o_x", "疫情" * 400, 105)
    assert len(xml.encode()) > 1024
    assert post_xml(client, xml).status_code == 413


@pytest.mark.parametrize("body", [
    "",
    "not xml at all",
    "<xml>",
    "<xml>text</xml>",
    "<foo><MsgType>text</MsgType></foo>",
    "<xml><MsgType>text</MsgType></xml>",
    "<xml><ToUserName>a</ToUserName><FromUserName>u</FromUserName><MsgType>text</MsgType>"
    "<Content>x</Content><MsgId>not-a-number</MsgId><CreateTime>1</CreateTime></xml>",
    "<xml><ToUserName>a</ToUserName><FromUserName>u</FromUserName><MsgType><a>1</a></MsgType></xml>",
    '<!DOCTYPE x [<!ENTITY a "aaaa">]><xml><MsgType>text</MsgType><Content>&a;</Content></xml>',
    "<xml><ToUserName>a</ToUserName><FromUserName>u</FromUserName><MsgType>text</MsgType>"
    "<Content><b>1</b></Content><MsgId>1</MsgId><CreateTime>1</CreateTime></xml>",
])
def test_malformed_xml_gets_success_and_a_log_line(client, caplog, body):
    with caplog.at_level(logging.WARNING, logger="handlers.callback"):
        response = client.post("/wechat", query_string=signed_args(), data=body.encode())
    assert response.status_code == 200
    assert response.get_data(as_text=True) == "success"
    assert "unreadable callback body" in caplog.text


def test_non_text_messages_get_a_polite_reply(client, db, tmp_path):
    codes = enrol(db, tmp_path)
    chat = Chat(client, "o_zhang")
    chat.say(f"绑定 {codes['张三']}")
    from fixtures_chat import image_xml
    reply = content(post_xml(client, image_xml("o_zhang", 777)))
    assert "文字" in reply


def test_a_retried_message_is_answered_once_with_the_same_reply(client, db, tmp_path):
    from fixtures_chat import publish_sample
    publish_sample(db)
    codes = enrol(db, tmp_path)
    chat = Chat(client, "o_zhang")
    chat.say(f"绑定 {codes['张三']}")
    first_xml = text_xml("o_zhang", "订阅 审计", 5001)
    first = post_xml(client, first_xml).get_data(as_text=True)
    assert "已订阅：区审计局" in content(first)
    assert "已退订：区审计局" in chat.say("退订 审计")
    retry = post_xml(client, first_xml, signed_args(nonce="retry-2")).get_data(as_text=True)
    assert retry == first  # the same reply XML again ...
    assert "您还没有另外订阅" in chat.say("我的订阅")  # ... and the subscription was not re-made


def test_a_retried_event_is_deduplicated_by_user_and_create_time(client, db):
    xml = event_xml("o_new", "subscribe", created=1700000000)
    first = post_xml(client, xml).get_data(as_text=True)
    again = post_xml(client, xml).get_data(as_text=True)
    assert first == again and "欢迎" in content(first)
    assert db.execute("SELECT COUNT(*) FROM inbound_replies").fetchone()[0] == 1


def test_over_real_loopback_http(app, live_server):
    url = live_server(app).url("/wechat")
    got = requests.get(url, params={**signed_args(), "echostr": "loop"}, timeout=5)
    assert got.text == "loop"
    posted = requests.post(url, params=signed_args(), timeout=5,
                           data=text_xml("o_loop", "最新", 900).encode("utf-8"),
                           headers={"Content-Type": "text/xml"})
    assert posted.status_code == 200
    assert content(posted.text) == how_to_bind({})
    bad = requests.post(url, params={**signed_args(), "signature": "0" * 40}, timeout=5,
                        data=b"<xml/>")
    assert bad.status_code == 403


# ---- Official Account safe mode (AES) -----------------------------------------------------

def mp_encrypted(crypto, xml, nonce="n0nce"):
    """What WeChat posts in safe mode: the envelope and its query string."""
    timestamp = str(int(time.time()))
    envelope_xml = crypto.encrypt_message(xml, nonce, timestamp)
    msg_signature = xmltodict.parse(envelope_xml)["xml"]["MsgSignature"]
    args = {**signed_args(timestamp=timestamp, nonce=nonce), "encrypt_type": "aes",
            "msg_signature": msg_signature}
    return envelope_xml, args


def decrypt_reply(crypto, body):
    reply = xmltodict.parse(body)["xml"]
    return crypto.decrypt_message(body, reply["MsgSignature"], reply["TimeStamp"], reply["Nonce"])


def test_safe_mode_round_trip_with_wechatpy_crypto(make_app):
    client = make_app(**MP).test_client()
    crypto = WeChatCrypto(TOKEN, MP_AES_KEY, MP["WECHAT_APP_ID"])
    body, args = mp_encrypted(crypto, text_xml("o_safe", "帮助", 201))
    response = client.post("/wechat", query_string=args, data=body)
    assert response.status_code == 200
    plain = decrypt_reply(crypto, response.get_data(as_text=True))
    reply = xmltodict.parse(plain)["xml"]
    assert reply["ToUserName"] == "o_safe" and reply["Content"] == how_to_bind({})


def test_safe_mode_with_a_tampered_msg_signature_is_403(make_app, db):
    client = make_app(**MP).test_client()
    crypto = WeChatCrypto(TOKEN, MP_AES_KEY, MP["WECHAT_APP_ID"])
    body, args = mp_encrypted(crypto, text_xml("o_safe", "帮助", 202))
    args["msg_signature"] = "0" * 40
    assert client.post("/wechat", query_string=args, data=body).status_code == 403


def test_safe_mode_message_for_another_app_is_403(make_app):
    client = make_app(**MP).test_client()
    other = WeChatCrypto(TOKEN, MP_AES_KEY, "wxANOTHERAPP00000")
    body, args = mp_encrypted(other, text_xml("o_safe", "帮助", 203))
    assert client.post("/wechat", query_string=args, data=body).status_code == 403


def test_safe_mode_refuses_plain_messages(make_app):
    client = make_app(**MP).test_client()
    assert post_xml(client, text_xml("o_safe", "帮助", 204)).status_code == 403


# ---- WeCom (always encrypted) --------------------------------------------------------------

def test_wecom_url_verification_with_wechatpys_published_vector(make_app, monkeypatch):
    client = make_app(**WORK).test_client()
    monkeypatch.setattr(envelope, "now", lambda: 1411443780 + 10)  # the vector's own time
    response = client.get("/wechat", query_string=VECTOR_URL_CHECK)
    assert response.status_code == 200
    assert response.get_data(as_text=True) == "5927782489442352469"
    wrong_nonce = {**VECTOR_URL_CHECK, "nonce": "437374424"}  # test_check_signature_should_fail
    assert client.get("/wechat", query_string=wrong_nonce).status_code == 403


def test_wecom_vector_is_refused_at_todays_date(make_app):
    client = make_app(**WORK).test_client()
    assert client.get("/wechat", query_string=VECTOR_URL_CHECK).status_code == 403


def test_wecom_published_message_vector_decrypts_and_gets_an_encrypted_reply(make_app,
                                                                             monkeypatch):
    client = make_app(**WORK).test_client()
    monkeypatch.setattr(envelope, "now", lambda: 1411525903)
    response = client.post("/wechat", query_string=VECTOR_MESSAGE_ARGS, data=VECTOR_MESSAGE)
    assert response.status_code == 200
    crypto = WorkCrypto(VECTOR_TOKEN, VECTOR_AES_KEY, VECTOR_CORP_ID)
    reply = xmltodict.parse(decrypt_reply(crypto, response.get_data(as_text=True)))["xml"]
    assert reply["ToUserName"] == "messense"  # not in the roster: told how to bind
    assert reply["Content"] == how_to_bind({}) and reply["AgentID"] == "1"


def work_post(client, xml, nonce="wn"):
    crypto = WorkCrypto(VECTOR_TOKEN, VECTOR_AES_KEY, VECTOR_CORP_ID)
    timestamp = str(int(time.time()))
    body = crypto.encrypt_message(xml, nonce, timestamp)
    args = {"msg_signature": xmltodict.parse(body)["xml"]["MsgSignature"],
            "timestamp": timestamp, "nonce": nonce}
    response = client.post("/wechat", query_string=args, data=body)
    text = response.get_data(as_text=True)
    if response.status_code != 200 or text == "success":
        return response, ""
    return response, xmltodict.parse(decrypt_reply(crypto, text))["xml"].get("Content", "")


def test_wecom_roster_member_is_bound_without_a_code(make_app, tmp_path):
    app = make_app(**WORK)
    from store.db import open_db
    db = open_db(app.config["DATABASE_PATH"])
    enrol(db, tmp_path)  # 李四 has userid lisi
    client = app.test_client()
    _, reply = work_post(client, text_xml("lisi", "我的订阅", 301, to=VECTOR_CORP_ID, agent=1))
    assert "您还没有另外订阅" in reply
    _, stranger = work_post(client, text_xml("nobody", "我的订阅", 302, to=VECTOR_CORP_ID,
                                             agent=1))
    assert stranger == how_to_bind({})


def test_wecom_message_for_another_agent_is_ignored(make_app):
    client = make_app(**WORK).test_client()
    response, reply = work_post(client, text_xml("lisi", "帮助", 303, to=VECTOR_CORP_ID,
                                                 agent=99))
    assert response.status_code == 200 and reply == ""


def test_wecom_bad_msg_signature_is_403_and_garbage_is_success(make_app):
    client = make_app(**WORK).test_client()
    timestamp = str(int(time.time()))
    args = {"msg_signature": "0" * 40, "timestamp": timestamp, "nonce": "n"}
    body = "<xml><Encrypt><![CDATA[abc]]></Encrypt></xml>"
    assert client.post("/wechat", query_string=args, data=body).status_code == 403
    assert client.post("/wechat", query_string={**args, "msg_signature": ""},
                       data=body).status_code == 403
    garbage = client.post("/wechat", query_string=args, data="<<<")
    assert garbage.status_code == 200 and garbage.get_data(as_text=True) == "success"
    signed = {**args, "msg_signature": sign(VECTOR_TOKEN, timestamp, "n", "abc")}
    undecryptable = client.post("/wechat", query_string=signed, data=body)
    assert undecryptable.status_code == 200


def test_a_database_failure_is_an_apology_not_a_500_and_is_not_remembered(client, db, caplog):
    db.execute("DROP TABLE chat_state")  # the store breaks under the handler
    db.conn.commit()
    xml = text_xml("o_x", "帮助", 401)
    with caplog.at_level(logging.ERROR, logger="handlers.chat"):
        response = post_xml(client, xml)
    assert response.status_code == 200
    assert "稍后再试" in content(response)
    assert "handler failed" in caplog.text and "Traceback" in caplog.text
    assert db.execute("SELECT COUNT(*) FROM inbound_replies").fetchone()[0] == 0


def test_a_cadres_whole_conversation_through_the_endpoint(client, db, tmp_path):
    from fixtures_chat import publish_sample
    publish_sample(db)
    publish_sample(db, date="2021-01-13", number="第2期")
    codes = enrol(db, tmp_path)
    chat = Chat(client, "o_wangwu")
    assert chat.say("疫情") == how_to_bind({})
    assert "绑定成功" in chat.say(f"绑定 {codes['王五']}")
    assert "已订阅：区农委、区督查局" in chat.say("订阅 农委 督察局")
    assert "区农委" in chat.say("我的订阅")
    assert "区审计局 2条" in chat.say("部门")
    assert "第2期" in chat.say("最新")
    two_chars = chat.say("审计")
    assert two_chars.startswith("找到2条") and "区审计局 · 2021-01-13" in two_chars
    one_char = chat.say("薪")
    assert "区人社局落实农民工工资支付" in one_char
    filtered = chat.say("峡窝镇 疫情")
    assert filtered.startswith("找到2条") and "工业路街道" not in filtered
    dated = chat.say("2021-01-13 疫情")
    assert "2021-01-06" not in dated and "2021-01-13" in dated
    assert "回复“更多”" in chat.say("疫情")
    assert "第6–" in chat.say("更多")
    assert chat.say('"AND ( NEAR*').startswith(("找到", "没有找到"))
    assert "已退订：区农委" in chat.say("退订 农委")
    assert "您还没有另外订阅" not in chat.say("我的订阅")
    assert "已退订全部" in chat.say("退订 全部")
    assert chat.event("CLICK", key="HELP").startswith("可用指令")


def test_the_callback_has_no_cookie_session(app, client):
    """WeChat sends no cookies; the chat path skips Flask's session (and never sets one)."""
    from flask import session
    from flask.sessions import NullSession

    with app.test_request_context("/wechat", method="POST"):
        assert isinstance(session._get_current_object(), NullSession)
    with app.test_request_context("/admin"):
        assert not isinstance(session._get_current_object(), NullSession)
    response = post_xml(client, text_xml("o_x", "帮助", 9901))
    assert response.status_code == 200 and "Set-Cookie" not in response.headers


# ---- retry memory: keyed by sender and content ------------------------------------------------

def test_a_msgid_reused_by_another_user_gets_its_own_reply_not_the_first_users(app, client, db,
                                                                               tmp_path):
    from fixtures_chat import content, enrol, post_xml, publish_sample, text_xml

    publish_sample(db)
    codes = enrol(db, tmp_path)
    binding = text_xml("o_zhang", f"绑定 {codes['张三']}", 91)
    zhang = content(post_xml(client, binding))
    stranger = content(post_xml(client, text_xml("o_stranger", "疫情", 91)))   # same MsgId
    assert "绑定成功" in zhang and "绑定成功" not in stranger
    again = content(post_xml(client, binding))  # WeChat's resend is the same XML (CreateTime too)
    assert again == zhang                                  # from memory


def test_different_menu_clicks_in_one_second_each_get_their_answer(make_app):
    from fixtures_chat import content, event_xml, post_xml, publish_sample
    from store.db import open_db

    app = make_app(BOT_OPEN_ACCESS=True)
    client = app.test_client()
    db = open_db(app.config["DATABASE_PATH"])
    publish_sample(db)
    second = 1_790_000_000
    replies = {key: content(post_xml(client, event_xml("o_zhang", "CLICK", key, created=second)))
               for key in ("HELP", "DEPARTMENTS", "LATEST")}
    assert len(set(replies.values())) == 3
    resent = content(post_xml(client, event_xml("o_zhang", "CLICK", "HELP", created=second)))
    assert resent == replies["HELP"]
    db.conn.close()
