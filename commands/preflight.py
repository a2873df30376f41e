"""`python bot.py check`: before going live, test the settings and the WeChat credentials, and
say what must still be set by hand in the WeChat admin.

    python bot.py check          # exit 0: ready; 2: something blocks (named on its line)

The settings themselves were validated when the app was built (a bad one stops the command
in one line). Here: the database is writable and sound, an access token can be fetched with
the configured credentials (a fresh fetch, not a stored token), and for WeCom the app's
settings can be read from this server's address (WeCom refuses calls from addresses not in
the app's trusted IPs, errcode 60020).
"""

import ipaddress
import sqlite3
import urllib.parse

import click
import requests
from flask import current_app
from flask.cli import with_appcontext
from wechatpy.exceptions import WeChatClientException

from channels import channel_class, make_channel
from channels.errors import UNTRUSTED_IP
from commands.errors import Fail
from store import accounts, integrity
from store import upkeep
from store.db import open_db



def checks(app):
    """[(ok: bool | None, line)]: None marks advice that blocks nothing."""
    config, lines = app.config, []
    path = config["DATABASE_PATH"]
    verdict = integrity.quick(path)
    lines.append((verdict == "ok", f"database {path}: integrity {verdict}"))
    try:
        db = open_db(path, migrate=False)
        upkeep.beat(db, "preflight", "check")
        db.conn.close()
        lines.append((True, "database writable"))
    except sqlite3.Error as error:
        lines.append((False, f"database not writable: {error}"))
    public = urllib.parse.urlsplit(config["BOT_PUBLIC_URL"])
    if _local(public.hostname) and channel_class(config["BOT_CHANNEL"]).needs_access_token:
        lines.append((False, f"BOT_PUBLIC_URL is {config['BOT_PUBLIC_URL']}: WeChat and the "
                             "cadres' phones cannot reach this machine's loopback; set this "
                             "server's public https:// address"))
    elif public.scheme != "https" and not _local(public.hostname):
        lines.append((None, f"BOT_PUBLIC_URL is {config['BOT_PUBLIC_URL']}: use https:// "
                            "(item links carry tokens; WeChat opens them on phones)"))
    if not config.get("BOT_SECRET_KEY"):
        lines.append((None, "BOT_SECRET_KEY is unset: a generated key kept in the database "
                            "signs links and sessions (backups hold it)"))
    if not config.get("BOT_PUBLISH_SECRET"):
        lines.append((None, "BOT_PUBLISH_SECRET is unset: the publishing webhook answers 503"))
    if not config.get("BOT_ADMIN_PASSWORD"):
        lines.append((None, "BOT_ADMIN_PASSWORD is unset: the console is off"))
    elif not str(config["BOT_ADMIN_PASSWORD"]).startswith(("scrypt:", "pbkdf2:")):
        lines.append((None, "BOT_ADMIN_PASSWORD is a plain password: store its hash "
                            "(python bot.py admin-hash)"))
    if not config.get("BOT_TRUSTED_PROXIES"):
        lines.append((None, "BOT_TRUSTED_PROXIES is unset: behind nginx set 127.0.0.1,::1, or "
                            "every client looks like the proxy (one lockout for everyone)"))
    lines += cli_user_checks(config, path)
    lines += channel_checks(config, path)
    return lines


WHAT_A_ROLE_MAY = {
    "editor": "publishes and corrects items not yet pushed; push, approve, withdraw, remind "
              "and `user` are refused (approver, admin)",
    "approver": "pushes approved issues only (four-eyes applies); `user` commands are an "
                "admin's",
    "admin": "pushes approved issues only (four-eyes applies), and manages accounts",
}


def cli_user_checks(config, path):
    """BOT_CLI_USER must name an active console account: else every command that changes
    data refuses (commands.review.account). Set, it says what the account's role allows."""
    name = config.get("BOT_CLI_USER")
    if not name:
        return []
    db = open_db(path, migrate=False)
    try:
        row = accounts.get(db, name)
    finally:
        db.conn.close()
    if row is None:
        return [(False, f"BOT_CLI_USER={name} names no console account: every command that "
                        "changes data refuses; add it (`BOT_CLI_USER= python bot.py user add "
                        f"{name} --role approver`) or unset BOT_CLI_USER")]
    if row["disabled"]:
        return [(False, f"BOT_CLI_USER={name} is disabled: every command that changes data "
                        "refuses; enable it on the console's accounts page (/admin/accounts) "
                        "or unset BOT_CLI_USER")]
    return [(None, f"BOT_CLI_USER={name} ({row['role']}): the CLI acts as this account and "
                   + WHAT_A_ROLE_MAY.get(row["role"], "under its role"))]


def channel_checks(config, path):
    cls = channel_class(config["BOT_CHANNEL"])
    if not cls.needs_access_token:
        return [(None, f"BOT_CHANNEL={cls.name}: nothing is sent to WeChat (demo and trials)")]
    client = make_channel(config, path).client
    try:
        client.fetch_access_token()
    except WeChatClientException as error:
        return [(False, f"access token: WeChat refused the credentials: errcode {error.errcode} "
                        f"({error.errmsg}); check {cls.credential_settings}" +
                 ("; add this server's address to the IP whitelist" if error.errcode in
                  (40164, UNTRUSTED_IP) else ""))]
    except (requests.RequestException, ValueError) as error:
        return [(False, f"access token: could not reach WeChat ({type(error).__name__}); "
                        "check this server's outbound HTTPS and proxy")]
    return [(True, f"access token fetched with {cls.credential_settings}")] + \
        cls.preflight(client, config)


def admin_steps(config):
    """What the operator sets by hand in the WeChat admin pages."""
    return channel_class(config["BOT_CHANNEL"]).admin_steps(config)


def _local(host):
    try:
        return ipaddress.ip_address(host or "").is_loopback
    except ValueError:
        return host == "localhost"


@click.command("check")
@with_appcontext
def check_command():
    """Preflight: settings, database, an access token; what to set in the WeChat admin."""
    app = current_app._get_current_object()
    click.echo(f"Jianbao preflight (channel {app.config['BOT_CHANNEL']})")
    click.echo("  ok    settings are valid")
    blocked = False
    for ok, line in checks(app):
        click.echo(f"  {'ok  ' if ok else 'FAIL' if ok is False else 'note'}  {line}")
        blocked = blocked or ok is False
    click.echo("Set in the WeChat admin:")
    for step in admin_steps(app.config):
        click.echo(f"  - {step}")
    if blocked:
        raise Fail("the preflight found problems (FAIL above)")


COMMANDS = (check_command,)
