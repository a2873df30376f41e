"""`GET /healthz` and `GET /metrics`: what a monitor or a Prometheus server reads.

    GET /healthz    200 {"ok": true, …} or 503 {"ok": false, "problems": […], …}
    GET /metrics    Prometheus text format

Both give their detail only to callers from loopback that did not come through a proxy,
or that carry `Authorization: Bearer <BOT_METRICS_TOKEN>`; anyone else gets `/healthz`'s
status and `{"ok": …}` only, and 403 from `/metrics`.
"""

import hmac
import ipaddress
import os
import socket
import sqlite3
import time

from flask import Blueprint, Response, current_app, request

import metrics
from channels import channel_class
from push import publish as publishing

from store import integrity
from store import upkeep
from store.db import get_db

bp = Blueprint("ops", __name__)
HEARTBEAT_LATE = 60  # seconds: a worker silent this long while rows wait is a problem
PENDING_LATE = 120  # seconds a row may wait before a silent worker counts as a problem
LOW_DISK_BYTES = 64 * 1024 * 1024


def trusted_caller():
    """Loopback without a proxy in between, or the metrics bearer token."""
    token = current_app.config.get("BOT_METRICS_TOKEN")
    given = request.headers.get("Authorization", "")
    if token and hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
        return True
    proxied = any(name in request.headers for name in ("X-Forwarded-For", "Forwarded",
                                                       "X-Real-Ip"))
    try:
        return ipaddress.ip_address(request.remote_addr or "").is_loopback and not proxied
    except ValueError:
        return False


def report(db, config, now=None):
    """The health figures and the problems among them -> dict (see docs/operations.md)."""
    now = time.time() if now is None else now
    problems = []
    writable = True
    try:
        upkeep.beat(db, f"{socket.gethostname()}:{os.getpid()}", "web", now)
    except sqlite3.Error as error:
        writable = False
        problems.append(f"database not writable: {error}")
    verdict = integrity.cached(config["DATABASE_PATH"])
    if verdict != "ok":
        problems.append(f"database integrity: {verdict}")
    disk = os.statvfs(os.path.dirname(os.path.abspath(config["DATABASE_PATH"])))
    free = disk.f_bavail * disk.f_frsize
    if free < LOW_DISK_BYTES:
        problems.append(f"disk nearly full: {free // (1024 * 1024)} MB free")
    depth = upkeep.outbox_depth(db)
    oldest_age = None if depth["oldest_at"] is None else max(0.0, now - depth["oldest_at"])
    beat = upkeep.last_beat(db, "worker")
    beat_age = None if beat is None else max(0.0, now - beat)
    worker_gone = beat_age is None or beat_age > HEARTBEAT_LATE
    if oldest_age is not None and oldest_age > PENDING_LATE and worker_gone:
        problems.append("messages wait and no push worker is running")
    due = publishing.overdue_schedules(db, now)
    late = None if due["oldest_due_at"] is None else max(0.0, now - due["oldest_due_at"])
    if late is not None and late > PENDING_LATE and worker_gone:  # only the worker fires them
        problems.append(f"{due['overdue']} scheduled push(es) or reminder(s) due "
                        f"{int(late)} s ago and no push worker is running")
    paused = upkeep.paused_pushes(db)
    problems += [f"push of issue {p['issue_id']} paused: {p['reason']}" for p in paused]
    return {
        "ok": not problems,
        "problems": problems,
        "database": {"writable": writable, "integrity": verdict, "disk_free_bytes": free},
        "outbox": {"pending": depth["pending"], "oldest_age_seconds": _round(oldest_age)},
        "schedules": {"overdue": due["overdue"], "oldest_overdue_seconds": _round(late)},
        "paused": paused,
        "worker": {"heartbeat_age_seconds": _round(beat_age),
                   "in_process": bool(config.get("BOT_INPROCESS_WORKER"))},
        "tokens": tokens(db, config.get("BOT_CHANNEL"), now),
    }


def tokens(db, channel, now):
    """Access-token freshness of the configured channel: {channel: {...}}."""
    if not channel_class(channel).needs_access_token:
        return {channel: {"needed": False}}
    stored = {key: at for key, at in upkeep.token_expiries(db).items()
              if key.startswith(f"{channel}:")}
    if not stored:
        return {channel: {"fresh": False, "expires_in_seconds": None,
                          "note": "none fetched yet (the first send fetches one)"}}
    expires_at = max((at for at in stored.values() if at is not None), default=None)
    left = None if expires_at is None else expires_at - now
    return {channel: {"fresh": left is None or left > 0, "expires_in_seconds": _round(left)}}


def _round(value):
    return None if value is None else round(value, 1)


@bp.get("/healthz")
def healthz():
    """200 when all is well, 503 with the problems otherwise."""
    try:
        result = report(get_db(), current_app.config)
    except sqlite3.Error as error:
        result = {"ok": False, "problems": [f"database unreadable: {error}"]}
    status = 200 if result["ok"] else 503
    if not trusted_caller():
        result = {"ok": result["ok"]}
    return result, status, {"Cache-Control": "no-store"}


@bp.get("/metrics")
def metrics_view():
    """Every process's counters added up, and the database gauges read now."""
    if not trusted_caller():
        return Response("metrics need the bearer token or a loopback caller\n", status=403,
                        content_type="text/plain; charset=utf-8")
    from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
    from prometheus_client.multiprocess import MultiProcessCollector

    registry = CollectorRegistry()
    directory = current_app.extensions.get("metrics_dir")
    if directory:
        MultiProcessCollector(registry, path=directory)
    registry.register(DatabaseGauges(get_db(), current_app.config))
    return Response(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)


class DatabaseGauges:
    """Gauges read from the database at scrape time (the same in every process)."""

    def __init__(self, db, config):
        self.db, self.config = db, config

    def collect(self):
        from prometheus_client.core import GaugeMetricFamily

        now = time.time()
        depth = upkeep.outbox_depth(self.db)
        beat = upkeep.last_beat(self.db, "worker")
        yield GaugeMetricFamily("jianbao_outbox_depth", "Outbox rows still to send",
                                value=depth["pending"])
        yield GaugeMetricFamily("jianbao_outbox_oldest_age_seconds",
                                "Age of the oldest row still to send (0: none)",
                                value=0 if depth["oldest_at"] is None else now - depth["oldest_at"])
        yield GaugeMetricFamily("jianbao_worker_heartbeat_age_seconds",
                                "Seconds since a push worker last said it is alive (-1: never)",
                                value=-1 if beat is None else now - beat)
        yield GaugeMetricFamily("jianbao_pushes_paused", "Pushes paused for review",
                                value=len(upkeep.paused_pushes(self.db)))


def init_app(app):
    """/healthz and /metrics and the Prometheus set-up (the /wechat answer time is timed
    where /wechat is answered, handlers/callback.py)."""
    metrics.setup(app)
    app.register_blueprint(bp)
