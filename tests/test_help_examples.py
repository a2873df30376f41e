"""帮助's example searches, through the signed callback: every example shown finds something
for the person it is shown to (the demo's sample, a cadre, a follower under open access);
none quotes a word of a 内部 title to a follower, nor one of a withdrawn item or of an issue
awaiting approval; the examples follow the archive; "nothing found" suggests only searches
that find something.

    pytest tests/test_help_examples.py
"""

import re

from fixtures_chat import Chat
from test_plan import add_cadre, make_issue, publish

from store import corrections, levels
from store.db import open_db
from store.issues import issue_items

SUGGESTED = re.compile(r"如：([^。\n]+)。")


def suggested(reply):
    """The example searches a reply offers (the last `如：…。` of it)."""
    return SUGGESTED.findall(reply)[-1].split("、")


def test_every_example_of_the_demo_finds_something(make_app):
    """The demo's sample (the tester's case: 人社 我区 found nothing)."""
    from web.demo import load_demo

    app = make_app(BOT_ADMIN_PASSWORD=None)
    db = open_db(app.config["DATABASE_PATH"])
    summary = load_demo(db, app.config)
    chat = Chat(app.test_client(), summary["cadres"][0]["openid"])
    shown = suggested(chat.say("帮助"))
    assert len(shown) == 3                                           # a word, + department, + month
    for query in shown:
        assert chat.say(query).startswith("找到"), query
    hint = suggested(chat.say("毫无关系的词语组合甲乙丙"))
    assert hint == shown and all(chat.say(q).startswith("找到") for q in hint)
    db.conn.close()


def test_examples_follow_the_archive_when_what_they_found_is_withdrawn(app, db):
    issue_id = publish(db)
    add_cadre(db, "张三", "o_zhang", everything=True)
    chat = Chat(app.test_client(), "o_zhang")
    keyword = suggested(chat.say("帮助"))[0]
    for item in issue_items(db, issue_id):
        if keyword in item["title"] + item["body"] + (item["department"] or ""):
            corrections.withdraw(db, item["id"], note="错误", who="test")
    assert chat.say(keyword).startswith("没有找到")
    shown = suggested(chat.say("帮助"))
    assert keyword not in shown
    for query in shown:
        assert chat.say(query).startswith("找到"), query


def titles_issue(date, number, groups):
    """An issue of (title, department) items, from `groups` of (count, title stem, dept)."""
    items = [("brief", f"{stem}第{n}项", "有关工作。", department)
             for count, stem, department in groups for n in range(1, count + 1)]
    return make_issue(items, date=date, number=number)


def test_a_follower_is_shown_public_words_only_and_each_finds_something(make_app):
    """The commonest title words are in 内部 items, in withdrawn ones and in an issue awaiting
    approval: none is offered to a follower, and every example offered finds 公开 items for
    them; a cadre's examples find something for the cadre."""
    app = make_app(BOT_OPEN_ACCESS=True)
    db = open_db(app.config["DATABASE_PATH"])
    issue_id = publish(db, titles_issue("2021-03-01", "第3期", [
        (6, "专项审计", "区审计局"), (4, "撤销事项", "区农委"), (2, "防汛工作", "峡窝镇")]))
    levels.set_issue_level(db, issue_id, "公开")
    for item in issue_items(db, issue_id):
        if item["title"].startswith("专项审计"):
            levels.set_item_level(db, item["id"], "内部")
        if item["title"].startswith("撤销事项"):
            corrections.withdraw(db, item["id"], note="错误", who="test")
    publish(db, titles_issue("2021-04-01", "第4期", [(8, "秋粮收购", "区农委")]),
            approve=False)                                           # 待审核
    follower = Chat(app.test_client(), "o_follower")
    shown = suggested(follower.say("帮助"))
    assert not any(word in " ".join(shown) for word in ("专项", "审计", "撤销", "秋粮"))
    assert shown[0] in ("防汛", "工作")                               # of the 公开 titles
    for query in shown:
        assert follower.say(query).startswith("找到"), query
    add_cadre(db, "张三", "o_zhang", everything=True)
    cadre = Chat(app.test_client(), "o_zhang")
    for query in suggested(cadre.say("帮助")):
        assert cadre.say(query).startswith("找到"), query
    db.conn.close()
