"""Push benchmark: 10,000 cadres over 20 departments, the fake WeCom server at 20 ms a call.

    .venv/bin/python bench/push.py [--cadres 10000] [--latency 0.02] [--workers 4] [--seed 1]

Prints planning time, sending wall time, API calls made, the floor (sum over distinct payload
groups of ⌈group size / 1000⌉), and the ratios against one call per cadre. Every cadre must
end with exactly one delivery per message part (checked against the fake server's record).
"""

import argparse
import math
import os
import random
import sys
import shutil
import tempfile
import threading
import time
from collections import Counter

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[:0] = [ROOT, os.path.join(ROOT, "tests")]

DEPARTMENTS = [f"区第{n}局" for n in range(1, 21)]


def build(db, cadres, seed):
    """An issue with a lead and one item for each of 10 departments; random subscriptions."""
    from bulletin.model import Issue, Item
    from store.departments import learn
    from store.issues import save_issue

    rng = random.Random(seed)
    ids = [learn(db, name) for name in DEPARTMENTS]
    items = [Item(1, "lead", "全区重大项目集中开工", "全区重大项目集中开工。项目总投资一百亿元。", None)]
    for n, name in enumerate(rng.sample(DEPARTMENTS, 10), 2):
        items.append(Item(n, "brief", f"{name}推进重点工作", f"{name}召开会议，部署重点工作。", name))
    issue_id, _ = save_issue(db, Issue("中共某区委办公室", "2021-01-06", "第1期", items))
    rows, subs = [], []
    for n in range(1, cadres + 1):
        everything = rng.random() < 0.05
        rows.append({"id": n, "name": f"干部{n}", "userid": f"u{n}", "subscribe_all": int(everything),
                     "bound_at": "2021-01-01T00:00:00Z"})
        if not everything:
            subs += [{"cadre_id": n, "department_id": d} for d in rng.sample(ids, rng.randint(1, 3))]
    db["cadres"].insert_all(rows, batch_size=1000)
    db["subscriptions"].insert_all(subs, batch_size=1000)
    return issue_id


def indexed_fake():
    """The test suite's FakeWeChat, with its per-member bookkeeping indexed by member.

    `FakeWeChat._deliver_work` scans every message ever recorded for each delivery (fine for
    tests, O(n²) for 10,000 members: ~20 s of fake-server time). Same rules here — duplicate
    check by content within the interval, 30/min and 1,000/h per member — per member only."""
    from fakewechat import FakeWeChat

    class IndexedFake(FakeWeChat):
        def __init__(self):
            super().__init__()
            self.by_user = {}

        def _deliver_work(self, user, data):
            import json
            now = time.time()
            content = json.dumps({k: data[k] for k in (data["msgtype"],) if k in data},
                                 sort_keys=True, ensure_ascii=False)
            mine = self.by_user.setdefault(user, [])
            if data.get("enable_duplicate_check"):
                window = int(data.get("duplicate_check_interval") or 1800)
                if any(m["content"] == content and now - m["at"] < window for m in mine):
                    self.duplicates.append({"touser": user, "body": data})
                    return
            if (sum(now - m["at"] < 60 for m in mine) >= 30
                    or sum(now - m["at"] < 3600 for m in mine) >= 1000):
                self.dropped.append({"touser": user, "body": data, "at": now})
                return
            self._record("work", user, data["msgtype"], data, content)
            mine.append(self.messages[-1])

    return IndexedFake()


def run_fake(conn, members, latency):
    """Child process: serve the fake WeCom API; answer "report" with what it recorded."""
    from fakewechat import serve

    fake, server = serve(indexed_fake())
    fake.add_members(members)
    fake.latency = latency
    conn.send((fake.base, fake.corp_id, fake.corp_secret, fake.agent_id))
    conn.recv()  # "report"
    conn.send((fake.calls["message/send"], dict(fake.delivered()), len(fake.duplicates)))
    server.shutdown()


def start_fake(members, latency):
    """The fake server in its own process, so its CPU does not share our GIL (as in real life)."""
    import multiprocessing

    ours, theirs = multiprocessing.Pipe()
    process = multiprocessing.get_context("fork").Process(
        target=run_fake, args=(theirs, members, latency), daemon=True)
    process.start()
    base, corp_id, secret, agent_id = ours.recv()
    config = {"BOT_CHANNEL": "work", "BOT_HTTP_TIMEOUT": 5.0, "WECOM_CORP_ID": corp_id,
              "WECOM_SECRET": secret, "WECOM_AGENT_ID": str(agent_id), "WECOM_TOKEN": "t",
              "WECOM_ENCODING_AES_KEY": "a" * 43, "WECOM_API_BASE": base}
    return config, ours, process


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cadres", type=int, default=10_000)
    parser.add_argument("--latency", type=float, default=0.02)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--rate", type=float, default=150.0,
                        help="BOT_SEND_RATE (WeCom allows 10,000 calls/min per enterprise)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    from bot import create_app
    from push import publish, status
    from push.worker import run_until_idle
    from store.db import open_db

    fake_config, fake, process = start_fake([f"u{n}" for n in range(1, args.cadres + 1)],
                                            args.latency)
    tmp = tempfile.mkdtemp(prefix="jianbao-bench-")
    app = create_app({**fake_config, "BOT_DATABASE": os.path.join(tmp, "b.sqlite3"),
                      "INSTANCE_PATH": tmp, "BOT_SECRET_KEY": "bench-secret-0123456789", "BOT_INPROCESS_WORKER": False,
                      "BOT_SEND_RATE": args.rate, "BOT_LOG_LEVEL": "WARNING"})
    path = app.config["DATABASE_PATH"]
    db = open_db(path)
    issue_id = build(db, args.cadres, args.seed)

    started = time.perf_counter()
    queued = publish.push_issue(db, issue_id, app.config, path)
    planned = time.perf_counter() - started
    payloads = Counter(tuple(r) for r in db.execute(
        "SELECT o.group_key, d.part FROM deliveries d JOIN outbox o ON o.id = d.outbox_id").fetchall())
    groups = {group for group, _ in payloads}
    floor = sum(math.ceil(size / 1000) for size in payloads.values())  # per distinct payload

    started = time.perf_counter()
    threads = [threading.Thread(target=run_until_idle, args=(path, app.config))
               for _ in range(args.workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started

    fake.send("report")
    calls, delivered, duplicates = fake.recv()
    process.join(10)
    summary = status.summary(db, issue_id)
    per_cadre_wall = args.cadres * args.latency
    parts = Counter(r[0] for r in db.execute("SELECT recipient FROM deliveries").fetchall())
    exact = delivered == parts and len(parts) == args.cadres
    print(f"cadres: {args.cadres}, departments: {len(DEPARTMENTS)}, latency: {args.latency * 1000:.0f} ms/call,"
          f" workers: {args.workers}, BOT_SEND_RATE: {args.rate:g}")
    print(f"planned: {queued['queued']} deliveries, {len(groups)} item sets,"
          f" {len(payloads)} distinct payloads, in {planned:.2f} s")
    print(f"sent: {summary['sent']}, failed: {summary['failed']}, pending: {summary['pending']};"
          f" exactly once per cadre: {exact} (duplicates refused by the server: {duplicates})")
    print(f"API calls: {calls}; floor: {floor}; calls / floor: {calls / floor:.2f} (target <= 1.2)")
    print(f"one call per cadre: {args.cadres} calls, {per_cadre_wall:.0f} s at {args.latency * 1000:.0f} ms;"
          f" call ratio: {args.cadres / calls:.0f}x")
    print(f"send wall time: {wall:.2f} s; speed-up vs one call per cadre: {per_cadre_wall / wall:.0f}x"
          f" (target >= 50x); plan + send: {planned + wall:.2f} s")
    db.conn.close()
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
