"""Withdrawals after the push (撤回): the page, search, 最新, the archive, the record, and WeCom's
message/recall on the fake server (within 24 h, too old, refused)."""

import json

from fixtures_chat import Chat, enrol
from store import corrections
from store.db import open_db
from store.search import search
from test_console import csrf_from, login
from test_corrections import AUDIT, pushed, sent_link
from test_plan import add_cadre, item_ids, publish


def test_withdraw_hides_the_page_search_latest_and_marks_the_archive(app, client, runner, db,
                                                                      tmp_path):
    issue_id, item_id = pushed(runner, db)
    link = sent_link(db, "sandbox-1", item_id)
    result = runner.invoke(args=["item", "withdraw", str(item_id), "--note", "误发", "--json"])
    assert result.exit_code == 0, result.output
    answer = json.loads(result.stdout)
    assert answer == {"item": item_id, "change": answer["change"],
                      "recall": {"calls": 2, "recalled": 0, "too_old": 0, "failed": 0,
                                 "not_recallable": 2, "retryable": 0},
                      "requeued": 0}  # the sandbox cannot recall: page only
    page = client.get(link)
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "该条已撤回" in text and "误发" in text
    assert AUDIT not in text and "一是打造一支宣传队伍" not in text
    assert search(db, "四个一").total == 0
    assert runner.invoke(args=["reindex"]).exit_code == 0
    assert search(db, "四个一").total == 0  # a rebuilt index leaves it out too
    [change] = corrections.changes(db, item_id)
    assert (change["action"], change["who"], change["note"]) == ("withdraw", "cli", "误发")
    assert change["before"]["title"] == AUDIT
    login(client)
    home = client.get("/admin/").get_data(as_text=True)
    assert f"已撤回</span> {AUDIT}" in home
    again = runner.invoke(args=["item", "withdraw", str(item_id), "--note", "再撤"])
    assert again.exit_code == 2 and "已经撤回" in again.output
    correct = runner.invoke(args=["item", "correct", str(item_id), "--title", "x", "--note", "n"])
    assert correct.exit_code == 2 and "已撤回" in correct.output


def test_latest_in_chat_leaves_a_withdrawn_item_out(app, client, runner, db, tmp_path):
    _, item_id = pushed(runner, db)
    codes = enrol(db, tmp_path)
    chat = Chat(client, "o_zhang")
    assert "绑定成功" in chat.say(f"绑定 {codes['张三']}")
    assert AUDIT in chat.say("最新")
    runner.invoke(args=["item", "withdraw", str(item_id), "--note", "误发"])
    reply = chat.say("最新")
    assert AUDIT not in reply and "共4条" in reply


def test_console_withdraws_with_a_note(app, client, runner, db):
    issue_id, item_id = pushed(runner, db)
    login(client)
    token = csrf_from(client.get(f"/admin/issues/{issue_id}"))
    refused = client.post(f"/admin/items/{item_id}/withdraw", data={"csrf_token": token},
                          follow_redirects=True)
    assert "撤回须写明说明" in refused.get_data(as_text=True)
    done = client.post(f"/admin/items/{item_id}/withdraw", follow_redirects=True,
                       data={"csrf_token": token, "withdraw_note": "误发"})
    assert "已撤回" in done.get_data(as_text=True)
    assert corrections.latest(db, item_id)["who"] == "admin"  # the signed-in account
    assert client.post("/admin/items/99999/withdraw",
                       data={"csrf_token": token, "withdraw_note": "x"}).status_code == 404


def wecom_issue_pushed(fake_wechat, make_app, *push_options):
    """The issue pushed on the fake WeCom to two cadres of its audit department:
    (app, db, runner, issue_id); `push_options` e.g. "--no-wait"."""
    app = make_app(**fake_wechat.app_config("work"))
    db = open_db(app.config["DATABASE_PATH"])
    issue_id = publish(db)
    add_cadre(db, "甲", "m1", ["区审计局"], identity="userid")
    add_cadre(db, "乙", "m2", ["区审计局"], identity="userid")
    fake_wechat.add_members(["m1", "m2"])
    runner = app.test_cli_runner()
    assert runner.invoke(args=["push", str(issue_id), *push_options]).exit_code == 0
    return app, db, runner, issue_id


def wecom_pushed(fake_wechat, make_app):
    app, db, runner, issue_id = wecom_issue_pushed(fake_wechat, make_app)
    return app, db, runner, item_ids(db, issue_id)[AUDIT]


def test_withdraw_on_wecom_recalls_the_message_that_carried_it(fake_wechat, make_app):
    app, db, runner, item_id = wecom_pushed(fake_wechat, make_app)
    [msgid] = [m for (m,) in db.execute("SELECT msgid FROM outbox WHERE kind = 'issue'")]
    assert msgid in fake_wechat.sent_msgids  # the msgid WeCom answered was kept
    result = runner.invoke(args=["item", "withdraw", str(item_id), "--note", "误发", "--json"])
    assert json.loads(result.stdout)["recall"] == {"calls": 1, "recalled": 1, "too_old": 0,
                                                   "failed": 0, "not_recallable": 0,
                                                   "retryable": 0}
    assert fake_wechat.recalls == [msgid]
    assert all(m.get("recalled") for user in ("m1", "m2") for m in fake_wechat.received(user))
    db.conn.close()


def test_a_message_older_than_24_hours_is_not_recalled_only_the_page_changes(fake_wechat,
                                                                             make_app):
    app, db, runner, item_id = wecom_pushed(fake_wechat, make_app)
    db.execute("UPDATE outbox SET done_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now', '-25 hours')")
    db.conn.commit()
    result = runner.invoke(args=["item", "withdraw", str(item_id), "--note", "误发", "--json"])
    assert json.loads(result.stdout)["recall"]["too_old"] == 1
    assert fake_wechat.calls["message/recall"] == 0 and fake_wechat.recalls == []
    db.conn.close()


def test_wecoms_refusal_is_recorded_on_the_call(fake_wechat, make_app):
    app, db, runner, item_id = wecom_pushed(fake_wechat, make_app)
    [msgid] = [m for (m,) in db.execute("SELECT msgid FROM outbox WHERE kind = 'issue'")]
    fake_wechat.age_message(msgid, 25 * 3600)  # WeCom's clock says it is too old
    result = runner.invoke(args=["item", "withdraw", str(item_id), "--note", "误发", "--json"])
    assert json.loads(result.stdout)["recall"]["failed"] == 1
    [(recall,)] = db.execute("SELECT recall FROM outbox WHERE kind = 'issue'").fetchall()
    assert recall.startswith("errcode 86008")
    db.conn.close()


def test_a_resend_after_a_withdrawal_does_not_send_the_withdrawn_item(fake_wechat, make_app):
    """A member not yet in the WeCom app when the issue went out (invaliduser); the office
    withdraws an item (wrong figures), then adds the member and presses 重试: the resend
    sent the stored message — the withdrawn item in it — to the member."""
    from push import status
    from test_plan import item_ids
    from test_push_cli import pushed_to_a_member_and_a_stranger

    runner, db, issue_id = pushed_to_a_member_and_a_stranger(fake_wechat, make_app, "late")
    assert status.summary(db, issue_id)["failed"] == 1
    withdrawn = "区审计局“四个一”提升信息宣传工作"
    assert runner.invoke(args=["item", "withdraw", str(item_ids(db, issue_id)[withdrawn]),
                               "--note", "数据有误"]).exit_code == 0
    fake_wechat.add_members(["late"])
    result = runner.invoke(args=["resend", str(issue_id)])
    assert result.exit_code == 0, result.output
    [message] = fake_wechat.received("late")
    sent = json.dumps(message, ensure_ascii=False)
    assert "区审计局开展专项审计" in sent and withdrawn not in sent
    assert status.summary(db, issue_id) | {"by_reason": {}} == {
        "issue": issue_id, "total": 2, "sent": 2, "failed": 0, "pending": 0, "by_reason": {}}


def test_an_item_withdrawn_while_the_push_is_still_queued_is_not_sent(app, runner, db):
    """Withdrawn mid-push (the office saw the wrong figures in the first messages): the
    messages still queued went out as planned, the withdrawn item in them."""
    from channels import inbox
    from push.worker import run_until_idle

    issue_id, item_id = pushed_later(runner, db)
    assert runner.invoke(args=["item", "withdraw", str(item_id), "--note", "数据有误"]).exit_code == 0
    run_until_idle(app.config["DATABASE_PATH"], app.config)
    for recipient in ("sandbox-1", "sandbox-2"):
        [message] = inbox(db, recipient)
        sent = json.dumps(message, ensure_ascii=False)
        assert "区审计局开展专项审计" in sent and AUDIT not in sent
    assert json.loads(runner.invoke(args=["status", str(issue_id), "--json"]).stdout)["sent"] == 3


def pushed_later(runner, db):
    """Queued for three cadres, nothing sent yet (a worker will)."""
    issue_id = publish(db)
    add_cadre(db, "甲", "sandbox-1", ["区审计局"])
    add_cadre(db, "乙", "sandbox-2", ["区审计局"])
    add_cadre(db, "丙", "sandbox-3", ["峡窝镇"])
    assert runner.invoke(args=["push", str(issue_id), "--no-wait"]).exit_code == 0
    return issue_id, item_ids(db, issue_id)[AUDIT]


def test_a_message_in_flight_when_its_item_is_withdrawn_is_reported_and_recallable(
        fake_wechat, make_app):
    """The worker had claimed the call and WeCom had not answered yet when the office
    withdrew the item: the message went out with it, and nothing said so (the withdrawal's
    recall found no sent call; status said all sent). `status` and the console's progress
    now say how many messages on their way carried it and offer `item recall`, which
    recalls them."""
    import threading
    import time

    from channels import make_channel
    from push.worker import process_one
    from test_console import login

    app, db, runner, issue_id = wecom_issue_pushed(fake_wechat, make_app, "--no-wait")
    item_id = item_ids(db, issue_id)[AUDIT]

    fake_wechat.inject("message/send", delay=1.5)      # WeCom takes its time to answer
    path = app.config["DATABASE_PATH"]
    worker = threading.Thread(target=lambda: process_one(
        open_db(path), make_channel(app.config, path), app.config, "worker-1"))
    worker.start()
    deadline = time.monotonic() + 5
    while not db.execute("SELECT 1 FROM outbox WHERE status = 'leased'").fetchone():
        assert time.monotonic() < deadline
        time.sleep(0.02)
    withdrawn = runner.invoke(args=["item", "withdraw", str(item_id), "--note", "数据有误",
                                    "--json"])
    assert withdrawn.exit_code == 0, withdrawn.output
    assert json.loads(withdrawn.stdout)["recall"]["calls"] == 0   # nothing sent yet
    worker.join()
    assert fake_wechat.delivered() == {"m1": 1, "m2": 1}          # it went out, item and all

    result = json.loads(runner.invoke(args=["status", str(issue_id), "--json"]).stdout)
    assert result["withdrawn_in_flight"] == {"messages": 2, "items": [item_id],
                                             "recallable": 1}
    text = runner.invoke(args=["status", str(issue_id)]).output
    assert "2 messages already on their way" in text
    assert f"python bot.py item recall {item_id}" in text
    client = app.test_client()
    login(client)
    progress = client.get(f"/admin/issues/{issue_id}/progress.json").get_json()
    assert progress["withdrawn_in_flight"]["messages"] == 2
    assert "已在发送途中" in progress["state_text"] and "撤回" in progress["state_text"]

    recalled = runner.invoke(args=["item", "recall", str(item_id), "--json"])
    assert json.loads(recalled.stdout)["recall"]["recalled"] == 1
    assert len(fake_wechat.recalls) == 1
    result = json.loads(runner.invoke(args=["status", str(issue_id), "--json"]).stdout)
    assert "withdrawn_in_flight" not in result                    # nothing left out there
    db.conn.close()
