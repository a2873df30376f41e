"""The search index as production builds it (one segment per ingested issue) against the same
index merged into one segment by store.search_index.merge_segments, measured side by side.

    .venv/bin/python bench/index_merge.py [--archive FILE] [--items 100000] [--queries 2000]

The archive comes from bench/search.py's builder (or `--archive`, e.g. one bench/load.py
--keep built), which writes the whole index in one transaction and optimises it. Here the
same index rows are written again ten at a time, each ten its own transaction, as ingesting
a ten-item issue writes them, into a copy of the archive; FTS5 then keeps them in the
segments its automerge leaves. That copy is measured as ingested, then merged by
`merge_segments` (its time, steps and longest step are printed), on bench/mix.py's queries
with the answer cache off: the FTS5 walk (the newest 201 matches) and the whole search().
Batches of queries alternate between the two files, so a slow minute lands on both.
"""

import argparse
import os
import pathlib
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import load  # noqa: E402  (bench/load.py: the archive builder and the mix)
from store import search_cache, search_index, text  # noqa: E402
from store.db import open_db  # noqa: E402
from store.search import match_expression, parse_query, search  # noqa: E402

COMMANDS = ("更多", "最新", "我的订阅", "部门")
PER_ISSUE = 10  # bench/search.py's issues hold ten items
BATCH = 100  # queries a batch, alternating between the files


def write_issue_by_issue(path):
    """Rewrite `path`'s index PER_ISSUE rows a transaction, oldest first -> segments."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        ddl = conn.execute("SELECT sql FROM sqlite_master WHERE name = 'items_search'").fetchone()[0]
        rows = conn.execute("SELECT rowid, title, body, title_chars, body_chars, department_chars,"
                            " filters, date FROM items_search ORDER BY rowid").fetchall()
        conn.execute("DROP TABLE items_search")
        conn.execute(ddl)
        for start in range(0, len(rows), PER_ISSUE):
            conn.execute("BEGIN")
            conn.executemany("INSERT INTO items_search (rowid, title, body, title_chars, body_chars,"
                             " department_chars, filters, date) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                             rows[start:start + PER_ISSUE])
            conn.execute("COMMIT")
    finally:
        conn.close()


def queries(db_path, count):
    mix = load.MIX.build_mix(db_path, users=1000)
    texts = (mix["texts"][t] for _, t, _ in mix["sequence"])
    return [q for q in texts if q not in COMMANDS and not q.startswith("订阅")][:count]


def walk(db, query):
    expression = match_expression(parse_query(db, query))
    if expression:
        db.execute("SELECT rowid FROM items_search WHERE items_search MATCH ?"
                   " ORDER BY rowid DESC LIMIT 201", [expression]).fetchall()


def measure(dbs, chosen, rounds=3):
    """{name: {"walk": ms, "search": ms}}: per query, the median of `rounds` passes."""
    figures = {name: {"walk": [], "search": []} for name in dbs}
    for _ in range(rounds):
        sums = {name: {"walk": 0.0, "search": 0.0} for name in dbs}
        for start in range(0, len(chosen), BATCH):
            batch = chosen[start:start + BATCH]
            for name, db in dbs.items():
                for kind, function in (("walk", walk), ("search", search)):
                    began = time.perf_counter()
                    for query in batch:
                        function(db, query)
                    sums[name][kind] += time.perf_counter() - began
        for name in dbs:
            for kind in ("walk", "search"):
                figures[name][kind].append(sums[name][kind] / len(chosen) * 1000)
    return {name: {kind: statistics.median(v) for kind, v in kinds.items()}
            for name, kinds in figures.items()}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--archive", help="an archive bench/load.py --keep or bench/search.py "
                                          "--keep built (else one is built)")
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=2000)
    args = parser.parse_args()
    search_cache.configure(0)
    folder = tempfile.mkdtemp(prefix="jianbao-merge-")
    try:
        source = args.archive
        if not source:
            source = os.path.join(folder, "archive.sqlite3")
            load.build_archive(source, args.items)
        ingested = os.path.join(folder, "ingested.sqlite3")
        merged = os.path.join(folder, "merged.sqlite3")
        shutil.copyfile(source, ingested)
        started = time.perf_counter()
        write_issue_by_issue(ingested)
        print(f"index rewritten {PER_ISSUE} rows a transaction in "
              f"{time.perf_counter() - started:.0f} s")
        shutil.copyfile(ingested, merged)
        text.warm_up()
        dbs = {"as ingested": open_db(ingested, migrate=False),
               "merged": open_db(merged, migrate=False)}
        before = search_index.segments(dbs["merged"])
        steps, longest, started = 0, 0.0, time.perf_counter()
        while True:
            step = time.perf_counter()
            done = search_index.merge_segments(dbs["merged"], seconds=0)
            longest, steps = max(longest, time.perf_counter() - step), steps + 1
            if done:
                break
        print(f"merge_segments: {before} segments -> {search_index.segments(dbs['merged'])} in "
              f"{time.perf_counter() - started:.1f} s, {steps} steps of {search_index.MERGE_PAGES}"
              f" pages, the longest {longest * 1000:.0f} ms")
        chosen = queries(source, args.queries)
        for db in dbs.values():  # warm both page caches alike
            for query in chosen[:300]:
                search(db, query)
        figures = measure(dbs, chosen)
        print(f"{len(chosen)} mix queries, cache off, load average {os.getloadavg()[0]:.1f}")
        print(f"{'index':<14}{'segments':>9}{'walk ms':>9}{'search ms':>11}")
        for name, db in dbs.items():
            print(f"{name:<14}{search_index.segments(db):>9}{figures[name]['walk']:>9.3f}"
                  f"{figures[name]['search']:>11.3f}")
        ratio = figures["as ingested"]["walk"] / figures["merged"]["walk"]
        print(f"the walk as ingested costs {ratio:.1f}x the merged one's")
        for db in dbs.values():
            db.conn.close()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
