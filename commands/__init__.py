"""Every `python bot.py` command, registered in one place by bot.py's COMPONENTS.

    commands.init_app(app)   # parse, publish, push, resend, status, worker, search, reindex,
                             # roster …, departments …, init-db, demo, admin-hash, backup,
                             # stats, check (restore: bot.py, it must work without the app)

Each module is a thin shell over library functions (bulletin, store, subscriptions, push,
web); every refusal is `commands.errors.Fail`: one line on stderr, exit status 2.
"""


def init_app(app):
    """Add every command to `app.cli`."""
    from commands import (accounts, audit, followup, office, parse, preflight, push, review,
                          setup, upkeep)

    for module in (parse, office, push, setup, upkeep, preflight, audit, accounts, review,
                   followup):
        for command in module.COMMANDS:
            app.cli.add_command(command)
