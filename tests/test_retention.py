"""Retention and `stats`: old chat memory, retry memory, receipts and logs go, the office's
record (issues, items, roster, deliveries) stays; the worker runs it; `stats` shows sizes.

    pytest tests/test_retention.py
"""

import json

from fixtures_chat import publish_sample

from store import retention
from push.worker import run_until_idle

OLD, NEW = "2020-01-01T00:00:00Z", "2999-01-01T00:00:00Z"


def arrange(db):
    publish_sample(db)
    item = db.execute("SELECT id FROM items LIMIT 1").fetchone()[0]
    issue = db.execute("SELECT id FROM issues LIMIT 1").fetchone()[0]
    with db.conn:
        for when, tag in ((OLD, "old"), (NEW, "new")):
            db.execute("INSERT INTO chat_state (user, query, updated_at) VALUES (?, 'q', ?)",
                       [f"u-{tag}", when])
            db.execute("INSERT INTO sandbox_inbox (recipient, payload, digest, received_at)"
                       " VALUES (?, '{}', ?, ?)", [f"r-{tag}", tag, when])
            db.execute("INSERT INTO inbound_replies (key, reply, created_at) VALUES (?, '', ?)",
                       [f"msg:{tag}", when])
            db.execute("INSERT INTO read_receipts (item_id, reader, first_at, last_at)"
                       " VALUES (?, ?, ?, ?)", [item, f"c:{tag}", when, when])
            db.execute("INSERT INTO binding_attempts (identity, at) VALUES (?, ?)",
                       [f"openid:{tag}", when])
            db.execute("INSERT INTO outbox (issue_id, group_key, part, recipients, payload,"
                       " status, done_at) VALUES (?, ?, 1, '[]', '{}', 'done', ?)",
                       [issue, tag, when])
        db.execute("INSERT INTO outbox (issue_id, group_key, part, recipients, payload)"
                   " VALUES (?, 'waiting', 1, '[]', '{}')", [issue])
        db.execute("INSERT INTO query_rate (user, window, count) VALUES ('u', 1, 3)")


def count(db, table):
    return db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]


def test_purge_removes_what_is_older_than_each_setting_and_keeps_the_record(app, db):
    arrange(db)
    items, issues = count(db, "items"), count(db, "issues")
    deleted = retention.purge(db, app.config)
    assert deleted == {"chat_state": 1, "sandbox_inbox": 1, "inbound_replies": 1,
                       "read_receipts": 1, "outbox": 1, "binding_attempts": 1, "query_rate": 1}
    for table in ("chat_state", "sandbox_inbox", "inbound_replies", "read_receipts",
                  "binding_attempts"):
        assert count(db, table) == 1, table                     # the recent row stays
    assert count(db, "outbox") == 2                             # recent and not yet sent stay
    assert (count(db, "items"), count(db, "issues")) == (items, issues)


def test_zero_keeps_forever(make_app, db):
    app = make_app(BOT_KEEP_CHAT_DAYS=0, BOT_KEEP_RECEIPTS_DAYS=0, BOT_KEEP_LOGS_DAYS=0,
                   BOT_KEEP_RETRIES_DAYS=0)
    from store.db import open_db

    mine = open_db(app.config["DATABASE_PATH"])
    arrange(mine)
    deleted = retention.purge(mine, app.config)
    assert set(deleted) == {"query_rate"}
    assert count(mine, "chat_state") == 2 and count(mine, "read_receipts") == 2
    mine.conn.close()


def test_the_worker_purges_at_most_hourly(app, db):
    arrange(db)
    retention._last["at"] = None
    run_until_idle(app.config["DATABASE_PATH"], dict(app.config), max_wait=1)
    assert count(db, "chat_state") == 1
    arrange_again = db.execute("INSERT INTO chat_state (user, updated_at) VALUES ('x', ?)", [OLD])
    db.conn.commit()
    assert arrange_again.rowcount == 1
    run_until_idle(app.config["DATABASE_PATH"], dict(app.config), max_wait=1)
    assert count(db, "chat_state") == 2                          # not again within the hour


def test_stats_prints_sizes(app, db, runner):
    arrange(db)
    shown = runner.invoke(args=["stats"])
    assert shown.exit_code == 0
    assert shown.output.startswith(f"Database {app.config['DATABASE_PATH']}: ")
    assert "chat_state" in shown.output and "bytes" in shown.output
    data = json.loads(runner.invoke(args=["stats", "--json"]).output)
    assert set(data) == {"files", "tables", "pages", "search_index"}
    assert data["files"]["database"] > 0
    tables = {t["name"]: t for t in data["tables"]}
    assert tables["items"]["rows"] == count(db, "items") and tables["items"]["bytes"] >= 4096


def test_a_purge_the_database_refused_is_tried_again_within_minutes_not_hours(app, db, caplog):
    """A push holding the write lock past the busy timeout fails the hourly purge: it says so
    once and runs again after RETRY_AFTER seconds, not an hour later."""
    import time

    from store.db import open_db

    arrange(db)
    retention._last["at"] = None
    purger = open_db(app.config["DATABASE_PATH"], migrate=False)
    purger.conn.execute("PRAGMA busy_timeout = 50")
    db.conn.execute("BEGIN IMMEDIATE")                           # the push's transaction
    assert retention.maybe_purge(purger, dict(app.config)) is None
    db.conn.rollback()
    assert "retention purge failed" in caplog.text and "trying again in 60 s" in caplog.text
    assert retention.maybe_purge(purger, dict(app.config)) is None  # not at once
    wait = retention._last["at"] + retention.EVERY - time.monotonic()
    assert retention.RETRY_AFTER - 5 < wait <= retention.RETRY_AFTER
    retention._last["at"] -= retention.RETRY_AFTER                # a minute later
    assert retention.maybe_purge(purger, dict(app.config))["chat_state"] == 1
    assert count(db, "chat_state") == 1
    retention._last["at"] -= retention.RETRY_AFTER                # a success waits the hour
    assert retention.maybe_purge(purger, dict(app.config)) is None


def test_optimize_holds_the_write_lock_before_analyze_reads(db):
    """Run alone, PRAGMA optimize's ANALYZE read first and then asked for the write lock, and
    SQLite refused at once when another connection had written in between: `serve --demo`
    logged "retention purge failed (database is locked)" at 6 starts of 20. It now runs
    inside BEGIN IMMEDIATE (0 of 20)."""
    from store import upkeep

    statements = []
    db.conn.set_trace_callback(statements.append)
    try:
        upkeep.optimize(db)
    finally:
        db.conn.set_trace_callback(None)
    assert statements.index("BEGIN IMMEDIATE") < statements.index("PRAGMA optimize")
    assert not db.conn.in_transaction
