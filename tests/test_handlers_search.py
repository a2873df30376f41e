"""最新, 部门 and keyword search through the dispatcher without HTTP (as tests/test_handlers.py):
links signed for the reader, pages through 更多, filters, hostile text, one write per message."""

import re
from urllib.parse import parse_qs, urlparse

import pytest

from fixtures_chat import enrol, publish_sample
from channels.links import read_token
from test_handlers import Phone, cadre_id, world, zhang  # noqa: F401 (fixtures)


# ---- departments, latest --------------------------------------------------------------------

def test_departments_list_with_item_counts(zhang):
    reply = zhang.say("部门")
    assert "区审计局 1条" in reply and "峡窝镇 1条" in reply
    assert "共10个" in reply


def test_latest_lists_the_newest_issue_with_signed_links_and_pages(app, db, zhang):
    publish_sample(db, date="2021-01-13", number="第2期")
    reply = zhang.say("最新")
    assert "2021-01-13" in reply and "共11条" in reply
    assert "1. <a href=" in reply and ">上街区十个重大项目集中开工</a>" in reply
    urls = re.findall(r'<a href="(https?://[^"]+)">', reply)
    assert len(urls) == 5
    claim = check_link(app, urls[0])
    assert claim["c"] == cadre_id(db, "张三")
    assert "回复“更多”" in reply
    second = zhang.say("更多")
    assert "6. " in second and "1. " not in second
    third = zhang.say("更多")
    assert "11. " in third and "更多" not in third
    assert "没有更多" in zhang.say("更多")


def check_link(app, url):
    parsed = urlparse(url)
    item_id = int(parsed.path.rsplit("/", 1)[1])
    claim = read_token(app.config, parse_qs(parsed.query)["t"][0], item_id)
    assert claim is not None and parsed.geturl().startswith(app.config["BOT_PUBLIC_URL"])
    return claim


def test_latest_with_nothing_published(app, db, tmp_path):
    codes = enrol(db, tmp_path)
    phone = Phone(db, app.config, "o_early")
    phone.say(f"绑定 {codes['王五']}")
    assert "还没有发布" in phone.say("最新")


# ---- search ----------------------------------------------------------------------------------

@pytest.mark.parametrize("query, title", [
    ("项目", "上街区十个重大项目集中开工"),
    ("疫情", "峡窝镇扎实做好冬季疫情防控"),
    ("审计", "区审计局“四个一”提升信息宣传工作"),
    ("项", "上街区十个重大项目集中开工"),
    ("欠薪", "区人社局落实农民工工资支付"),
])
def test_search_one_and_two_character_words(zhang, query, title):
    reply = zhang.say(query)
    assert reply.startswith("找到") and title in reply


def test_search_hits_show_title_department_date_and_link(app, db, zhang):
    reply = zhang.say("审计")
    lines = reply.split("\n")
    link = re.fullmatch(r'1\. <a href="([^"]+)">区审计局“四个一”提升信息宣传工作</a>', lines[1])
    assert link, lines[1]
    assert lines[2] == "区审计局 · 2021-01-06"
    check_link(app, link[1])


def test_search_filters_by_department_and_date(db, zhang):
    reply = zhang.say("峡窝镇 疫情")
    assert "峡窝镇扎实做好冬季疫情防控" in reply and "工业路街道" not in reply
    publish_sample(db, date="2020-12-30", number="第9期")
    dated = zhang.say("2021-01 项目")
    assert "2021-01-06" in dated and "2020-12-30" not in dated
    assert "2020-12-30" in zhang.say("2020年12月 项目")


def test_more_pages_through_a_query(db, zhang):
    publish_sample(db, date="2021-01-13", number="第2期")
    first = zhang.say("疫情")
    total = int(re.match(r"找到(\d+)条", first).group(1))
    assert total > 5 and "回复“更多”" in first
    assert first.count("\n1. ") + first.count("\n5. ") == 2
    second = zhang.say("更多")
    assert "第6–" in second and "\n6. " in second
    seen = 10
    while seen < total:
        zhang.say("更多")
        seen += 5
    assert "没有更多" in zhang.say("更多")


def test_more_without_a_query(zhang):
    assert "请先发送关键词" in zhang.say("更多")


@pytest.mark.parametrize("query", ['"', '疫情"', "*", "项目*", "AND (", "疫情 NEAR 防控", "NOT",
                                   "'; DROP TABLE items; --", "🙂", "x" * 5000, "()()", "^$"])
def test_any_text_gives_hits_or_not_found_never_an_error(db, zhang, query):
    reply = zhang.say(query)
    assert reply.startswith("找到") or reply.startswith("没有找到")
    assert "抱歉" not in reply
    assert db.execute("SELECT COUNT(*) FROM items").fetchone()[0] == 11


def test_not_found_reply_suggests_filters(zhang):
    reply = zhang.say("火星探测")
    assert reply.startswith("没有找到与“火星探测”相关的简报")


def test_commands_typed_without_a_space(app, db, world):
    phone = Phone(db, app.config, "o_lisi")
    assert "绑定成功" in phone.say(f"绑定{world['李四']}")
    assert "已订阅：区审计局" in phone.say("订阅审计局")
    assert "区审计局" in phone.say("订阅列表")
    assert "已退订全部" in phone.say("退订全部")


# ---- one write transaction per message -------------------------------------------------------

def test_a_query_takes_the_write_lock_once(app, db, zhang):
    """Retry memory, paging state and the query count are stored together with the reply;
    the reads before it share one read transaction."""
    app.config["BOT_QUERY_LIMIT"] = 50
    statements = []
    db.conn.set_trace_callback(statements.append)
    try:
        assert zhang.say("疫情").startswith("找到")
    finally:
        db.conn.set_trace_callback(None)
    assert statements.count("BEGIN IMMEDIATE") == 1, statements    # one write transaction
    assert statements.count("BEGIN") == 1, statements              # and one read snapshot
    assert db.execute("SELECT query FROM chat_state WHERE user = 'o_zhangsan'").fetchone()[0] == "疫情"
    assert db.execute("SELECT count FROM query_rate WHERE user = 'o_zhangsan'").fetchone()[0] == 1


def test_a_copy_of_a_message_answered_meanwhile_sends_that_reply_and_writes_nothing(app, db, zhang):
    """WeChat retries after 5 s; if the first copy stores its reply while this one is being
    answered, this one sends the stored reply and its own writes are dropped."""
    from handlers import chat
    from store import chat_state

    chat_state.remember_reply(db, "msg:424242", "<xml>first</xml>")
    calls = []
    sent, stored = chat._store(db, "msg:424242", "<xml>second</xml>",
                               [(lambda db, *args: calls.append(args), ("would page",))])
    assert sent == "<xml>first</xml>" and not stored and calls == []
