"""Access control: who may reach what, the per-user query limit, removed cadres, and
secrets that must never reach a log line.

    pytest tests/test_access.py

Everything goes through the real app on a real SQLite file: signed callbacks via the test
client, pushes through the real planner and worker against the fake WeChat server.
"""

import json
import logging

import pytest

from fixtures_chat import Chat, enrol, publish_sample, signed_args

from handlers.access import how_to_bind
from push import publish as publishing, status
from push.webhook import signed_headers
from push.worker import run_until_idle
from store import binding, ratelimit, roster
from store.db import open_db


def bound_chat(client, db, tmp_path, user="o_zhangsan", name="张三"):
    codes = enrol(db, tmp_path)
    chat = Chat(client, user)
    assert "绑定成功" in chat.say(f"绑定 {codes[name]}")
    return chat


# ---- per-user query rate limit -------------------------------------------------------------

def test_queries_past_the_limit_get_a_polite_reply_and_other_users_are_unaffected(make_app,
                                                                                    tmp_path):
    app = make_app(BOT_QUERY_LIMIT=3)
    db = open_db(app.config["DATABASE_PATH"])
    publish_sample(db)
    client = app.test_client()
    zhang = bound_chat(client, db, tmp_path)
    replies = [zhang.say("疫情") for _ in range(4)]
    assert all(r.startswith("找到") for r in replies[:3])
    assert replies[3] == ratelimit.SLOW_DOWN
    assert zhang.say("更多") == ratelimit.SLOW_DOWN          # paging is a query too
    assert "订阅" in zhang.say("帮助")                       # commands still answer
    li = Chat(client, "o_lisi")
    codes = {row["name"]: row["code"] for row in binding.invite(db, renew=True)}
    assert "绑定成功" in li.say(f"绑定 {codes['李四']}")
    assert li.say("疫情").startswith("找到")
    db.conn.close()


def query(db, user, limit, now):
    """One query as the search handler makes it: ask, then count it with the reply."""
    allowed = ratelimit.allow(db, user, limit, now=now)
    if allowed:
        ratelimit.count(db, user, limit, now=now)
    return allowed


def test_the_limit_resets_in_the_next_minute(db):
    assert [query(db, "u", 2, now=600.0) for _ in range(3)] == [True, True, False]
    assert query(db, "u", 2, now=659.9) is False
    assert query(db, "u", 2, now=660.0) is True
    assert query(db, "v", 2, now=659.9) is True


def test_asking_does_not_count_only_counting_does(db):
    assert all(ratelimit.allow(db, "u", 1, now=600.0) for _ in range(5))
    ratelimit.count(db, "u", 1, now=600.0)
    assert ratelimit.allow(db, "u", 1, now=600.0) is False


def test_zero_means_no_limit(db):
    assert all(query(db, "u", 0, now=600.0) for _ in range(50))
    assert db.execute("SELECT count(*) FROM query_rate").fetchone()[0] == 0


def test_a_retried_message_is_not_counted_twice(make_app, tmp_path):
    from fixtures_chat import post_xml, text_xml, content

    app = make_app(BOT_QUERY_LIMIT=1)
    db = open_db(app.config["DATABASE_PATH"])
    publish_sample(db)
    client = app.test_client()
    bound_chat(client, db, tmp_path)
    message = text_xml("o_zhangsan", "疫情", msg_id=77)  # a retry is the same XML, CreateTime too
    first = [content(post_xml(client, message)) for _ in range(3)]  # WeChat's three retries
    assert first[0].startswith("找到") and first == [first[0]] * 3
    db.conn.close()


# ---- every route is reviewed: the README lists it with who may call it ----------------------

def documented_routes():
    import pathlib
    import re

    doc = pathlib.Path(__file__).resolve().parent.parent / "README.md"
    routes = set()
    for line in doc.read_text(encoding="utf-8").splitlines():
        match = re.match(r"\|\s*([A-Z, ]+?)\s*\|\s*(/\S*)\s*\|\s*([^|]+?)\s*\|", line)
        if match:
            assert match.group(3), f"no caller named for {match.group(2)}"
            for method in match.group(1).split(","):
                routes.add((method.strip(), match.group(2)))
    return routes


def served_routes(app):
    """Flask's routes and those answered in front of it (handlers/callback.py: /wechat)."""
    return {(method, rule.rule) for rule in app.url_map.iter_rules()
            for method in rule.methods - {"HEAD", "OPTIONS"}} | app.extensions["wsgi_routes"]


def test_every_route_is_in_the_documented_table_and_nothing_documented_is_gone(make_app,
                                                                                tmp_path):
    from test_callback import WORK

    served = served_routes(make_app()) | served_routes(make_app(**WORK))
    documented = documented_routes()
    assert served - documented == set(), "routes with no line in the README's route table"
    assert documented - served == set(), "the README lists routes that do not exist"


def test_the_sandbox_phone_does_not_exist_on_real_channels(make_app):
    from test_callback import WORK

    rules = {rule.rule for rule in make_app(**WORK).url_map.iter_rules()}
    assert not any(rule.startswith("/sandbox") for rule in rules)


# ---- a cadre removed from the roster ----------------------------------------------------------

def test_a_removed_cadre_gets_no_push_and_cannot_search(fake_wechat, make_app, tmp_path):
    from test_plan import add_cadre, publish

    app = make_app(**fake_wechat.app_config("work"), BOT_RETRY_BASE_SECONDS=0.01,
                   BOT_SEND_RATE=1000.0)
    db = open_db(app.config["DATABASE_PATH"])
    issue_id = publish(db)
    stays = add_cadre(db, "留任", "stays", ["区审计局"], identity="userid")
    leaves = add_cadre(db, "调离", "leaves", ["区审计局"], identity="userid")
    fake_wechat.add_members(["stays", "leaves"])  # still a WeCom member: only the roster says no
    roster.remove_cadre(db, leaves)
    publishing.push_issue(db, issue_id, app.config, app.config["DATABASE_PATH"])
    run_until_idle(app.config["DATABASE_PATH"], app.config, max_wait=30)
    assert fake_wechat.delivered() == {"stays": 1}
    assert status.summary(db, issue_id)["total"] == 1
    # and the chat: the removed member's query gets the binding explanation, no hits
    from handlers.chat import answer
    from wechatpy.enterprise import parse_message
    from fixtures_chat import text_xml
    import xmltodict

    def ask(user):
        xml = answer(db, app.config, parse_message(text_xml(user, "项目", 31337 + len(user),
                                                            agent=fake_wechat.agent_id)))
        return xmltodict.parse(xml)["xml"]["Content"] if xml else ""
    assert ask("leaves") == how_to_bind({})
    assert ask("stays") == ""  # its 内部 results come as a confidential message instead
    answers = [json.loads(m["content"])["text"]["content"] for m in fake_wechat.received("stays")
               if m["msgtype"] == "text" and m["safe"] == 1]
    assert any(text.startswith("找到") for text in answers)
    assert fake_wechat.received("leaves") == []
    assert stays
    db.conn.close()


# ---- secrets never reach the logs ------------------------------------------------------------

def test_no_secret_or_access_token_is_logged_at_debug(fake_wechat, make_app, tmp_path, caplog,
                                                      sample_path):
    caplog.set_level(logging.DEBUG)
    secrets = {"BOT_SECRET_KEY": "sk-" + "7" * 20, "BOT_PUBLISH_SECRET": "pub-" + "8" * 20,
               "BOT_ADMIN_PASSWORD": "pw-" + "9" * 20}
    # the console and the webhook, on the sandbox channel
    app = make_app(**secrets)
    client = app.test_client()
    import re
    page = client.get("/admin/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    client.post("/admin/login", data={"password": "wrong-" + secrets["BOT_ADMIN_PASSWORD"],
                                      "csrf_token": token})
    client.post("/admin/login", data={"password": secrets["BOT_ADMIN_PASSWORD"],
                                      "csrf_token": token})
    body = sample_path.read_bytes()
    client.post("/api/issues", data=body, content_type="text/plain",
                headers=signed_headers(secrets["BOT_PUBLISH_SECRET"], "POST", "/api/issues", body))
    client.post("/api/issues", data=body, content_type="text/plain",
                headers=signed_headers("wrong", "POST", "/api/issues", body))
    # pushes on WeCom and on the Official Account: token fetches, sends, an expired token
    from test_plan import add_cadre, publish

    for channel in ("work", "mp"):
        app = make_app(**fake_wechat.app_config(channel), **secrets, BOT_SEND_RATE=1000.0,
                       BOT_RETRY_BASE_SECONDS=0.01,
                       BOT_DATABASE=str(tmp_path / f"{channel}.sqlite3"))
        db = open_db(app.config["DATABASE_PATH"])
        issue_id = publish(db)
        identity = "userid" if channel == "work" else "openid"
        for n in range(3):
            add_cadre(db, f"c{n}", f"{channel}{n}", ["区审计局"], identity=identity)
        fake_wechat.add_members([f"work{n}" for n in range(3)])
        fake_wechat.add_followers([f"mp{n}" for n in range(3)])
        fake_wechat.inject("message/send" if channel == "work" else "message/custom/send",
                           errcode=42001)
        publishing.push_issue(db, issue_id, app.config, app.config["DATABASE_PATH"])
        run_until_idle(app.config["DATABASE_PATH"], app.config, max_wait=30)
        db.conn.close()
    assert fake_wechat.messages and fake_wechat.tokens
    logged = caplog.text + "".join(str(r.args) for r in caplog.records)
    leaked = {name: value for name, value in {
        **secrets, "WECOM_SECRET": fake_wechat.corp_secret, "WECHAT_SECRET": fake_wechat.secret,
        **{f"access token {t}": t for t in fake_wechat.tokens}}.items() if value in logged}
    assert leaked == {}, f"secrets in the log: {sorted(leaked)}"
    assert any("console login failed" in r.getMessage() for r in caplog.records)
    assert any("access token" in r.getMessage() for r in caplog.records)  # the flows did log


# ---- open access: a follower who subscribed first, then binds with a roster code -------------

def follower_phone(fake_wechat, app, channel, user):
    """`say(text)` for `user` on `channel`, through the signed (on WeCom encrypted) callback;
    on WeCom a reply listing 内部 items comes as a confidential message: that is returned."""
    if channel == "mp":
        fake_wechat.add_followers([user])
        return Chat(app.test_client(), user, signed_args(token="fake-callback-token")).say
    from test_confidential_chat import say, text_of

    fake_wechat.add_members([user])
    ids = iter(range(abs(hash(user)) % 10**6 * 100, 10**9))

    def wecom_say(text):
        before = len(fake_wechat.received(user))
        passive = say(app, text, next(ids), user=user)
        sent = fake_wechat.received(user)[before:]
        return passive or (text_of(sent[-1]) if sent else "")
    return wecom_say


@pytest.mark.parametrize("channel", ["mp", "work"])
def test_a_follower_who_subscribed_first_binds_and_is_the_cadre_once(fake_wechat, make_app,
                                                                     tmp_path, channel):
    """Under BOT_OPEN_ACCESS=1 a follower's `订阅` makes them a record of their own; a roster
    code then binds them to the code's cadre: their subscriptions go along, their own record
    goes, and the push reaches the person once, with the cadre's 内部 items."""
    from push.publish import preview_push
    from subscriptions import audience, subscribe

    app = make_app(**fake_wechat.app_config(channel), BOT_OPEN_ACCESS=True,
                   BOT_SEND_RATE=1000.0, BOT_RETRY_BASE_SECONDS=0.01)
    db = open_db(app.config["DATABASE_PATH"])
    issue_id = publish_sample(db)  # 内部: nothing of it for a self-enrolled follower
    codes = enrol(db, tmp_path)    # 张三 of 区审计局, with no userid and no openid
    say = follower_phone(fake_wechat, app, channel, "newcomer")
    assert "已订阅：区督查局" in say("订阅 督查局")
    assert say("审计").startswith("没有找到")
    reply = say(f"绑定 {codes['张三']}")
    assert reply.startswith("绑定成功，张三（区审计局）") and "此前订阅的部门已保留" in reply
    identity = "openid" if channel == "mp" else "userid"
    me = binding.cadre_for(db, **{identity: "newcomer"})
    assert me["name"] == "张三" and not me["open_access"]
    everyone = roster.list_cadres(db, include_removed=True)
    assert [c["name"] for c in everyone if c["open_access"]] == []  # no follower record left
    assert [d["name"] for d in subscribe.subscriptions_of(db, me["id"])["departments"]] == ["区督查局"]
    assert "区督查局" in say("我的订阅") and "本部门（区审计局）" in say("我的订阅")
    assert say("审计").startswith("找到")  # a cadre: 内部 items
    path = app.config["DATABASE_PATH"]
    reach = audience.audience(db, issue_id, audience.rule_for(app.config, identity))
    mine = [r for r in reach.recipients if r["recipient"] == "newcomer"]
    assert [r["id"] for r in mine] == [me["id"]]  # once, as 张三
    dry = preview_push(db, issue_id, app.config, path)
    assert dry["recipients"] == len(reach.recipients) and dry["unreached"]["removed"] == 0
    publishing.push_issue(db, issue_id, app.config, path)
    run_until_idle(path, app.config, max_wait=30)
    assert db.execute("SELECT COUNT(DISTINCT recipient), COUNT(*) FROM deliveries").fetchone() \
        == (dry["recipients"], dry["messages"])
    got = {item for row in db.execute("SELECT items FROM deliveries WHERE recipient = ?",
                                      ["newcomer"]) for item in json.loads(row[0])}
    assert got == set(mine[0]["items"]) and len(got) == 3  # the lead, 区审计局, 区督查局
    assert fake_wechat.delivered()["newcomer"] >= 1
    db.conn.close()


def test_a_follower_is_told_plainly_why_a_code_does_not_bind(make_app, tmp_path):
    """A follower's own record is not a binding: a wrong, used or taken code gets its reason
    (never "您已绑定为公众用户"), and a code of a cadre bound to another account is refused."""
    from subscriptions import subscribe

    app = make_app(BOT_OPEN_ACCESS=True)
    db = open_db(app.config["DATABASE_PATH"])
    publish_sample(db)
    codes = enrol(db, tmp_path)
    follower = Chat(app.test_client(), "o_follower")
    assert "已订阅" in follower.say("订阅 审计")
    assert "6位以上数字" in follower.say("绑定")
    assert "不正确" in follower.say("绑定 00000000")
    db.execute("UPDATE cadres SET openid = 'o_wangwu_phone', bound_at = '2021-01-01T00:00:00Z'"
               " WHERE name = '王五'")  # bound by another account since the code was issued
    db.conn.commit()
    assert "已绑定其他微信账号" in follower.say(f"绑定 {codes['王五']}")
    assert "绑定成功" in Chat(app.test_client(), "o_zhangsan").say(f"绑定 {codes['张三']}")
    assert "已被使用" in follower.say(f"绑定 {codes['张三']}")
    mine = binding.cadre_for(db, openid="o_follower")  # still the follower, untouched
    assert mine["open_access"] and mine["name"] == "公众用户"
    assert [d["name"] for d in subscribe.subscriptions_of(db, mine["id"])["departments"]] \
        == ["区审计局"]
    db.conn.close()
