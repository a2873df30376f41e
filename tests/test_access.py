"""Access control: who may reach what, the per-user query limit, removed cadres, and
secrets that must never reach a log line.

    pytest tests/test_access.py

Everything goes through the real app on a real SQLite file: signed callbacks via the test
client, pushes through the real planner and worker against the fake WeChat server.
"""

import json
import logging

from fixtures_chat import Chat, enrol, publish_sample

from handlers.access import HOW_TO_BIND
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
    codes = {row["name"]: row["code"] for row in binding.invite(db)}
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
    first = [content(post_xml(client, text_xml("o_zhangsan", "疫情", msg_id=77)))
             for _ in range(3)]                         # WeChat's three retries of one message
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
    assert ask("leaves") == HOW_TO_BIND
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
