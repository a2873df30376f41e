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

bind = os.environ.get("JIANBAO_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("JIANBAO_WORKERS", "2"))
worker_class = "sync"
timeout = 30          # a webhook upload of a 10 MB PDF is parsed within this
graceful_timeout = 20
max_requests = 0      # workers live long: their metrics files and caches stay warm
accesslog = None      # item links carry tokens; turn on only with private log files
errorlog = "-"
loglevel = "warning"


def on_starting(server):
    """Build the app once in the master: fail fast, in one line."""
    import sys

    sys.path.insert(0, os.getcwd())
    from bot import create_or_exit
    import metrics

    from store.text import warm_up

    app = create_or_exit()
    metrics.prune_dead(app.extensions["metrics_dir"])
    warm_up()  # before the fork: every worker starts with the dictionary loaded
