"""The bad-input catalogue's harness (tests/test_hostile_*.py): the app over loopback HTTP with the
sample issue published and 张三 bound, and the row counts that prove nothing was stored or pushed.

    def test_refused(live):
        before = live.counts()
        requests.post(live.url("/wechat"), ...)         # a hostile request
        assert live.alive()                              # still answers a signed URL check
        assert_unchanged(before, live.counts())          # no rows added anywhere

The rows watched: issues, items, outbox, deliveries, the sandbox inbox, subscriptions, binding
codes, read receipts, bound cadres — and the retry memory `inbound_replies`, which grows by one
only for a message that was answered (`remembered=1`).
"""

import sqlite3
import time

import pytest
import requests

from fixtures_chat import TOKEN, enrol, publish_sample, signed_args
from fixtures_live import LiveServer

WATCHED = ("issues", "items", "outbox", "deliveries", "sandbox_inbox", "subscriptions",
           "binding_codes", "inbound_replies", "read_receipts")
BOUND = "o_zhangsan"      # bound to 张三 by the `live` fixture
STRANGER = "o_stranger"   # not on the roster


def row_counts(app):
    """{table: rows} for the WATCHED tables, plus "bound" (cadres with a binding)."""
    conn = sqlite3.connect(app.config["DATABASE_PATH"])
    try:
        counts = {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in WATCHED}
        counts["bound"] = conn.execute(
            "SELECT count(*) FROM cadres WHERE bound_at IS NOT NULL").fetchone()[0]
        return counts
    finally:
        conn.close()


class WatchedServer(LiveServer):
    """A LiveServer with the catalogue's two checks: `counts()` and `alive()`."""

    def counts(self):
        return row_counts(self.app)

    def alive(self):
        """A fresh signed URL check must still be answered with its echostr."""
        args = dict(signed_args(token=self.app.config.get("WECHAT_TOKEN") or TOKEN,
                                nonce=str(time.monotonic_ns())), echostr="still-here")
        response = requests.get(self.url("/wechat"), params=args, timeout=10)
        return response.status_code == 200 and response.text == "still-here"


def assert_unchanged(before, after, remembered=0):
    """Nothing stored or pushed; `remembered` retry-memory rows (an answered message) allowed."""
    assert after["inbound_replies"] - before["inbound_replies"] == remembered
    changed = {t: (before[t], after[t]) for t in before
               if t != "inbound_replies" and before[t] != after[t]}
    assert changed == {}, f"rows changed: {changed}"


@pytest.fixture
def live(app, db, tmp_path, live_server):
    """The app on loopback (a WatchedServer) with the sample issue published and 张三 bound."""
    from store import binding

    publish_sample(db)
    codes = enrol(db, tmp_path)
    assert binding.bind(db, codes["张三"], openid=BOUND).ok
    return live_server(app, server_class=WatchedServer)
