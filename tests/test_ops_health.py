"""/healthz and /metrics: what they report, who may read them, and metrics added up over
gunicorn's workers and the push worker (prometheus_client's multiprocess mode).

    pytest tests/test_ops_health.py

Real parts: the app on a real SQLite file (test client) for the health figures; for the
metrics, `gunicorn -w 2` and `python bot.py worker` as real processes pushing to the fake
Official Account server and answering signed callbacks over loopback.
"""

import pytest
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time

import requests
from fakewechat import fake_wechat  # noqa: F401 (fixture)
from fixtures_chat import publish_sample, signed_args, text_xml, webhook_headers
from test_processes import GUNICORN, ROOT, free_port, production_env, wait_until

from store import upkeep as store
from push import publish as publishing
from store.db import open_db

OUTSIDE = {"REMOTE_ADDR": "10.0.0.5"}


def test_healthz_reports_the_figures_to_loopback_and_only_ok_to_others(make_app):
    app = make_app(BOT_METRICS_TOKEN="m-token")
    client = app.test_client()
    answer = client.get("/healthz")
    assert answer.status_code == 200
    body = answer.get_json()
    assert body["ok"] is True and body["problems"] == []
    assert body["database"]["writable"] is True and body["database"]["integrity"] == "ok"
    assert body["outbox"] == {"pending": 0, "oldest_age_seconds": None}
    assert body["schedules"] == {"overdue": 0, "oldest_overdue_seconds": None}
    assert body["tokens"] == {"sandbox": {"needed": False}}
    assert set(body["worker"]) == {"heartbeat_age_seconds", "in_process"}
    assert client.get("/healthz", environ_base=OUTSIDE).get_json() == {"ok": True}
    proxied = client.get("/healthz", headers={"X-Forwarded-For": "203.0.113.9"})
    assert proxied.get_json() == {"ok": True}      # nginx on loopback is not a loopback caller
    with_token = client.get("/healthz", environ_base=OUTSIDE,
                            headers={"Authorization": "Bearer m-token"})
    assert "outbox" in with_token.get_json()
    wrong = client.get("/healthz", environ_base=OUTSIDE, headers={"Authorization": "Bearer no"})
    assert wrong.get_json() == {"ok": True}


def test_rows_waiting_with_no_worker_and_a_paused_push_make_it_503(make_app):
    app = make_app()
    db = open_db(app.config["DATABASE_PATH"])
    publish_sample(db)
    db["cadres"].insert({"name": "张三", "openid": "o_zhang", "subscribe_all": 1,
                         "bound_at": "2021-01-01T00:00:00Z"})
    issue_id = db.execute("SELECT id FROM issues").fetchone()[0]
    publishing.push_issue(db, issue_id, app.config, app.config["DATABASE_PATH"])
    client = app.test_client()
    assert client.get("/healthz").status_code == 200           # just queued: not late yet
    with db.conn:
        db.execute("UPDATE outbox SET created_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now', '-10 minutes')")
    answer = client.get("/healthz")
    assert answer.status_code == 503
    assert answer.get_json()["problems"] == ["messages wait and no push worker is running"]
    assert answer.get_json()["outbox"]["pending"] >= 1
    assert answer.get_json()["outbox"]["oldest_age_seconds"] >= 599
    store.beat(db, "elsewhere:1", "worker")                   # a worker is alive: it will send
    assert client.get("/healthz").status_code == 200
    with db.conn:
        db.execute("UPDATE push_runs SET status = 'paused', paused_reason = 'disk full'")
    answer = client.get("/healthz")
    assert answer.status_code == 503
    assert answer.get_json()["paused"] == [{"issue_id": issue_id, "reason": "disk full"}]
    assert f"push of issue {issue_id} paused: disk full" in answer.get_json()["problems"]
    db.conn.close()


def test_token_freshness_per_channel_and_keys_without_secret_material(fake_wechat, make_app):
    app = make_app(**fake_wechat.app_config("work"))
    client = app.test_client()
    fresh = client.get("/healthz").get_json()["tokens"]["work"]
    assert fresh["fresh"] is False and fresh["expires_in_seconds"] is None
    from channels import make_channel
    channel = make_channel(app.config, app.config["DATABASE_PATH"])
    assert channel.client.access_token
    token = client.get("/healthz").get_json()["tokens"]["work"]
    assert token["fresh"] is True and 6000 < token["expires_in_seconds"] <= 7200
    conn = sqlite3.connect(app.config["DATABASE_PATH"])
    keys = [row[0] for row in conn.execute("SELECT key FROM channel_tokens")]
    conn.close()
    secret = app.config["WECOM_SECRET"]
    assert keys and all(key.startswith("work:") for key in keys)
    assert not any(secret[:10] in key for key in keys)      # wechatpy kept its start there


def test_metrics_need_loopback_or_the_bearer_token(make_app):
    app = make_app(BOT_METRICS_TOKEN="m-token")
    client = app.test_client()
    assert client.get("/metrics", environ_base=OUTSIDE).status_code == 403
    assert client.get("/metrics", headers={"X-Forwarded-For": "203.0.113.9"}).status_code == 403
    assert client.get("/metrics", environ_base=OUTSIDE,
                      headers={"Authorization": "Bearer wrong"}).status_code == 403
    answer = client.get("/metrics", environ_base=OUTSIDE,
                        headers={"Authorization": "Bearer m-token"})
    assert answer.status_code == 200 and "jianbao_outbox_depth 0.0" in answer.get_data(as_text=True)
    assert client.get("/metrics").status_code == 200
    no_token = make_app(BOT_METRICS_TOKEN=None).test_client()
    assert no_token.get("/metrics", environ_base=OUTSIDE,
                        headers={"Authorization": "Bearer "}).status_code == 403


def sample_value(text, name, **labels):
    """The value of one sample in Prometheus text, 0 when absent."""
    wanted = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        found = re.match(r"([a-zA-Z_:]+)(?:\{([^}]*)\})? (\S+)$", line)
        if found and found.group(1) == name:
            have = ",".join(sorted((found.group(2) or "").split(","))) if found.group(2) else ""
            if have == wanted:
                return float(found.group(3))
    return 0.0


@pytest.mark.slow
def test_metrics_add_up_over_gunicorn_workers_and_the_push_worker(fake_wechat, tmp_path):
    instance = tmp_path / "instance"
    config = fake_wechat.app_config("mp")
    env = production_env(instance)
    env.update(BOT_CHANNEL="mp", WECHAT_APP_ID=config["WECHAT_APP_ID"],
               WECHAT_SECRET=config["WECHAT_SECRET"], WECHAT_API_BASE=config["WECHAT_API_BASE"],
               BOT_ADMIN_PASSWORD="right-password", BOT_SEND_RATE="1000",
               BOT_SECRET_KEY="k" * 32, BOT_METRICS_TOKEN="m-token")
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    db_path = str(instance / "jianbao.sqlite3")
    db = open_db(db_path)
    publish_sample(db)
    readers = [f"o_reader{n}" for n in range(6)]
    db["cadres"].insert_all([{"name": f"读者{n}", "openid": openid, "subscribe_all": 1,
                              "bound_at": "2021-01-01T00:00:00Z"}
                             for n, openid in enumerate(readers)])
    fake_wechat.add_followers(readers)
    fake_wechat.inject("message/custom/send", errcode=45009)   # one call rate-limited, retried
    issue_id = db.execute("SELECT id FROM issues").fetchone()[0]
    db.conn.close()

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = open(tmp_path / "gunicorn.log", "w+")
    web = subprocess.Popen([GUNICORN, "-w", "2", "-b", f"127.0.0.1:{port}", "bot:create_app()"],
                           cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    worker = subprocess.Popen([sys.executable, "bot.py", "worker"], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        assert wait_until(lambda: requests.get(base + "/healthz", timeout=5).ok), log.name
        pushed = requests.post(f"{base}/api/issues/{issue_id}/push", timeout=30,
                               headers=webhook_headers("POST", f"/api/issues/{issue_id}/push"))
        assert pushed.ok, pushed.text
        messages = 24
        for n in range(messages):
            answer = requests.post(base + "/wechat", params=signed_args(), timeout=10,
                                   data=text_xml(readers[n % 6], "疫情", 7000 + n).encode())
            assert answer.status_code == 200
        session = requests.Session()
        for password in ("wrong-1", "wrong-2", "right-password"):
            page = session.get(base + "/admin/login", timeout=10).text
            csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
            session.post(base + "/admin/login", data={"password": password, "csrf_token": csrf},
                         timeout=10, allow_redirects=False)
        scraped = []

        def worker_recorded_every_send():  # it counts a send after WeChat answered it
            scraped[:] = [requests.get(base + "/metrics", timeout=10).text]
            return (sample_value(scraped[0], "jianbao_messages_total", channel="mp",
                                 outcome="sent", reason="") == len(readers)
                    and sample_value(scraped[0], "jianbao_outbox_depth") == 0)

        assert wait_until(lambda: len(fake_wechat.messages) >= len(readers), timeout=60)
        assert wait_until(worker_recorded_every_send, timeout=60), scraped
        text = scraped[0]
        health_body = requests.get(base + "/healthz", timeout=10).json()
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(20)
        web.send_signal(signal.SIGTERM)
        web.wait(20)
        log.close()

    metrics_dir = instance / "metrics"                 # under the instance folder by default
    pids = {re.search(r"_(\d+)\.db$", name).group(1) for name in os.listdir(metrics_dir)}
    assert len(pids) >= 2                              # several processes wrote values
    assert sample_value(text, "jianbao_callback_seconds_count", method="POST") == messages
    assert sample_value(text, "jianbao_search_seconds_count") == messages
    assert sample_value(text, "jianbao_messages_total", channel="mp", outcome="sent",
                        reason="") == len(readers)      # counted in the worker process
    assert sample_value(text, "jianbao_token_fetches_total", outcome="ok") >= 1
    assert sample_value(text, "jianbao_logins_total", outcome="wrong") == 2
    assert sample_value(text, "jianbao_logins_total", outcome="ok") == 1
    assert sample_value(text, "jianbao_outbox_depth") == 0
    assert 0 <= sample_value(text, "jianbao_worker_heartbeat_age_seconds") < 30
    assert sample_value(text, "jianbao_wechat_api_errors_total", errcode="45009") == 1
    assert sample_value(text, "jianbao_messages_total", channel="mp", outcome="retry",
                        reason="45009") == 1
    assert health_body["ok"] is True and health_body["tokens"]["mp"]["fresh"] is True


def test_a_scheduled_push_overdue_with_no_worker_makes_it_503(make_app):
    """Only the worker fires schedules: with none running, /healthz said ok while a push
    scheduled with --at (or held for quiet hours, or a reminder) silently never went."""
    from push import schedules

    app = make_app()
    db = open_db(app.config["DATABASE_PATH"])
    publish_sample(db)
    issue_id = db.execute("SELECT id FROM issues").fetchone()[0]
    schedules.add(db, issue_id, "push", time.time() - 30, "scheduled")
    client = app.test_client()
    answer = client.get("/healthz")
    assert answer.status_code == 200                     # due just now: the worker's next turn
    assert answer.get_json()["schedules"]["overdue"] == 1
    schedules.add(db, issue_id, "remind", time.time() - 600, "auto")
    answer = client.get("/healthz")
    assert answer.status_code == 503
    assert answer.get_json()["problems"][0].startswith(
        "2 scheduled push(es) or reminder(s) due 6")
    assert answer.get_json()["schedules"]["oldest_overdue_seconds"] >= 599
    store.beat(db, "elsewhere:1", "worker")              # a worker is alive: it will fire them
    assert client.get("/healthz").status_code == 200
    db.conn.close()
