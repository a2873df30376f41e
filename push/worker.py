"""Workers: take rows from the outbox, send them through the channel, record what happened.

    run_until_idle(db_path, app.config)          # send everything sendable now, then return
    run_forever(db_path, app.config, stop)       # `python bot.py worker`, or the serve thread
    start_background(app)                        # the in-process worker (BOT_INPROCESS_WORKER)

Any number of workers, in threads or processes, may run at once: a row is leased to one
worker (`outbox.claim`), calls are spaced by one shared rate (BOT_SEND_RATE), and a worker
that dies leaves its lease to expire (BOT_LEASE_SECONDS) so another takes the row up.
Each round also fires the scheduled pushes and reminders that are due (push.schedules).
"""

import logging
import os
import socket
import sqlite3
import threading
import time
import uuid

from config import setting
import metrics
from store import heartbeat, retention
from push import outbox, publish, rate
from store.transaction import is_busy

log = logging.getLogger(__name__)


def worker_name():
    """`host:pid:xxxx` — who holds a lease (shown in logs)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def lease_seconds(config):
    return float(setting(config, "BOT_LEASE_SECONDS"))


def process_one(db, channel, config, owner, policy=None):
    """Claim one outbox row and send it. Returns the row handled, or None if none was ready."""
    from channels.base import SENT, TransientError

    policy = policy or outbox.RetryPolicy.from_config(config)
    row = outbox.claim(db, owner, lease_seconds(config))
    if row is None:
        return None
    lease_ends = time.monotonic() + lease_seconds(config)
    if row["attempts"] > policy.attempts:  # leases lost again and again: stop trying
        outbox.record_error(db, row, None, "no worker finished this call", policy)
        return row
    row["recipients"] = outbox.drop_removed(db, row)
    if not row["recipients"]:  # everyone left the roster since planning
        outbox.record_results(db, row, {}, policy)
        return row
    caps = getattr(channel, "recipient_caps", ())
    wait = rate.cap_delay(db, row["recipients"], caps) if caps else 0
    if wait:  # a member at the platform's per-member cap: sending now would be dropped silently
        outbox.postpone(db, row, wait, f"per-recipient cap reached; waiting {wait:.0f} s")
        return row
    rate.wait_for_slot(db, float(setting(config, "BOT_SEND_RATE")))
    try:
        results = channel.send(row["recipients"], row["payload"])
    except TransientError as error:
        errcode = getattr(error, "errcode", None)
        metrics.call_failed(channel.name, errcode)
        reason = getattr(error, "reason", None) or str(error)
        outcome = _record(lease_ends, outbox.record_error, db, row, errcode, reason, policy)
        log.warning("issue %s call %s: %s (%s); %s", row["issue_id"], row["id"], reason,
                    errcode, outcome)
        return row
    except Exception as error:  # a bug or an unexpected answer: bounded retries, then failed
        log.exception("issue %s call %s raised", row["issue_id"], row["id"])
        _record(lease_ends, outbox.record_error, db, row, None,
                f"{type(error).__name__}: {error}", policy)
        return row
    metrics.call_outcome(channel.name, results)
    if row.get("kind") == "remind":
        metrics.reminder("remind", sum(result.status == SENT for result in results.values()))
    _record(lease_ends, outbox.record_results, db, row, results, policy)
    return row


def _record(lease_ends, record, *args):
    """Store the outcome of a call that already happened. A database locked past its busy
    timeout is waited out while the lease holds: giving up would leave the row to be sent
    again when the lease expires (a second message on channels without a duplicate check)."""
    delay = 0.05
    while True:
        try:
            return record(*args)
        except sqlite3.OperationalError as error:
            if not is_busy(error) or time.monotonic() + delay >= lease_ends:
                raise
            log.warning("database busy while recording a sent call; retrying in %.2f s", delay)
            time.sleep(delay)
            delay = min(delay * 2, 1.0)


def run_until_idle(db_path, config, channel=None, owner=None, on_progress=None,
                   stop=None, max_wait=None):
    """Send until no row of an active push is left (waiting out backoffs); returns calls made.

    `stop` (a threading.Event) ends early; `max_wait` bounds the total seconds spent."""
    from channels import make_channel
    from store.db import open_db

    db = open_db(db_path, migrate=False)
    channel = channel or make_channel(config, db_path)
    owner = owner or worker_name()
    policy = outbox.RetryPolicy.from_config(config)
    deadline = None if max_wait is None else time.monotonic() + max_wait
    calls = 0
    try:
        while not (stop and stop.is_set()):
            heartbeat.tick(db)
            retention.maybe_purge(db, config)
            if deadline is not None and time.monotonic() > deadline:
                break
            publish.fire_due(db, config, db_path, channel)  # scheduled pushes now due
            if process_one(db, channel, config, owner, policy) is not None:
                calls += 1
                if on_progress:
                    on_progress()
                continue
            wait = outbox.next_wake(db)
            if wait is None:
                break
            _sleep(min(wait, 0.5) + 0.01, stop)
    finally:
        db.conn.close()
    return calls


def run_forever(db_path, config, stop, wake=None, poll=1.0, threads=None):
    """Work until `stop` is set, in BOT_WORKER_THREADS threads (calls overlap their latency).

    Between rounds each thread sleeps until `wake` is set or `poll` seconds pass."""
    threads = int(threads or setting(config, "BOT_WORKER_THREADS"))
    if threads > 1:
        pool = [threading.Thread(target=run_forever, name=f"push-worker-{n}", daemon=True,
                                 args=(db_path, config, stop, wake, poll, 1))
                for n in range(threads)]
        for thread in pool:
            thread.start()
        for thread in pool:
            thread.join()
        return
    from channels import make_channel

    channel, owner = None, worker_name()
    log.info("push worker %s started (channel %s)", owner, config.get("BOT_CHANNEL"))
    backoff = Backoff()
    while not stop.is_set():
        try:
            if not backoff.settled(db_path):  # a full disk's pause not written yet: no sending
                stop.wait(backoff.delay)
                continue
            channel = channel or make_channel(config, db_path)
            run_until_idle(db_path, config, channel=channel, owner=owner, stop=stop)
            backoff.reset()
        except sqlite3.DatabaseError as error:  # disk full, damaged file: one line, then wait
            stop.wait(backoff.failed(db_path, error))
            continue
        except Exception:  # keep the worker alive (e.g. database locked for too long)
            log.exception("push worker round failed; retrying")
        if wake is not None and wake.wait(poll):
            time.sleep(0.05)  # let the other threads see the event before it is cleared
            wake.clear()
        elif wake is None:
            stop.wait(poll)
    log.info("push worker %s stopped", owner)


class Backoff:
    """A worker whose database fails waits 1, 2, 4 … 60 s between rounds, logging one line a
    round (not a traceback four times a second). A full disk pauses the active pushes with
    the reason: until that pause is written (space freed) the worker sends nothing more, and
    then the push waits for someone to resume it (the console and /healthz show why)."""

    def __init__(self, longest=60.0):
        self.delay, self.longest, self.pause_reason, self.failed_at = 0.0, longest, None, None

    def reset(self):
        self.delay = 0.0

    def failed(self, db_path, error):
        self.delay = min(self.longest, max(1.0, self.delay * 2))
        if getattr(error, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL or "full" in str(error):
            self.pause_reason = f"disk full: {error} (free space, then resume the push)"
            self.failed_at = time.time()  # pushes resumed after this are left alone
        log.error("push worker: the database failed (%s); next try in %.0f s", error, self.delay)
        return self.delay

    def settled(self, db_path):
        """True unless a disk-full pause is still to be written (it is tried now)."""
        if self.pause_reason is None:
            return True
        if _pause_pushes(db_path, self.pause_reason, self.failed_at):
            log.error("push worker: pushes paused (%s)", self.pause_reason)
            self.pause_reason = None
            return True
        self.delay = min(self.longest, max(1.0, self.delay * 2))
        return False


def _pause_pushes(db_path, reason, since):
    from store.db import open_db

    try:
        db = open_db(db_path, migrate=False)
        try:
            return outbox.pause_active(db, reason, since) >= 0
        finally:
            db.conn.close()
    except sqlite3.Error:
        return False


_start_lock = threading.Lock()


def start_background(app):
    """Start the in-process worker thread once per app; returns its wake event."""
    with _start_lock:  # concurrent first requests must not each start a worker
        return _start_once(app)


def _start_once(app):
    state = app.extensions.get("push_worker")
    if state is None:
        stop, wake = threading.Event(), threading.Event()
        config = dict(app.config)
        thread = threading.Thread(target=run_forever, name="push-worker", daemon=True,
                                  args=(config["DATABASE_PATH"], config, stop, wake))
        thread.start()
        state = app.extensions["push_worker"] = {"thread": thread, "stop": stop, "wake": wake}
    return state["wake"]


def stop_background(app, timeout=10.0):
    """Stop the in-process worker (finishing the call in flight); True if it stopped."""
    state = app.extensions.pop("push_worker", None)
    if state is None:
        return True
    state["stop"].set()
    state["wake"].set()
    state["thread"].join(timeout)
    return not state["thread"].is_alive()


def wake(app):
    """Tell the in-process worker (if running) that new rows are queued."""
    state = app.extensions.get("push_worker")
    if state is not None:
        state["wake"].set()


def _sleep(seconds, stop):
    if stop is not None:
        stop.wait(seconds)
    else:
        time.sleep(seconds)
