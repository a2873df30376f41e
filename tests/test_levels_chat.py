"""公开 and 内部 in chat under BOT_OPEN_ACCESS=1: whoever search keeps to 公开 items (a
follower with no cadre record, a self-enrolled follower) gets 公开 items only from every
command — 最新 and 更多 too — so no reply to a follower carries a link to a 内部 item; on the
sandbox (the link alone decides), on WeCom (no confidential message for them) and on the
Official Account (passive replies, item pages behind WeChat's identity).

    pytest tests/test_levels_chat.py
"""

import re

import pytest
from fake_oauth import WECHAT_PHONE
from fixtures_chat import Chat, signed_args
from test_confidential import AUDIT, AUDIT2, LEAD, TOWN, mixed_issue, wecom_app
from test_confidential_chat import say as wecom_say
from test_console import login
from test_plan import add_cadre

from channels import links
from store.db import open_db

LINK = re.compile(r'<a href="([^"]+)">')
ITEM = re.compile(r"/items/(\d+)\?")
INTERNAL = (AUDIT, AUDIT2)


def linked_items(text):
    return [int(ITEM.search(url)[1]) for url in LINK.findall(text)]


@pytest.fixture
def open_app(make_app):
    """A sandbox app under open access with the mixed issue (公开, two 内部 items) stored."""
    app = make_app(BOT_OPEN_ACCESS=True)
    db = open_db(app.config["DATABASE_PATH"])
    _, ids = mixed_issue(db)
    yield app, db, ids
    db.conn.close()


def test_latest_and_more_list_public_items_only_to_a_follower_and_say_what_is_left_out(open_app):
    app, db, ids = open_app
    follower = Chat(app.test_client(), "o_follower")
    latest = follower.say("最新")
    assert latest.startswith("最新一期简报（2021-01-06、第1期，共3条，另有2条内部资料未列出）")
    assert LEAD in latest and TOWN in latest
    assert not any(title in latest for title in INTERNAL)
    assert set(linked_items(latest)) == {ids[LEAD], ids[TOWN], ids["区督查局新年谋新篇"]}
    assert "更多" not in latest and follower.say("更多") == "没有更多了。"
    cadre = Chat(app.test_client(), "o_cadre")
    add_cadre(db, "张三", "o_cadre", ["区审计局"])                   # on the roster: everything
    everything = cadre.say("最新")
    assert "共5条" in everything and all(title in everything for title in INTERNAL)


def test_an_issue_with_no_public_item_lists_nothing_to_a_follower(make_app):
    app = make_app(BOT_OPEN_ACCESS=True)
    db = open_db(app.config["DATABASE_PATH"])
    from test_plan import publish
    publish(db)                                                      # 内部 by default
    reply = Chat(app.test_client(), "o_follower").say("最新")
    assert reply == "最新一期简报（2021-01-06、第1期）的条目均为内部资料。"
    db.conn.close()


def test_a_follower_gets_no_working_link_to_an_internal_item_by_any_chat_command(open_app):
    """Every command and menu key, searches for every word of every title, before and after
    the follower enrols themselves with 订阅: no reply links a 内部 item, and every link
    handed out opens a 公开 item with the link alone (the sandbox: no WeChat identity)."""
    app, db, ids = open_app
    client = app.test_client()
    follower = Chat(client, "o_follower")
    internal = {ids[title] for title in INTERNAL}
    words = ["审计", "专项", "区审计局", "四个一", "宣传", "审计 区审计局", "2021-01 审计",
             *ids, "部门", "帮助", "?"]
    replies = []
    for phase in ("never enrolled", "enrolled"):
        if phase == "enrolled":
            replies.append(follower.say("订阅 全部"))
        for text in ["最新", "更多", "更多", "我的订阅", *words]:
            replies.append(follower.say(text))
            replies.append(follower.say("更多"))
        for key in ("LATEST", "MORE", "HELP", "DEPARTMENTS", "MY_SUBSCRIPTIONS"):
            replies.append(follower.event("click", key))
    text = "\n".join(replies)
    anchors = re.findall(r"<a href=[^>]+>([^<]+)</a>", text)
    assert anchors and not set(anchors) & set(INTERNAL)  # (a query is echoed when not found)
    handed = set(linked_items(text))
    assert handed and not handed & internal
    for url in set(LINK.findall(text)):
        page = client.get(url.replace(app.config["BOT_PUBLIC_URL"], ""))
        assert page.status_code == 200, url


def test_a_link_naming_no_reader_opens_an_internal_item_for_the_console_only(open_app):
    """Such a link (what 最新 handed a follower before stop 21) opens nothing of a 内部 item
    with the link alone; the console's card preview, signed in, still shows it; a cadre's own
    link and a WeCom delivery group's link open as before."""
    app, db, ids = open_app
    client = app.test_client()
    bare = links.item_path(app.config, ids[AUDIT])
    assert client.get(bare).status_code == 403
    assert "一是打造" not in client.get(bare).get_data(as_text=True)
    assert client.get(links.item_path(app.config, ids[TOWN])).status_code == 200   # 公开
    cadre = add_cadre(db, "张三", "o_cadre", ["区审计局"])
    assert client.get(links.item_path(app.config, ids[AUDIT], cadre_id=cadre)).status_code == 200
    assert client.get(links.item_path(app.config, ids[AUDIT], group="d1")).status_code == 200
    login(client)
    assert "一是打造" in client.get(bare).get_data(as_text=True)


def test_wecom_an_outsider_gets_public_titles_as_a_passive_reply_never_a_safe_message(
        fake_wechat, make_app):
    app, db = wecom_app(fake_wechat, make_app)
    app.config["BOT_OPEN_ACCESS"] = True
    _, ids = mixed_issue(db)
    fake_wechat.add_members(["outsider"])                            # in the corp, not on the roster
    latest = wecom_say(app, "最新", 9701, user="outsider")
    assert LEAD in latest and "另有2条内部资料未列出" in latest      # passive: 公开 only
    assert not any(title in latest for title in INTERNAL)
    assert not set(linked_items(latest)) & {ids[AUDIT], ids[AUDIT2]}
    assert wecom_say(app, "更多", 9702, user="outsider") == "没有更多了。"
    assert fake_wechat.received("outsider") == []                   # nothing sent as safe
    db.conn.close()


def test_mp_a_follower_gets_public_titles_and_their_links_open_on_the_phone(fake_wechat,
                                                                           make_app):
    app = make_app(**fake_wechat.app_config("mp"), BOT_OPEN_ACCESS=True)
    db = open_db(app.config["DATABASE_PATH"])
    _, ids = mixed_issue(db)
    client = app.test_client()
    follower = Chat(client, "o_outsider", args=signed_args(token="fake-callback-token"))
    latest = follower.say("最新")
    assert LEAD in latest and not any(title in latest for title in INTERNAL)
    handed = linked_items(latest)
    assert handed and not set(handed) & {ids[AUDIT], ids[AUDIT2]}
    page = fake_wechat.open_on_phone(client, "o_outsider", LINK.findall(latest)[0], WECHAT_PHONE)
    assert page.status_code == 200
    db.conn.close()


# ---- a follower's search keeps to 公开 by a token of the index, moved with every level change --

def titles_found(chat, query):
    return set(re.findall(r"<a href=[^>]+>([^<]+)</a>", chat.say(query)))


def test_a_followers_search_follows_a_change_of_an_items_or_an_issues_level_at_once(open_app):
    """The sandbox, open access: the mixed issue is 公开 with its two 区审计局 items 内部. Each
    change of level — an item's own, back to its issue's, the issue's — is what the
    follower's very next search finds; a roster cadre finds every item throughout."""
    from store import levels

    app, db, ids = open_app
    issue_id = db.execute("SELECT issue_id FROM items WHERE id = ?", [ids[AUDIT]]).fetchone()[0]
    follower = Chat(app.test_client(), "o_follower")
    cadre = Chat(app.test_client(), "o_cadre")
    add_cadre(db, "张三", "o_cadre", ["区审计局"])
    assert titles_found(follower, "审计") == set()
    assert titles_found(cadre, "审计") == {AUDIT, AUDIT2}
    levels.set_item_level(db, ids[AUDIT], "公开")                   # an item's own level
    assert titles_found(follower, "审计") == {AUDIT}
    levels.set_issue_level(db, issue_id, "内部")                    # the issue's: its own stays
    assert titles_found(follower, "审计") == {AUDIT}
    assert titles_found(follower, "疫情") == set()                  # TOWN follows the issue
    levels.set_item_level(db, ids[AUDIT], None)                     # back to the issue's
    assert titles_found(follower, "审计") == set()
    levels.set_issue_level(db, issue_id, "公开")
    assert titles_found(follower, "疫情") == {TOWN}
    assert titles_found(follower, "审计") == {AUDIT}                # its own level went
    assert titles_found(cadre, "审计") == {AUDIT, AUDIT2}


def test_a_followers_search_reads_no_issue_row_however_large_the_archive(open_app):
    """公开 is a token of the index (`public`, like `held`): a follower's search is one FTS5
    walk, not a subquery over every item and its issue (which grew with the archive)."""
    from store.search import search

    app, db, ids = open_app
    search(db, "防控", public_only=True)                             # the version's maps, once
    statements = []
    db.conn.set_trace_callback(statements.append)
    try:
        hits = search(db, "疫情", public_only=True).hits
    finally:
        db.conn.set_trace_callback(None)
    assert {hit["title"] for hit in hits} == {TOWN}
    assert statements and not [s for s in statements if "issues" in s]
    rows = db.execute("SELECT rowid % 1000000000 FROM items_search WHERE items_search MATCH"
                      " 'filters : \"public\"'").fetchall()
    assert {row[0] for row in rows} == set(ids.values()) - {ids[AUDIT], ids[AUDIT2]}


# ---- 部门 counts what the reader can find ------------------------------------------------------

def department_counts(reply):
    return {m[1]: int(m[2]) for m in re.finditer(r"^(\S+) (\d+)条$", reply, re.M)}


def test_departments_count_what_each_reader_can_find(open_app):
    """部门's counts are of the items the reader's searches find: a roster cadre's, of
    approved or pushed issues (not one awaiting approval), withdrawn items left out; a
    follower's, of 公开 items only. The staff's `departments list` still counts every item."""
    import json

    from store import corrections, levels
    from test_plan import make_issue, publish

    app, db, ids = open_app
    pending = publish(db, make_issue(date="2021-01-13", number="第2期"), approve=False)
    levels.set_issue_level(db, pending, "公开")                      # 公开, but not approved
    corrections.withdraw(db, ids["区督查局新年谋新篇"], note="重复", who="test")
    add_cadre(db, "张三", "o_cadre", ["区审计局"])
    cadre = department_counts(Chat(app.test_client(), "o_cadre").say("部门"))
    follower = department_counts(Chat(app.test_client(), "o_follower").say("部门"))
    assert (cadre["区审计局"], cadre["峡窝镇"], cadre["区督查局"]) == (2, 1, 0)
    assert (follower["区审计局"], follower["峡窝镇"], follower["区督查局"]) == (0, 1, 0)
    listed = json.loads(app.test_cli_runner().invoke(args=["departments", "list", "--json"]).stdout)
    assert {row["name"]: row["items"] for row in listed}["区审计局"] == 4


def test_departments_counts_are_worked_out_once_per_version_for_each_reader(open_app):
    """Counting reads every item (a 100k archive: tens of ms); each reader's counts are kept
    per version of the archive, so a 部门 after the first counts nothing."""
    from store.departments import list_with_counts

    app, db, ids = open_app
    readers = [dict(for_chat=True), dict(for_chat=True, public_only=True), {}]
    first = [list_with_counts(db, **reader) for reader in readers]
    statements = []
    db.conn.set_trace_callback(statements.append)
    try:
        again = [list_with_counts(db, **reader) for reader in reversed(readers)]
    finally:
        db.conn.set_trace_callback(None)
    assert again == list(reversed(first)) and first[0] != first[1]
    assert not [s for s in statements if "COUNT" in s]
