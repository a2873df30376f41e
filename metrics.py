"""Prometheus metrics, added up over every process (gunicorn workers and the push worker).

    metrics.setup(app)                      # once, before anything is counted
    metrics.call_outcome("work", results)   # one line at each counted place
    GET /metrics                            # BOT_METRICS_TOKEN bearer, or from loopback

prometheus_client's multiprocess mode: each process writes its values to memory-mapped
files in one directory, and `/metrics` adds them up. The directory is
PROMETHEUS_MULTIPROC_DIR when the environment sets it, else `<instance>/metrics`; it must be
set before prometheus_client is first imported, which `setup` ensures. Files of processes
that are gone are pruned when a server or worker starts (`prune_dead`): counters then
restart from the live processes' values, which Prometheus reads as a counter reset.
Database figures (outbox depth, oldest pending row, worker heartbeat) are read at scrape time.
"""

import glob
import os
import re
import threading
import time

_lock = threading.Lock()
_state = {"m": None}
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


def setup(app):
    """Point prometheus_client at the shared directory (before its first import)."""
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not directory:
        directory = os.path.join(app.instance_path, "metrics")
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = directory
    os.makedirs(directory, mode=0o700, exist_ok=True)
    app.extensions["metrics_dir"] = os.environ["PROMETHEUS_MULTIPROC_DIR"]


def prune_dead(directory):
    """Delete the value files of processes that no longer run."""
    for path in glob.glob(os.path.join(directory, "*.db")):
        found = re.search(r"_(\d+)\.db$", path)
        if found and not _alive(int(found.group(1))):
            try:
                os.unlink(path)
            except FileNotFoundError:
                pass


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _metrics():
    m = _state["m"]
    if m is None:
        with _lock:
            if _state["m"] is None:
                _state["m"] = _build()
            m = _state["m"]
    return m


def _build():
    from types import SimpleNamespace

    from prometheus_client import Counter, Histogram

    return SimpleNamespace(
        messages=Counter("jianbao_messages", "Deliveries by channel, outcome and reason",
                         ["channel", "outcome", "reason"]),
        calls=Counter("jianbao_send_calls", "Send calls by channel and result (sent, retry)",
                      ["channel", "result"]),
        callback=Histogram("jianbao_callback_seconds", "Time to answer a /wechat request",
                           ["method"], buckets=LATENCY_BUCKETS),
        searches=Histogram("jianbao_search_seconds", "Keyword searches and their time",
                           buckets=LATENCY_BUCKETS),
        api_errors=Counter("jianbao_wechat_api_errors", "WeChat API answers with an errcode",
                           ["errcode"]),
        token_fetches=Counter("jianbao_token_fetches", "Access-token fetches by outcome",
                              ["outcome"]),
        reminders=Counter("jianbao_reminders", "Reminders sent, by kind", ["kind"]),
        confidential_replies=Counter(
            "jianbao_confidential_replies",
            "WeCom chat answers listing 内部 items, sent as confidential messages, by outcome",
            ["outcome"]),
        logins=Counter("jianbao_logins", "Console sign-ins by outcome", ["outcome"]),
    )


# ---- the one-line calls at the counted places ---------------------------------------------

def call_outcome(channel, results):
    """A completed send call: each recipient's Result counted by status and reason."""
    m = _metrics()
    m.calls.labels(channel, "sent").inc()
    for result in results.values():
        m.messages.labels(channel, result.status, _reason(result)).inc()


def call_failed(channel, errcode):
    """A call that failed as a whole (it is retried, or its recipients fail)."""
    _metrics().calls.labels(channel, "retry").inc()
    _metrics().messages.labels(channel, "retry", _code(errcode)).inc()


def callback_seconds(method, seconds):
    _metrics().callback.labels(method).observe(seconds)


def timed_search(function):
    """Decorator of the search function: counts each search and its time."""
    def timed(*args, **kwargs):
        started = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            _metrics().searches.observe(time.perf_counter() - started)
    timed.__wrapped__ = function
    timed.__doc__, timed.__name__ = function.__doc__, function.__name__
    return timed


def api_error(errcode):
    _metrics().api_errors.labels(_code(errcode)).inc()


def token_fetch(outcome):
    _metrics().token_fetches.labels(outcome).inc()


def reminder(kind, count=1):
    """`reminder("remind", 3)`: reminders a worker call delivered (催办: kind `remind`)."""
    if count:
        _metrics().reminders.labels(kind).inc(count)


def confidential_reply(outcome):
    """`confidential_reply("sent")` or `("failed")`: a chat answer sent safe (WeCom)."""
    _metrics().confidential_replies.labels(outcome).inc()


def login(outcome):
    """`login("ok")`, `login("wrong")`, `login("locked")`."""
    _metrics().logins.labels(outcome).inc()


def _reason(result):
    if result.status == "sent":
        return ""
    return _code(result.errcode) if result.errcode is not None else "other"


def _code(errcode):
    return "none" if errcode is None else str(int(errcode))
