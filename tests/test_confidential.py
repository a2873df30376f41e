"""内部 on WeCom: confidential messages (`safe: 1`) through wechatpy on the fake WeCom server.

公开 items go out as news cards, 内部 items as one confidential text listing their linked
titles (news has no `safe` field); an issue mixing both sends each member a news message and a
safe text, exactly once, and `push --dry-run` counts exactly what the push sends. Reminders
and correction notices about a 内部 item are safe too; a console override of an item's level
changes how it goes out.
"""

import json
import re

from bulletin.cards import Card, size
from channels import make_channel
from push import publish as publishing
from push.worker import run_until_idle
from store import levels
from store.db import open_db
from test_console import csrf_from, login
from test_plan import add_cadre, item_ids, message_urls, publish

LEAD = "上街区十个重大项目集中开工"
AUDIT = "区审计局“四个一”提升信息宣传工作"
AUDIT2 = "区审计局开展专项审计"
TOWN = "峡窝镇扎实做好冬季疫情防控"
INSPECT = "区督查局新年谋新篇"
ITEM_IN_URL = re.compile(r"/items/(\d+)\?")


def card(n, confidential=True, title="关于进一步加强基层党组织建设工作的通知"):
    return Card(f"{title}{n}", "会议要求，各单位要高度重视。抓好落实，确保实效。", "区委组织部",
                "2021-01-06", f"/items/{n}?t=tok{n}", confidential=confidential)


def items_of(body):
    return [int(found) for url in message_urls(body) for found in ITEM_IN_URL.findall(url)]


def wecom_app(fake_wechat, make_app):
    app = make_app(**fake_wechat.app_config("work"), BOT_SEND_RATE=1000)
    return app, open_db(app.config["DATABASE_PATH"])


def mixed_issue(db):
    """The test issue 公开, its two 区审计局 items overridden to 内部: (issue id, {title: id})."""
    issue_id = publish(db)
    ids = item_ids(db, issue_id)
    levels.set_issue_level(db, issue_id, "公开")
    for title in (AUDIT, AUDIT2):
        levels.set_item_level(db, ids[title], "内部")
    return issue_id, ids


def what_they_got(fake_wechat, member):
    """[(msgtype, safe, [item ids])] of every message `member` received, news first (the
    parts of one message are separate calls, sent in any order by the worker threads)."""
    return sorted((m["msgtype"], m["safe"], items_of(m["body"]))
                  for m in fake_wechat.received(member))


# ---- rendering ---------------------------------------------------------------------------

def test_internal_cards_are_one_safe_text_with_digests_and_public_ones_news(fake_wechat, make_app):
    channel = make_channel(dict(fake_wechat.app_config("work"), BOT_PUBLIC_URL="https://bot.example"),
                           make_app().config["DATABASE_PATH"])
    payloads = channel.render([card(1, False), card(2), card(3, False), card(4)], title="简报 第1期")
    news, text = payloads
    assert news["msgtype"] == "news" and "safe" not in news
    assert [a["url"] for a in news["news"]["articles"]] == [
        "https://bot.example/items/1?t=tok1", "https://bot.example/items/3?t=tok3"]
    assert text["msgtype"] == "text" and text["safe"] == 1 and text["enable_duplicate_check"] == 1
    content = text["text"]["content"]
    assert content.startswith("【内部】简报 第1期\n1. <a href=\"https://bot.example/items/2?t=tok2\">")
    assert "（区委组织部）\n会议要求，各单位要高度重视。" in content  # a short digest under each
    assert items_of(text) == [2, 4]
    assert channel.render([card(1, False)], title="t")[0]["msgtype"] == "news"  # 公开 only


def test_a_long_internal_listing_drops_digests_then_splits_into_whole_line_parts(fake_wechat,
                                                                                 make_app):
    app = make_app(**fake_wechat.app_config("work"))
    channel = make_channel(app.config, app.config["DATABASE_PATH"])
    few = channel.render([card(n) for n in range(1, 6)], title="简报")
    assert len(few) == 1 and few[0]["text"]["content"].count("会议要求") == 5  # with digests
    dozen = channel.render([card(n) for n in range(1, 13)], title="简报")
    assert len(dozen) == 1 and "会议要求" not in dozen[0]["text"]["content"]  # titles only
    assert items_of(dozen[0]) == list(range(1, 13))
    many = channel.render([card(n) for n in range(1, 31)], title="简报")
    assert len(many) > 1 and all(p["safe"] == 1 for p in many)
    assert all(size(p["text"]["content"]) <= 2048 for p in many)
    assert [p["text"]["content"][:5] for p in many] == [f"（{i}/{len(many)}）"
                                                       for i in range(1, len(many) + 1)]
    assert all(p["text"]["content"][5:].startswith("【内部】简报\n") for p in many)  # each part
    assert [n for p in many for n in items_of(p)] == list(range(1, 31))  # each once, in order
    fake_wechat.add_members(["m1"])
    for payload in many:  # WeCom takes every part (text ≤ 2,048 B, safe 1)
        assert channel.send(["m1"], payload)["m1"].status == "sent"
    assert [m["safe"] for m in fake_wechat.received("m1")] == [1] * len(many)


# ---- the push ----------------------------------------------------------------------------

def test_a_mixed_issue_reaches_members_as_news_and_safe_text_once_as_the_dry_run_said(
        fake_wechat, make_app):
    app, db = wecom_app(fake_wechat, make_app)
    issue_id, ids = mixed_issue(db)
    add_cadre(db, "甲", "m1", ["区审计局"], identity="userid")
    add_cadre(db, "乙", "m2", ["区审计局"], identity="userid")     # 甲's item set: one call
    add_cadre(db, "丙", "m3", ["峡窝镇"], identity="userid")        # 公开 only
    add_cadre(db, "丁", "m4", everything=True, identity="userid")
    fake_wechat.add_members(["m1", "m2", "m3", "m4"])
    path = app.config["DATABASE_PATH"]
    runner = app.test_cli_runner()
    dry = json.loads(runner.invoke(args=["push", str(issue_id), "--dry-run", "--json"]).stdout)
    assert (dry["recipients"], dry["messages"], dry["api_calls"]) == (4, 7, 5)
    pushed = runner.invoke(args=["push", str(issue_id)])
    assert pushed.exit_code == 0, pushed.output
    assert db.execute("SELECT COUNT(*) FROM outbox").fetchone()[0] == dry["api_calls"]
    assert db.execute("SELECT COUNT(*) FROM deliveries").fetchone()[0] == dry["messages"]
    assert fake_wechat.calls["message/send"] == dry["api_calls"]
    news, safe = ("news", 0), ("text", 1)
    for member in ("m1", "m2"):
        assert what_they_got(fake_wechat, member) == [
            (*news, [ids[LEAD]]), (*safe, [ids[AUDIT], ids[AUDIT2]])]
    assert what_they_got(fake_wechat, "m3") == [(*news, [ids[LEAD], ids[TOWN]])]
    assert what_they_got(fake_wechat, "m4") == [
        (*news, [ids[LEAD], ids[INSPECT], ids[TOWN]]), (*safe, [ids[AUDIT], ids[AUDIT2]])]
    # exactly once: pushing again and draining sends nothing, WeCom refused no duplicate
    assert runner.invoke(args=["push", str(issue_id)]).exit_code == 0
    run_until_idle(path, app.config)
    assert fake_wechat.calls["message/send"] == dry["api_calls"] and fake_wechat.duplicates == []
    # a reminder: 甲, 乙 and 丁 have unread 内部 items (safe); 丙 only 公开 ones (not safe)
    reminded = runner.invoke(args=["remind", str(issue_id), "--json"])
    assert json.loads(reminded.stdout)["reminded"] == 4
    for member, confidential in (("m1", 1), ("m2", 1), ("m3", 0), ("m4", 1)):
        last = fake_wechat.received(member)[-1]
        assert "【催办】" in last["content"] and (last["msgtype"], last["safe"]) == (
            "text", confidential)
    db.conn.close()


def test_a_correction_notice_is_safe_only_for_an_internal_item(fake_wechat, make_app):
    app, db = wecom_app(fake_wechat, make_app)
    issue_id, ids = mixed_issue(db)
    add_cadre(db, "甲", "m1", ["区审计局"], identity="userid")
    fake_wechat.add_members(["m1"])
    runner = app.test_cli_runner()
    assert runner.invoke(args=["push", str(issue_id)]).exit_code == 0
    for title, confidential in ((AUDIT, 1), (LEAD, 0)):
        result = runner.invoke(args=["item", "correct", str(ids[title]), "--title", title + "（更正）",
                                     "--note", "标题有误", "--notify"])
        assert result.exit_code == 0, result.output
        last = fake_wechat.received("m1")[-1]
        assert "【更正】" in last["content"] and last["safe"] == confidential
    db.conn.close()


def test_overriding_an_item_level_in_the_console_changes_how_it_goes_out(fake_wechat, make_app):
    app, db = wecom_app(fake_wechat, make_app)
    issue_id = publish(db)
    ids = item_ids(db, issue_id)
    levels.set_issue_level(db, issue_id, "公开")
    add_cadre(db, "甲", "m1", ["区审计局"], identity="userid")
    fake_wechat.add_members(["m1"])
    client = app.test_client()
    login(client)
    page = client.get(f"/admin/issues/{issue_id}")
    assert "保密消息" not in page.get_data(as_text=True)  # the phone preview: news only
    client.post(f"/admin/items/{ids[AUDIT]}/level",
                data={"level": "内部", "csrf_token": csrf_from(page)})
    assert levels.item_level(db, ids[AUDIT]) == "内部"
    preview = client.get(f"/admin/issues/{issue_id}").get_data(as_text=True)
    assert "保密消息" in preview  # the preview shows the confidential text it will send
    runner = app.test_cli_runner()
    dry = json.loads(runner.invoke(args=["push", str(issue_id), "--dry-run", "--json"]).stdout)
    assert runner.invoke(args=["push", str(issue_id)]).exit_code == 0
    assert what_they_got(fake_wechat, "m1") == [
        ("news", 0, [ids[LEAD], ids[AUDIT2]]), ("text", 1, [ids[AUDIT]])]
    assert dry["api_calls"] == fake_wechat.calls["message/send"] == 2
    db.conn.close()
