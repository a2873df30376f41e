"""The three channels, driven through the real wechatpy clients against the fake WeChat server."""

import json
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from bulletin.cards import Card, size
from conftest import ROOT
from channels import (FAILED, SENT, WINDOW_CLOSED, Result, TransientError, inbox,
                           channel_class, make_channel)
from channels import store
from channels.token import SQLiteSessionStorage
from store.db import open_db

TEXT = {"msgtype": "text", "text": {"content": "上街区简报：十个重大项目集中开工。"}}


@pytest.fixture
def db_path(make_app):
    """A database with every component's tables (the app registers their migrations)."""
    return make_app().config["DATABASE_PATH"]


def channel_for(fake, db_path, name, **overrides):
    config = dict(fake.app_config(name), BOT_PUBLIC_URL="https://bot.example", **overrides)
    return make_channel(config, db_path)


def cards(n, title="上街区十个重大项目集中开工", department="区发改委"):
    return [Card(f"{title}{i}", "1月4日，上街区十个重大项目集中开工。", department, "2021-01-06",
                 f"/items/{i}?t=tok{i}") for i in range(1, n + 1)]


# ---- sandbox -----------------------------------------------------------------------
def test_sandbox_delivers_into_the_inbox(make_app, db):
    app = make_app()
    channel = make_channel(app.config, app.config["DATABASE_PATH"])
    assert (channel.name, channel.max_batch) == ("sandbox", 1)
    payloads = channel.render(cards(9), title="上街区简报")
    assert [len(p["news"]["articles"]) for p in payloads] == [8, 1]
    assert payloads[0]["news"]["articles"][0]["url"] == "http://jianbao.test/items/1?t=tok1"
    for payload in payloads:
        assert channel.send(["sandbox-7"], payload) == {"sandbox-7": Result(SENT)}
    got = inbox(db, "sandbox-7")
    assert [m["payload"] for m in got] == json.loads(json.dumps(payloads))
    assert inbox(db, "sandbox-8") == [] and len(inbox(db, "sandbox-7", limit=1)) == 1
    assert inbox(db, "sandbox-7", after_id=got[0]["id"]) == got[1:]


def test_sandbox_delivers_a_resent_payload_once(db_path):
    """A worker killed after delivering, before recording it, sends the same payload again."""
    channel = make_channel({"BOT_CHANNEL": "sandbox"}, db_path)
    payload = channel.render(cards(1), title="上街区简报")[0]
    for _ in range(3):
        assert channel.send(["sandbox-7"], payload) == {"sandbox-7": Result(SENT)}
    other = channel.render(cards(2), title="上街区简报")[0]
    channel.send(["sandbox-7"], other)
    channel.send(["sandbox-8"], payload)
    db = open_db(db_path)
    assert [m["payload"] for m in inbox(db, "sandbox-7")] == json.loads(json.dumps([payload, other]))
    assert len(inbox(db, "sandbox-8")) == 1


def test_sandbox_refuses_a_batch(db_path):
    channel = make_channel({"BOT_CHANNEL": "sandbox"}, db_path)
    with pytest.raises(ValueError, match="at most 1"):
        channel.send(["a", "b"], TEXT)


# ---- WeCom -------------------------------------------------------------------------
def test_work_sends_news_to_a_thousand_members_in_one_call(fake_wechat, db_path):
    users = [f"user{i}" for i in range(1000)]
    fake_wechat.add_members(users)
    channel = channel_for(fake_wechat, db_path, "work")
    assert (channel.max_batch, channel.recipient_caps) == (1000, ((30, 60), (1000, 3600)))
    payloads = channel.render(cards(3), title="上街区简报")
    assert len(payloads) == 1 and payloads[0]["msgtype"] == "news"
    results = channel.send(users, payloads[0])
    assert set(results.values()) == {Result(SENT)} and len(results) == 1000
    assert fake_wechat.calls["message/send"] == 1 and fake_wechat.token_fetches["work"] == 1
    assert set(fake_wechat.delivered().values()) == {1} and len(fake_wechat.delivered()) == 1000
    article = fake_wechat.received("user0")[0]["body"]["news"]["articles"][0]
    assert article["url"] == "https://bot.example/items/1?t=tok1"
    with pytest.raises(ValueError, match="1000"):
        channel.send(users + ["one-more"], payloads[0])


def test_work_splits_only_past_eight_articles_and_all_are_accepted(fake_wechat, db_path):
    fake_wechat.add_members(["zhangsan"])
    channel = channel_for(fake_wechat, db_path, "work")
    long_cards = [Card(f"{i:02d}" + "题" * 41, "句" * 169 + "。", "区审计局", "2021-01-06",
                       f"/items/{i}?t=x") for i in range(17)]  # every field at its byte limit
    payloads = channel.render(long_cards, title="上街区简报")
    assert [len(p["news"]["articles"]) for p in payloads] == [8, 8, 1]
    for payload in payloads:
        assert channel.send(["zhangsan"], payload) == {"zhangsan": Result(SENT)}
    assert len(fake_wechat.received("zhangsan")) == 3


def test_work_marks_invalid_and_unlicensed_members_failed(fake_wechat, db_path):
    fake_wechat.add_members(["ok"])
    fake_wechat.add_members(["nolicence"], licensed=False)
    channel = channel_for(fake_wechat, db_path, "work")
    results = channel.send(["ok", "ghost", "nolicence"], TEXT)
    assert results == {"ok": Result(SENT), "ghost": Result(FAILED, None, "invaliduser"),
                       "nolicence": Result(FAILED, None, "unlicenseduser")}
    assert list(fake_wechat.delivered()) == ["ok"]


def test_work_all_invalid_is_81013_for_everyone(fake_wechat, db_path):
    channel = channel_for(fake_wechat, db_path, "work")
    results = channel.send(["ghost1", "ghost2"], TEXT)
    assert {r.status for r in results.values()} == {FAILED}
    assert {r.errcode for r in results.values()} == {81013}


def test_work_duplicate_check_keeps_a_resend_from_reaching_twice(fake_wechat, db_path):
    fake_wechat.add_members(["zhangsan"])
    channel = channel_for(fake_wechat, db_path, "work")
    payload = channel.render(cards(1), title="简报")[0]
    channel.send(["zhangsan"], payload)
    channel.send(["zhangsan"], payload)  # e.g. the worker died before recording the first
    assert len(fake_wechat.received("zhangsan")) == 1 and len(fake_wechat.duplicates) == 1


@pytest.mark.parametrize("expire", ["expire_tokens", "revoke_tokens"])
def test_token_refetched_once_then_the_call_retried(fake_wechat, db_path, expire):
    fake_wechat.add_members(["zhangsan"])
    channel = channel_for(fake_wechat, db_path, "work")
    channel.send(["zhangsan"], TEXT)
    getattr(fake_wechat, expire)()
    assert channel.send(["zhangsan"], dict(TEXT, text={"content": "第二条。"})) == {
        "zhangsan": Result(SENT)}
    assert fake_wechat.token_fetches["work"] == 2 and fake_wechat.calls["message/send"] == 3


def test_a_token_refused_twice_is_transient_not_a_loop(fake_wechat, db_path):
    fake_wechat.add_members(["zhangsan"])
    channel = channel_for(fake_wechat, db_path, "work")
    fake_wechat.inject("message/send", errcode=42001, times=5)
    with pytest.raises(TransientError) as raised:
        channel.send(["zhangsan"], TEXT)
    assert raised.value.errcode == 42001
    assert fake_wechat.calls["message/send"] == 2 and fake_wechat.token_fetches["work"] == 2
    assert fake_wechat.messages == []


@pytest.mark.parametrize("fault, errcode", [
    ({"errcode": -1}, -1),
    ({"errcode": 45009}, 45009),
    ({"http": 500}, None),
    ({"http": 502}, None),
    ({"drop": True}, None),
    ({"delay": 1.5, "accept": False}, None),
])
@pytest.mark.parametrize("name", ["work", "mp"])
def test_retryable_failures_raise_transient_error(fake_wechat, db_path, name, fault, errcode):
    fake_wechat.add_members(["u1"])
    fake_wechat.add_followers(["u1"])
    channel = channel_for(fake_wechat, db_path, name, BOT_HTTP_TIMEOUT=0.5)
    path = "message/send" if name == "work" else "message/custom/send"
    fake_wechat.inject(path, **fault)
    with pytest.raises(TransientError) as raised:
        channel.send(["u1"], TEXT)
    assert raised.value.errcode == errcode
    assert fake_wechat.messages == []
    assert channel.send(["u1"], TEXT) == {"u1": Result(SENT)}  # the retry goes through
    assert len(fake_wechat.received("u1")) == 1


def test_a_slow_token_endpoint_times_out_as_transient(fake_wechat, db_path):
    fake_wechat.add_members(["u1"])
    channel = channel_for(fake_wechat, db_path, "work", BOT_HTTP_TIMEOUT=0.5)
    fake_wechat.inject("gettoken", delay=1.5, accept=False)
    with pytest.raises(TransientError, match="token fetch failed"):
        channel.send(["u1"], TEXT)


def test_wrong_secret_fails_every_recipient_with_the_reason(fake_wechat, db_path):
    channel = channel_for(fake_wechat, db_path, "work", WECOM_SECRET="not-the-secret")
    results = channel.send(["a", "b"], TEXT)
    assert {r.status for r in results.values()} == {FAILED}
    assert results["a"].errcode == 40001 and results["a"].reason.startswith("access token")


def test_oversized_payload_is_a_permanent_failure(fake_wechat, db_path):
    fake_wechat.add_members(["u1"])
    channel = channel_for(fake_wechat, db_path, "work")
    results = channel.send(["u1"], {"msgtype": "text", "text": {"content": "长" * 700}})
    assert results["u1"].status == FAILED and results["u1"].errcode == 45002


# ---- Official Account --------------------------------------------------------------
def test_mp_one_item_is_a_one_article_news_message(fake_wechat, db_path):
    fake_wechat.add_followers(["o1"])
    channel = channel_for(fake_wechat, db_path, "mp")
    payloads = channel.render(cards(1), title="上街区简报")
    assert len(payloads) == 1 and len(payloads[0]["news"]["articles"]) == 1
    assert channel.send(["o1"], payloads[0]) == {"o1": Result(SENT)}
    assert fake_wechat.received("o1")[0]["msgtype"] == "news"


def test_mp_several_items_are_one_text_listing(fake_wechat, db_path):
    fake_wechat.add_followers(["o1"])
    channel = channel_for(fake_wechat, db_path, "mp")
    payloads = channel.render(cards(4), title="上街区简报 2021-01-06")
    assert len(payloads) == 1
    content = payloads[0]["text"]["content"]
    assert content.startswith('上街区简报 2021-01-06\n1. <a href="https://bot.example/items/1?t=tok1">'
                              "上街区十个重大项目集中开工1</a>（区发改委）\n2. ")
    assert channel.send(["o1"], payloads[0]) == {"o1": Result(SENT)}


def test_mp_long_listing_is_split_into_numbered_parts_within_2048_bytes(fake_wechat, db_path):
    fake_wechat.add_followers(["o1"])
    channel = channel_for(fake_wechat, db_path, "mp")
    payloads = channel.render(cards(30, title="关于进一步加强基层党组织建设工作的通知"), title="简报")
    parts = [p["text"]["content"] for p in payloads]
    assert len(parts) > 1 and all(size(p) <= channel_class("mp").card_limits["text"] for p in parts)
    assert parts[0].startswith(f"（1/{len(parts)}）简报\n1. ")
    assert all('\n1' in p and '<a href="https://bot.example/items/' in p for p in parts)
    for part in parts:  # every part holds whole links only
        assert part.count("<a href=") == part.count("</a>")
    assert "template" in payloads[0] and all("template" not in p for p in payloads[1:])
    for payload in payloads:
        assert channel.send(["o1"], payload) == {"o1": Result(SENT)}


def test_mp_closed_window_falls_back_to_the_template(fake_wechat, db_path):
    fake_wechat.add_followers(["o1"], window_open=False)
    channel = channel_for(fake_wechat, db_path, "mp")
    payload = channel.render(cards(2), title="上街区简报")[0]
    result = channel.send(["o1"], payload)["o1"]
    assert (result.status, result.errcode) == (SENT, 45015)
    sent = fake_wechat.received("o1")
    assert [m["api"] for m in sent] == ["template"]
    assert sent[0]["body"]["template_id"] == fake_wechat.template_id
    assert sent[0]["body"]["url"] == "https://bot.example/items/1?t=tok1"
    assert sent[0]["body"]["data"]["keyword1"]["value"].endswith("等2条")


def test_mp_spent_quota_falls_back_to_the_template(fake_wechat, db_path):
    fake_wechat.add_followers(["o1"])
    channel = channel_for(fake_wechat, db_path, "mp")
    payload = channel.render(cards(1), title="简报")[0]
    statuses = [channel.send(["o1"], payload)["o1"] for _ in range(6)]
    assert [r.status for r in statuses] == [SENT] * 6 and statuses[-1].errcode == 45047
    assert [m["api"] for m in fake_wechat.received("o1")] == ["mp"] * 5 + ["template"]


def test_mp_closed_window_without_template_is_window_closed(fake_wechat, db_path):
    fake_wechat.add_followers(["o1"], window_open=False)
    channel = channel_for(fake_wechat, db_path, "mp", WECHAT_TEMPLATE_ID=None)
    result = channel.send(["o1"], channel.render(cards(1), title="简报")[0])["o1"]
    assert (result.status, result.errcode) == (WINDOW_CLOSED, 45015)
    assert fake_wechat.messages == []


def test_mp_unfollowed_and_unknown_are_failed(fake_wechat, db_path):
    fake_wechat.add_followers(["gone"])
    fake_wechat.unfollow("gone")
    channel = channel_for(fake_wechat, db_path, "mp")
    assert channel.send(["gone"], TEXT)["gone"].errcode == 43004
    assert channel.send(["stranger"], TEXT)["stranger"] == Result(FAILED, 40003, "invalid openid")


def test_mp_template_error_is_failed(fake_wechat, db_path):
    fake_wechat.add_followers(["o1"], window_open=False)
    channel = channel_for(fake_wechat, db_path, "mp", WECHAT_TEMPLATE_ID="unknown-template")
    result = channel.send(["o1"], channel.render(cards(1), title="简报")[0])["o1"]
    assert (result.status, result.errcode) == (FAILED, 40037)


# ---- the shared token --------------------------------------------------------------
def test_session_storage_honours_ttl(db_path):
    storage = SQLiteSessionStorage(db_path, margin=0)
    storage.set("k", "v", ttl=1)
    other = SQLiteSessionStorage(db_path)  # another client, same file
    assert other.get("k") == "v" and other.get("missing", "d") == "d"
    time.sleep(1.1)
    assert storage.get("k") is None
    storage.set("k", "v2")
    storage.delete("k")
    assert storage.get("k") is None


def test_lease_is_exclusive_until_released_or_lapsed(db_path):
    db = store.thread_db(db_path)
    assert store.take_lease(db, "token:x", "a", 30)
    assert not store.take_lease(db, "token:x", "b", 30)
    store.end_lease(db, "token:x", "a")
    assert store.take_lease(db, "token:x", "b", 30)
    assert store.take_lease(db, "token:x", "c", 30, now=time.time() + 31)  # b crashed


def test_concurrent_senders_wait_for_one_fetch(fake_wechat, db_path):
    users = [f"u{i}" for i in range(6)]
    fake_wechat.add_members(users)
    fake_wechat.token_latency = 0.3
    channels = [channel_for(fake_wechat, db_path, "work") for _ in users]
    with ThreadPoolExecutor(len(users)) as pool:
        results = list(pool.map(lambda pair: pair[0].send([pair[1]], TEXT), zip(channels, users)))
    assert all(r[u] == Result(SENT) for r, u in zip(results, users))
    assert fake_wechat.calls["gettoken"] == 1


SEND_SCRIPT = """
import json, sys
sys.path.insert(0, {root!r})
from channels import make_channel
config, db_path, openid = json.loads(sys.argv[1]), sys.argv[2], sys.argv[3]
channel = make_channel(config, db_path)
print(channel.send([openid], {{"msgtype": "text", "text": {{"content": "你好，" + openid}}}})[openid].status)
"""


@pytest.mark.slow  # two processes
def test_two_processes_share_one_token(fake_wechat, db_path):
    fake_wechat.add_followers(["o1", "o2", "o3"])
    fake_wechat.token_latency = 0.5  # both processes ask while the first fetch is under way
    config = json.dumps(dict(fake_wechat.app_config("mp"), BOT_HTTP_TIMEOUT=5))
    script = SEND_SCRIPT.format(root=str(ROOT))
    procs = [subprocess.Popen([sys.executable, "-c", script, config, db_path, openid],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for openid in ("o1", "o2")]
    outputs = [p.communicate(timeout=60) for p in procs]
    assert [out.strip() for out, _ in outputs] == ["sent", "sent"], outputs
    assert fake_wechat.token_fetches["mp"] == 1
    # and this process, a third client, uses the stored token too
    channel = channel_for(fake_wechat, db_path, "mp")
    assert channel.send(["o3"], TEXT) == {"o3": Result(SENT)}
    assert fake_wechat.token_fetches["mp"] == 1 and set(fake_wechat.delivered()) == {"o1", "o2", "o3"}


@pytest.mark.parametrize("name", ["work", "mp"])
def test_the_sample_issue_goes_out_and_is_accepted(fake_wechat, db_path, sample_path, name):
    from bulletin import parse_file
    from bulletin.cards import cards_for_issue
    issue = parse_file(sample_path)
    fake_wechat.add_members(["zhangsan"])
    fake_wechat.add_followers(["zhangsan"])
    channel = channel_for(fake_wechat, db_path, name)
    payloads = channel.render(cards_for_issue(issue, channel.card_limits), title="上街区简报 2021-01-06")
    assert len(payloads) == 1  # one message per issue: 8 items fit one news / one text
    assert channel.send(["zhangsan"], payloads[0]) == {"zhangsan": Result(SENT)}
    assert len(fake_wechat.received("zhangsan")) == 1
