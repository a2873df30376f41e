"""Faults found by hostile testing, fixed: concurrent password guesses, a disk that fills
during a push, a damaged database under a running worker, the sandbox on a network address.

    pytest tests/test_ops_faults.py

Real parts: the app served over loopback HTTP (threads), `python bot.py worker` and `serve`
as processes, a real filesystem that fills up (a small tmpfs; needs root to mount).
"""

import re
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from fakewechat import fake_wechat  # noqa: F401 (fixture)
from werkzeug.serving import make_server

from test_processes import ROOT, free_port, production_env, wait_until


@pytest.fixture
def served(make_app):
    app = make_app()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield app, f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def test_of_100_concurrent_wrong_guesses_exactly_5_are_checked(served):
    app, base = served
    sessions = []
    for _ in range(100):
        session = requests.Session()
        page = session.get(base + "/admin/login", timeout=10).text
        sessions.append((session, re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)))

    def guess(pair):
        session, csrf = pair
        return session.post(base + "/admin/login", timeout=30,
                            data={"password": "wrong", "csrf_token": csrf}).status_code
    with ThreadPoolExecutor(32) as pool:
        codes = list(pool.map(guess, sessions))
    assert codes.count(401) == 5 and codes.count(429) == 95
    assert requests.get(base + "/admin/login", timeout=10).status_code == 429   # locked out


# ---- a disk that fills during a push ------------------------------------------------------------

@pytest.fixture
def small_disk(tmp_path):
    """A 16 MB tmpfs: a real filesystem that runs out of space (mounting needs root)."""
    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", str(disk)],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    yield disk
    subprocess.run(["umount", "-l", str(disk)], check=False)


def fill(path):
    """Write `path` until the filesystem has no byte left."""
    with open(path, "wb", buffering=0) as handle:
        for size in (1 << 20, 1 << 16, 1 << 12, 1 << 8, 1):
            while True:
                try:
                    handle.write(b"\0" * size)
                except OSError:
                    break


@pytest.mark.slow
def test_a_disk_filling_mid_push_pauses_it_with_the_reason_and_health_shows_it(
        fake_wechat, make_app, small_disk, tmp_path):
    import os
    import signal

    from test_backup import CADRES, arrange_push, sent
    from test_worker_process import worker_env

    from push import publish as publishing, outbox, status
    from store.db import open_db

    app = make_app(**fake_wechat.app_config("work"), BOT_DATABASE=str(small_disk / "jb.sqlite3"))
    db_path = app.config["DATABASE_PATH"]
    db = open_db(db_path)
    issue_id = arrange_push(fake_wechat, db)
    fake_wechat.latency = 0.05
    publishing.push_issue(db, issue_id, app.config, db_path)
    db.conn.close()
    log_path = tmp_path / "worker.log"
    env = worker_env(app)
    env["BOT_LEASE_SECONDS"] = "5"
    with open(log_path, "w") as log:
        worker = subprocess.Popen([sys.executable, "bot.py", "worker"], cwd=ROOT, env=env,
                                  stdout=subprocess.DEVNULL, stderr=log)
    try:
        assert wait_until(lambda: len(sent(db_path)) >= 15, timeout=60)
        fill(small_disk / "filler")
        assert wait_until(lambda: "the database failed" in log_path.read_text(), timeout=60)
        client = app.test_client()
        health = client.get("/healthz")
        assert health.status_code == 503
        assert any(p.startswith("disk nearly full") for p in health.get_json()["problems"])
        stalled = len(sent(db_path))
        assert stalled < CADRES
        os.unlink(small_disk / "filler")                      # the operator frees space
        db = open_db(db_path, migrate=False)
        paused = lambda: (status.run_state(db, issue_id) or {}).get("status") == "paused"
        assert wait_until(paused, timeout=90), log_path.read_text()
        reason = status.run_state(db, issue_id)["paused_reason"]
        assert reason.startswith("disk full")
        problems = client.get("/healthz").get_json()["problems"]
        assert f"push of issue {issue_id} paused: {reason}" in problems
        outbox.resume(db, issue_id)                            # the console's 推送 resumes it
        assert wait_until(lambda: status.summary(db, issue_id)["pending"] == 0, timeout=90)
        assert status.summary(db, issue_id)["sent"] == CADRES
        db.conn.close()
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(30)
    text = log_path.read_text()
    assert "Traceback" not in text
    assert 1 <= text.count("the database failed") <= 12      # a line per backoff, not a flood
    assert fake_wechat.delivered() == {f"u{n}": 1 for n in range(1, CADRES + 1)}


# ---- the sandbox on a network address -----------------------------------------------------------

@pytest.mark.slow
def test_the_sandbox_off_loopback_needs_a_generated_token_or_refuses(tmp_path):
    from fixtures_chat import signed_args, text_xml

    from channels.inbound import SANDBOX_TOKEN

    env = production_env(tmp_path / "instance", PYTHONUNBUFFERED="1")
    env.pop("WECHAT_TOKEN")
    port = free_port()
    serve = subprocess.Popen([sys.executable, "bot.py", "serve", "--host", "0.0.0.0",
                              "--port", str(port)], cwd=ROOT, env=env, text=True,
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    try:
        first = serve.stdout.readline()
        token = re.search(r"generated callback token (\S+)", first).group(1)
        assert len(token) >= 20 and token != SANDBOX_TOKEN
        base = f"http://127.0.0.1:{port}/wechat"
        body = text_xml("o_anyone", "帮助", 770001).encode()
        assert wait_until(lambda: requests.get(base, timeout=5).status_code == 403)
        public = requests.post(base, params=signed_args(SANDBOX_TOKEN), data=body, timeout=10)
        assert public.status_code == 403                       # the public constant: refused
        own = requests.post(base, params=signed_args(token), data=body, timeout=10)
        assert own.status_code == 200 and "<xml>" in own.text
    finally:
        serve.terminate()
        serve.wait(15)
    env["WECHAT_TOKEN"] = SANDBOX_TOKEN
    refused = subprocess.run([sys.executable, "bot.py", "serve", "--host", "0.0.0.0", "--port",
                              str(free_port())], cwd=ROOT, env=env, capture_output=True,
                             text=True, timeout=60)
    assert refused.returncode == 2 and refused.stderr.count("\n") == 1
    assert refused.stderr.startswith("Error: WECHAT_TOKEN is the public sandbox default")


# ---- a backup with the database's disk full and the services stopped ---------------------------

def _bot(env, *args):
    return subprocess.run([sys.executable, "bot.py", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def _count(path, sql):
    import sqlite3
    conn = sqlite3.connect(path)
    try:
        return conn.execute(sql).fetchone()[0]
    finally:
        conn.close()


@pytest.mark.slow
def test_backup_copies_to_another_disk_when_the_full_one_cannot_open_the_database(
        small_disk, tmp_path):
    """The database's disk full, the services stopped: SQLite could not open the database at
    all (a WAL database's first reader creates its -shm file), so every command stopped at
    start-up — `backup` to another disk too, when a backup is most wanted. Now it copies the
    file (and a WAL a killed process left) to the other disk and checks it there; while
    anything uses the database it refuses in one line and leaves no file."""
    import fcntl
    import json
    import os

    env = {**production_env(tmp_path), "BOT_INSTANCE_PATH": str(small_disk / "instance")}
    env.pop("BOT_DATABASE", None)
    assert _bot(env, "demo").returncode == 0
    db_path = str(small_disk / "instance" / "jianbao.sqlite3")
    items = _count(db_path, "SELECT COUNT(*) FROM items")
    last_words = ("import sqlite3, os; c = sqlite3.connect({!r}); "
                  "c.execute('PRAGMA wal_autocheckpoint = 0'); "
                  "c.execute(\"INSERT INTO audit_log (who, \\\"where\\\", action) VALUES "
                  "('test', 'cli', 'last-words')\"); c.commit(); "
                  "os._exit(0)").format(db_path)  # dies with the row in its WAL only
    assert subprocess.run([sys.executable, "-c", last_words]).returncode == 0
    os.unlink(db_path + "-shm")  # and no shared memory left: a reader must make one
    assert items > 0 and os.path.getsize(db_path + "-wal") > 0
    fill(small_disk / "filler")

    with open(db_path + ".in-use", "r+") as running:  # a server still up
        fcntl.flock(running, fcntl.LOCK_SH)
        refused = _bot(env, "backup", str(tmp_path / "elsewhere"))
    assert refused.returncode == 2 and refused.stderr.count("\n") == 1
    assert "in use" in refused.stderr and "Traceback" not in refused.stderr
    assert not os.listdir(tmp_path / "elsewhere")

    made = _bot(env, "backup", str(tmp_path / "elsewhere"), "--json")
    assert made.returncode == 0, made.stderr
    copy = json.loads(made.stdout)["path"]
    assert os.path.dirname(copy) == str(tmp_path / "elsewhere")
    assert _count(copy, "SELECT COUNT(*) FROM items") == items
    assert _count(copy, "SELECT COUNT(*) FROM audit_log WHERE action = 'last-words'") == 1
    assert sorted(os.listdir(tmp_path / "elsewhere")) == [os.path.basename(copy)]
