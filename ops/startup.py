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
        damaged = any(word in str(error) for word in ("malformed", "not a database"))
        _exit(f"the database ({_database(config)}) cannot be used: {error}" +
              (": restore the latest backup (python bot.py restore FILE)" if damaged else ""))
    except OSError as error:
        _exit(f"cannot use {error.filename or _database(config)}: {error.strerror or error} "
              "(BOT_DATABASE, BOT_INSTANCE_PATH)")


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


def guard_sandbox(app, host):
    """`serve --host H` on the sandbox channel: outside loopback the public default callback
    token would let anyone on the network post as any cadre. Returns a line to print (the
    generated token) or None; raises StartupError when the token is the public default."""
    import ipaddress
    import secrets

    from handlers.envelope import SANDBOX_TOKEN

    if app.config.get("BOT_CHANNEL") != "sandbox":
        return None
    try:
        local = ipaddress.ip_address(host).is_loopback
    except ValueError:
        local = host == "localhost"
    if local:
        return None
    token = app.config.get("WECHAT_TOKEN")
    if token == SANDBOX_TOKEN:
        raise StartupError(f"WECHAT_TOKEN is the public sandbox default: serving on {host} "
                           "needs a token of your own (or unset it to get a generated one)")
    if token:
        return None
    app.config["WECHAT_TOKEN"] = secrets.token_urlsafe(18)
    return (f"Sandbox on {host}: /wechat needs the generated callback token "
            f"{app.config['WECHAT_TOKEN']} (WECHAT_TOKEN)")
