"""Access control: who may reach what, the per-user query limit, removed cadres, and
secrets that must never reach a log line.

    pytest tests/test_access.py

Everything goes through the real app on a real SQLite file: signed callbacks via the test
client, pushes through the real planner and worker against the fake WeChat server.
"""

import logging

import pytest
from fakewechat import fake_wechat  # noqa: F401 (fixture)
from fixtures_chat import Chat, enrol, publish_sample

from handlers.access import HOW_TO_BIND
from push import publish as publishing, status
from push.webhook import sign
from push.worker import run_until_idle
from subscriptions import ratelimit, roster
from subscriptions.db import open_db


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
    codes = {row["name"]: row["code"] for row in roster.invite(db)}
    assert "绑定成功" in li.say(f"绑定 {codes['李四']}")
    assert li.say("疫情").startswith("找到")
    db.conn.close()


def test_the_limit_resets_in_the_next_minute(db):
    assert [ratelimit.allow(db, "u", 2, now=600.0) for _ in range(3)] == [True, True, False]
    assert ratelimit.allow(db, "u", 2, now=659.9) is False
    assert ratelimit.allow(db, "u", 2, now=660.0) is True
    assert ratelimit.allow(db, "v", 2, now=659.9) is True


def test_zero_means_no_limit(db):
    assert all(ratelimit.allow(db, "u", 0, now=600.0) for _ in range(50))
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
