"""Retrying the recalls of a withdrawn item (`python bot.py item recall ITEM_ID`) on the fake
WeCom server: exactly the calls whose recall failed for a passing reason and are still within
24 hours are tried again; refusals and too-old calls are settled; one audit row per retry,
no second withdrawal. And the fake's own answers to message/recall."""

import json

import pytest

from channels import make_channel
from store import audit, corrections
from test_withdrawals import wecom_pushed

SETTLED = {"calls": 1, "recalled": 1, "too_old": 0, "failed": 0, "not_recallable": 0,
           "retryable": 0}


def invoke(runner, *args):
    result = runner.invoke(args=list(args))
    return result, (json.loads(result.stdout) if result.exit_code == 0 and "--json" in args
                    else None)


def msgid_of(db):
    [msgid] = [m for (m,) in db.execute("SELECT msgid FROM outbox WHERE kind = 'issue'")]
    return msgid


@pytest.mark.parametrize("fault", [{"errcode": -1}, {"http": 502}, {"drop": True},
                                   {"errcode": 45009}])
def test_a_recall_that_failed_for_a_passing_reason_is_retried_once_and_recorded_once(
        fake_wechat, make_app, fault):
    app, db, runner, item_id = wecom_pushed(fake_wechat, make_app)
    msgid = msgid_of(db)
    fake_wechat.inject("message/recall", times=3, **fault)  # outlasts the client's own retry
    _, withdrawn = invoke(runner, "item", "withdraw", str(item_id), "--note", "误发", "--json")
    assert withdrawn["recall"] == dict(SETTLED, recalled=0, failed=1, retryable=1)
    assert fake_wechat.recalls == []
    fake_wechat.faults.clear()

    again, result = invoke(runner, "item", "withdraw", str(item_id), "--note", "再撤")
    assert again.exit_code == 2 and "item recall" in again.output  # points at the retry
    _, retried = invoke(runner, "item", "recall", str(item_id), "--json")
    assert retried == {"item": item_id, "recall": SETTLED}
    assert fake_wechat.recalls == [msgid]
    assert all(m.get("recalled") for user in ("m1", "m2") for m in fake_wechat.received(user))
    [(recall,)] = db.execute("SELECT recall FROM outbox WHERE kind = 'issue'").fetchall()
    assert recall == "recalled"

    calls = fake_wechat.calls["message/recall"]
    _, third = invoke(runner, "item", "recall", str(item_id), "--json")
    assert third["recall"] == SETTLED and fake_wechat.calls["message/recall"] == calls
    assert [c["action"] for c in corrections.changes(db, item_id)] == ["withdraw"]
    rows = audit.entries(db, action="recall", target=f"item:{item_id}")
    assert len(rows) == 2 and rows[-1]["details"]["recall"]["recalled"] == 1


def test_a_refusal_is_final_and_not_tried_again(fake_wechat, make_app):
    app, db, runner, item_id = wecom_pushed(fake_wechat, make_app)
    channel = make_channel(app.config, app.config["DATABASE_PATH"])
    assert channel.recall(msgid_of(db)).status == "sent"  # recalled behind Jianbao's back
    _, withdrawn = invoke(runner, "item", "withdraw", str(item_id), "--note", "误发", "--json")
    assert withdrawn["recall"] == dict(SETTLED, recalled=0, failed=1)
    calls = fake_wechat.calls["message/recall"]
    _, retried = invoke(runner, "item", "recall", str(item_id), "--json")
    assert retried["recall"] == dict(SETTLED, recalled=0, failed=1)
    assert fake_wechat.calls["message/recall"] == calls


def test_a_retry_past_24_hours_is_too_old_and_calls_nothing(fake_wechat, make_app):
    app, db, runner, item_id = wecom_pushed(fake_wechat, make_app)
    fake_wechat.inject("message/recall", errcode=-1, times=3)
    invoke(runner, "item", "withdraw", str(item_id), "--note", "误发")
    fake_wechat.faults.clear()
    db.execute("UPDATE outbox SET done_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now', '-25 hours')")
    db.conn.commit()
    calls = fake_wechat.calls["message/recall"]
    _, retried = invoke(runner, "item", "recall", str(item_id), "--json")
    assert retried["recall"] == dict(SETTLED, recalled=0, too_old=1)
    assert fake_wechat.calls["message/recall"] == calls and fake_wechat.recalls == []


def test_recall_refuses_an_item_not_withdrawn_or_unknown_in_one_line(fake_wechat, make_app):
    app, db, runner, item_id = wecom_pushed(fake_wechat, make_app)
    result = runner.invoke(args=["item", "recall", str(item_id)])
    assert result.exit_code == 2 and "is not withdrawn" in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert runner.invoke(args=["item", "recall", "99999"]).output.strip() == "Error: no item 99999"
    assert audit.entries(db, action="recall") == []


def test_the_human_output_says_how_to_retry(fake_wechat, make_app):
    app, db, runner, item_id = wecom_pushed(fake_wechat, make_app)
    fake_wechat.inject("message/recall", http=500, times=3)
    result = runner.invoke(args=["item", "withdraw", str(item_id), "--note", "误发"])
    assert result.exit_code == 0
    assert f"`python bot.py item recall {item_id}` tries them again" in result.output


def test_the_fake_refuses_an_unknown_an_already_recalled_and_a_too_old_msgid(fake_wechat,
                                                                            make_app):
    app, db, runner, item_id = wecom_pushed(fake_wechat, make_app)
    channel = make_channel(app.config, app.config["DATABASE_PATH"])
    msgid = msgid_of(db)
    unknown = channel.recall("no-such-msgid")
    assert (unknown.status, unknown.errcode) == ("failed", 86008)
    assert channel.recall(msgid).status == "sent"
    twice = channel.recall(msgid)
    assert (twice.status, twice.errcode) == ("failed", 86008) and "recalled" in twice.reason
    sent = channel.send(["m1"], {"msgtype": "text", "text": {"content": "另一条"}})["m1"]
    fake_wechat.age_message(sent.msgid, 24 * 3600 + 5)  # WeCom's clock: over 24 hours ago
    old = channel.recall(sent.msgid)
    assert (old.status, old.errcode) == ("failed", 86008) and "24 hours" in old.reason
    assert fake_wechat.recalls == [msgid]


def test_the_console_offers_the_retry_only_while_there_is_one(fake_wechat, make_app):
    from test_console import csrf_from, login

    app, db, runner, item_id = wecom_pushed(fake_wechat, make_app)
    fake_wechat.inject("message/recall", errcode=-1, times=3)
    invoke(runner, "item", "withdraw", str(item_id), "--note", "误发")
    fake_wechat.faults.clear()
    client = app.test_client()
    login(client)
    [(issue_id,)] = db.execute("SELECT issue_id FROM items WHERE id = ?", [item_id]).fetchall()
    page = client.get(f"/admin/issues/{issue_id}")
    assert "重试撤回" in page.get_data(as_text=True)
    done = client.post(f"/admin/items/{item_id}/recall", follow_redirects=True,
                       data={"csrf_token": csrf_from(page)})
    html = done.get_data(as_text=True)
    assert "重试撤回：载有该条的消息 1 条，已撤回 1 条。" in html
    assert "重试撤回</button>" not in html and len(fake_wechat.recalls) == 1
    assert [r["who"] for r in audit.entries(db, action="recall")] == ["admin"]
