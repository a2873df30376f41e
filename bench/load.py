"""Load: Jianbao under gunicorn (2 workers) answering a realistic chat mix on a 100k-item
archive, with the search cache on (as in production) and off, against the floor
(bench/floor_app.py) under the same load, all in one run. The same echo without Flask
(`floor_app:create_raw_app()`) is measured beside them, for comparison only: Jianbao answers
/wechat in front of Flask since stop 19, while the targets are on the Flask floor.

    .venv/bin/python bench/load.py [--items 100000] [--seconds 10] [--rounds 3] [--connections 32]

Builds the archive with bench/search.py's builder, binds 1,000 cadres, and drives each server
with wrk (Debian's /usr/bin/wrk) and a Lua script replaying bench/mix.py's mix: 1,000 users,
queries drawn by a Zipf law (s = 1.1) over 2,400 distinct ones taken from the archive's own
words and department names, ~20 % commands (更多, 最新, 我的订阅, 部门, 订阅 …) and 5 % WeChat
retries (the same message again, answered from the retry memory); every other message has a
new MsgId. Every answer is checked: a 200 without a text reply, or with the "something went
wrong" apology, counts as an error. The per-user query limit stays on (set very high, so its
bookkeeping write is measured but never refuses).

The servers run side by side on copies of one archive and are measured in rotating
rounds, so a slow minute on a shared machine lands on all of them rather than on one; the
verdict is on the medians of the rounds, and every round is printed. Each server first
answers `--warmup` seconds of the mix, unmeasured: a production server has been answering for
hours since the last publish emptied its answer cache (until stop 17 only 200 fixed messages
warmed it). Each round then continues the mix's 40,000-message cycle where that server's
last round stopped, so no measured message is one it answered before (until stop 17 every
round replayed the same opening messages, and later rounds found their answers cached far
more often than continuing traffic would). The archive's search index is one merged segment,
as the worker keeps production's (bench/index_merge.py measures one written issue by issue).
The archive is flushed to disk (sync) before the first round. Targets: cache on >= 50 % of
the floor's req/s, cache off >= 35 %, p99 <= 50 ms, zero errors.
"""

import argparse
import importlib.util
import json
import os
import pathlib
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from wechatpy.utils import WeChatSigner  # noqa: E402

import config as settings  # noqa: E402

TOKEN = "bench-token"
USERS = [f"o_bench_{n:03d}" for n in range(64)]
QUERIES = ["疫情", "项目", "审计", "重大项目", "督查", "宣传", "督查 疫情", "营商环境", "党员",
           "2021年1月 项目", "法治", "防控"]
GUNICORN = str(pathlib.Path(sys.executable).parent / "gunicorn")
# Jianbao's servers start as production does (deploy/gunicorn.conf.py: the app built and
# jieba loaded in the master before the fork); -w and -b on the command line override it.
PRODUCTION = ["-c", str(ROOT / "deploy" / "gunicorn.conf.py")]
MIX_USERS = [f"o_mix_{n:04d}" for n in range(1000)]
SORRY = "抱歉，系统暂时出了点问题"

LUA = r"""
local users = {%(users)s}
local queries = {%(queries)s}
local path = "%(path)s"
counter, base, bad = 0, 0, 0  -- globals: thread:get/set reach them
local threads = {}

function setup(thread)
  -- MsgIds must stay below 2^53: Lua numbers are doubles, and larger ids collapse into one
  -- another, so most requests would be answered from the retry memory instead of searched.
  -- The run's start second (mod 10^7) spaces runs apart: soak.py runs wrk slice after slice.
  thread:set("base", %(epoch)d * 100000000 + (#threads + 1) * 10000000)
  table.insert(threads, thread)
end

function request()
  counter = counter + 1
  local user = users[(counter %% #users) + 1]
  local query = queries[(counter %% #queries) + 1]
  local body = "<xml><ToUserName><![CDATA[gh_bench]]></ToUserName><FromUserName><![CDATA["
    .. user .. "]]></FromUserName><CreateTime>%(stamp)d</CreateTime><MsgType><![CDATA[text]]>"
    .. "</MsgType><Content><![CDATA[" .. query .. "]]></Content><MsgId>"
    .. string.format("%%d", base + counter) .. "</MsgId></xml>"
  return wrk.format("POST", path, {["Content-Type"] = "text/xml"}, body)
end

function response(status, headers, body)
  if status == 200 and not (string.find(body, "%(expect1)s", 1, true)
                            or string.find(body, "%(expect2)s", 1, true)) then
    bad = bad + 1
  end
end

function done(summary, latency, requests)
  local bad_total = 0
  for _, thread in ipairs(threads) do bad_total = bad_total + thread:get("bad") end
  local e = summary.errors
  io.write(string.format(
    'JSON {"requests": %%d, "seconds": %%.3f, "p50_ms": %%.2f, "p99_ms": %%.2f, "max_ms": %%.2f,'
    .. ' "socket_errors": %%d, "non_2xx": %%d, "timeouts": %%d, "wrong_answers": %%d}\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000,
    e.connect + e.read + e.write, e.status, e.timeout, bad_total))
end
"""


def load_search_bench():
    spec = importlib.util.spec_from_file_location("bench_search", ROOT / "bench" / "search.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def build_archive(path, items, users=USERS):
    from store import text
    from store.db import open_db

    search_bench = load_search_bench()
    db = open_db(path)
    text.warm_up()
    started = time.perf_counter()
    search_bench.build(db, items, random.Random(7))
    for user in users:  # bound cadres following everything
        db["cadres"].insert({"name": user, "openid": user, "subscribe_all": 1,
                             "bound_at": "2021-01-01T00:00:00Z"})
    db.conn.commit()
    db.conn.close()
    return time.perf_counter() - started


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def signed_path(timestamp, nonce="bench"):
    signer = WeChatSigner()
    signer.add_data(TOKEN, str(timestamp), nonce)
    return f"/wechat?signature={signer.signature}&timestamp={timestamp}&nonce={nonce}"


def start_server(args, env, log):
    port = free_port()
    proc = subprocess.Popen([GUNICORN, "-w", str(args.workers), "-b", f"127.0.0.1:{port}",
                             "--backlog", "2048", *args.extra], cwd=ROOT, env=env, stdout=log,
                            stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return proc, port
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit(f"server did not start; see {log.name}")


def stop_server(proc):
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(20)
    except subprocess.TimeoutExpired:
        proc.kill()


def run_wrk(port, seconds, connections, threads, folder, expect):
    stamp = int(time.time())
    script = pathlib.Path(folder) / "queries.lua"
    script.write_text(LUA % {
        "users": ", ".join(f'"{u}"' for u in USERS),
        "queries": ", ".join(f'"{q}"' for q in QUERIES),
        "path": signed_path(stamp), "stamp": stamp, "epoch": stamp % 10_000_000, "expect1": expect[0],
        "expect2": expect[1]}, encoding="utf-8")
    return wrk(port, seconds, connections, threads, script)


def wrk(port, seconds, connections, threads, script):
    """Run wrk with a Lua `script` that prints one `JSON {…}` summary line; its figures."""
    out = subprocess.run(["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{seconds}s",
                          "--timeout", "5s", "-s", str(script), f"http://127.0.0.1:{port}"],
                         capture_output=True, text=True, timeout=seconds + 60)
    line = next((l for l in out.stdout.splitlines() if l.startswith("JSON ")), None)
    if line is None:
        raise SystemExit("wrk gave no summary:\n" + out.stdout + out.stderr)
    result = json.loads(line[5:])
    result["rps"] = result["requests"] / result["seconds"]
    result["errors"] = (result["socket_errors"] + result["non_2xx"] + result["timeouts"]
                        + result["wrong_answers"])
    return result


def warm(port, count=200):
    stamp = int(time.time())
    for n in range(count):
        body = (f"<xml><ToUserName>gh</ToUserName><FromUserName>{USERS[n % len(USERS)]}"
                f"</FromUserName><CreateTime>{stamp}</CreateTime><MsgType>text</MsgType>"
                f"<Content>{QUERIES[n % len(QUERIES)]}</Content><MsgId>{n + 1}</MsgId></xml>")
        request = urllib.request.Request(f"http://127.0.0.1:{port}{signed_path(stamp)}",
                                         data=body.encode(), method="POST")
        urllib.request.urlopen(request, timeout=10).read()


def run_wrk_mix(port, seconds, connections, threads, folder, mix, start=0):
    stamp = int(time.time())
    script = pathlib.Path(folder) / "mix.lua"
    script.write_text(MIX.wrk_script(mix, signed_path(stamp), stamp, SORRY, start),
                      encoding="utf-8")
    return wrk(port, seconds, connections, threads, script)


def distinct_messages(database):
    """Messages the server really handled: one retry-memory row per distinct MsgId."""
    import sqlite3

    with sqlite3.connect(database) as conn:
        return conn.execute("SELECT COUNT(*) FROM inbound_replies").fetchone()[0]


def base_env():
    return {k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "WECHAT_", "WECOM_"))}


def line(name, r, width=10):
    return (f"{name:<{width}}{r['rps']:>9.0f}{r['p50_ms']:>9.2f}{r['p99_ms']:>9.2f}{r['max_ms']:>9.1f}"
            f"{r['errors']:>8}  (socket {r['socket_errors']}, non-2xx {r['non_2xx']}, "
            f"timeouts {r['timeouts']}, wrong answers {r['wrong_answers']})")


def summary(runs):
    """The medians of a server's rounds (errors: the total)."""
    keys = ("rps", "p50_ms", "p99_ms", "max_ms")
    result = {key: statistics.median(run[key] for run in runs) for key in keys}
    for key in ("errors", "socket_errors", "non_2xx", "timeouts", "wrong_answers", "requests"):
        result[key] = sum(run[key] for run in runs)
    return result


def load_mix_module():
    spec = importlib.util.spec_from_file_location("bench_mix", ROOT / "bench" / "mix.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


MIX = load_mix_module()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--seconds", type=int, default=10, help="length of each run")
    parser.add_argument("--rounds", type=int, default=3, help="runs of each server, rotating")
    parser.add_argument("--warmup", type=int, default=10,
                        help="seconds of the mix each server answers before the rounds, not "
                             "measured (0: none)")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    parser.add_argument("--archive", help="an archive this bench built before (its --keep "
                        "folder's archive.sqlite3): copied instead of building one anew")
    parser.add_argument("--cache-size", type=int, default=settings.default("BOT_SEARCH_CACHE"),
                        help="BOT_SEARCH_CACHE of the cache-on server (default: production's)")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed (Debian package `wrk`)")
    folder = tempfile.mkdtemp(prefix="jianbao-load-")
    archive = pathlib.Path(folder) / "archive.sqlite3"
    if args.archive:
        shutil.copyfile(args.archive, archive)
        built = 0.0
    else:
        built = build_archive(str(archive), args.items, MIX_USERS)
    mix = MIX.build_mix(str(archive), users=len(MIX_USERS))
    instances = {}
    for name in ("cache_on", "cache_off"):
        instances[name] = pathlib.Path(folder) / name
        instances[name].mkdir()
        shutil.copyfile(archive, instances[name] / "jianbao.sqlite3")
    os.sync()
    kinds = mix["kinds"]
    total = sum(kinds.values())
    print(f"archive: {args.items} items, {len(MIX_USERS)} bound cadres, built in {built:.1f} s")
    print(f"mix: {mix['distinct_queries']} distinct queries (Zipf s={mix['s']}; "
          f"{mix['distinct_asked']} asked in a cycle of {total} messages; most asked: "
          + ", ".join(f"{q} {n}" for q, n in mix["top"]) + "); "
          + ", ".join(f"{k} {v / total:.1%}" for k, v in kinds.most_common()))
    print(f"load: wrk -t{args.threads} -c{args.connections} -d{args.seconds}s, {args.rounds} "
          f"rounds each, gunicorn -w {args.workers}, {os.cpu_count()} CPUs, load average "
          f"{os.getloadavg()[0]:.1f}, cache on: BOT_SEARCH_CACHE={args.cache_size}")
    common = dict(base_env(), BOT_CHANNEL="sandbox", WECHAT_TOKEN=TOKEN,
                  BOT_INPROCESS_WORKER="0", BOT_LOG_LEVEL="WARNING",
                  BOT_SECRET_KEY="bench-secret-0123456789", BOT_QUERY_LIMIT="100000000")
    servers = {
        "cache_on": ([*PRODUCTION, "bot:create_app()"], dict(common, BOT_INSTANCE_PATH=str(
            instances["cache_on"]), BOT_SEARCH_CACHE=str(args.cache_size))),
        "cache_off": ([*PRODUCTION, "bot:create_app()"], dict(common, BOT_INSTANCE_PATH=str(
            instances["cache_off"]), BOT_SEARCH_CACHE="0")),
        "floor": (["--pythonpath", str(ROOT / "bench"), "floor_app:create_app()"],
                  dict(base_env(), WECHAT_TOKEN=TOKEN)),
        "floor_raw": (["--pythonpath", str(ROOT / "bench"), "floor_app:create_raw_app()"],
                      dict(base_env(), WECHAT_TOKEN=TOKEN)),
    }
    runs = {name: [] for name in servers}
    procs, ports, logs = {}, {}, []
    names = list(servers)
    try:
        for name, (extra, server_env) in servers.items():
            log = open(pathlib.Path(folder) / f"{name}.log", "w")
            logs.append(log)
            args.extra = extra
            procs[name], ports[name] = start_server(args, server_env, log)
        warm(ports["cache_on"])
        warm(ports["cache_off"])
        warmed = {name: 0 for name in servers}
        if args.warmup:  # a server that has been answering for a while, as in production
            for name in names:
                warmed[name] = run_wrk_mix(ports[name], args.warmup, args.connections,
                                           args.threads, folder, mix)["requests"]
            print(f"warm-up: {args.warmup} s of the mix on each server, not measured "
                  f"({', '.join(f'{n} {r}' for n, r in warmed.items())} requests)")
        print(f"{'round':<13}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}{'errors':>8}")
        for number in range(args.rounds):
            order = names[number % len(names):] + names[:number % len(names)]
            for name in order:
                sent = warmed[name] + sum(run["requests"] for run in runs[name])  # continue
                result = run_wrk_mix(ports[name], args.seconds, args.connections, args.threads,
                                     folder, mix, start=sent)
                runs[name].append(result)
                print(line(f"{number + 1} {name}", result, 13))
    finally:
        for proc in procs.values():
            stop_server(proc)
        for log in logs:
            log.close()
    for name in ("cache_on", "cache_off"):
        requests = sum(run["requests"] for run in runs[name])
        retried = sum(run["retries"] for run in runs[name])
        handled = distinct_messages(instances[name] / "jianbao.sqlite3")
        print(f"{name}: {requests} requests, {retried} of them retries ({retried / requests:.1%}); "
              f"{handled} distinct messages in the retry memory (incl. the warm-ups)")
    floor = summary(runs["floor"])
    print(f"median of {args.rounds} rounds:")
    print(line("floor", floor, 13))
    verdicts = []
    for name, target in (("cache_on", 0.50), ("cache_off", 0.35)):
        result = summary(runs[name])
        print(line(name, result, 13))
        share = result["rps"] / floor["rps"]
        shares = ", ".join(f"{j['rps'] / f['rps']:.0%}" for j, f in zip(runs[name], runs["floor"]))
        checks = {f"req/s >= {target:.0%} of floor": share >= target,
                  "p99 <= 50 ms": result["p99_ms"] <= 50, "zero errors": result["errors"] == 0}
        verdicts.append(f"{name}/floor: {share:.0%} (rounds: {shares});  " + ";  ".join(
            f"{check}: {'met' if ok else 'NOT met'}" for check, ok in checks.items()))
    print("\n".join(verdicts))
    raw = summary(runs["floor_raw"])  # for comparison only: the targets are on the Flask floor
    print(line("floor_raw", raw, 13) + "  (the same echo without Flask)")
    print("against the echo without Flask (for comparison, no target): " + ", ".join(
        f"{name} {summary(runs[name])['rps'] / raw['rps']:.0%}" for name in ("cache_on", "cache_off")))
    print(f"load average at end: {os.getloadavg()[0]:.1f}")
    if args.keep:
        print(f"kept: {folder}")
    else:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
