"""Search latency on a 100k-item archive: jieba FTS5 (store.search) vs a LIKE scan.

    .venv/bin/python bench/search.py [--items 100000] [--repeat 20] [--keep FILE] [--follower]

Builds the archive in a temporary SQLite file by multiplying the real items (the sample
issue and the parser fixtures): weekly issues back from 2021, departments rotated over
thirty names, bodies varied by dropping and borrowing sentences. The index rows are the
ones the store's triggers write (jieba is cached per sentence to build faster).
Issues are 公开 or 内部 as an office marks them: one in three 公开 (every seventh item of those
内部 on its own), the others 内部 with every fifth item 公开 (store/levels.py).
Prints p50/p95 per query and overall, and the ratio against `LIKE '%…%'`; `--follower`
measures the same queries again as a follower under BOT_OPEN_ACCESS (公开 items only). Every search is
made afresh: the per-process answer cache (subscriptions/search_cache.py) is off unless
`--cache` asks for it, which measures answers served from the cache instead.
"""

import argparse
import datetime
import functools
import glob
import os
import pathlib
import random
import re
import statistics
import sys
import shutil
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import bulletin  # noqa: E402
from store import search_cache, search_index  # noqa: E402
from store.transaction import write  # noqa: E402
from store import text  # noqa: E402
from store.db import open_db  # noqa: E402
from store.departments import learn  # noqa: E402
from store.search import search  # noqa: E402

QUERIES = ["项", "疫", "审计", "项目", "疫情", "督查", "宣传", "党员", "法治", "营商环境",
           "重大项目", "就地过年", "峡窝镇 疫情", "2021年1月 项目", "2019-03 宣传", "审计 2020年"]
DEPARTMENTS = ["区审计局", "区督查局", "区人社局", "工业路街道", "峡窝镇", "区资源规划局", "区农委",
               "区委组织部", "区委宣传部", "区发改委", "区财政局", "区教育局", "区卫健委", "区民政局",
               "区住建局", "区城管局", "区应急管理局", "区市场监管局", "区生态环境分局", "区文广旅局",
               "区科工信局", "区商务局", "区统计局", "区司法局", "区信访局", "区退役军人事务局",
               "济源路街道", "中心路街道", "新安路街道", "矿山街道"]


def real_items():
    """Items of the sample issue and of every parser fixture that parses."""
    paths = sorted(pathlib.Path(p) for p in glob.glob(str(ROOT / "tests" / "fixtures" / "*")))
    items, seen = [], set()
    for path in paths:
        try:
            issue = bulletin.parse_file(str(path))
        except Exception:  # noqa: BLE001 - fixtures include deliberately broken files
            continue
        for item in issue.items:
            if item.title and (item.title, item.body) not in seen:
                seen.add((item.title, item.body))
                items.append(item)
    return items


def sentences(body):
    return [s for s in re.split(r"(?<=[。！？；])", body) if s]


@functools.lru_cache(maxsize=None)
def sentence_words(sentence):
    return tuple(text.words(sentence))


def cached_words(value):
    return [w for s in sentences(value) for w in sentence_words(s)]


def build(db, count, rng):
    items = real_items()
    search_index.words = cached_words  # same output as jieba on the whole text, much faster
    department_ids = [learn(db, name) for name in DEPARTMENTS]
    per_issue = 10
    day = datetime.date(2021, 6, 30)
    rows_items = []
    with write(db):
        for n in range(0, count, per_issue):
            date = (day - datetime.timedelta(days=7 * (n // per_issue) % 3650)).isoformat()
            # pushed, as an office's archive is; the newest awaits approval (its items carry
            # the index's `held` token, so chat searches walk a real one, as they will)
            state = "pending" if n == 0 else "pushed"
            level = "公开" if n // per_issue % 3 == 0 else "内部"
            issue_id = db.execute("INSERT INTO issues (content_hash, issuer, date, source,"
                                  " review_state, level) VALUES (?, '中共上街区委办公室', ?,"
                                  " 'bench', ?, ?)", [f"bench{n}", date, state, level]).lastrowid
            for seq in range(1, min(per_issue, count - n) + 1):
                item = rng.choice(items)
                parts = sentences(item.body)
                if len(parts) > 2:
                    parts = [p for p in parts if rng.random() > 0.2] or parts[:1]
                parts.append(rng.choice(sentences(rng.choice(items).body) or [""]))
                body = "".join(parts)
                department_index = rng.randrange(len(DEPARTMENTS))
                item_id = n + seq
                own = ("内部" if level == "公开" and seq % 7 == 0 else
                       "公开" if level == "内部" and seq % 5 == 0 else None)
                rows_items.append((item_id, issue_id, seq, item.kind, item.title, body,
                                   DEPARTMENTS[department_index], department_ids[department_index],
                                   own))
        db.conn.executemany("INSERT INTO items (id, issue_id, seq, kind, title, body, department, "
                            "department_id, level) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows_items)
    with write(db):
        db.execute("INSERT INTO items_search(items_search) VALUES ('optimize')")
    return len(items)


def like_scan(db, query):
    """The naive answer: every word as LIKE '%word%' on title or body, count + first page."""
    words = query.split()
    where = " AND ".join("(i.title LIKE ? OR i.body LIKE ?)" for _ in words)
    params = [f"%{w}%" for w in words for _ in (0, 1)]
    db.execute(f"SELECT COUNT(*) FROM items i WHERE {where}", params).fetchone()
    db.execute(f"SELECT i.id FROM items i JOIN issues s ON s.id = i.issue_id WHERE {where} "
               "ORDER BY s.date DESC LIMIT 5", params).fetchall()


def timed(function, repeat):
    """Wall-clock and CPU milliseconds per call (CPU time is what contention cannot inflate)."""
    wall, cpu = [], []
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        function()
        wall.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    return wall, cpu


def pct(samples, p):
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--keep", help="keep the archive in this file")
    parser.add_argument("--follower", action="store_true",
                        help="measure the queries a second time as a follower (公开 items only)")
    parser.add_argument("--cache", action="store_true",
                        help="keep the search answer cache on (measures cached answers)")
    args = parser.parse_args()
    search_cache.configure(512 if args.cache else 0)
    folder = tempfile.mkdtemp(prefix="jianbao-bench-")
    try:  # the 100k archive is ~330 MB: never leave it behind unless --keep asks for it
        measure(args, args.keep or os.path.join(folder, "archive.sqlite3"))
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def measure(args, path):
    for suffix in ("", "-wal", "-shm"):  # always a fresh archive
        if os.path.exists(path + suffix):
            os.remove(path + suffix)
    db = open_db(path)
    text.warm_up()
    start = time.perf_counter()
    sources = build(db, args.items, random.Random(7))
    built = time.perf_counter() - start
    size = os.path.getsize(path) / 1e6
    print(f"archive: {args.items} items from {sources} real items, built in {built:.1f} s, "
          f"{size:.0f} MB ({path})")
    print(f"load average at start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs; answer "
          f"cache {'on' if args.cache else 'off: every search made afresh'}")
    for public_only in (False, True) if args.follower else (False,):
        print("as a follower (公开 items only):" if public_only else "as a roster cadre:")
        table(db, args, public_only)


def table(db, args, public_only):
    print(f"{'query':<16}{'hits':>6}{'p50 ms':>8}{'p95 ms':>8}{'cpu p50':>9}{'cpu p95':>9}"
          f"{'LIKE p50':>10}{'ratio':>7}")
    wall_all, cpu_all, like_all = [], [], []
    for query in QUERIES:
        search(db, query, public_only=public_only)  # warm the page cache
        result = search(db, query, public_only=public_only)
        wall, cpu = timed(lambda: search(db, query, public_only=public_only), args.repeat)
        plain = re.sub(r"\d{4}(年\d*月?|-\d+)", "", query).strip() or query
        like, _ = timed(lambda: like_scan(db, plain), max(3, args.repeat // 5))
        wall_all += wall
        cpu_all += cpu
        like_all += like
        total = f"{result.total}{'' if result.total_exact else '+'}"
        print(f"{query:<16}{total:>6}{pct(wall, 50):>8.2f}{pct(wall, 95):>8.2f}{pct(cpu, 50):>9.2f}"
              f"{pct(cpu, 95):>9.2f}{pct(like, 50):>10.1f}{pct(like, 50) / pct(wall, 50):>6.0f}x")
    like_median = statistics.median(like_all)
    print(f"{'all queries':<22}{pct(wall_all, 50):>8.2f}{pct(wall_all, 95):>8.2f}"
          f"{pct(cpu_all, 50):>9.2f}{pct(cpu_all, 95):>9.2f}{like_median:>10.1f}"
          f"{like_median / pct(wall_all, 50):>6.0f}x")
    print(f"load average at end: {os.getloadavg()[0]:.1f}")
    verdict = "met" if pct(wall_all, 95) <= 10 else "NOT met (wall clock)"
    print(f"target p95 <= 10 ms: {verdict}; CPU p95 {pct(cpu_all, 95):.2f} ms")


if __name__ == "__main__":
    main()
