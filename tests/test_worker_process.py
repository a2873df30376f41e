"""`python bot.py worker` as real processes: kill -9 mid-push, restart two, nothing lost or twice.

The fake WeChat server runs in this test process; the worker process reaches it over loopback.
"""

import os
import signal
import subprocess
import sys
import time

import pytest
from test_plan import make_issue, publish

from push import publish as publishing, status
from store.db import open_db
from store.departments import learn

pytestmark = pytest.mark.slow  # worker processes, kill -9

THREADS = 4  # sending threads per worker process
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TOWNS = ["区审计局", "区督查局", "峡窝镇", "工业路街道", "区农委", "区人社局", "区卫健委"]


def worker_env(app):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "WECHAT_", "WECOM_"))}
    for key in ("BOT_DATABASE", "BOT_CHANNEL", "BOT_SECRET_KEY", "BOT_PUBLIC_URL",
                "BOT_HTTP_TIMEOUT", "WECOM_CORP_ID", "WECOM_SECRET", "WECOM_AGENT_ID",
                "WECOM_TOKEN", "WECOM_ENCODING_AES_KEY", "WECOM_API_BASE"):
        env[key] = str(app.config[key])
    env.update(BOT_INSTANCE_PATH=app.instance_path, BOT_SEND_RATE="1000", BOT_LEASE_SECONDS="1",
               BOT_RETRY_BASE_SECONDS="0.05", BOT_INPROCESS_WORKER="0", BOT_LOG_LEVEL="WARNING",
               BOT_WORKER_THREADS=str(THREADS))
    return env


def start_worker(env):
    """A `bot.py worker` process, returned once it is running (its banner printed: its
    SIGTERM handler is in place, so stopping it is a clean exit however loaded the machine)."""
    proc = subprocess.Popen([sys.executable, "bot.py", "worker"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    banner = proc.stderr.readline().decode()
    assert "Push worker on" in banner, banner + proc.stderr.read().decode()
    return proc


def wait_for(predicate, timeout=60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def test_kill_9_mid_push_then_restart_delivers_everything_exactly_once(fake_wechat, make_app):
    app = make_app(**fake_wechat.app_config("work"))
    db = open_db(app.config["DATABASE_PATH"])
    items = [("lead", "要闻", "要闻内容。", None)] + [
        ("brief", f"{town}工作动态", f"{town}开展工作。", town) for town in TOWNS]
    issue_id = publish(db, make_issue(items))
    town_ids = [learn(db, town) for town in TOWNS]
    users = [f"u{n}" for n in range(1, 128)]  # every subset of the 7 departments: 127 item sets
    db["cadres"].insert_all([{"id": n, "name": f"u{n}", "userid": f"u{n}",
                              "bound_at": "2021-01-01T00:00:00Z"} for n in range(1, 128)])
    db["subscriptions"].insert_all([{"cadre_id": n, "department_id": d}
                                    for n in range(1, 128)
                                    for bit, d in enumerate(town_ids) if n >> bit & 1])
    fake_wechat.add_members(users)
    fake_wechat.latency = 0.02
    queued = publishing.push_issue(db, issue_id, app.config, app.config["DATABASE_PATH"])
    assert queued["queued"] == 127

    env = worker_env(app)
    first = start_worker(env)
    assert wait_for(lambda: len(fake_wechat.messages) >= 30), first.stderr.read1().decode()
    first.send_signal(signal.SIGKILL)
    first.wait(10)
    killed_at = len(fake_wechat.messages)
    assert killed_at < 127  # it really died mid-push
    assert status.summary(db, issue_id)["pending"] > 0

    restarted = [start_worker(env), start_worker(env)]  # two workers at once from here on
    assert wait_for(lambda: status.summary(db, issue_id)["pending"] == 0), "workers did not finish"
    for worker in restarted:
        worker.send_signal(signal.SIGTERM)  # graceful: exits 0
    for worker in restarted:
        assert worker.wait(15) == 0, worker.stderr.read().decode()

    assert fake_wechat.delivered() == {user: 1 for user in users}
    # only calls in flight at the kill (one per sending thread) can have been sent twice —
    # WeCom's duplicate check refused them; the two live workers never sent the same row
    assert len(fake_wechat.duplicates) <= THREADS
    assert status.summary(db, issue_id) == {"issue": issue_id, "total": 127, "sent": 127,
                                            "failed": 0, "pending": 0, "by_reason": {}}
    db.conn.close()
