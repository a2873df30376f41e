"""Storage: the SQLite file and every table's SQL — issues and items, departments, the roster
and binding, search, chat memory and query limits.

    store.init_app(app)          # the database (migrated, pooled) and the search answer cache
    db = store.db.get_db()       # this request's connection
    with store.transaction.write(db): ...

Views, handlers and commands call functions here; they never write SQL themselves.
"""


def init_app(app):
    """Open (and migrate) the database, size the search cache, warm jieba on first request."""
    from store import db, departments, search_cache
    from store.text import warm_up_in_background

    departments.configure(app.config.get("BOT_DISTRICT"))
    db.init_app(app)
    search_cache.configure(app.config["BOT_SEARCH_CACHE"])
    app.before_request(warm_up_in_background)
