"""Corrections after the push (更正): the CLI and the console, the record kept, the item page,
search, and the notice that reaches exactly the recipients, once per correction."""

import json
import re

from channels import inbox, make_channel
from push import notices
from store import corrections
from store.db import open_db
from store.search import search
from test_console import csrf_from, login
from test_plan import add_cadre, item_ids, publish

AUDIT = "区审计局“四个一”提升信息宣传工作"  # 区审计局's item (test_plan.ITEMS)


def pushed(runner, db):
    """An issue pushed on the sandbox: two 审计 followers, one 峡窝镇 follower."""
    issue_id = publish(db)
    add_cadre(db, "甲", "sandbox-1", ["区审计局"])
    add_cadre(db, "乙", "sandbox-2", ["区审计局"])
    add_cadre(db, "丙", "sandbox-3", ["峡窝镇"])
    result = runner.invoke(args=["push", str(issue_id)])
    assert result.exit_code == 0, result.output
    return issue_id, item_ids(db, issue_id)[AUDIT]


def sent_link(db, recipient, item_id):
    """The path of `item_id`'s link in the push `recipient` received."""
    for message in inbox(db, recipient):
        for article in message["payload"].get("news", {}).get("articles", []):
            if f"/items/{item_id}?" in article["url"]:
                return article["url"].replace("http://jianbao.test", "")
    raise AssertionError(f"{recipient} received no link to item {item_id}")


def texts(db, recipient):
    return [m["payload"]["text"]["content"] for m in inbox(db, recipient)
            if m["payload"].get("msgtype") == "text"]


def test_correct_with_notify_reaches_exactly_the_recipients_once(app, runner, db, tmp_path):
    issue_id, item_id = pushed(runner, db)
    body = tmp_path / "body.txt"
    body.write_text("一是组建一支信息宣传队伍。二是建立考核机制。", encoding="utf-8")
    result = runner.invoke(args=["item", "correct", str(item_id), "--title", "区审计局提升信息宣传",
                                 "--body-file", str(body), "--note", "标题和正文有误",
                                 "--notify", "--json"])
    assert result.exit_code == 0, result.output
    answer = json.loads(result.stdout)
    assert answer == {"item": item_id, "change": answer["change"],
                      "notified": {"recipients": 2, "queued": 2}, "gained": None}
    for recipient in ("sandbox-1", "sandbox-2"):
        [notice] = texts(db, recipient)
        link = re.fullmatch(r'【更正】<a href="(http://jianbao\.test/items/\d+\?t=[^"]+)">'
                            r'区审计局提升信息宣传</a>\n说明：标题和正文有误', notice)
        assert link, notice
    assert texts(db, "sandbox-3") == []  # 峡窝镇's follower never got this item
    # the same correction notified again queues nothing (deliveries keyed by kind)
    change = corrections.get_change(db, answer["change"])
    again = notices.notify_correction(db, app.config, make_channel(app.config, app.config[
        "DATABASE_PATH"]), change)
    assert again == {"change": change["id"], "recipients": 2, "queued": 0}
    # a second correction is a second notice
    runner.invoke(args=["item", "correct", str(item_id), "--department", "区督查局",
                        "--note", "单位有误", "--notify"])
    assert len(texts(db, "sandbox-1")) == 2
    # the issue's own push counts are the push's, not the notices'
    status = json.loads(runner.invoke(args=["status", str(issue_id), "--json"]).output)
    assert status["total"] == 3 and status["sent"] == 3


def test_each_correction_is_kept_and_the_page_shows_the_current_text(app, client, runner, db):
    _, item_id = pushed(runner, db)
    runner.invoke(args=["item", "correct", str(item_id), "--title", "区审计局打造宣传队伍",
                        "--note", "标题有误"])
    [change] = corrections.changes(db, item_id)
    assert change["action"] == "correct" and change["who"] == "cli"
    assert change["before"]["title"] == AUDIT and change["after"]["title"] == "区审计局打造宣传队伍"
    assert change["note"] == "标题有误" and change["created_at"].endswith("Z")
    page = client.get(sent_link(db, "sandbox-1", item_id)).get_data(as_text=True)
    assert "区审计局打造宣传队伍" in page and AUDIT not in page
    assert re.search(r"已更正（\d{4}-\d\d-\d\d \d\d:\d\d）：标题有误", page)


def test_search_finds_the_corrected_text_not_the_old(runner, db):
    _, item_id = pushed(runner, db)
    assert search(db, "四个一").total == 1
    runner.invoke(args=["item", "correct", str(item_id), "--title", "区审计局打造新闻骨干",
                        "--note", "改标题"])
    assert search(db, "四个一").total == 0
    assert [h["item_id"] for h in search(db, "新闻骨干").hits] == [item_id]


def test_refusals_are_one_line_with_status_2(runner, db, tmp_path):
    _, item_id = pushed(runner, db)
    cases = [
        (["item", "correct", "999", "--title", "x", "--note", "n"], "no item 999"),
        (["item", "correct", str(item_id), "--note", "n"], "没有任何改动"),
        (["item", "correct", str(item_id), "--title", "x", "--note", "  "], "说明"),
        (["item", "correct", str(item_id), "--title", "  ", "--note", "n"], "标题不能为空"),
        (["item", "correct", str(item_id), "--body-file", str(tmp_path / "none.txt"),
          "--note", "n"], "cannot read"),
    ]
    for args, words in cases:
        result = runner.invoke(args=args)
        assert result.exit_code == 2, (args, result.output)
        assert words in result.output and len(result.output.strip().splitlines()) == 1
    assert corrections.changes(db, item_id) == []


def test_console_corrects_after_the_push_only_with_a_note(app, client, runner, db):
    issue_id, item_id = pushed(runner, db)
    login(client)
    page = client.get(f"/admin/issues/{issue_id}")
    assert "更正说明" in page.get_data(as_text=True)
    token = csrf_from(page)
    form = {"csrf_token": token, "title": "区审计局新标题", "department": "区审计局"}
    refused = client.post(f"/admin/items/{item_id}", data=form, follow_redirects=True)
    assert "更正须写明说明" in refused.get_data(as_text=True)
    assert corrections.changes(db, item_id) == []
    done = client.post(f"/admin/items/{item_id}", follow_redirects=True,
                       data=dict(form, note="标题有误", notify="1"))
    assert "已更正" in done.get_data(as_text=True)
    [change] = corrections.changes(db, item_id)
    assert change["who"] == "admin"  # the signed-in account and change["after"]["title"] == "区审计局新标题"
    queued = db.execute("SELECT COUNT(*) FROM deliveries WHERE kind = ?",
                        [f"correct:{change['id']}"]).fetchone()[0]
    assert queued == 2


def test_a_correction_notice_on_wecom_is_one_text_call_to_the_members(fake_wechat, make_app):
    app, db, issue_id, runner = pushed_on_wecom(fake_wechat, make_app)
    item_id = item_ids(db, issue_id)[AUDIT]
    result = runner.invoke(args=["item", "correct", str(item_id), "--title", "新标题",
                                 "--note", "标题有误", "--notify", "--json"])
    assert json.loads(result.stdout)["notified"] == {"recipients": 2, "queued": 2}
    for member in ("m1", "m2"):
        last = fake_wechat.received(member)[-1]
        assert last["msgtype"] == "text" and "【更正】<a href=" in last["content"]
        assert last["safe"] == 1  # the item is 内部 (the default): a confidential notice
    assert all("【更正】" not in m["content"] for m in fake_wechat.received("m3"))
    db.conn.close()


def pushed_on_wecom(fake_wechat, make_app, **settings):
    """Three WeCom members (甲, 乙 follow 区审计局; 丙 峡窝镇), the issue pushed through the
    CLI: (app, db, issue_id, runner). `settings` go into the app's config."""
    app = make_app(**fake_wechat.app_config("work"), **settings)
    db = open_db(app.config["DATABASE_PATH"])
    issue_id = publish(db)
    add_cadre(db, "甲", "m1", ["区审计局"], identity="userid")
    add_cadre(db, "乙", "m2", ["区审计局"], identity="userid")
    add_cadre(db, "丙", "m3", ["峡窝镇"], identity="userid")
    fake_wechat.add_members(["m1", "m2", "m3"])
    runner = app.test_cli_runner()
    assert runner.invoke(args=["push", str(issue_id)]).exit_code == 0
    return app, db, issue_id, runner


def test_correct_notify_says_what_was_sent_or_who_sends_it_and_status_follows(runner, db):
    """`item correct --notify` sent the notices (as `push ID` does) but said only "2 queued":
    not how many went out or failed; with `--no-wait` not who sends them nor where to look,
    and `status ID` counted the push alone. Now it ends with the notices' counts as `push ID`
    does; `--no-wait` names the worker and `status`, whose text and JSON (`notices`, present
    when there are any) count them."""
    issue_id, item_id = pushed(runner, db)
    plain = json.loads(runner.invoke(args=["status", str(issue_id), "--json"]).output)
    assert "notices" not in plain                        # none yet: the shape as documented
    result = runner.invoke(args=["item", "correct", str(item_id), "--title", "区审计局提升宣传",
                                 "--note", "标题有误", "--notify"])
    assert result.exit_code == 0, result.output
    assert "2 sent, 0 failed, 0 pending" in result.output, result.output
    queued = runner.invoke(args=["item", "correct", str(item_id), "--title", "区审计局宣传",
                                 "--note", "标题仍有误", "--notify", "--no-wait"])
    assert queued.exit_code == 0, queued.output
    assert "worker" in queued.output and f"python bot.py status {issue_id}" in queued.output
    text = runner.invoke(args=["status", str(issue_id)]).output
    assert re.search(r"Correction notices? \(change \d+\): 2 — 2 sent, 0 failed, 0 pending",
                     text), text
    assert re.search(r"\(change \d+\): 2 — 0 sent, 0 failed, 2 pending", text), text
    notices_now = json.loads(runner.invoke(args=["status", str(issue_id), "--json"]).output)
    assert sorted(n["pending"] for n in notices_now["notices"].values()) == [0, 2]
    assert notices_now["total"] == 3 and notices_now["sent"] == 3  # the push's own, as before
