"""内部 in WeCom chat: a reply listing 内部 items goes as a confidential message (`safe: 1`)
through wechatpy to the fake WeCom server, not as a forwardable passive reply — once a
message, whatever WeChat retries; a reply of 公开 items only stays passive; a send WeCom does
not take leaves the short apology, never the titles.

    pytest tests/test_confidential_chat.py
"""

import json
import time

import pytest
import xmltodict
from fixtures_chat import text_xml
from test_callback import decrypt_reply
from test_confidential import AUDIT, AUDIT2, TOWN, items_of, mixed_issue, wecom_app
from test_plan import add_cadre
from wechatpy.enterprise.crypto import WeChatCrypto as WorkCrypto

import metrics
from handlers.confidential import NOT_SENT


@pytest.fixture
def member(fake_wechat, make_app):
    """A WeCom app on the fake server, the mixed issue stored, member m1 on the roster."""
    app, db = wecom_app(fake_wechat, make_app)
    _, ids = mixed_issue(db)
    add_cadre(db, "甲", "m1", ["区审计局"], identity="userid")
    fake_wechat.add_members(["m1"])
    yield app, ids
    db.conn.close()


CREATED = {}  # MsgId -> the CreateTime its first copy carried


def text_of(message):
    return json.loads(message["content"])["text"]["content"]


def say(app, text, msg_id, user="m1"):
    """Post `text` as WeCom does (signed, AES-encrypted) -> the passive reply's Content ('' for
    none)."""
    config = app.config
    crypto = WorkCrypto(config["WECOM_TOKEN"], config["WECOM_ENCODING_AES_KEY"],
                        config["WECOM_CORP_ID"])
    timestamp, nonce = str(int(time.time())), f"nonce{msg_id}"
    created = CREATED.setdefault(msg_id, int(timestamp))  # a retry is the same XML again
    xml = text_xml(user, text, msg_id, to=config["WECOM_CORP_ID"],
                   agent=config["WECOM_AGENT_ID"], created=created)
    body = crypto.encrypt_message(xml, nonce, timestamp)
    args = {"msg_signature": xmltodict.parse(body)["xml"]["MsgSignature"],
            "timestamp": timestamp, "nonce": nonce}
    response = app.test_client().post("/wechat", query_string=args, data=body)
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    if text == "success":
        return ""
    return xmltodict.parse(decrypt_reply(crypto, text))["xml"].get("Content", "")


def counted(outcome):
    return metrics._metrics().confidential_replies.labels(outcome)._value.get()


def test_a_search_listing_internal_items_is_a_safe_message_not_a_passive_reply(member,
                                                                                 fake_wechat):
    app, ids = member
    sent = counted("sent")
    assert say(app, "审计", 9001) == ""                              # nothing forwardable
    assert counted("sent") == sent + 1                               # /metrics counts it
    [message] = fake_wechat.received("m1")
    assert message["msgtype"] == "text" and message["safe"] == 1
    assert text_of(message).startswith("找到") and set(items_of(message["body"])) == {
        ids[AUDIT], ids[AUDIT2]}
    assert say(app, "审计", 9001) == ""                              # WeChat's retry
    assert len(fake_wechat.received("m1")) == 1                      # sent once
    assert say(app, "审计", 9002) == ""                              # asked again: answered
    assert len(fake_wechat.received("m1")) == 2


def test_replies_reuse_one_connection_to_wecom(fake_wechat_keepalive, make_app):
    fake = fake_wechat_keepalive
    app, db = wecom_app(fake, make_app)
    mixed_issue(db)
    add_cadre(db, "甲", "m1", ["区审计局"], identity="userid")
    fake.add_members(["m1"])
    for msg_id in (9601, 9602, 9603):
        assert say(app, "审计", msg_id) == ""
    assert len(fake.received("m1")) == 3
    assert len(fake.peers["gettoken"] | fake.peers["message/send"]) == 1  # one TCP (and, in
    db.conn.close()                                                     # production, TLS) handshake


def test_public_results_and_commands_stay_passive_replies(member, fake_wechat):
    app, ids = member
    reply = say(app, "疫情", 9101)                                   # 公开 only
    assert reply.startswith("找到") and f"/items/{ids[TOWN]}?" in reply
    assert "区审计局" in say(app, "我的订阅", 9102)
    assert fake_wechat.received("m1") == []


def test_latest_and_more_list_internal_items_safely(member, fake_wechat):
    app, ids = member
    assert say(app, "最新", 9201) == ""                              # lists 内部 items too
    [message] = fake_wechat.received("m1")
    assert message["safe"] == 1 and text_of(message).startswith("最新一期简报")
    assert {ids[AUDIT], ids[AUDIT2]} <= set(items_of(message["body"]))


def test_a_send_wecom_refuses_leaves_the_apology_for_the_message_and_its_retries(member,
                                                                                   fake_wechat):
    app, _ = member
    fake_wechat.inject("message/send", errcode=40003, times=1)      # invalid userid
    failed = counted("failed")
    assert say(app, "审计", 9301) == NOT_SENT
    assert counted("failed") == failed + 1
    assert fake_wechat.received("m1") == []
    assert say(app, "审计", 9301) == NOT_SENT                        # the retry: the same
    assert fake_wechat.received("m1") == []


def test_a_wecom_that_does_not_answer_costs_at_most_the_send_timeout(member, fake_wechat):
    app, _ = member
    fake_wechat.inject("message/send", http=503, times=5)            # down, client retries too
    started = time.monotonic()
    assert say(app, "审计", 9401) == NOT_SENT
    assert time.monotonic() - started < 4.5                          # WeChat waits 5 s
    assert fake_wechat.received("m1") == []


def test_a_wecom_that_hangs_costs_at_most_the_send_timeout(member, fake_wechat):
    app, _ = member
    fake_wechat.inject("message/send", delay=10, times=3, accept=False)
    started = time.monotonic()
    assert say(app, "审计", 9501) == NOT_SENT
    assert time.monotonic() - started < 4.5                          # WeChat waits 5 s
