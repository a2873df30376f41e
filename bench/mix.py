"""A realistic chat mix for bench/load.py: what 1,000 cadres type, drawn from the archive itself.

    mix = build_mix(db_path, users=1000, seed=7)     # {"texts", "users", "sequence", …}
    lua = wrk_script(mix, path, stamp, sorry, start)  # a wrk script that sends it

Queries: the archive's own words (jieba, as the search index cuts them), ranked by how often
they occur, with department names and their short forms, word pairs from one sentence and
a few date-filtered queries, at least 2,000 distinct; each message picks one by a Zipf law
(s = 1.1) over that ranking, so a few queries are asked often and most rarely. About 20 % of
messages are commands (更多, 最新, 我的订阅, 部门, 订阅 <department>), and 5 % are WeChat's
retries: the previous message of the same connection sent again with the same MsgId.
"""

import collections
import random
import re
import sqlite3

CJK = re.compile(r"^[\u4e00-\u9fff]{2,6}$")
COMMANDS = (("更多", 0.30), ("最新", 0.25), ("我的订阅", 0.15), ("部门", 0.10), ("订阅", 0.20))


def archive_words(db_path, sample=6000, seed=7):
    """(word counts, department names, sentence word lists) of a sample of the archive."""
    from store import text

    conn = sqlite3.connect(db_path)
    try:
        total = conn.execute("SELECT MAX(id) FROM items").fetchone()[0] or 0
        rng = random.Random(seed)
        ids = rng.sample(range(1, total + 1), min(sample, total))
        rows = conn.execute(f"SELECT title, body FROM items WHERE id IN ({','.join('?' * len(ids))})",
                            ids).fetchall()
        departments = [row[0] for row in conn.execute("SELECT name FROM departments ORDER BY id")]
    finally:
        conn.close()
    counts, sentences = collections.Counter(), []
    for title, body in rows:
        for sentence in re.split(r"[。；！？\n]", f"{title}。{body}"):
            found = [w for w in text.query_words(sentence) if CJK.match(w)]
            counts.update(found)
            if len(found) > 1:
                sentences.append(found)
    return counts, departments, sentences


def short_forms(department):
    """`区审计局` -> ["审计局", "审计"]: what people type for a department."""
    forms = []
    core = department[1:] if department.startswith("区") else department
    if core != department:
        forms.append(core)
    for suffix in ("局", "委", "办", "中心", "街道", "镇"):
        if core.endswith(suffix) and len(core) > len(suffix) + 1:
            forms.append(core[: -len(suffix)])
    return forms


def ranked_queries(counts, departments, sentences, want=2400, seed=7):
    """Distinct queries, most likely first."""
    rng = random.Random(seed)
    queries, seen = [], set()

    def add(query):
        if query not in seen:
            seen.add(query)
            queries.append(query)

    words = [w for w, _ in counts.most_common()]
    for n, word in enumerate(words):           # common words first; departments among them
        add(word)
        if n % 40 == 0 and departments:
            department = departments[(n // 40) % len(departments)]
            for form in [department] + short_forms(department):
                add(form)
    for department in departments:
        for form in [department] + short_forms(department):
            add(form)
    pairs = collections.Counter()
    for found in sentences:
        for a, b in zip(found, found[1:]):
            if a != b:
                pairs[(a, b)] += 1
    for (a, b), _ in pairs.most_common():      # phrases people type: two words of a sentence
        if len(queries) >= want:
            break
        add(f"{a} {b}")
    months = [f"2021年{m}月" for m in range(1, 7)] + [f"2020年{m}月" for m in range(1, 13)]
    while len(queries) < want and words:
        add(f"{rng.choice(months)} {rng.choice(words[:300])}")
    return queries


def build_mix(db_path, users=1000, length=40000, s=1.1, commands=0.20, retries=0.05, seed=7):
    counts, departments, sentences = archive_words(db_path, seed=seed)
    queries = ranked_queries(counts, departments, sentences, seed=seed)
    rng = random.Random(seed)
    weights = [1 / (rank ** s) for rank in range(1, len(queries) + 1)]
    texts = list(queries)
    subscribe = [f"订阅 {form}" for d in departments for form in [d] + short_forms(d)[:1]]
    command_texts = [name for name, _ in COMMANDS if name != "订阅"]
    index = {text: n for n, text in enumerate(texts)}
    for text in command_texts + subscribe:
        index.setdefault(text, len(texts))
        if index[text] == len(texts):
            texts.append(text)
    sequence = []
    kinds = collections.Counter()
    drawn = rng.choices(range(len(queries)), weights=weights, k=length)
    for n in range(length):
        user = rng.randrange(users)
        roll = rng.random()
        if roll < retries and n:
            sequence.append((user, 0, 1))      # resend the connection's previous message
            kinds["retry"] += 1
            continue
        if roll < retries + commands:
            name = rng.choices([c for c, _ in COMMANDS], weights=[w for _, w in COMMANDS])[0]
            text = rng.choice(subscribe) if name == "订阅" else name
            kinds[name] += 1
        else:
            text = queries[drawn[n]]
            kinds["query"] += 1
        sequence.append((user, index[text], 0))
    asked = collections.Counter(queries[d] for d in drawn)
    return {"texts": texts, "users": [f"o_mix_{n:04d}" for n in range(users)],
            "sequence": sequence, "kinds": kinds, "distinct_queries": len(queries),
            "distinct_asked": len(asked), "top": asked.most_common(5), "s": s}


LUA = r"""
local users = {%(users)s}
local texts = {%(texts)s}
local seq_user = {%(seq_user)s}
local seq_text = {%(seq_text)s}
local seq_retry = {%(seq_retry)s}
local path = "%(path)s"
counter, base, bad, offset, retried = 0, 0, 0, 0, 0
local last = nil
local threads = {}

function setup(thread)
  thread:set("base", %(epoch)d * 100000000 + (#threads + 1) * 10000000)
  thread:set("offset", %(start)d + #threads * 7919)
  table.insert(threads, thread)
end

function request()
  counter = counter + 1
  local i = ((counter + offset) %% #seq_user) + 1
  if seq_retry[i] == 1 and last ~= nil then
    retried = retried + 1
    return last
  end
  local body = "<xml><ToUserName><![CDATA[gh_bench]]></ToUserName><FromUserName><![CDATA["
    .. users[seq_user[i] + 1] .. "]]></FromUserName><CreateTime>%(stamp)d</CreateTime>"
    .. "<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[" .. texts[seq_text[i] + 1]
    .. "]]></Content><MsgId>" .. string.format("%%d", base + counter) .. "</MsgId></xml>"
  last = wrk.format("POST", path, {["Content-Type"] = "text/xml"}, body)
  return last
end

function response(status, headers, body)
  if status == 200 and (not string.find(body, "<Content><![CDATA[", 1, true)
                        or string.find(body, "%(sorry)s", 1, true)) then
    bad = bad + 1
  end
end

function done(summary, latency, requests)
  local bad_total, retried_total = 0, 0
  for _, thread in ipairs(threads) do
    bad_total = bad_total + thread:get("bad")
    retried_total = retried_total + thread:get("retried")
  end
  local e = summary.errors
  io.write(string.format(
    'JSON {"requests": %%d, "seconds": %%.3f, "p50_ms": %%.2f, "p99_ms": %%.2f, "max_ms": %%.2f,'
    .. ' "socket_errors": %%d, "non_2xx": %%d, "timeouts": %%d, "wrong_answers": %%d,'
    .. ' "retries": %%d}\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000,
    e.connect + e.read + e.write, e.status, e.timeout, bad_total, retried_total))
end
"""


def wrk_script(mix, path, stamp, sorry, start=0):
    """The wrk Lua script sending `mix` from message `start` of its cycle on (a server's next
    round continues where its last one stopped instead of replaying the same messages)."""
    def strings(values):
        return ", ".join('"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"' for v in values)

    def numbers(values):
        return ", ".join(str(v) for v in values)

    return LUA % {"users": strings(mix["users"]), "texts": strings(mix["texts"]),
                  "seq_user": numbers(u for u, _, _ in mix["sequence"]),
                  "seq_text": numbers(t for _, t, _ in mix["sequence"]),
                  "seq_retry": numbers(r for _, _, r in mix["sequence"]),
                  "path": path, "stamp": stamp, "epoch": stamp % 10_000_000, "sorry": sorry,
                  "start": int(start)}
