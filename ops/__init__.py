"""Running Jianbao for years: backups, health, metrics, the preflight check, retention.

    ops.init_app(app)    # /healthz, /metrics; backup, restore, check, stats commands

Layout: backup.py (copy, check, restore), presence.py (who has the database open),
integrity.py (is the file sound), heartbeat.py (workers say they are alive), health.py
(/healthz, /metrics), metrics.py (the Prometheus counters), store.py (the SQL), cli.py
(commands). See docs/operations.md.
"""

import time

from flask import g, request


def init_app(app):
    from ops import cli, health, integrity, metrics, presence, proxy
    from ops.startup import StartupError

    metrics.setup(app)
    proxy.init_app(app)
    verdict = integrity.cached(app.config["DATABASE_PATH"])  # gunicorn: the master's
    if verdict != "ok":
        raise StartupError(f"the database {app.config['DATABASE_PATH']} is damaged ({verdict}): "
                           "restore the latest backup (python bot.py restore FILE)")
    if not app.testing:  # a server, worker or command: restore waits until it is gone
        presence.hold(app.config["DATABASE_PATH"])
    app.register_blueprint(health.bp)
    app.before_request(_start_timer)
    app.after_request(_time_callback)
    cli.init_app(app)


def _start_timer():
    g.ops_started = time.perf_counter()


def _time_callback(response):
    """The /wechat answer time, into jianbao_callback_seconds."""
    if request.path == "/wechat" and "ops_started" in g:
        from ops import metrics

        metrics.callback_seconds(request.method, time.perf_counter() - g.ops_started)
    return response
