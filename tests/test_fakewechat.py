"""The fake WeChat server itself enforces what WeChat enforces (so the channel tests mean something)."""

import json

import pytest
import requests


def token(fake, kind="work"):
    if kind == "work":
        answer = requests.get(fake.base + "gettoken", timeout=5,
                              params={"corpid": fake.corp_id, "corpsecret": fake.corp_secret})
    else:
        answer = requests.get(fake.base + "token", timeout=5, params={
            "grant_type": "client_credential", "appid": fake.appid, "secret": fake.secret})
    return answer.json()["access_token"]


def post(fake, path, data, access_token, raw=None):
    body = raw if raw is not None else json.dumps(data, ensure_ascii=False).encode("utf-8")
    answer = requests.post(fake.base + path, params={"access_token": access_token}, data=body,
                           timeout=5)
    return answer.json()


def work_text(users, content="你好。"):
    return {"touser": "|".join(users), "agentid": 1000002, "msgtype": "text",
            "text": {"content": content}}


def test_escaped_chinese_is_40033_as_on_wechat(fake_wechat):
    fake_wechat.add_members(["u1"])
    access = token(fake_wechat)
    escaped = json.dumps(work_text(["u1"])).encode()  # what requests(json=...) would send
    assert post(fake_wechat, "message/send", None, access, raw=escaped)["errcode"] == 40033
    assert post(fake_wechat, "message/send", None, access, raw=b"{not json")["errcode"] == 47001
    assert post(fake_wechat, "message/send", work_text(["u1"]), access)["errcode"] == 0


def test_wecom_limits(fake_wechat):
    fake_wechat.add_members([f"u{i}" for i in range(1001)])
    access = token(fake_wechat)
    too_many = work_text([f"u{i}" for i in range(1001)])
    assert post(fake_wechat, "message/send", too_many, access)["errcode"] == 40058
    nine = {"touser": "u1", "agentid": 1000002, "msgtype": "news", "news": {"articles": [
        {"title": "t", "description": "d", "url": "http://x"}] * 9}}
    assert post(fake_wechat, "message/send", nine, access)["errcode"] == 45008
    long_title = dict(nine, news={"articles": [{"title": "长" * 43, "url": "http://x"}]})
    assert post(fake_wechat, "message/send", long_title, access)["errcode"] == 45003
    assert post(fake_wechat, "message/send", dict(work_text(["u1"]), agentid=9), access)[
        "errcode"] == 40056
    assert fake_wechat.messages == []


def test_wecom_caps_drop_silently_past_thirty_a_minute(fake_wechat):
    fake_wechat.add_members(["u1"])
    access = token(fake_wechat)
    for i in range(31):
        assert post(fake_wechat, "message/send", work_text(["u1"], f"第{i}条。"), access)[
            "errcode"] == 0
    assert len(fake_wechat.received("u1")) == 30 and len(fake_wechat.dropped) == 1


def test_tokens_expire_and_are_per_api(fake_wechat):
    fake_wechat.add_followers(["o1"])
    work, mp = token(fake_wechat), token(fake_wechat, "mp")
    text = {"touser": "o1", "msgtype": "text", "text": {"content": "你好"}}
    assert post(fake_wechat, "message/custom/send", text, work)["errcode"] == 40014
    assert post(fake_wechat, "message/custom/send", text, mp)["errcode"] == 0
    fake_wechat.expire_tokens()
    assert post(fake_wechat, "message/custom/send", text, mp)["errcode"] == 42001
    assert post(fake_wechat, "message/custom/send", text, "")["errcode"] == 41001
    wrong = requests.get(fake_wechat.base + "token", timeout=5, params={
        "grant_type": "client_credential", "appid": "other", "secret": "x"}).json()
    assert wrong["errcode"] == 40013


def test_mp_news_is_exactly_one_article(fake_wechat):
    fake_wechat.add_followers(["o1"])
    mp = token(fake_wechat, "mp")
    article = {"title": "t", "description": "d", "url": "http://x"}
    two = {"touser": "o1", "msgtype": "news", "news": {"articles": [article, article]}}
    assert post(fake_wechat, "message/custom/send", two, mp)["errcode"] == 45008
    one = dict(two, news={"articles": [article]})
    assert post(fake_wechat, "message/custom/send", one, mp)["errcode"] == 0


@pytest.mark.parametrize("accept, delivered", [(False, 0), (True, 1)])
def test_faults_before_or_after_accepting(fake_wechat, accept, delivered):
    fake_wechat.add_members(["u1"])
    access = token(fake_wechat)
    fake_wechat.inject("message/send", errcode=-1, accept=accept)
    assert post(fake_wechat, "message/send", work_text(["u1"]), access)["errcode"] == -1
    assert len(fake_wechat.messages) == delivered
    assert fake_wechat.calls["message/send"] == 1


def test_unknown_endpoint_is_an_error_not_a_crash(fake_wechat):
    answer = requests.get(fake_wechat.base + "user/get", timeout=5).json()
    assert answer["errcode"] == 48001
