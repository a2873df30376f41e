"""Production serving with several processes: gunicorn workers starting together on a fresh
instance, and the push worker beside them — real processes, loopback only.

    pytest tests/test_processes.py

Covers what the threads-in-one-process tests cannot: concurrent migrations and instance-secret
creation at start-up, and the whole publish -> push -> deliver path under `gunicorn -w 2` with
`python bot.py worker` as its own process.
"""

import multiprocessing
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time

import pytest
import requests

from fixtures_chat import signed_args, text_xml, webhook_headers

pytestmark = pytest.mark.slow  # gunicorn and worker processes

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GUNICORN = os.path.join(os.path.dirname(sys.executable), "gunicorn")


def _open_together(path, barrier, queue):
    sys.path.insert(0, ROOT)
    from store.db import open_db

    barrier.wait(60)  # every process imported: now all open the file at once
    try:
        open_db(path).conn.close()
        queue.put("ok")
    except Exception as error:  # reported to the test, which fails with it
        queue.put(f"{type(error).__name__}: {error}")


@pytest.mark.parametrize("round_", range(3))
def test_processes_opening_a_fresh_database_together_migrate_it_once(tmp_path, round_):
    path = str(tmp_path / "fresh.sqlite3")
    context = multiprocessing.get_context("spawn")
    queue, barrier = context.Queue(), context.Barrier(6)
    procs = [context.Process(target=_open_together, args=(path, barrier, queue))
             for _ in range(6)]
    for proc in procs:
        proc.start()
    results = [queue.get(timeout=60) for _ in procs]
    for proc in procs:
        proc.join(30)
    assert results == ["ok"] * 6
    conn = sqlite3.connect(path)
    names = [row[0] for row in conn.execute("SELECT name FROM _sqlite_migrations")]
    conn.close()
    assert len(names) == len(set(names)) and "m001_core" in names


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def production_env(instance, **extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "WECHAT_", "WECOM_"))}
    env.update(BOT_INSTANCE_PATH=str(instance), BOT_CHANNEL="sandbox", WECHAT_TOKEN="test-token",
               BOT_PUBLISH_SECRET="test-publish-secret", BOT_INPROCESS_WORKER="0",
               BOT_LOG_LEVEL="WARNING", BOT_RETRY_BASE_SECONDS="0.05", **extra)
    return env


def wait_until(predicate, timeout=30.0):
    """True once `predicate()` is, within `timeout` seconds; a server not listening yet or too
    busy to answer in the predicate's own timeout (a loaded machine, while its workers start)
    is asked again."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if predicate():
                return True
        except (requests.ConnectionError, requests.Timeout):
            pass
        time.sleep(0.1)
    return False


@pytest.fixture
def gunicorn(tmp_path):
    """`gunicorn -w 2 'bot:create_app()'` on a fresh instance folder, as docs/operations.md says."""
    port = free_port()
    env = production_env(tmp_path / "instance")
    log = open(tmp_path / "gunicorn.log", "w+")
    proc = subprocess.Popen([GUNICORN, "-w", "2", "-b", f"127.0.0.1:{port}", "bot:create_app()"],
                            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    echo = lambda: requests.get(base + "/wechat", params=dict(signed_args(), echostr="up"),
                                timeout=5).text == "up"
    if not wait_until(echo):
        proc.kill()
        log.seek(0)
        pytest.fail("gunicorn did not come up:\n" + log.read())
    yield {"base": base, "env": env, "log": log, "proc": proc,
           "db": str(tmp_path / "instance" / "jianbao.sqlite3")}
    proc.send_signal(signal.SIGTERM)
    proc.wait(20)
    log.close()


def test_gunicorn_two_workers_and_a_worker_process_publish_push_and_answer(gunicorn, tmp_path,
                                                                             sample_path):
    base, env = gunicorn["base"], gunicorn["env"]
    # the roster: three cadres, bound through the chat as WeChat would send it
    roster = tmp_path / "roster.csv"
    roster.write_text("name,department,mobile,userid,subscriptions\n"
                      "张三,区审计局,13800000001,,全部\n李四,峡窝镇,13800000002,,峡窝镇\n"
                      "王五,区农委,13800000003,,区农委\n", encoding="utf-8")
    cli = [sys.executable, "bot.py"]
    subprocess.run(cli + ["roster", "import", str(roster)], cwd=ROOT, env=env, check=True,
                   capture_output=True)
    invite = subprocess.run(cli + ["roster", "invite", "--json"], cwd=ROOT, env=env, check=True,
                            capture_output=True, text=True)
    import json
    codes = {row["name"]: row["code"] for row in json.loads(invite.stdout)}
    users = {"张三": "o_zhang", "李四": "o_li", "王五": "o_wang"}
    for n, (name, user) in enumerate(users.items()):
        reply = requests.post(base + "/wechat", params=signed_args(),
                              data=text_xml(user, f"绑定 {codes[name]}", 500 + n).encode(),
                              timeout=10).text
        assert "绑定成功" in reply, reply

    worker = subprocess.Popen(cli + ["worker"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE)
    try:
        body = sample_path.read_bytes()
        created = requests.post(base + "/api/issues?push=1", data=body, timeout=60,
                                headers={"Content-Type": "text/plain",
                                         **webhook_headers("POST", "/api/issues?push=1", body)})
        assert created.status_code == 201, created.text
        issue_id = created.json()["id"]
        deliveries = lambda: requests.get(
            f"{base}/api/issues/{issue_id}/deliveries", timeout=10,
            headers=webhook_headers("GET", f"/api/issues/{issue_id}/deliveries")).json()
        assert wait_until(lambda: deliveries()["counts"].get("pending", 0) == 0
                          and deliveries()["counts"].get("sent", 0) == 3), deliveries()
    finally:
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(20) == 0, worker.stderr.read().decode()

    conn = sqlite3.connect(gunicorn["db"])
    inbox = [row[0] for row in conn.execute("SELECT recipient FROM sandbox_inbox")]
    conn.close()
    assert sorted(inbox) == sorted(users.values())  # each cadre once
    # queries answered by both gunicorn workers, concurrently
    from concurrent.futures import ThreadPoolExecutor

    def ask(n):
        return requests.post(base + "/wechat", params=signed_args(),
                             data=text_xml("o_zhang", "项目", 9000 + n).encode(), timeout=10)
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(ask, range(16)))
    assert all(a.status_code == 200 and "找到" in a.text for a in answers)
    gunicorn["log"].seek(0)
    assert "Traceback" not in gunicorn["log"].read()
