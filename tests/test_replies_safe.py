"""Replies a cadre can read, through the real /wechat endpoint: titles as links, the
2,047-byte limit with 更多, and a bulletin's own markup never a link nor a broken reply."""

import re
from channels import channel_class
from xml.etree import ElementTree

import pytest

from bulletin.cards import item_card, size
from bulletin.model import Issue, Item
from bulletin.safetext import anchor, cdata_safe, line, pack, plain, split_lines
from fixtures_chat import (Chat, content, enrol, post_xml, publish_sample, save_approved,
                           text_xml)
from handlers.replies import TEXT_LIMIT

LINK = re.compile(r'<a href="([^"]*)">([^<]*)</a>')
HOSTILE = [
    '<a href="http://evil.example/x">点我领取</a>审计通知',
    "审计\u202e知通\u202c工作\u200b部署\u2066隐\u2069",
    "审计 ]]> 结尾</Content></xml>",
]


def chat_with(client, db, tmp_path):
    codes = enrol(db, tmp_path)
    chat = Chat(client, "o_zhang")
    assert "绑定成功" in chat.say(f"绑定 {codes['张三']}")
    return chat


def publish(db, titles, body="正文。", date="2021-02-01"):
    items = [Item(seq=n, kind="brief", title=title, body=body, department="区审计局")
             for n, title in enumerate(titles, 1)]
    issue_id, _ = save_approved(db, Issue(issuer="办公室", date=date, number="第3期",
                                         items=items))
    return issue_id


def only_our_links(app, text):
    for url, title in LINK.findall(text):
        assert url.startswith(app.config["BOT_PUBLIC_URL"] + "/items/"), url
        assert "<" not in title and ">" not in title
    stripped = LINK.sub("", text)
    assert "<" not in stripped and ">" not in stripped, stripped
    assert not re.search("[\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]", text)


def test_search_results_are_titles_linked_to_their_signed_pages(app, client, db, tmp_path):
    publish_sample(db)
    publish_sample(db, date="2021-01-13", number="第2期")
    chat = chat_with(client, db, tmp_path)
    reply = chat.say("疫情")
    links = LINK.findall(reply)
    assert len(links) == 5 and reply.startswith("找到") and "回复“更多”" in reply
    assert links[0][0].startswith("http://jianbao.test/items/") and "?t=" in links[0][0]
    assert "\nhttp" not in reply  # no bare URL on its own line any more
    only_our_links(app, reply)


def test_latest_is_linked_titles_too(app, client, db, tmp_path):
    publish_sample(db)
    chat = chat_with(client, db, tmp_path)
    reply = chat.say("最新")
    assert len(LINK.findall(reply)) == 5 and "共11条" in reply


@pytest.mark.parametrize("hostile", HOSTILE)
def test_a_bulletins_markup_is_neutralised_in_search_and_latest(app, client, db, tmp_path,
                                                                 hostile):
    publish(db, [hostile, "审计整改工作推进会"])
    chat = chat_with(client, db, tmp_path)
    for words in ("审计", "最新"):
        response = post_xml(client, text_xml("o_zhang", words, 900 + len(words)))
        ElementTree.fromstring(response.get_data(as_text=True))  # well-formed reply XML
        reply = content(response)
        assert len(LINK.findall(reply)) == 2, reply
        only_our_links(app, reply)
    assert "evil.example" not in reply or "＜a href" in reply


def test_a_users_own_cdata_end_cannot_break_the_reply_nor_be_kept_broken(app, client, db,
                                                                          tmp_path):
    chat_with(client, db, tmp_path)
    xml = text_xml("o_zhang", "找不到]]><x>", 4242)
    first = post_xml(client, xml).get_data(as_text=True)
    ElementTree.fromstring(first)
    assert "找不到]]＞" in content(first)
    retry = post_xml(client, xml).get_data(as_text=True)
    assert retry == first
    for (stored,) in db.execute("SELECT reply FROM inbound_replies"):
        if stored:
            ElementTree.fromstring(stored)


def test_long_links_mean_fewer_items_per_reply_and_more_continues_after_the_last(make_app,
                                                                                tmp_path):
    app = make_app(BOT_PUBLIC_URL="http://jianbao.test/" + "p" * 250)
    from store.db import open_db
    db = open_db(app.config["DATABASE_PATH"])
    client = app.test_client()
    titles = [f"审计工作第{n}项" + "长标题" * 25 for n in range(1, 13)]
    publish(db, titles)
    chat = chat_with(client, db, tmp_path)
    seen, reply = [], chat.say("审计")
    while True:
        assert size(reply) <= TEXT_LIMIT
        numbers = [int(n) for n in re.findall(r"^(\d+)\. <a href", reply, re.M)]
        assert numbers and len(numbers) < 5  # fewer than a page: the links are long
        seen += numbers
        only_our_links(app, reply)
        if "回复“更多”" not in reply:
            break
        reply = chat.say("更多")
        assert re.search(rf"第{numbers[-1] + 1}–", reply)
    assert seen == list(range(1, 13))
    assert "没有更多" in chat.say("更多")
    db.conn.close()


# ---- the pieces ----------------------------------------------------------------------

def test_plain_keeps_the_words_and_drops_the_tricks():
    assert plain('<a href="x">点我</a>') == "＜a href=\"x\"＞点我＜/a＞"
    assert plain("甲\u202e乙\u200b丙\ufeff\x01丁\n戊") == "甲乙丙丁\n戊"
    assert line(" 第一行\n  第二行 ") == "第一行 第二行"
    assert cdata_safe("a]]>b") == "a]]＞b"


def test_anchor_keeps_the_url_inside_its_quotes():
    assert anchor('http://x/items/1?t=a"><script>', "题<b>") == (
        '<a href="http://x/items/1?t=a%22%3E%3Cscript%3E">题＜b＞</a>')


def test_pack_shows_whole_blocks_within_the_limit_with_the_hint():
    blocks = [f"{n}. " + "字" * 200 for n in range(1, 6)]  # ~604 bytes each
    text, shown = pack("头", blocks, 2047, "更多")
    assert shown == 3 and text.endswith("\n更多") and size(text) <= 2047
    text, shown = pack("头", blocks[:2], 2047, "更多")
    assert shown == 2 and "更多" not in text
    text, shown = pack("头", blocks[:2], 2047, "更多", beyond=True)
    assert text.endswith("更多")


def test_split_lines_never_cuts_inside_a_link():
    lines = ["标题"] + [f"{n}. " + anchor(f"https://b.example/items/{n}?t=" + "t" * 90,
                                         "很长的标题。真的很长？" * 4) for n in range(1, 30)]
    parts = split_lines(lines, 2048)
    assert len(parts) > 1 and all(size(p) <= 2048 for p in parts)
    assert all(p.count("<a href") == p.count("</a>") for p in parts)
    assert parts[0].startswith(f"（1/{len(parts)}）标题\n1. ")


def test_cards_carry_no_markup_from_the_bulletin():
    item = Item(seq=1, kind="brief", title=HOSTILE[0] + "\u202e", body="<a href='x'>看</a>。",
                department="区<b>审计</b>局")
    card = item_card(item, date="2021-02-01", link="/items/1?t=x",
                     limits=channel_class("mp").card_limits)
    assert "<" not in card.title + card.digest + card.department
    assert "\u202e" not in card.title


def test_every_reply_keeps_only_our_links(app, client, db, tmp_path):
    """A department learned from a bulletin, echoed by 订阅, cannot become a tag."""
    publish(db, ["审计工作"], body="正文。")
    save_approved(db, Issue(issuer="办公室", date="2021-02-02", number="第4期", items=[
        Item(seq=1, kind="brief", title="标题", body="正文。",
             department='<a href="http://evil.example">区审计局</a>')]), source="test")
    chat = chat_with(client, db, tmp_path)
    for words in ("部门", "订阅 evil", "<b>粗体</b>"):
        reply = chat.say(words)
        only_our_links(app, reply)


def test_only_links_to_keeps_ours_and_neutralises_the_rest():
    from bulletin.safetext import only_links_to
    text = ('1. <a href="http://jb.example/items/1?t=x">标题</a>\n'
            '<a href="http://evil.example/">钓鱼</a><script>\u202e')
    assert only_links_to(text, "http://jb.example") == (
        '1. <a href="http://jb.example/items/1?t=x">标题</a>\n'
        '＜a href="http://evil.example/"＞钓鱼＜/a＞＜script＞')


def test_a_reply_xml_cannot_hold_is_refused_before_it_is_kept():
    """The check skips parsing well-formed replies, but still refuses what XML cannot hold:
    a control character, a lone surrogate, a text ending its CDATA section."""
    import pytest

    from handlers.chat import _check_xml

    good = "<xml><Content><![CDATA[找到3条：\n1. 标题]]></Content><MsgId>1</MsgId></xml>"
    _check_xml(good)
    _check_xml("")
    for broken in (good.replace("标题", "标\x01题"), good.replace("标题", "标\ud800题"),
                   good.replace("标题", "a]]>b")):
        with pytest.raises(ValueError, match="not well-formed"):
            _check_xml(broken)
