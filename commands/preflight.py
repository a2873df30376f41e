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

from commands.errors import Fail
from store import integrity
from store import upkeep
from store.db import open_db

UNTRUSTED_IP = 60020


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
    if public.scheme != "https" and not _local(public.hostname):
        lines.append((None, f"BOT_PUBLIC_URL is {config['BOT_PUBLIC_URL']}: use https:// "
                            "(item links carry tokens; WeChat opens them on phones)"))
    if not config.get("BOT_SECRET_KEY"):
        lines.append((None, "BOT_SECRET_KEY is unset: a generated key in the instance folder "
                            "signs links and sessions (set it when more than one machine serves)"))
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
    lines += channel_checks(config, path)
    return lines


def channel_checks(config, path):
    channel = config["BOT_CHANNEL"]
    if channel == "sandbox":
        return [(None, "BOT_CHANNEL=sandbox: nothing is sent to WeChat (demo and trials)")]
    from channels import make_channel

    client = make_channel(config, path).client
    try:
        client.fetch_access_token()
    except WeChatClientException as error:
        return [(False, f"access token: WeChat refused the credentials: errcode {error.errcode} "
                        f"({error.errmsg}); check {_credentials(channel)}" +
                 ("; add this server's address to the IP whitelist" if error.errcode in
                  (40164, UNTRUSTED_IP) else ""))]
    except (requests.RequestException, ValueError) as error:
        return [(False, f"access token: could not reach WeChat ({type(error).__name__}); "
                        "check this server's outbound HTTPS and proxy")]
    lines = [(True, f"access token fetched with {_credentials(channel)}")]
    if channel == "work":
        try:
            client.call(lambda: client.agent.get(config["WECOM_AGENT_ID"]))
            lines.append((True, "the WeCom app's settings are readable from this server"))
        except WeChatClientException as error:
            if error.errcode == UNTRUSTED_IP:
                lines.append((False, "WeCom refuses calls from this server's address (60020): "
                                     "add it to the app's 企业可信IP"))
            else:
                lines.append((None, f"could not read the WeCom app's settings: errcode "
                                    f"{error.errcode} ({error.errmsg})"))
        except Exception as error:  # a proxy or WeCom look-alike without agent/get
            lines.append((None, f"could not read the WeCom app's settings ({type(error).__name__})"))
    return lines


def admin_steps(config):
    """What the operator sets by hand in the WeChat admin pages."""
    url = config["BOT_PUBLIC_URL"].rstrip("/") + "/wechat"
    if config["BOT_CHANNEL"] == "work":
        return [
            f"WeCom admin → 应用管理 → the app (AgentId {config['WECOM_AGENT_ID']}) → 接收消息 → "
            f"设置API接收: URL {url}, Token = WECOM_TOKEN, EncodingAESKey = WECOM_ENCODING_AES_KEY",
            "the same app → 企业可信IP: this server's outbound address",
            "the same app → 可见范围: every department or member who should receive the bulletin "
            "(others are refused as invalid users)",
            "optional: a menu with the keys HELP, LATEST, MY_SUBSCRIPTIONS, DEPARTMENTS, MORE",
        ]
    if config["BOT_CHANNEL"] == "mp":
        mode = "安全模式 (WECHAT_ENCODING_AES_KEY)" if config.get("WECHAT_ENCODING_AES_KEY") \
            else "明文模式"
        return [
            f"公众号 → 设置与开发 → 基本配置 → 服务器配置: URL {url}, Token = WECHAT_TOKEN, "
            f"消息加解密方式 {mode}; then 启用",
            "the same page → IP白名单: this server's outbound address",
            "a template (WECHAT_TEMPLATE_ID) for cadres whose 48-hour window is closed",
        ]
    return ["nothing: the sandbox channel talks to no WeChat account"]


def _credentials(channel):
    return "WECOM_CORP_ID/WECOM_SECRET" if channel == "work" else "WECHAT_APP_ID/WECHAT_SECRET"


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
