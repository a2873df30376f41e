"""Running Jianbao for years: backups, health, metrics, the preflight check, retention.

    ops.init_app(app)    # /healthz, /metrics; backup, restore, check, stats commands

Layout: backup.py (copy, check, restore), presence.py (who has the database open),
store.py (the SQL), cli.py (commands). See docs/operations.md.
"""


def init_app(app):
    from ops import cli, presence

    if not app.testing:  # a server, worker or command: restore waits until it is gone
        presence.hold(app.config["DATABASE_PATH"])
    cli.init_app(app)
