"""The outbox on its own: unique deliveries, exclusive leases, bounded backoff with jitter, pausing."""

import pytest

from push import outbox, status
from push.plan import Message
from store.db import open_db
from test_plan import publish

PAYLOAD = {"msgtype": "news", "news": {"articles": [{"title": "简报", "url": "http://x/1"}]}}


def queue(db, issue_id, recipients=("a", "b"), group="g1"):
    message = Message(group, [1], [(None, r) for r in recipients], [PAYLOAD])
    return outbox.enqueue(db, issue_id, "sandbox", [message])


def test_a_recipient_is_queued_once_per_issue_and_part(db):
    issue_id = publish(db)
    assert queue(db, issue_id) == 2
    assert queue(db, issue_id, ("b", "c")) == 1  # only c is new
    rows = db.execute("SELECT recipients FROM outbox ORDER BY id").fetchall()
    assert rows == [('["a", "b"]',), ('["c"]',)]
    assert queue(db, issue_id, ("a", "c")) == 0
    assert db.execute("SELECT COUNT(*) FROM outbox").fetchone()[0] == 2  # no empty calls


def test_a_leased_row_is_claimed_by_one_worker_until_its_lease_ends(app, db):
    issue_id = publish(db)
    queue(db, issue_id)
    other = open_db(app.config["DATABASE_PATH"])
    row = outbox.claim(db, "w1", lease_seconds=60, now=1000.0)
    assert row["recipients"] == ["a", "b"] and row["payload"] == PAYLOAD and row["attempts"] == 1
    assert outbox.claim(other, "w2", now=1059.0) is None
    assert outbox.claim(other, "w2", now=1060.0)["attempts"] == 2  # w1 presumed dead
    other.conn.close()


def test_failed_calls_back_off_exponentially_with_jitter_and_are_bounded(db):
    policy = outbox.RetryPolicy(attempts=4, base=2.0, cap=300.0, pause_after=100)
    for attempt, nominal in [(1, 2.0), (2, 4.0), (3, 8.0), (10, 300.0)]:
        delays = {policy.delay(attempt) for _ in range(50)}
        assert all(nominal * 0.5 <= d <= nominal * 1.5 for d in delays)
        assert len(delays) > 1  # jittered
    issue_id = publish(db)
    queue(db, issue_id)
    now = 1000.0
    outcomes = []
    for _ in range(4):
        row = outbox.claim(db, "w", now=now)
        outcomes.append(outbox.record_error(db, row, -1, "system busy", policy, now=now))
        now = db.execute("SELECT next_at FROM outbox").fetchone()[0]
        assert outbox.claim(db, "w", now=now - 0.001) is None  # not before its time
    assert outcomes == ["retry", "retry", "retry", "failed"]
    rows = status.rows(db, issue_id)
    assert {(r["status"], r["errcode"]) for r in rows} == {("failed", -1)}
    assert status.summary(db, issue_id)["by_reason"] == {"system busy": 2}


def test_consecutive_failures_pause_the_push_and_a_success_resets_the_count(db):
    policy = outbox.RetryPolicy(attempts=10, base=0.0, pause_after=3)
    issue_id = publish(db)
    queue(db, issue_id)
    queue(db, issue_id, ("z",), group="g2")
    for _ in range(2):
        outbox.record_error(db, outbox.claim(db, "w"), -1, "busy", policy)
    row = outbox.claim(db, "w")
    outbox.record_results(db, row, {r: _sent() for r in row["recipients"]}, policy)
    assert status.run_state(db, issue_id)["failures"] == 0
    for _ in range(3):
        outbox.record_error(db, outbox.claim(db, "w"), -1, "busy", policy)
    state = status.run_state(db, issue_id)
    assert state["status"] == "paused" and "3 failed calls in a row" in state["paused_reason"]
    assert outbox.claim(db, "w") is None and outbox.next_wake(db) is None
    outbox.resume(db, issue_id)
    assert outbox.claim(db, "w") is not None


def test_a_recipient_missing_from_the_results_is_failed_not_lost(db):
    issue_id = publish(db)
    queue(db, issue_id)
    row = outbox.claim(db, "w")
    outbox.record_results(db, row, {"a": _sent()}, outbox.RetryPolicy())
    assert {r["recipient"]: (r["status"], r["reason"]) for r in status.rows(db, issue_id)} == {
        "a": ("sent", None), "b": ("failed", "no result from the channel")}


def test_mixed_results_of_one_call_land_on_the_right_recipients(db):
    from channels import Result

    issue_id = publish(db)
    queue(db, issue_id, ("a", "b", "c", "d"))
    row = outbox.claim(db, "w")
    gone = Result("failed", None, "invaliduser")
    outbox.record_results(db, row, {"a": gone, "b": _sent(), "c": gone, "d": gone},
                          outbox.RetryPolicy())
    assert {r["recipient"]: r["status"] for r in status.rows(db, issue_id)} == {
        "a": "failed", "b": "sent", "c": "failed", "d": "failed"}
    assert status.summary(db, issue_id)["by_reason"] == {"invaliduser": 3}


@pytest.mark.parametrize("attempts", [1, 3])
def test_retry_policy_reads_its_settings(attempts):
    policy = outbox.RetryPolicy.from_config({"BOT_SEND_ATTEMPTS": attempts,
                                             "BOT_RETRY_BASE_SECONDS": 0.5,
                                             "BOT_PAUSE_AFTER_FAILURES": 7})
    assert (policy.attempts, policy.base, policy.pause_after) == (attempts, 0.5, 7)


def _sent():
    from channels import Result
    return Result("sent")
