"""Item pages: signed links, the 403 page, previous/next, watermark, read receipts."""

import re
import time
from urllib.parse import unquote

from fixtures_chat import Chat, approved, publish_sample
from store.issues import issue_items
from test_console import add_cadre, login
from test_console import stored_issue as stored_pending
from channels import links
from web import store


def stored_issue(db):
    """The console's test issue, approved: cadres read approved or pushed issues only."""
    return approved(db, stored_pending(db))


def path_for(app, item_id, **who):
    return links.item_path(app.config, item_id, **who)


def test_item_page_shows_the_item_to_its_reader(app, client, db, runner):
    issue_id = stored_issue(db)
    items = issue_items(db, issue_id)
    cadre = add_cadre(db, "王明", "sandbox-1", everything=True)
    assert runner.invoke(args=["push", str(issue_id)]).exit_code == 0
    response = client.get(path_for(app, items[0]["id"], cadre_id=cadre))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "中共上街区委办公室" in page and "第1期" in page and "2021年1月6日" in page
    assert "<h1 class=\"headline\">上街区十个重大项目集中开工</h1>" in page
    assert "<p>1月4日，郑州市重大项目集中开工。</p><p>宋洁宣布开工。</p>" in page
    assert "第 1/3 条" in page
    assert "王明" in unquote(page)  # the watermark names the reader
    assert 'name="viewport"' in page


def test_previous_and_next_links_carry_a_token_for_the_same_reader(app, client, db, runner):
    issue_id = stored_issue(db)
    items = issue_items(db, issue_id)
    cadre = add_cadre(db, "王明", "sandbox-1", everything=True)
    assert runner.invoke(args=["push", str(issue_id)]).exit_code == 0
    page = client.get(path_for(app, items[1]["id"], cadre_id=cadre)).get_data(as_text=True)
    hrefs = re.findall(r'class="(prev|next)" href="([^"]+)"', page)
    assert [kind for kind, _ in hrefs] == ["prev", "next"]
    for (_, href), expected in zip(hrefs, [items[0], items[2]]):
        item_id = int(href.split("/items/")[1].split("?")[0])
        assert item_id == expected["id"]
        claim = links.read_token(app.config, href.split("t=")[1].replace("&amp;", "&"), item_id)
        assert claim["c"] == cadre
        assert client.get(href.replace("&amp;", "&")).status_code == 200
    first = client.get(path_for(app, items[0]["id"], cadre_id=cadre)).get_data(as_text=True)
    assert 'class="prev"' not in first and 'class="next"' in first


def test_group_link_watermarks_department_and_issue(app, client, db):
    items = issue_items(db, stored_issue(db))
    page = client.get(path_for(app, items[1]["id"], group="g1-abc")).get_data(as_text=True)
    assert "区审计局 · 第1期 · 内部资料" in unquote(page)


def test_invalid_links_get_the_friendly_403_page(app, client, db):
    items = issue_items(db, stored_issue(db))
    good = path_for(app, items[0]["id"], cadre_id=1)
    for path in [f"/items/{items[0]['id']}", f"/items/{items[0]['id']}?t=garbage",
                 good[:-3] + "abc", good.replace(f"/items/{items[0]['id']}", f"/items/{items[1]['id']}"),
                 path_for(app, 9999, cadre_id=1)]:
        response = client.get(path)
        page = response.get_data(as_text=True)
        assert response.status_code == 403, path
        assert "链接无效或已过期" in page and "宋洁" not in page


def test_expired_link_is_refused(app, client, db, monkeypatch):
    items = issue_items(db, stored_issue(db))
    path = path_for(app, items[0]["id"], cadre_id=1)
    later = time.time() + (app.config["BOT_LINK_TTL_DAYS"] + 1) * 86400
    monkeypatch.setattr(time, "time", lambda: later)
    response = client.get(path)
    assert response.status_code == 403 and "链接已过期" in response.get_data(as_text=True)


def test_an_expired_link_from_chat_history_says_how_to_get_the_item_again(app, client, db,
                                                                         runner, monkeypatch):
    """Months later a cadre taps an old card: the page says the link expired and which day
    to send (最新 would give another issue), and that day's answer opens the item again."""
    items = issue_items(db, stored_issue(db))
    publish_sample(db, date="2021-03-03", number="第5期")  # the newest issue is another one
    cadre = add_cadre(db, "王明", "sandbox-1", everything=True)
    old = path_for(app, items[1]["id"], cadre_id=cadre)
    later = time.time() + (app.config["BOT_LINK_TTL_DAYS"] + 90) * 86400
    monkeypatch.setattr(time, "time", lambda: later)
    page = client.get(old).get_data(as_text=True)
    assert "链接已过期" in page and "2021-01-06" in page and "最新" not in page
    assert "宋洁" not in page and items[1]["title"] not in page  # nothing of the item itself
    reply = Chat(client, "sandbox-1").say("2021-01-06")
    fresh = re.search(r'href="http://jianbao.test(/items/%d\?t=[^"]+)"' % items[1]["id"], reply)
    assert fresh, reply
    assert client.get(fresh.group(1)).status_code == 200
    # a tampered or foreign link still says nothing of the issue
    for path in (old[:-3] + "abc", f"/items/{items[1]['id']}?t=garbage"):
        page = client.get(path).get_data(as_text=True)
        assert "链接无效或已过期" in page and "2021-01-06" not in page


def test_opening_records_one_receipt_per_reader(app, client, db):
    issue_id = stored_issue(db)
    items = issue_items(db, issue_id)
    wang = add_cadre(db, "王明", "sandbox-1")
    liu = add_cadre(db, "刘洋", "sandbox-2")
    for _ in range(3):
        client.get(path_for(app, items[0]["id"], cadre_id=wang))
    client.get(path_for(app, items[0]["id"], cadre_id=liu))
    client.get(path_for(app, items[1]["id"], group="g1"))
    client.get(f"/items/{items[2]['id']}?t=bad")
    client.get(path_for(app, items[2]["id"]))  # the office's preview link names no reader
    assert store.read_counts(db, [i["id"] for i in items]) == {
        items[0]["id"]: 2, items[1]["id"]: 1, items[2]["id"]: 0}
    opens = db.execute("SELECT opens FROM read_receipts WHERE reader = ?", [f"c:{wang}"]).fetchone()[0]
    assert opens == 3
    login(client)
    review = client.get(f"/admin/issues/{issue_id}").get_data(as_text=True)
    assert "阅读 2" in review and "<b>3</b>人已阅读" in review


def test_404_for_non_numeric_item(client):
    assert client.get("/items/abc?t=x").status_code == 404


def test_item_pages_are_not_cached_framed_or_referred(app, client, db):
    items = issue_items(db, stored_issue(db))
    response = client.get(path_for(app, items[0]["id"], cadre_id=1))
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_links_of_a_cadre_who_left_the_roster_stop_working(app, client, db):
    from store.roster import remove_cadre

    items = issue_items(db, stored_issue(db))
    cadre = add_cadre(db, "王明", "sandbox-1")
    path = path_for(app, items[0]["id"], cadre_id=cadre)
    assert client.get(path).status_code == 200
    remove_cadre(db, cadre)
    response = client.get(path)
    assert response.status_code == 403 and "宋洁" not in response.get_data(as_text=True)
    assert client.get(path_for(app, items[0]["id"], cadre_id=9999)).status_code == 403


def test_navigation_reaches_only_what_the_reader_was_sent_and_never_renews(app, client, db,
                                                                         runner, monkeypatch):
    issue_id = stored_issue(db)
    items = issue_items(db, issue_id)
    cadre = add_cadre(db, "王明", "sandbox-1", departments=["区审计局"])
    assert runner.invoke(args=["push", str(issue_id)]).exit_code == 0
    received = [i["id"] for i in items if i["department"] in (None, "区审计局")]
    sent = {i["id"] for i in items} & set(received)
    assert 0 < len(sent) < len(items)  # the lead and 区审计局's item, not the others
    issued = time.time() - 20 * 86400
    monkeypatch.setattr(time, "time", lambda: issued)
    old = path_for(app, items[0]["id"], cadre_id=cadre)  # a 20-day-old link
    monkeypatch.undo()
    page = client.get(old).get_data(as_text=True)
    hrefs = [h.replace("&amp;", "&") for h in re.findall(r'class="(?:prev|next)" href="([^"]+)"', page)]
    reached = {int(h.split("/items/")[1].split("?")[0]) for h in hrefs}
    assert reached and reached <= sent
    assert f"第 1/{len(sent)} 条" in page
    for href in hrefs:  # the same expiry as the link opened: 20 days old, not fresh
        assert abs(links.issued_at(app.config, href.split("t=")[1]) - issued) < 2
    later = time.time() + (app.config["BOT_LINK_TTL_DAYS"] - 19) * 86400
    monkeypatch.setattr(time, "time", lambda: later)
    assert all(client.get(href).status_code == 403 for href in hrefs)


def test_a_link_from_a_chat_reply_has_no_neighbours_to_walk_to(app, client, db):
    items = issue_items(db, stored_issue(db))
    cadre = add_cadre(db, "王明", "sandbox-1")  # was never pushed anything
    page = client.get(path_for(app, items[1]["id"], cadre_id=cadre)).get_data(as_text=True)
    assert 'class="prev"' not in page and 'class="next"' not in page and "第 1/1 条" in page


def test_an_item_page_shows_a_table_as_a_table():
    """A Word table's row (tab-separated cells) showed its cells run together (HTML shows a tab
    as a space), then as one line `指标 ｜ 绝对值 ｜ 同比增长` wrapping on a phone: a table."""
    from web.item_body import blocks

    body = "主要指标如下：\n指标\t绝对值\t同比增长\n地区生产总值\t58.2亿元\t5.1%\n（一）工业\n正文。"
    table = blocks(body)[1]
    assert table.kind == "table" and table.header
    assert table.rows == [["指标", "绝对值", "同比增长"], ["地区生产总值", "58.2亿元", "5.1%"]]
    assert [(b.kind, b.level) for b in blocks(body)[2:]] == [("heading", 3), ("p", 0)]
    assert blocks("一行\t只有\n甲\t\t丙")[0].rows == [["一行", "只有", ""], ["甲", "", "丙"]]  # padded
    assert not blocks("甲\t1\n乙\t2")[0].header  # figures in the first row: no header
    assert blocks("\t缩进的段落")[0].kind == "p"  # a tab before the text is an indent
    lead = blocks("（一）加强组织领导。各单位要高度重视。")[0]
    assert (lead.kind, lead.lead, lead.parts) == ("p", "（一）加强组织领导。", [("各单位要高度重视。", False)])
    assert blocks("一是抓好落实")[0].kind == "p"
