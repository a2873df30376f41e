"""Workers against the fake WeChat server: exactly-once under faults, retries, pauses, two workers.

Every test drives the real channel code (wechatpy clients) over loopback.
"""

import re
import threading
import time

import pytest
from test_plan import add_cadre, make_issue, publish

from push import outbox, publish as publishing, status
from push.worker import process_one, run_until_idle
from store.db import open_db

FAST = {"BOT_RETRY_BASE_SECONDS": 0.01, "BOT_SEND_RATE": 1000.0}
DEPARTMENTS = ["区审计局", "区督查局", "峡窝镇"]


def work_setup(fake, make_app, members=6, **overrides):
    """A WeCom app on the fake server, an issue, `members` members over three item sets."""
    app = make_app(**fake.app_config("work", timeout=1.0), **FAST, **overrides)
    db = open_db(app.config["DATABASE_PATH"])
    issue_id = publish(db)
    users = []
    for n in range(members):
        user = f"user{n}"
        add_cadre(db, user, user, [DEPARTMENTS[n % 3]], identity="userid")
        users.append(user)
    fake.add_members(users)
    return app, db, issue_id, users


def push_and_drain(app, db, issue_id, **kwargs):
    publishing.push_issue(db, issue_id, app.config, app.config["DATABASE_PATH"])
    return run_until_idle(app.config["DATABASE_PATH"], app.config, max_wait=30, **kwargs)


def test_every_member_gets_one_message_holding_their_items(fake_wechat, make_app):
    app, db, issue_id, users = work_setup(fake_wechat, make_app)
    calls = push_and_drain(app, db, issue_id)
    assert calls == 3  # three item sets, one call each
    assert fake_wechat.delivered() == {user: 1 for user in users}
    [audit] = fake_wechat.received("user0")  # 内部 (the default level): one confidential text
    assert audit["msgtype"] == "text" and audit["safe"] == 1
    titles = re.findall(r'<a href="[^"]+">([^<]+)</a>', audit["body"]["text"]["content"])
    assert titles == ["上街区十个重大项目集中开工",
                      "区审计局“四个一”提升信息宣传工作", "区审计局开展专项审计"]
    assert status.summary(db, issue_id) == {"issue": issue_id, "total": 6, "sent": 6, "failed": 0,
                                            "pending": 0, "by_reason": {}}


@pytest.mark.parametrize("fault", [
    {"errcode": -1}, {"errcode": 45009}, {"errcode": 42001}, {"http": 500},
    {"drop": True}, {"drop": True, "accept": True},         # lost answers: already delivered
    pytest.param({"delay": 1.5, "accept": True},            # slower than the 1 s client timeout
                 marks=pytest.mark.slow),
], ids=["busy", "rate-limited", "token-expired", "http500", "dropped", "lost-answer", "slow"])
def test_exactly_once_under_faults(fake_wechat, make_app, fault):
    app, db, issue_id, users = work_setup(fake_wechat, make_app)
    fake_wechat.inject("message/send", times=2, **fault)
    push_and_drain(app, db, issue_id)
    assert fake_wechat.delivered() == {user: 1 for user in users}
    assert status.summary(db, issue_id)["sent"] == 6


def test_expired_token_is_fetched_again_once(fake_wechat, make_app):
    app, db, issue_id, users = work_setup(fake_wechat, make_app)
    push_and_drain(app, db, issue_id)
    fake_wechat.expire_tokens()
    second = publish(db, make_issue(date="2021-01-13", number="第2期"))
    push_and_drain(app, db, second)
    assert fake_wechat.token_fetches["work"] == 2
    assert fake_wechat.delivered() == {user: 2 for user in users}


def test_unknown_members_fail_with_a_reason_and_resend_retries_only_them(fake_wechat, make_app):
    app, db, issue_id, users = work_setup(fake_wechat, make_app)
    add_cadre(db, "离职", "gone", ["区审计局"], identity="userid")  # not a WeCom member
    push_and_drain(app, db, issue_id)
    summary = status.summary(db, issue_id)
    assert summary == {"issue": issue_id, "total": 7, "sent": 6, "failed": 1, "pending": 0,
                       "by_reason": {"invaliduser": 1}}
    fake_wechat.add_members(["gone"])
    assert publishing.resend_failed(db, issue_id) == 1
    run_until_idle(app.config["DATABASE_PATH"], app.config, max_wait=30)
    assert status.summary(db, issue_id)["sent"] == 7
    assert fake_wechat.delivered() == {user: 1 for user in users + ["gone"]}


def test_retries_are_bounded_then_the_recipients_fail(fake_wechat, make_app):
    app, db, issue_id, users = work_setup(fake_wechat, make_app, members=1, BOT_SEND_ATTEMPTS=3)
    fake_wechat.inject("message/send", errcode=-1, times=10)
    push_and_drain(app, db, issue_id)
    assert fake_wechat.calls["message/send"] == 3
    [row] = status.rows(db, issue_id)
    assert (row["status"], row["errcode"]) == ("failed", -1)
    assert "gave up after 3 attempts" in row["reason"]
    assert status.summary(db, issue_id)["by_reason"] == {"injected fault": 1}


def test_a_broken_channel_pauses_the_push_until_someone_resumes_it(fake_wechat, make_app):
    app, db, issue_id, users = work_setup(fake_wechat, make_app, BOT_PAUSE_AFTER_FAILURES=2,
                                          BOT_SEND_ATTEMPTS=10)
    fake_wechat.inject("message/send", http=500, times=2)
    push_and_drain(app, db, issue_id)
    assert fake_wechat.calls["message/send"] == 2  # paused: no hammering
    assert status.run_state(db, issue_id)["status"] == "paused"
    assert status.summary(db, issue_id)["pending"] == 6
    again = publishing.push_issue(db, issue_id, app.config, app.config["DATABASE_PATH"])
    assert again["queued"] == 0  # nothing new planned; the push resumes
    run_until_idle(app.config["DATABASE_PATH"], app.config, max_wait=30)
    assert status.run_state(db, issue_id)["status"] == "active"
    assert fake_wechat.delivered() == {user: 1 for user in users}


def test_pushing_twice_sends_nothing_new(fake_wechat, make_app):
    app, db, issue_id, users = work_setup(fake_wechat, make_app)
    push_and_drain(app, db, issue_id)
    assert push_and_drain(app, db, issue_id) == 0
    assert fake_wechat.delivered() == {user: 1 for user in users}


def test_two_workers_never_send_the_same_row(fake_wechat, make_app):
    # Official Account: one recipient per call and no platform-side duplicate check,
    # so any double claim would show up as a second message.
    app = make_app(**fake_wechat.app_config("mp"), **FAST)
    db = open_db(app.config["DATABASE_PATH"])
    issue_id = publish(db)
    openids = [f"o{n}" for n in range(40)]
    for openid in openids:
        add_cadre(db, openid, openid, [DEPARTMENTS[0]])
    fake_wechat.add_followers(openids)
    fake_wechat.latency = 0.01
    publishing.push_issue(db, issue_id, app.config, app.config["DATABASE_PATH"])
    counts = []
    workers = [threading.Thread(target=lambda: counts.append(
        run_until_idle(app.config["DATABASE_PATH"], app.config, max_wait=30))) for _ in range(2)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join()
    assert sum(counts) == 40 and min(counts) > 0  # both worked, no call twice
    assert fake_wechat.delivered() == {openid: 1 for openid in openids}


def test_a_lease_that_expires_is_taken_up_by_another_worker(fake_wechat, make_app):
    app, db, issue_id, users = work_setup(fake_wechat, make_app, members=1, BOT_LEASE_SECONDS=0.2)
    publishing.push_issue(db, issue_id, app.config, app.config["DATABASE_PATH"])
    dead = outbox.claim(db, "dead-worker", lease_seconds=0.2)  # claimed, never finished
    assert dead is not None and process_one(db, None, app.config, "other") is None
    run_until_idle(app.config["DATABASE_PATH"], app.config, max_wait=30)
    assert fake_wechat.delivered() == {"user0": 1}
    assert db.execute("SELECT attempts FROM outbox").fetchone()[0] == 2


def test_rate_slots_are_shared_and_spaced(app, db):
    from push.rate import book_slot

    other = open_db(app.config["DATABASE_PATH"])
    slots = [book_slot(db, 10.0, now=100.0), book_slot(other, 10.0, now=100.0),
             book_slot(db, 10.0, now=100.05)]
    assert slots == pytest.approx([100.0, 100.1, 100.2])
    assert book_slot(other, 10.0, now=200.0) == 200.0  # idle: no debt carried forward


def test_a_member_at_the_wecom_per_minute_cap_is_paced_not_dropped(fake_wechat, make_app):
    app, db, issue_id, users = work_setup(fake_wechat, make_app, members=1)
    earlier = publish(db, make_issue(date="2020-12-30", number="第0期"))
    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    db["deliveries"].insert_all([{"issue_id": earlier, "recipient": "user0", "part": n,
                                  "items": "[]", "status": "sent", "sent_at": now}
                                 for n in range(1, 31)])  # 30 messages this minute
    publishing.push_issue(db, issue_id, app.config, app.config["DATABASE_PATH"])
    run_until_idle(app.config["DATABASE_PATH"], app.config, max_wait=0.5)
    assert fake_wechat.calls["message/send"] == 0  # WeCom would silently drop it
    row = db.execute("SELECT status, attempts, next_at, last_error FROM outbox").fetchone()
    assert row[0] == "pending" and row[1] == 0 and row[2] > time.time() + 30
    assert "cap" in row[3]


def test_official_account_window_closed_is_recorded_and_counted(fake_wechat, make_app):
    app = make_app(**fake_wechat.app_config("mp", template=False), **FAST)
    db = open_db(app.config["DATABASE_PATH"])
    issue_id = publish(db)
    add_cadre(db, "窗口开", "o-open", ["区审计局"])
    add_cadre(db, "窗口关", "o-closed", ["区审计局"])
    fake_wechat.add_followers(["o-open"])
    fake_wechat.add_followers(["o-closed"], window_open=False)
    push_and_drain(app, db, issue_id)
    assert status.summary(db, issue_id) == {"issue": issue_id, "total": 2, "sent": 1, "failed": 1,
                                            "pending": 0, "by_reason": {"window_closed": 1}}
    fake_wechat.add_followers(["o-closed"])  # the cadre wrote to the account: window open
    assert publishing.resend_failed(db, issue_id) == 1
    run_until_idle(app.config["DATABASE_PATH"], app.config, max_wait=30)
    assert fake_wechat.delivered() == {"o-open": 1, "o-closed": 1}


def test_a_cadre_removed_after_planning_is_not_sent_to(fake_wechat, make_app):
    app, db, issue_id, users = work_setup(fake_wechat, make_app)
    publishing.push_issue(db, issue_id, app.config, app.config["DATABASE_PATH"])
    db.execute("UPDATE cadres SET removed_at = '2021-01-07T00:00:00Z' WHERE userid = 'user0'")
    db.conn.commit()
    run_until_idle(app.config["DATABASE_PATH"], app.config, max_wait=30)
    assert fake_wechat.delivered() == {user: 1 for user in users[1:]}
    assert status.summary(db, issue_id)["by_reason"] == {"removed from the roster": 1}
