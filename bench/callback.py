"""Load on POST /wechat over loopback: requests/s and latency percentiles, with a big archive.

    .venv/bin/python bench/callback.py                      # 100k items, 8 clients, 15 s
    .venv/bin/python bench/callback.py --items 20000 --seconds 5 --clients 16

A real server (gunicorn with sync workers, as the README runs it in production; `--threads N`
for gthread workers) serves a database holding an archive of `--items` items; bound
cadres send signed plain-mode messages (keyword queries,
更多, 部门, 最新, 帮助, retries) from `--clients` threads for `--seconds`. Prints requests/s,
p50/p95/p99 latency and error counts. The archive is built once and kept (see --archive):
bench/search.py's builder (the store engineer's) when it exists, else the test fixtures'
sample issue re-dated through `save_issue`.
"""

import argparse
import itertools
import os
import pathlib
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

import requests

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from fixtures_chat import signed_args, text_xml  # noqa: E402  (the tests' XML helpers)
from store.db import open_db  # noqa: E402

TOKEN = "bench-token"
QUERIES = ["项目", "疫情", "审计", "项", "峡窝镇 疫情", "2021-01 项目", "防控", "督查", "工资",
           "疫苗接种", "营商环境", "新基建", "更多", "部门", "最新", "帮助", "我的订阅"]


def build_archive(path, items):
    """A database with `items` items (kept at `path` for the next run).

    Uses bench/search.py's builder (the real items multiplied, indexed as the store
    indexes them) when it is there; else stores the test fixtures' sample issue, re-dated,
    through `save_issue` (slower: minutes for 100k items).
    """
    db = open_db(str(path))
    try:
        from bench.search import build as store_builder
    except ImportError:
        store_builder = None
    if store_builder is not None:
        store_builder(db, items, random.Random(7))
        db.conn.close()
        return "bench/search.py"
    from fixtures_chat import ITEMS, sample_issue
    from store import review
    from store.issues import save_issue

    for n in range(items // len(ITEMS)):
        date = f"{2010 + n % 12}-{1 + n % 12:02d}-{1 + n % 28:02d}"
        issue_id, _ = save_issue(db, sample_issue(date=date, number=f"第{n + 1}期"),
                                 source=f"bench-{n}")
        review.approve(db, issue_id, "bench")  # cadres search approved or pushed issues only
    db.conn.close()
    return "fixtures_chat + save_issue"


def enrol_cadres(path, count):
    """`count` cadres bound to openids bench-0 … (through the store's binding functions)."""
    from store import binding
    from subscriptions import roster_csv

    db = open_db(str(path))
    csv_path = pathlib.Path(path).with_suffix(".roster.csv")
    lines = ["name,department,mobile,userid,subscriptions"]
    lines += [f"干部{n},区审计局,139{n:08d},," for n in range(count)]
    csv_path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    roster_csv.import_roster(db, str(csv_path))
    for n, invitation in enumerate(binding.invite(db)):
        binding.bind(db, invitation["code"], openid=f"bench-{n}")
    db.conn.close()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(database, port, workers, threads):
    env = dict(os.environ, BOT_DATABASE=str(database), BOT_CHANNEL="sandbox",
               WECHAT_TOKEN=TOKEN, BOT_INPROCESS_WORKER="0", BOT_LOG_LEVEL="WARNING",
               BOT_SECRET_KEY="bench-secret-0123456789", BOT_INSTANCE_PATH=str(pathlib.Path(database).parent))
    kind = ["-k", "gthread", "--threads", str(threads)] if threads > 1 else []
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-w", str(workers), *kind, "-b", f"127.0.0.1:{port}",
         "--log-level", "warning", "bot:create_app()"],
        cwd=ROOT, env=env)
    deadline = time.time() + 60
    while time.time() < deadline and server.poll() is None:
        try:
            requests.get(f"http://127.0.0.1:{port}/bench-probe", timeout=5)  # any answer will do
            return server
        except requests.RequestException:
            time.sleep(0.2)
    server.kill()
    server.wait(15)
    raise SystemExit("the server did not start within 60 s")


def load(url, clients, seconds, users):
    """Post messages from `clients` threads for `seconds`; returns (latencies, errors)."""
    latencies, errors, lock = [], [], threading.Lock()
    ids = itertools.count(1)
    stop = time.time() + seconds

    def client(number):
        session = requests.Session()
        rng = random.Random(number)
        last = None
        while time.time() < stop:
            if last is not None and rng.random() < 0.05:
                xml = last  # a WeChat retry: same MsgId again
            else:
                xml = text_xml(f"bench-{rng.randrange(users)}", rng.choice(QUERIES), next(ids))
            last = xml
            started = time.perf_counter()
            try:
                response = session.post(url, params=signed_args(token=TOKEN), timeout=10,
                                        data=xml.encode("utf-8"))
                ok = response.status_code == 200 and "<xml>" in response.text
            except requests.RequestException:
                ok = False
            took = time.perf_counter() - started
            with lock:
                (latencies if ok else errors).append(took)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, errors


def run_load(archive, work, args):
    """Copy the archive into `work`, bind cadres, serve it, load it: (latencies, errors)."""
    database = work / "jianbao.sqlite3"
    database.write_bytes(archive.read_bytes())  # each run starts from the same archive
    enrol_cadres(database, args.users)
    port = free_port()
    server = start_server(database, port, args.workers, args.threads)
    try:
        url = f"http://127.0.0.1:{port}/wechat"
        load(url, 2, 2, args.users)  # warm up (jieba, caches)
        return load(url, args.clients, args.seconds, args.users)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(15)


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else 0.0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=1, help="over 1: gthread workers")
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument("--archive", default=None,
                        help="archive file to build once and reuse "
                             "(default: $TMPDIR/jianbao-bench-<items>-r21.sqlite3)")
    args = parser.parse_args()

    archive = pathlib.Path(args.archive or pathlib.Path(tempfile.gettempdir())
                           / f"jianbao-bench-{args.items}-r21.sqlite3")  # r21: one built before
    # stop 21 holds every issue 待审核, so chat would find nothing in it
    if not archive.exists():
        started = time.time()
        print(f"building an archive of {args.items} items at {archive} …", flush=True)
        partial = archive.with_suffix(".partial")
        for leftover in partial.parent.glob(partial.name + "*"):
            leftover.unlink()
        how = build_archive(partial, args.items)
        partial.rename(archive)
        print(f"archive built with {how} in {time.time() - started:.0f} s", flush=True)
    work = pathlib.Path(tempfile.mkdtemp(prefix="jianbao-bench-callback-"))
    try:
        latencies, errors = run_load(archive, work, args)
    finally:
        shutil.rmtree(work, ignore_errors=True)  # the copy; the archive itself is kept
    count = len(latencies)
    kind = f"gthread x {args.threads} threads" if args.threads > 1 else "sync"
    print(f"archive: {args.items} items; server: gunicorn {args.workers} workers ({kind}); "
          f"{args.clients} clients for {args.seconds:.0f} s on loopback")
    print(f"requests: {count} ok, {len(errors)} failed; {count / args.seconds:.1f} requests/s")
    print(f"latency ms: p50 {percentile(latencies, 0.50) * 1000:.1f}  "
          f"p95 {percentile(latencies, 0.95) * 1000:.1f}  "
          f"p99 {percentile(latencies, 0.99) * 1000:.1f}  "
          f"max {max(latencies, default=0) * 1000:.1f}")


if __name__ == "__main__":
    main()
