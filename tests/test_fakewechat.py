"""The fake WeChat server itself enforces what WeChat enforces (so the channel tests mean something)."""

import json

import pytest
import requests

from channels import make_channel


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
    answer = requests.get(fake_wechat.base + "tag/list", timeout=5).json()
    assert answer["errcode"] == 48001


# ---- the WeCom address book, through wechatpy's own WeCom client ----------------------------

BOOK_DEPARTMENTS = [{"id": 1, "name": "本区", "parentid": 0, "order": 1},
                    {"id": 2, "name": "区财政局", "parentid": 1, "order": 20},
                    {"id": 3, "name": "办公室", "parentid": 2, "order": 5},
                    {"id": 4, "name": "区审计局", "parentid": 1, "order": 10}]
BOOK_USERS = [{"userid": "zhao", "name": "赵一", "department": [3, 4], "main_department": 4,
               "mobile": "13900000001"},
              {"userid": "qian", "name": "钱二", "department": [2]},
              {"userid": "sun", "name": "孙三", "department": [3], "status": 2}]


def book_client(fake, make_app, secret=None):
    from channels.work import WeComClient

    path = make_app().config["DATABASE_PATH"]  # with the channels' token table
    return WeComClient(fake.corp_id, secret or fake.corp_secret, path, api_base=fake.base,
                       timeout=5)


def test_address_book_is_served_as_wechatpy_asks_for_it(fake_wechat, make_app):
    fake_wechat.set_address_book(BOOK_DEPARTMENTS, BOOK_USERS)
    client = book_client(fake_wechat, make_app)
    assert [d["id"] for d in client.department.get()] == [1, 2, 4, 3]  # parents first
    assert [d["id"] for d in client.department.get(id=2)] == [2, 3]    # a subtree
    assert [u["userid"] for u in client.user.list(3)] == ["zhao", "sun"]
    assert [u["userid"] for u in client.user.list(2, fetch_child=True)] == ["zhao", "qian", "sun"]
    zhao = client.user.list(4)[0]
    assert (zhao["main_department"], zhao["status"], zhao["mobile"]) == (4, 1, "13900000001")
    assert client.user.list(3, simple=True)[1] == {"userid": "sun", "name": "孙三",
                                                   "department": [3]}
    assert client.user.get("sun")["status"] == 2
    assert fake_wechat.members == {"zhao", "qian"}  # the disabled member cannot be messaged


def test_address_book_error_codes(fake_wechat, make_app):
    from wechatpy.exceptions import WeChatClientException

    fake_wechat.set_address_book(BOOK_DEPARTMENTS, BOOK_USERS)
    client = book_client(fake_wechat, make_app)

    def errcode(call):
        with pytest.raises(WeChatClientException) as caught:
            call()
        return caught.value.errcode

    assert errcode(lambda: client.department.get(id=99)) == 60003
    assert errcode(lambda: client.user.list("x")) == 60123
    assert errcode(lambda: client.user.get("nobody")) == 60111
    assert errcode(lambda: client.post("user/list_id", data={"limit": 0})) == 40058
    fake_wechat.contact_privilege = False
    for call in (client.department.get, lambda: client.user.list(1, fetch_child=True),
                 lambda: client.user.list(1, simple=True), lambda: client.user.get("zhao"),
                 lambda: client.post("user/list_id", data={})):
        assert errcode(call) == 60011


def test_member_ids_are_paged_with_a_cursor(fake_wechat, make_app):
    fake_wechat.set_address_book(BOOK_DEPARTMENTS, BOOK_USERS)
    client = book_client(fake_wechat, make_app)
    pairs, cursor = [], None
    while True:
        page = client.post("user/list_id", data={"cursor": cursor, "limit": 2} if cursor
                           else {"limit": 2})
        pairs += [(p["userid"], p["department"]) for p in page["dept_user"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert pairs == [("zhao", 3), ("zhao", 4), ("qian", 2), ("sun", 3)]


def test_contact_secret_reads_the_book_but_cannot_send(fake_wechat, make_app):
    from wechatpy.exceptions import WeChatClientException

    fake_wechat.contact_secret = "fake-contact-secret"
    fake_wechat.set_address_book(BOOK_DEPARTMENTS, BOOK_USERS)
    client = book_client(fake_wechat, make_app, secret="fake-contact-secret")
    assert len(client.department.get()) == 4
    with pytest.raises(WeChatClientException) as caught:
        client.message.send(1000002, ["zhao"], msg={"msgtype": "text", "text": {"content": "x"}})
    assert caught.value.errcode == 40014
    assert fake_wechat.token_fetches["contact"] == 1 and fake_wechat.token_fetches["work"] == 0


def test_members_who_leave_the_book_can_no_longer_be_messaged(fake_wechat):
    fake_wechat.add_members(["outsider"])
    fake_wechat.set_address_book(BOOK_DEPARTMENTS, BOOK_USERS)
    fake_wechat.set_address_book(users=BOOK_USERS[1:])
    assert fake_wechat.members == {"outsider", "qian"}


def test_wecom_safe_is_checked_per_message_type_and_recorded(fake_wechat, make_app):
    """`safe` (保密消息): 0/1 on text, image, video, file; 0/1/2 on mpnews; another value is
    40058; news, textcard and markdown have no such field: ignored, recorded as 0."""
    fake_wechat.add_members(["u1"])
    access = token(fake_wechat)
    send = lambda data: post(fake_wechat, "message/send", data, access)["errcode"]  # noqa: E731
    assert send(dict(work_text(["u1"], "甲。"), safe=1)) == 0
    assert send(dict(work_text(["u1"], "乙。"), safe="0")) == 0  # WeCom's old examples
    for bad in (2, 9, -1, "x", True, None):
        assert send(dict(work_text(["u1"], "丙。"), safe=bad)) == 40058
    image = {"touser": "u1", "agentid": 1000002, "msgtype": "image", "image": {"media_id": "m1"}}
    assert send(dict(image, safe=1)) == 0 and send(dict(image, safe=2)) == 40058
    assert send(dict(image, image={})) == 40007  # no media id
    mpnews = {"touser": "u1", "agentid": 1000002, "msgtype": "mpnews", "mpnews": {"articles": [
        {"title": "标题", "thumb_media_id": "t1", "content": "<p>正文</p>"}]}}
    assert send(dict(mpnews, safe=2)) == 0 and send(dict(mpnews, safe=3)) == 40058
    news = {"touser": "u1", "agentid": 1000002, "msgtype": "news", "news": {"articles": [
        {"title": "t", "description": "d", "url": "http://x"}]}}
    assert send(dict(news, safe=1)) == 0  # no such field on news: ignored
    assert [(m["msgtype"], m["safe"]) for m in fake_wechat.received("u1")] == [
        ("text", 1), ("text", 0), ("image", 1), ("mpnews", 2), ("news", 0)]
    # through wechatpy's own client, as the channel sends it
    app = make_app(**fake_wechat.app_config("work"))
    channel = make_channel(app.config, app.config["DATABASE_PATH"])
    channel.client.message.send_text(fake_wechat.agent_id, ["u1"], "丁。", safe=1)
    assert fake_wechat.received("u1")[-1]["safe"] == 1
