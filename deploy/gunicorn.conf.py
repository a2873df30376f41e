"""gunicorn settings for Jianbao: `gunicorn -c deploy/gunicorn.conf.py 'bot:create_app()'`.

Sync workers (WeChat waits 5 s for an answer; a chat message takes milliseconds), two per
two cores, bound to loopback behind nginx (deploy/nginx-jianbao.conf). Before any worker
starts, the master builds the app once: a bad setting, a database path that cannot be
opened or a damaged database stops gunicorn with one line naming it (exit status 2) instead
of a traceback from every worker. It also prunes the metrics files of processes that are gone,
and loads jieba's dictionary: the workers fork with it loaded, so after a start or a restart
no worker's first searches wait the ~1 s the load takes (measured: 1.1 s -> ms).
"""

import os
import sys

sys.path.insert(0, os.getcwd())
import config as settings  # noqa: E402 - the project's settings, for their one stated default


def _whole(name, fallback):
    """`JIANBAO_WORKERS=two`: one line and exit status 2 (systemd then stops retrying), not a
    gunicorn traceback every 5 s."""
    value = os.environ.get(name) or str(fallback)
    if not value.isdigit() or int(value) < 1:
        print(f"Error: {name}={value!r} is not valid: use a whole number of 1 or more",
              file=sys.stderr)
        sys.exit(2)
    return int(value)


def _parse_seconds():
    """BOT_PARSE_SECONDS, or its default; a bad value is refused later, in one line, by
    create_or_exit."""
    try:
        return float(os.environ.get("BOT_PARSE_SECONDS") or settings.default("BOT_PARSE_SECONDS"))
    except ValueError:
        return settings.default("BOT_PARSE_SECONDS")


bind = os.environ.get("JIANBAO_BIND", "127.0.0.1:8000")
workers = _whole("JIANBAO_WORKERS", 2)
worker_class = "sync"
# An upload (webhook or console) is read before the answer: a scanned PDF's OCR may take up
# to BOT_PARSE_SECONDS (90 s by default), after which the app answers 413 itself. A worker
# silent for longer than that is killed: 30 s more than the parse may take. (The nginx site's
# proxy_read_timeout for /api/ and /admin/ is longer still.)
timeout = int(_parse_seconds()) + 30
graceful_timeout = 20
max_requests = 0      # workers live long: their metrics files and caches stay warm
accesslog = None      # item links carry tokens; turn on only with private log files
errorlog = "-"
loglevel = "warning"


def on_starting(server):
    """Build the app once in the master: fail fast, in one line."""
    from bot import create_or_exit
    import metrics

    from store.text import warm_up

    app = create_or_exit()
    metrics.prune_dead(app.extensions["metrics_dir"])
    warm_up()  # before the fork: every worker starts with the dictionary loaded
