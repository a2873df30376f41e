"""Storage: the SQLite file and every table's SQL — issues and items, departments, the roster
and binding, search, chat memory and query limits.

    store.init_app(app)          # the database (migrated, pooled) and the search answer cache
    db = store.db.get_db()       # this request's connection
    with store.transaction.write(db): ...

Views, handlers and commands call functions here; they never write SQL themselves.
"""


import os


def init_app(app):
    """Open (and migrate) the database, refuse a damaged or read-only one, keep a secret key
    when BOT_SECRET_KEY is unset (store/secret_key.py), mark the database in use, size the
    search cache, warm jieba on the first request (a request starter: bot.create_app)."""
    from config import StartupError
    from store import (db, departments, integrity, presence, search_cache, secret_key,
                       shared_answers, upkeep_schema)
    from store.text import warm_up_in_background

    departments.configure(app.config.get("BOT_DISTRICT"))
    path = db.database_path(app)
    if os.path.exists(path) and not os.access(path, os.W_OK):  # SQLite would open it read-only
        raise StartupError(f"the database {path} cannot be written by this user (uid "
                           f"{os.getuid()}): give it to the user running Jianbao, or mount its "
                           "disk read-write")
    db.init_app(app)
    db.add_schema(app, upkeep_schema.migrations)
    verdict = integrity.cached(app.config["DATABASE_PATH"])  # gunicorn: the master's
    if verdict != "ok":
        raise StartupError(f"the database {app.config['DATABASE_PATH']} is damaged ({verdict}): "
                           "restore the latest backup (python bot.py restore FILE)")
    if not app.config.get("SECRET_KEY"):  # BOT_SECRET_KEY unset: the one kept in the database
        kept = db.open_db(app.config["DATABASE_PATH"], migrate=False)
        try:
            app.config["SECRET_KEY"] = secret_key.kept_key(
                kept, os.path.join(app.instance_path, "secret_key"))
        finally:
            kept.conn.close()
    if not app.testing:  # a server, worker or command: restore waits until it is gone
        presence.hold(app.config["DATABASE_PATH"])
    search_cache.configure(app.config["BOT_SEARCH_CACHE"])
    shared_answers.configure(app.config.get("BOT_DISTRICT"))
    app.extensions.setdefault("request_starters", []).append(warm_up_in_background)
