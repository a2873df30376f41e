"""Load: Jianbao under gunicorn (2 workers) answering signed /wechat keyword queries on a
100k-item archive, against the floor (bench/floor_app.py) under the same load.

    .venv/bin/python bench/load.py [--items 100000] [--seconds 10] [--rounds 3] [--connections 32]

Builds the archive with bench/search.py's builder, binds 64 cadres, serves it with
`gunicorn -w 2 'bot:create_app()'` on loopback, and drives it with wrk (Debian's /usr/bin/wrk)
and a Lua script that sends a different message every time: 64 users, real queries, unique
MsgIds (so no reply comes from the retry memory). Every answer is checked: a 200 that is not
a search reply ("找到…" / "没有找到…") counts as an error. The per-user query limit stays on
(set very high, so its bookkeeping write is measured but never refuses). Then the floor, a
Flask + wechatpy app that only checks the signature, parses and echoes, runs under the same
load. Prints req/s, p50/p99 and errors for both, and the verdict against the target:
Jianbao >= 50% of the floor's req/s, p99 <= 50 ms, zero errors.

Both servers run side by side and are measured in alternating rounds (Jianbao then floor,
then floor then Jianbao, …), so a slow minute on a shared machine lands on both rather than
on one; the verdict is on the medians of the rounds, and every round is printed. The archive
is flushed to disk (sync) before the first round, so its write-back does not land on
whichever server is measured first.
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

TOKEN = "bench-token"
USERS = [f"o_bench_{n:03d}" for n in range(64)]
QUERIES = ["疫情", "项目", "审计", "重大项目", "督查", "宣传", "峡窝镇 疫情", "营商环境", "党员",
           "2021年1月 项目", "法治", "防控"]
GUNICORN = str(pathlib.Path(sys.executable).parent / "gunicorn")

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


def build_archive(path, items):
    from subscriptions import text
    from subscriptions.db import open_db

    search_bench = load_search_bench()
    db = open_db(path)
    text.warm_up()
    started = time.perf_counter()
    search_bench.build(db, items, random.Random(7))
    for user in USERS:  # bound cadres following everything
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


def distinct_messages(database):
    """Messages the server really handled: one retry-memory row per distinct MsgId."""
    import sqlite3

    with sqlite3.connect(database) as conn:
        return conn.execute("SELECT COUNT(*) FROM inbound_replies").fetchone()[0]


def base_env():
    return {k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "WECHAT_", "WECOM_"))}


def line(name, r):
    return (f"{name:<10}{r['rps']:>9.0f}{r['p50_ms']:>9.2f}{r['p99_ms']:>9.2f}{r['max_ms']:>9.1f}"
            f"{r['errors']:>8}  (socket {r['socket_errors']}, non-2xx {r['non_2xx']}, "
            f"timeouts {r['timeouts']}, wrong answers {r['wrong_answers']})")


def summary(runs):
    """The medians of a server's rounds (errors: the total)."""
    keys = ("rps", "p50_ms", "p99_ms", "max_ms")
    result = {key: statistics.median(run[key] for run in runs) for key in keys}
    for key in ("errors", "socket_errors", "non_2xx", "timeouts", "wrong_answers", "requests"):
        result[key] = sum(run[key] for run in runs)
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--seconds", type=int, default=10, help="length of each run")
    parser.add_argument("--rounds", type=int, default=3, help="runs of each server, alternating")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    parser.add_argument("--search-cache", type=int, default=512,
                        help="BOT_SEARCH_CACHE for Jianbao (0: every query searched afresh)")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed (Debian package `wrk`)")
    folder = tempfile.mkdtemp(prefix="jianbao-load-")
    instance = pathlib.Path(folder) / "instance"
    built = build_archive(str(instance / "jianbao.sqlite3"), args.items)
    os.sync()
    print(f"archive: {args.items} items, 64 bound cadres, built in {built:.1f} s")
    print(f"load: wrk -t{args.threads} -c{args.connections} -d{args.seconds}s, {args.rounds} "
          f"rounds each, gunicorn -w {args.workers}, {os.cpu_count()} CPUs, load average "
          f"{os.getloadavg()[0]:.1f}, BOT_SEARCH_CACHE={args.search_cache} ({len(QUERIES)} "
          "distinct queries in rotation)")
    env = dict(base_env(), BOT_INSTANCE_PATH=str(instance), BOT_CHANNEL="sandbox",
               WECHAT_TOKEN=TOKEN, BOT_INPROCESS_WORKER="0", BOT_LOG_LEVEL="WARNING",
               BOT_SECRET_KEY="bench-secret-0123456789", BOT_QUERY_LIMIT="100000000",
               BOT_SEARCH_CACHE=str(args.search_cache))
    servers = {
        "jianbao": (["bot:create_app()"], env, ("找到", "没有找到")),
        "floor": (["--pythonpath", str(ROOT / "bench"), "floor_app:create_app()"],
                  dict(base_env(), WECHAT_TOKEN=TOKEN), ("<MsgType><![CDATA[text]]>",) * 2),
    }
    runs = {name: [] for name in servers}
    procs, ports, logs = {}, {}, []
    try:
        for name, (extra, server_env, _) in servers.items():
            log = open(pathlib.Path(folder) / f"{name}.log", "w")
            logs.append(log)
            args.extra = extra
            procs[name], ports[name] = start_server(args, server_env, log)
        warm(ports["jianbao"])
        print(f"{'round':<10}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}{'errors':>8}")
        for number in range(args.rounds):
            order = ("jianbao", "floor") if number % 2 == 0 else ("floor", "jianbao")
            for name in order:
                result = run_wrk(ports[name], args.seconds, args.connections, args.threads,
                                 folder, servers[name][2])
                runs[name].append(result)
                print(line(f"{number + 1} {name}", result))
    finally:
        for proc in procs.values():
            stop_server(proc)
        for log in logs:
            log.close()
    requests = sum(run["requests"] for run in runs["jianbao"])
    handled = distinct_messages(instance / "jianbao.sqlite3")
    print(f"distinct messages answered by Jianbao: {handled} of {requests} requests + 200 "
          "warm-up (each request a new MsgId: none answered from retry memory)")
    jb, floor = summary(runs["jianbao"]), summary(runs["floor"])
    print(f"median of {args.rounds} rounds:")
    print(line("jianbao", jb))
    print(line("floor", floor))
    share = jb["rps"] / floor["rps"]
    shares = ", ".join(f"{j['rps'] / f['rps']:.0%}" for j, f in zip(runs["jianbao"], runs["floor"]))
    checks = {"req/s >= 50% of floor": share >= 0.5, "p99 <= 50 ms": jb["p99_ms"] <= 50,
              "zero errors": jb["errors"] == 0}
    print(f"jianbao/floor: {share:.0%} (rounds: {shares});  " + ";  ".join(
        f"{name}: {'met' if ok else 'NOT met'}" for name, ok in checks.items()))
    print(f"load average at end: {os.getloadavg()[0]:.1f}")
    if args.keep:
        print(f"kept: {folder}")
    else:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
