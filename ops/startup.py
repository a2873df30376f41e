"""Start-up that ends in one line, never a traceback: bad settings, a database path that
cannot be used, a damaged database.

    app = create_or_exit()      # the CLI and gunicorn's master (deploy/gunicorn.conf.py)

Prints `Error: <what, naming the setting or file>` on stderr and exits with status 2.
"""

import sqlite3
import sys

import config as settings


class StartupError(Exception):
    """The app cannot start; the message says what the operator must fix."""


def create_or_exit(config=None):
    from bot import create_app

    try:
        return create_app(config)
    except (settings.ConfigError, StartupError) as error:
        _exit(str(error))
    except sqlite3.Error as error:
        _exit(f"the database ({_database(config)}) cannot be used: {error}")
    except OSError as error:
        _exit(f"{error.strerror or error}: {error.filename or _database(config)}")


def _database(config):
    try:
        from_env = settings.from_env()
    except settings.ConfigError:
        from_env = {}
    return (config or {}).get("BOT_DATABASE") or from_env.get("BOT_DATABASE") or \
        "instance/jianbao.sqlite3 (BOT_DATABASE)"


def _exit(message):
    print(f"Error: {message}", file=sys.stderr)
    sys.exit(2)
