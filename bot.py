"""Jianbao (简报): a WeChat bot that delivers a district office's bulletin to its cadres.

    python bot.py serve                 # the web app (callback, webhook, console, pages)
    python bot.py parse FILE [--json]   # read a bulletin issue and show its items and cards
    python bot.py --help                # every command

`create_app(config=None)` builds the Flask app; nothing happens at import time.
Settings come from environment variables (see config.py and the README); a `config`
dict passed here overrides them (tests do this).
"""

import ipaddress
import logging
import os
import secrets
import sqlite3
import sys

try:
    import click
    from flask import Flask, request
    from flask.cli import FlaskGroup, routes_command, shell_command
    from werkzeug.exceptions import HTTPException

    import channels
    import config as settings
    from channels.inbound import SANDBOX_TOKEN
    from commands.errors import Fail, database_trouble
    from commands.upkeep import backup_command, restore_command
except ModuleNotFoundError as missing:  # `python bot.py …` by a python without our packages
    here = os.path.dirname(os.path.abspath(__file__))
    top = (missing.name or "").split(".")[0]
    if __name__ != "__main__" or os.path.exists(os.path.join(here, top)) \
            or os.path.exists(os.path.join(here, top + ".py")):
        raise  # imported (gunicorn, tests), or one of our own modules: the real traceback
    print(f"Error: {sys.executable} has no {missing.name} (Jianbao's packages are not installed"
          " for it): run `make venv` once, then `.venv/bin/python bot.py …`"
          " (or `. .venv/bin/activate` and `python bot.py …`)", file=sys.stderr)
    sys.exit(2)

# Each component wires itself in with init_app(app): teardown hooks, blueprints, CLI.
COMPONENTS = (
    "store",
    "channels",
    "push",
    "handlers",
    "web",
    "commands",
)


def create_app(config=None):
    """Build the app: settings from the environment, overridden by `config`."""
    app = Flask(__name__, instance_path=settings.instance_path(config))
    app.config.update(settings.from_env())
    app.config.update(config or {})
    settings.check(app.config)
    channels.check_config(app.config)
    os.makedirs(app.instance_path, exist_ok=True)
    app.config["SECRET_KEY"] = app.config["BOT_SECRET_KEY"]  # else store keeps one: secret_key.py
    app.config["MAX_CONTENT_LENGTH"] = app.config["BOT_MAX_BODY_BYTES"]
    _configure_logging(app)
    for name in COMPONENTS:
        __import__(name, fromlist=["init_app"]).init_app(app)
    app.wsgi_app = _StartersFirst(app, app.wsgi_app)  # outermost: every path, /wechat too
    app.register_error_handler(HTTPException, _api_errors_as_json)
    return app


class _StartersFirst:
    """WSGI: before every request, whichever path, run what a serving process starts on its
    first request — jieba's warm-up, the in-process push worker:
    `app.extensions["request_starters"]`, each cheap to call again. It wraps the whole app,
    so Flask's routes and /wechat (answered in front of Flask, handlers/callback.py) share
    this one loop."""

    def __init__(self, app, inner):
        self.app, self.inner = app, inner

    def __call__(self, environ, start_response):
        for start in self.app.extensions.get("request_starters", ()):
            start()
        return self.inner(environ, start_response)


def _api_errors_as_json(error):
    """Scripts calling /api/… get JSON errors even for URLs no route matches (404, 405)."""
    if request.path.startswith("/api/"):
        return {"error": error.description}, error.code
    return error


def _configure_logging(app):
    level = getattr(logging, str(app.config["BOT_LOG_LEVEL"]).upper(), logging.INFO)
    if not logging.getLogger().handlers:
        logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app.logger.setLevel(level)


def create_or_exit(config=None):
    """`create_app`, or one line on stderr and exit status 2: bad settings, a database path
    that cannot be used, a damaged database (the CLI and gunicorn's master both use it)."""
    try:
        return create_app(config)
    except (settings.ConfigError, settings.StartupError) as error:
        _exit(str(error))
    except sqlite3.Error as error:
        _exit(database_trouble(error, _database(config)))
    except OSError as error:
        _exit(f"cannot use {error.filename or _database(config)}: {error.strerror or error} "
              "(BOT_DATABASE, BOT_INSTANCE_PATH)")


def _database(config):
    """The database path the app would use (it named instance/… whatever BOT_INSTANCE_PATH said)."""
    try:
        from_env = settings.from_env()
    except settings.ConfigError:
        from_env = {}
    return (config or {}).get("BOT_DATABASE") or from_env.get("BOT_DATABASE") or \
        os.path.join(settings.instance_path(config), "jianbao.sqlite3")


def _exit(message):
    click.echo(f"Error: {' '.join(str(message).split())}", err=True)  # one line, always
    sys.exit(2)


def guard_sandbox(app, host):
    """`serve --host H` on the sandbox: outside loopback the public default callback token
    would let anyone on the network post as any cadre. Returns a line to print (a generated
    token) or None; raises StartupError when the token is the public default."""
    if not channels.channel_class(app.config["BOT_CHANNEL"]).has_sandbox_phone:
        return None
    try:
        local = ipaddress.ip_address(host).is_loopback
    except ValueError:
        local = host == "localhost"
    if local:
        return None
    token = app.config.get("WECHAT_TOKEN")
    if token == SANDBOX_TOKEN:
        raise settings.StartupError(f"WECHAT_TOKEN is the public sandbox default: serving on "
                                    f"{host} needs a token of your own (or unset it to get a "
                                    "generated one)")
    if token:
        return None
    app.config["WECHAT_TOKEN"] = secrets.token_urlsafe(18)
    return (f"Sandbox on {host}: /wechat needs the generated callback token "
            f"{app.config['WECHAT_TOKEN']} (WECHAT_TOKEN)")


def _load_app(*args, **kwargs):
    return create_or_exit()  # a bad setting or database: one line, exit status 2


class _Commands(FlaskGroup):
    """bot.py's commands: an SQLite error no command expected (a database locked past the busy
    timeout, a full disk, a file it may not write) ends in one line and exit status 2, like
    every refusal (commands/errors.py), not a traceback."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except sqlite3.Error as error:
            raise Fail(database_trouble(error, _database(None))) from error


cli = _Commands(create_app=_load_app, load_dotenv=False, add_default_commands=False,
                add_version_option=False, help=__doc__.split("\n\n")[0])
# Jianbao takes its settings from BOT_* variables only: drop Flask's --app/--env-file/--debug.
cli.params = [p for p in cli.params if p.name not in ("app", "env_file", "debug")]
cli.add_command(routes_command)
cli.add_command(shell_command)
cli.add_command(restore_command)  # works without the app: the database may be damaged
cli.add_command(backup_command)  # works without the app: its disk may be full


@cli.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535),
              help="Port to listen on.")
@click.option("--demo", is_flag=True, help="Load the demo data (once) and print where to go.")
def serve_command(host, port, demo):
    """Run the web app (what `make run` starts). Use gunicorn in production (README)."""
    from flask import current_app
    from werkzeug.serving import run_simple

    app = current_app._get_current_object()
    try:
        notice = guard_sandbox(app, host)  # off loopback: no public callback token
    except settings.StartupError as error:
        click.echo(f"Error: {error}", err=True)
        raise SystemExit(2) from None
    if notice:
        click.echo(notice)
    if demo:
        from web.demo import prepare_demo

        click.echo(prepare_demo(app, host, port))
    if app.config["BOT_INPROCESS_WORKER"]:
        from push.worker import start_background

        start_background(app)  # resume queued pushes now, not at the first request
    click.echo(f"Jianbao on http://{host}:{port}/  (channel: {app.config['BOT_CHANNEL']})")
    run_simple(host, port, app, threaded=True, use_reloader=False)


if __name__ == "__main__":
    cli.main(prog_name="bot.py")
