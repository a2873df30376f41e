"""Soak: the load of bench/load.py for a bounded time, printing the memory (RSS) of the
gunicorn workers as it goes, and the growth from the first slice to the last.

    .venv/bin/python bench/soak.py [--seconds 300] [--slice 30] [--items 100000] [--connections 32]
                                   [--archive FILE]   # an archive bench/load.py --keep built

Same archive, same server (`gunicorn -c deploy/gunicorn.conf.py -w 2 'bot:create_app()'`, as
production starts it, search cache on), same traffic as bench/load.py: its realistic mix (1,000 cadres, Zipf over 2,400
queries from the archive, commands, retries), each slice continuing the mix's cycle, every
answer checked. Each slice prints req/s, p99, errors and the RSS of every worker; growth
that keeps climbing slice after slice is a leak, a first-slice rise that then levels off is
caches warming (jieba, SQLite page cache, the search answers and the archive's memo).
"""

import argparse
import importlib.util
import pathlib
import shutil
import subprocess
import tempfile

ROOT = pathlib.Path(__file__).resolve().parent.parent


def load_bench():
    spec = importlib.util.spec_from_file_location("bench_load", ROOT / "bench" / "load.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def rss_mb(pid):
    """Resident memory of `pid` in MB (from /proc), or 0 if it is gone."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def workers_of(pid):
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True)
    return sorted(int(p) for p in out.stdout.split())


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=300)
    parser.add_argument("--slice", type=int, default=30)
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--archive", help="copy this archive instead of building one")
    args = parser.parse_args()
    load = load_bench()
    folder = tempfile.mkdtemp(prefix="jianbao-soak-")
    instance = pathlib.Path(folder) / "instance"
    database = instance / "jianbao.sqlite3"
    if args.archive:
        instance.mkdir(parents=True)
        shutil.copyfile(args.archive, database)
        built = 0.0
    else:
        built = load.build_archive(str(database), args.items, load.MIX_USERS)
    mix = load.MIX.build_mix(str(database), users=len(load.MIX_USERS))
    print(f"archive: {args.items} items, built in {built:.1f} s; soak {args.seconds} s in "
          f"{args.slice} s slices at {args.connections} connections")
    env = dict(load.base_env(), BOT_INSTANCE_PATH=str(instance), BOT_CHANNEL="sandbox",
               WECHAT_TOKEN=load.TOKEN, BOT_INPROCESS_WORKER="0", BOT_LOG_LEVEL="WARNING",
               BOT_SECRET_KEY="bench-secret-0123456789", BOT_QUERY_LIMIT="100000000")
    args.extra = [*load.PRODUCTION, "bot:create_app()"]
    with open(pathlib.Path(folder) / "jianbao.log", "w") as log:
        proc, port = load.start_server(args, env, log)
        try:
            load.warm(port)
            workers = workers_of(proc.pid)
            start = {pid: rss_mb(pid) for pid in workers}
            print(f"{'t s':>5}{'req/s':>8}{'p99 ms':>8}{'errors':>8}  RSS MB per worker "
                  f"(after warm-up: {', '.join(f'{v:.0f}' for v in start.values())})")
            elapsed, rows, errors, requests, retries = 0, [], 0, 0, 0
            while elapsed < args.seconds:
                step = min(args.slice, args.seconds - elapsed)
                result = load.run_wrk_mix(port, step, args.connections, 2, folder, mix,
                                          start=requests)
                retries += result["retries"]
                elapsed += step
                now = {pid: rss_mb(pid) for pid in workers}
                rows.append(now)
                errors += result["errors"]
                requests += result["requests"]
                print(f"{elapsed:>5}{result['rps']:>8.0f}{result['p99_ms']:>8.1f}"
                      f"{result['errors']:>8}  " + ", ".join(f"{v:.0f}" for v in now.values()))
            if workers_of(proc.pid) != workers:
                print("NOTE: gunicorn replaced a worker during the soak")
            first, last = rows[0], rows[-1]
            growth = {pid: last[pid] - start[pid] for pid in workers}
            after_first = {pid: last[pid] - first[pid] for pid in workers}
            print("RSS growth since warm-up: " + ", ".join(f"{g:+.1f} MB" for g in growth.values())
                  + ";  since the first slice: "
                  + ", ".join(f"{g:+.1f} MB" for g in after_first.values())
                  + f";  errors in total: {errors}")
        finally:
            load.stop_server(proc)
    handled = load.distinct_messages(instance / "jianbao.sqlite3")
    print(f"distinct messages answered: {handled} of {requests} requests ({retries} of them "
          "WeChat's retries, answered from the retry memory) + 200 warm-up")
    shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
