"""Faults while pushing and answering: WeChat hanging or failing for good, the database locked
by another writer, two worker processes at once. Each ends with every planned message
delivered exactly once (the fake WeChat server's record) or recorded as failed with its reason.

    pytest tests/test_faults.py

Transient faults that clear (-1, 45009, 5xx, dropped connections, lost answers) are proven in
tests/test_worker.py and a kill -9 in tests/test_worker_process.py; this file adds the rest.
"""

import sqlite3
import threading
import time

import pytest
import xmltodict
from fixtures_chat import enrol, post_xml, publish_sample, text_xml
from test_plan import add_cadre, publish
from test_worker_process import start_worker, wait_for, worker_env

from handlers.chat import SORRY
from push import publish as publishing, status
from push.worker import run_forever, run_until_idle
from store import binding, roster
from store.db import open_db

pytestmark = pytest.mark.slow  # real client timeouts, database locks held for seconds, processes

FAST = {"BOT_RETRY_BASE_SECONDS": 0.01, "BOT_SEND_RATE": 1000.0}
SEND_PATH = {"work": "message/send", "mp": "message/custom/send"}


def setup_push(fake, make_app, channel, members=4, timeout=1.0, **overrides):
    """An issue and `members` cadres following 区审计局 on `channel`, on the fake server."""
    app = make_app(**fake.app_config(channel, template=False, timeout=timeout), **FAST,
                   **overrides)
    db = open_db(app.config["DATABASE_PATH"])
    issue_id = publish(db)
    users = [f"{channel}{n}" for n in range(members)]
    for user in users:
        add_cadre(db, user, user, ["区审计局"], identity="userid" if channel == "work" else "openid")
    fake.add_members(users) if channel == "work" else fake.add_followers(users)
    return app, db, issue_id, users


def drain(app, db, issue_id, max_wait=60):
    publishing.push_issue(db, issue_id, app.config, app.config["DATABASE_PATH"])
    return run_until_idle(app.config["DATABASE_PATH"], app.config, max_wait=max_wait)


# ---- WeChat hangs past the client timeout ----------------------------------------------------

@pytest.mark.parametrize("channel", ["work", "mp"])
def test_an_api_that_hangs_past_the_timeout_is_retried_and_delivers_once(fake_wechat, make_app,
                                                                         channel):
    app, db, issue_id, users = setup_push(fake_wechat, make_app, channel)
    fake_wechat.inject(SEND_PATH[channel], delay=1.5, accept=False, times=2)  # never answers
    started = time.monotonic()
    drain(app, db, issue_id)
    assert fake_wechat.delivered() == {user: 1 for user in users}
    assert status.summary(db, issue_id)["sent"] == len(users)
    assert time.monotonic() - started < 30  # two 1 s timeouts, not two hangs forever


@pytest.mark.parametrize("channel", ["work", "mp"])
def test_a_token_endpoint_that_hangs_is_retried(fake_wechat, make_app, channel):
    app, db, issue_id, users = setup_push(fake_wechat, make_app, channel)
    fake_wechat.inject("gettoken" if channel == "work" else "token", delay=1.5, times=1)
    drain(app, db, issue_id)
    assert fake_wechat.delivered() == {user: 1 for user in users}


# ---- faults that never clear: every recipient failed, with the reason ------------------------

PERSISTENT = [
    pytest.param({"errcode": -1}, "-1", id="system-busy"),
    pytest.param({"errcode": 45009}, "45009", id="api-quota"),
    pytest.param({"http": 503}, "503", id="http-503"),
    pytest.param({"drop": True}, "", id="connection-closed"),
    pytest.param({"delay": 1.2, "accept": False}, "", id="hangs"),
]


@pytest.mark.parametrize("channel", ["work", "mp"])
@pytest.mark.parametrize("fault, code", PERSISTENT)
def test_a_fault_that_never_clears_fails_every_recipient_with_a_reason(fake_wechat, make_app,
                                                                       channel, fault, code):
    app, db, issue_id, users = setup_push(fake_wechat, make_app, channel, members=2,
                                          BOT_SEND_ATTEMPTS=2, BOT_PAUSE_AFTER_FAILURES=100)
    fake_wechat.inject(SEND_PATH[channel], times=100, **fault)
    drain(app, db, issue_id)
    assert fake_wechat.messages == []
    rows = status.rows(db, issue_id)
    assert [r["status"] for r in rows] == ["failed"] * len(users)
    assert all(r["reason"] for r in rows), rows
    if code:
        assert all(code in f"{r['errcode']} {r['reason']}" for r in rows), rows
    summary = status.summary(db, issue_id)
    assert (summary["failed"], summary["pending"]) == (len(users), 0)


# ---- the database locked by another writer ---------------------------------------------------

def hold_write_lock(path, seconds, started=None):
    """Another process's writer: BEGIN EXCLUSIVE on the file for `seconds`, in a thread."""
    ready = threading.Event()

    def hold():
        if started is not None:
            started.wait(30)
        conn = sqlite3.connect(path, timeout=30, isolation_level=None)
        conn.execute("BEGIN EXCLUSIVE")
        ready.set()
        time.sleep(seconds)
        conn.execute("COMMIT")
        conn.close()
    thread = threading.Thread(target=hold, daemon=True)
    thread.start()
    return thread, ready


LOCKS = [
    pytest.param("work", 2, id="work-within-busy-timeout"),
    pytest.param("mp", 2, id="mp-within-busy-timeout"),
    pytest.param("work", 7, id="work-beyond-busy-timeout"),  # WeCom's duplicate check saves it
    # mp has no duplicate check: the worker must wait the lock out to record what it sent
    pytest.param("mp", 7, id="mp-beyond-busy-timeout"),
]


@pytest.mark.parametrize("channel, seconds", LOCKS)
def test_a_push_survives_the_database_locked_mid_push(fake_wechat, make_app, channel, seconds):
    """The lock is taken after the first call went out; the worker runs as in production
    (run_forever, short lease) until nothing is pending."""
    app, db, issue_id, users = setup_push(fake_wechat, make_app, channel, members=12,
                                          BOT_LEASE_SECONDS=10.0, BOT_WORKER_THREADS=2)
    fake_wechat.latency = 0.05
    first_call = threading.Event()
    original = fake_wechat._record

    def record(*args, **kwargs):
        original(*args, **kwargs)
        first_call.set()
    fake_wechat._record = record
    publishing.push_issue(db, issue_id, app.config, app.config["DATABASE_PATH"])
    locker, locked = hold_write_lock(app.config["DATABASE_PATH"], seconds, started=first_call)
    stop = threading.Event()
    worker = threading.Thread(target=run_forever, daemon=True,
                              args=(app.config["DATABASE_PATH"], app.config, stop, None, 0.1))
    worker.start()
    assert locked.wait(30)
    locker.join(30)
    assert wait_for(lambda: status.summary(db, issue_id)["pending"] == 0, timeout=60)
    stop.set()
    worker.join(30)
    summary = status.summary(db, issue_id)
    assert summary["sent"] + summary["failed"] == len(users)
    delivered = fake_wechat.delivered()
    assert all(delivered.get(user, 0) <= 1 for user in users), delivered  # never twice
    for row in status.rows(db, issue_id):
        if row["status"] == "sent":
            assert delivered.get(row["recipient"]) == 1
        else:
            assert row["reason"], row
    assert summary["sent"] == len(users)  # and in fact everyone got it


def bound_client(app, tmp_path):
    db = open_db(app.config["DATABASE_PATH"])
    publish_sample(db)
    codes = enrol(db, tmp_path)
    assert binding.bind(db, codes["张三"], openid="o_zhang").ok
    db.conn.close()
    return app.test_client()


def reply(response):
    return xmltodict.parse(response.get_data(as_text=True))["xml"]["Content"]


def test_a_callback_waits_out_a_short_lock_and_answers(app, tmp_path):
    client = bound_client(app, tmp_path)
    locker, locked = hold_write_lock(app.config["DATABASE_PATH"], 1.5)
    assert locked.wait(10)
    response = post_xml(client, text_xml("o_zhang", "疫情", msg_id=6001))
    locker.join()
    assert response.status_code == 200 and reply(response).startswith("找到")


def test_a_callback_during_a_long_lock_says_sorry_then_the_retry_is_answered(app, tmp_path):
    client = bound_client(app, tmp_path)
    locker, locked = hold_write_lock(app.config["DATABASE_PATH"], 6.5)
    assert locked.wait(10)
    message = text_xml("o_zhang", "疫情", msg_id=6002)
    started = time.monotonic()
    during = post_xml(client, message)
    answered = time.monotonic() - started
    locker.join()
    assert during.status_code == 200 and reply(during) == SORRY  # never a 500
    # …in time to be read: nginx gives /wechat 4 s (deploy/nginx-jianbao.conf), WeChat 5 s.
    # It waited out the whole 5 s busy timeout, so the apology reached nobody.
    assert answered < 4.0, answered
    retry = post_xml(client, message)  # WeChat's resend: the same XML, CreateTime too
    assert retry.status_code == 200 and reply(retry).startswith("找到")
    conn = sqlite3.connect(app.config["DATABASE_PATH"])
    assert conn.execute("SELECT count(*) FROM inbound_replies WHERE key LIKE 'msg:6002:%'"
                        ).fetchone()[0] == 1
    conn.close()


# ---- two worker processes at once -------------------------------------------------------------

def test_two_worker_processes_at_once_deliver_everything_exactly_once(fake_wechat, make_app):
    app, db, issue_id, users = setup_push(fake_wechat, make_app, "mp", members=60)
    fake_wechat.latency = 0.01  # mp: one call per openid, so any double claim is a 2nd message
    publishing.push_issue(db, issue_id, app.config, app.config["DATABASE_PATH"])
    env = worker_env(app)
    env.update({k: str(app.config[k]) for k in ("WECHAT_APP_ID", "WECHAT_SECRET",
                                                 "WECHAT_TOKEN", "WECHAT_API_BASE")})
    env["BOT_LEASE_SECONDS"] = "30"
    workers = [start_worker(env), start_worker(env)]
    try:
        assert wait_for(lambda: status.summary(db, issue_id)["pending"] == 0, timeout=60)
    finally:
        for proc in workers:
            proc.terminate()
        codes = [proc.wait(20) for proc in workers]
    assert codes == [0, 0], [p.stderr.read().decode() for p in workers]
    assert fake_wechat.delivered() == {user: 1 for user in users}
    assert fake_wechat.token_fetches["mp"] == 1  # one token, shared through the database
    owners = {row[0] for row in db.execute("SELECT DISTINCT lease_owner FROM outbox")}
    assert status.summary(db, issue_id)["sent"] == len(users)
    db.conn.close()
    assert owners  # recorded who sent
