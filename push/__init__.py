"""Pushing issues to cadres: planning, the durable outbox, workers, the webhook, status.

    push.init_app(app)     # the /api/issues webhook; the in-process worker

When BOT_INPROCESS_WORKER is on, the first request a serving app handles starts one
background worker thread (so `python bot.py serve` sends, while CLI commands and tests
don't start one); `python bot.py worker` runs the same loop as a separate process.
"""


def init_app(app):
    from push import webhook, worker
    from push.schema import migrations
    from store.db import add_schema

    add_schema(app, migrations)

    app.register_blueprint(webhook.bp)
    if app.config.get("BOT_INPROCESS_WORKER"):  # a request starter (bot.create_app)
        app.extensions.setdefault("request_starters", []).append(
            lambda: worker.start_background(app))
