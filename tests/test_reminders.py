"""Read status and reminders (催办): remind reaches exactly the unread, once; on WeCom the
page names its reader (and with BOT_READER_OAUTH=0 group links leave readers unknown); the
Official Account falls back to its template."""

import json
import re

import metrics
from channels import inbox
from store.db import open_db
from test_console import csrf_from, login
from test_corrections import pushed, pushed_on_wecom, sent_link
from test_plan import add_cadre, message_urls, publish


def remind(runner, issue_id, *extra):
    result = runner.invoke(args=["remind", str(issue_id), "--json", *extra])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def reminders(db, recipient):
    return [m["payload"]["text"]["content"] for m in inbox(db, recipient)
            if m["payload"].get("msgtype") == "text"
            and m["payload"]["text"]["content"].startswith("【催办】")]


def test_remind_reaches_exactly_the_unread_once(client, runner, db):
    issue_id, item_id = pushed(runner, db)
    assert client.get(sent_link(db, "sandbox-1", item_id)).status_code == 200  # 甲 reads
    assert remind(runner, issue_id, "--dry-run") == {"issue": issue_id, "reminded": 2,
                                                     "already_read": 1, "skipped": 0}
    assert reminders(db, "sandbox-2") == []  # a dry run sends nothing
    counted = metrics._metrics().reminders.labels("remind")._value.get()
    assert remind(runner, issue_id) == {"issue": issue_id, "reminded": 2, "already_read": 1,
                                        "skipped": 0}
    assert metrics._metrics().reminders.labels("remind")._value.get() == counted + 2  # /metrics
    assert reminders(db, "sandbox-1") == []
    [text] = reminders(db, "sandbox-2")
    titles = re.findall(r'^\d+\. <a href="http://jianbao\.test/items/\d+\?t=[^"]+">([^<]+)</a>$',
                        text, re.M)
    assert text.startswith("【催办】简报 第1期（2021-01-06）有3条您还未读：")
    assert len(titles) == 3 and "区审计局开展专项审计" in titles
    [other] = reminders(db, "sandbox-3")
    assert "峡窝镇扎实做好冬季疫情防控" in other and "区审计局" not in other
    # a second remind reminds nobody
    assert remind(runner, issue_id) == {"issue": issue_id, "reminded": 0, "already_read": 1,
                                        "skipped": 2}
    assert len(reminders(db, "sandbox-2")) == 1
    # the push's own figures are unchanged by the reminders
    status = json.loads(runner.invoke(args=["status", str(issue_id), "--json"]).output)
    assert status["total"] == 3


def test_withdrawn_items_are_not_in_a_reminder(runner, db):
    issue_id, item_id = pushed(runner, db)
    runner.invoke(args=["item", "withdraw", str(item_id), "--note", "误发"])
    remind(runner, issue_id)
    [text] = reminders(db, "sandbox-2")
    assert "有2条您还未读" in text and "四个一" not in text


def test_remind_refuses_an_unknown_issue_in_one_line(runner, db):
    result = runner.invoke(args=["remind", "999"])
    assert result.exit_code == 2 and result.output.strip() == "Error: no issue 999"


def test_console_shows_read_rates_and_reminds(client, runner, db):
    issue_id, item_id = pushed(runner, db)
    client.get(sent_link(db, "sandbox-1", item_id))
    login(client)
    page = client.get(f"/admin/issues/{issue_id}")
    html = page.get_data(as_text=True)
    assert "阅读情况" in html and "提醒未读" in html
    row = re.search(r"<tr><td>无部门</td>(.*?)</tr>", html, re.S)[1]  # test cadres have none
    assert re.findall(r'<td class="num">([^<]+)</td>', row) == ["3", "1", "2", "0", "33%"]
    assert "一条也没打开的（2 人）" in html
    done = client.post(f"/admin/issues/{issue_id}/remind",
                       data={"csrf_token": csrf_from(page)}, follow_redirects=True)
    assert "已提醒 2 人" in done.get_data(as_text=True)
    queued = db.execute("SELECT recipient FROM deliveries WHERE kind = 'remind' ORDER BY id")
    assert [r for (r,) in queued] == ["sandbox-2", "sandbox-3"]  # the tests run no worker


def test_link_only_on_wecom_a_group_someone_opened_is_unknown_and_skipped(fake_wechat,
                                                                          make_app):
    """The fallback BOT_READER_OAUTH=0: a group link names no reader, so the receipt is the
    delivery group's and its members are unknown (never reminded)."""
    app, db, issue_id, runner = pushed_on_wecom(fake_wechat, make_app, BOT_READER_OAUTH=False)
    url = message_urls(fake_wechat.received("m1")[0]["body"])[0]
    assert app.test_client().get(url.replace("http://jianbao.test", "")).status_code == 200
    [(reader,)] = db.execute("SELECT reader FROM read_receipts").fetchall()
    assert reader.startswith("g:")  # the group, not a cadre
    assert remind(runner, issue_id) == {"issue": issue_id, "reminded": 1, "already_read": 0,
                                        "skipped": 2}
    last = fake_wechat.received("m3")[-1]
    assert last["msgtype"] == "text" and "【催办】" in last["content"]
    assert all("【催办】" not in (m["content"] or "") for m in fake_wechat.received("m1"))
    db.conn.close()


def test_on_wecom_by_default_the_member_who_opened_is_read_and_the_others_reminded(
        fake_wechat, make_app):
    app, db, issue_id, runner = pushed_on_wecom(fake_wechat, make_app)
    url = message_urls(fake_wechat.received("m1")[0]["body"])[0]
    plain = app.test_client().get(url.replace("http://jianbao.test", ""))
    assert plain.status_code == 403  # outside WeCom's browser: open it there
    page = fake_wechat.open_on_phone(app.test_client(), "m1", url)
    assert page.status_code == 200
    assert remind(runner, issue_id) == {"issue": issue_id, "reminded": 2, "already_read": 1,
                                        "skipped": 0}  # 乙 shares 甲's group, yet is unread
    assert "【催办】" in fake_wechat.received("m2")[-1]["content"]
    assert all("【催办】" not in (m["content"] or "") for m in fake_wechat.received("m1"))
    db.conn.close()


def test_on_the_official_account_a_closed_window_gets_the_template(fake_wechat, make_app):
    app = make_app(**fake_wechat.app_config("mp"))
    db = open_db(app.config["DATABASE_PATH"])
    issue_id = publish(db)
    add_cadre(db, "甲", "o1", ["区审计局"])
    fake_wechat.add_followers(["o1"])
    runner = app.test_cli_runner()
    assert runner.invoke(args=["push", str(issue_id)]).exit_code == 0
    fake_wechat.closed_windows.add("o1")
    assert remind(runner, issue_id)["reminded"] == 1
    assert [m["api"] for m in fake_wechat.received("o1")][-1] == "template"
    db.conn.close()


def test_after_unbind_nothing_more_goes_to_the_wechat_account_that_was_unbound(runner, db):
    """The office unbinds a cadre (the wrong person bound with their code, or a phone handed
    on): reminders, correction notices and resends still went to the unbound account — the
    titles of the cadre's items to someone who is no longer them."""
    from store.binding import get_cadre

    issue_id, item_id = pushed(runner, db)
    wrong = next(c for c in range(1, 4) if get_cadre(db, c)["openid"] == "sandbox-2")
    assert runner.invoke(args=["roster", "unbind", str(wrong)]).exit_code == 0
    before = len(inbox(db, "sandbox-2"))
    corrected = runner.invoke(args=["item", "correct", str(item_id), "--title", "新标题",
                                    "--note", "标题有误", "--notify"])
    assert corrected.exit_code == 0, corrected.output
    remind(runner, issue_id)
    assert len(inbox(db, "sandbox-2")) == before
    assert any("新标题" in m["payload"]["text"]["content"] for m in inbox(db, "sandbox-1")
               if m["payload"].get("msgtype") == "text")
    reasons = {row[0] for row in db.execute(
        "SELECT reason FROM deliveries WHERE recipient = 'sandbox-2' AND kind != 'issue'")}
    assert reasons == {"unbound from WeChat since planning"}


def test_a_cadre_bound_again_on_a_new_phone_gets_notices_and_reminders_there(client, runner,
                                                                              db):
    """乙 lost the phone: the office unbound the old account and 乙 bound a new one with a
    new code. Correction notices and reminders about what was pushed to the old account went
    nowhere (the worker rightly refuses the unbound account) — 乙 never heard of them. They
    go to the account 乙 has now; the old one still gets nothing."""
    from store import binding

    issue_id, item_id = pushed(runner, db)
    cadre = next(c for c in range(1, 4) if binding.get_cadre(db, c)["openid"] == "sandbox-2")
    assert runner.invoke(args=["roster", "unbind", str(cadre)]).exit_code == 0
    [code] = binding.invite(db, cadre_ids=[cadre])
    assert binding.bind(db, code["code"], openid="sandbox-new").ok
    old = len(inbox(db, "sandbox-2"))

    corrected = runner.invoke(args=["item", "correct", str(item_id), "--title", "新标题",
                                    "--note", "标题有误", "--notify", "--json"])
    assert corrected.exit_code == 0, corrected.output
    assert json.loads(corrected.stdout)["notified"]["recipients"] == 2
    [notice] = [m["payload"]["text"]["content"] for m in inbox(db, "sandbox-new")]
    assert "新标题" in notice
    assert remind(runner, issue_id)["reminded"] == 3
    [text] = reminders(db, "sandbox-new")
    assert "新标题" in text
    assert len(inbox(db, "sandbox-2")) == old                 # the old account: nothing
    assert remind(runner, issue_id)["reminded"] == 0          # once per cadre
    assert len(reminders(db, "sandbox-new")) == 1
