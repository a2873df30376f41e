"""Configuration: every setting comes from an environment variable of the same name.

    config = from_env()            # a dict of BOT_*/WECHAT_*/WECOM_* settings
    check(config)                  # raises ConfigError with a sentence an operator can act on

`create_app(config)` layers a dict over `from_env()`, so tests and scripts set the same
keys the operator sets in the environment. The README lists every variable.
"""

import base64
import binascii
import ipaddress
import math
import os
import re
import urllib.parse

DEFAULT_FOLLOWS = ("own", "none", "all")

# name -> (default, parser). Defaults are the embedded, no-account setup `make run` uses.
SETTINGS = {
    "BOT_DATABASE": (None, str),  # None: instance/jianbao.sqlite3
    "BOT_CHANNEL": ("sandbox", str),
    "BOT_SECRET_KEY": (None, str),  # None: generated once and kept in the instance folder
    "BOT_PUBLIC_URL": ("http://127.0.0.1:5000", str),
    "BOT_PUBLISH_SECRET": (None, str),
    "BOT_ADMIN_PASSWORD": (None, str),
    "BOT_AUTO_PUSH": (False, "bool"),
    "BOT_OPEN_ACCESS": (False, "bool"),
    "BOT_FOUR_EYES": (True, "bool"),  # who uploaded or last changed an issue cannot approve it
    "BOT_CLI_USER": (None, str),  # the console account CLI commands act as; None: the operator
    "BOT_MAX_BODY_BYTES": (10 * 1024 * 1024, int),  # webhook uploads
    "BOT_MAX_CALLBACK_BYTES": (64 * 1024, int),  # /wechat bodies
    "BOT_SEND_RATE": (20.0, float),  # API calls per second, all workers together
    "BOT_HTTP_TIMEOUT": (10.0, float),  # seconds, every WeChat API call (token fetch too)
    "BOT_INPROCESS_WORKER": (True, "bool"),
    "BOT_SEND_ATTEMPTS": (5, int),  # API calls per outbox row before its recipients fail
    "BOT_RETRY_BASE_SECONDS": (2.0, float),  # first retry delay; doubles, jittered
    "BOT_PAUSE_AFTER_FAILURES": (10, int),  # failed calls in a row that pause a push
    "BOT_LEASE_SECONDS": (120.0, float),  # a dead worker's claim expires after this
    "BOT_WORKER_THREADS": (4, int),  # sending threads per worker (serve or `bot.py worker`)
    "BOT_LINK_TTL_DAYS": (30, int),
    "BOT_SEARCH_CACHE": (4096, int),  # search answers kept per process; 0 = off
    "BOT_QUERY_LIMIT": (20, int),  # keyword searches per user per minute; 0 = no limit
    "BOT_LOG_LEVEL": ("INFO", str),
    "BOT_MAX_PAGES": (60, int),  # PDF pages one upload may have
    "BOT_MAX_ITEMS": (300, int),  # items one issue may have
    "BOT_PARSE_SECONDS": (90.0, float),  # wall time to read one upload (OCR included)
    "BOT_PARSE_MEMORY_MB": (2048, int),  # memory of the process that reads one upload
    "BOT_DEFAULT_FOLLOW": ("own", str),  # what a cadre receives unasked: own | none | all
    "BOT_OFFICE_NAME": ("区委办公室", str),  # whom cadres ask (binding codes, stopping pushes)
    "BOT_DISTRICT": (None, str),  # the district's own prefix (区名); None: from the data
    "BOT_BACKUP_DIR": (None, str),  # None: instance/backups
    "BOT_VERIFY_DIR": (None, str),  # None: instance/verify (WeChat's domain-verification files)
    "BOT_METRICS_TOKEN": (None, str),  # bearer token for /metrics (loopback needs none)
    "BOT_TRUSTED_PROXIES": (None, str),  # addresses/networks whose X-Forwarded-* are honoured
    "BOT_KEEP_CHAT_DAYS": (90, float),  # chat memory and sandbox messages; 0 = forever
    "BOT_KEEP_RETRIES_DAYS": (2, float),  # WeChat retry memory
    "BOT_KEEP_RECEIPTS_DAYS": (730, float),  # read receipts
    "BOT_KEEP_LOGS_DAYS": (180, float),  # finished outbox calls, binding attempts
    "BOT_TIMEZONE": ("Asia/Shanghai", str),  # local time: pages, quiet hours, --at
    "BOT_REMIND_AFTER_HOURS": (0.0, float),  # automatic 催办 this long after a push; 0 = off
    "BOT_QUIET_HOURS": (None, str),  # e.g. 22:00-07:30 local: non-urgent pushes wait; None: off
    "BOT_READER_OAUTH": (True, "bool"),  # work/mp item pages learn their reader (snsapi_base); 0: link only
    "WECHAT_OAUTH_BASE": ("https://open.weixin.qq.com/connect/", str),  # authorize (both apps)
    "WECHAT_SNS_BASE": ("https://api.weixin.qq.com/", str),  # mp: sns/oauth2/access_token
    "WECHAT_APP_ID": (None, str),
    "WECHAT_SECRET": (None, str),
    "WECHAT_TOKEN": (None, str),
    "WECHAT_ENCODING_AES_KEY": (None, str),
    "WECHAT_TEMPLATE_ID": (None, str),
    "WECHAT_TEMPLATE_FIELDS": (None, str),  # the template's fields: title=…,date=…,items=…
    "WECHAT_API_BASE": ("https://api.weixin.qq.com/cgi-bin/", str),
    "WECOM_CORP_ID": (None, str),
    "WECOM_SECRET": (None, str),
    "WECOM_CONTACT_SECRET": (None, str),  # roster sync: the 通讯录同步 secret; unset: WECOM_SECRET
    "WECOM_AGENT_ID": (None, str),
    "WECOM_TOKEN": (None, str),
    "WECOM_ENCODING_AES_KEY": (None, str),
    "WECOM_API_BASE": ("https://qyapi.weixin.qq.com/cgi-bin/", str),
}

# What a template field may show: the title, the item titles (首条等N条), the date,
# a closing note, the first item's department. WECHAT_TEMPLATE_FIELDS maps the template's own
# field names (as in its content, e.g. {{thing1.DATA}}) onto these.
TEMPLATE_VALUES = ("title", "items", "date", "note", "department")
DEFAULT_TEMPLATE_FIELDS = "first=title,keyword1=items,keyword2=date,remark=note"


def parse_template_fields(text):
    """`parse_template_fields("thing1=items,time2=date")` -> {"thing1": "items", "time2":
    "date"}; None for no text; ValueError naming what is wrong."""
    if not text:
        return None
    fields = {}
    for part in filter(None, (p.strip() for p in str(text).split(","))):
        field, _, value = (x.strip() for x in part.partition("="))
        if not field.replace("_", "").isalnum() or value not in TEMPLATE_VALUES:
            raise ValueError(f"{part!r}: write field=value, value one of {', '.join(TEMPLATE_VALUES)}")
        fields[field] = value
    if not fields:
        raise ValueError("no field=value pairs")
    return fields

MIN_SECRET_KEY = 16  # characters of BOT_SECRET_KEY: a short one lets a console cookie be forged
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
# The least value each number may take (sizes and limits cannot be negative; 0 means "off"
# only where the README says so).
LOWER_BOUNDS = {
    "BOT_MAX_BODY_BYTES": 1, "BOT_MAX_CALLBACK_BYTES": 1, "BOT_SEND_RATE": 0.001,
    "BOT_HTTP_TIMEOUT": 0.1, "BOT_SEND_ATTEMPTS": 1, "BOT_RETRY_BASE_SECONDS": 0.001,
    "BOT_PAUSE_AFTER_FAILURES": 1, "BOT_LEASE_SECONDS": 0.1, "BOT_WORKER_THREADS": 1,
    "BOT_LINK_TTL_DAYS": 1, "BOT_SEARCH_CACHE": 0, "BOT_QUERY_LIMIT": 0,
    "BOT_KEEP_CHAT_DAYS": 0, "BOT_KEEP_RETRIES_DAYS": 0, "BOT_KEEP_RECEIPTS_DAYS": 0,
    "BOT_KEEP_LOGS_DAYS": 0, "BOT_MAX_PAGES": 1, "BOT_MAX_ITEMS": 1, "BOT_PARSE_SECONDS": 1,
    "BOT_PARSE_MEMORY_MB": 256, "BOT_REMIND_AFTER_HOURS": 0,
}


class ConfigError(ValueError):
    """A setting is missing or malformed; the message names the variable."""


class StartupError(Exception):
    """The app cannot start (a damaged or unusable database); the message says what to fix."""


def instance_path(config=None):
    """The instance folder: `INSTANCE_PATH` in `config`, else BOT_INSTANCE_PATH, else
    ./instance beside bot.py."""
    path = (config or {}).get("INSTANCE_PATH") or os.environ.get("BOT_INSTANCE_PATH")
    return os.path.abspath(path or os.path.join(os.path.dirname(__file__), "instance"))


def default(name):
    """`default("BOT_HTTP_TIMEOUT")` -> 10.0: the one place a default is stated."""
    return SETTINGS[name][0]


def setting(config, name):
    """`setting(app.config, "BOT_SEND_RATE")`: the value, or its one stated default when a
    partial config (a test's, a script's) leaves it out."""
    value = config.get(name)
    return default(name) if value is None else value


def parse_bool(value):
    """`parse_bool("1")` -> True. Accepts 1/0, true/false, yes/no, on/off."""
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off", ""):
        return False
    raise ValueError(f"not a yes/no value: {value!r}")


def from_env(environ=None):
    """Read every setting from `environ` (default `os.environ`), parsed, defaults filled in."""
    environ = os.environ if environ is None else environ
    config = {}
    for name, (default, kind) in SETTINGS.items():
        raw = environ.get(name)
        if raw is None or raw == "":
            config[name] = default
            continue
        try:
            config[name] = parse_bool(raw) if kind == "bool" else kind(raw)
        except ValueError:
            raise ConfigError(f"{name}={raw!r} is not valid: expected {_describe(kind)}")
    return config


def check(config):
    """Raise ConfigError if the settings cannot work together (channel-free checks)."""
    # What one channel needs (its credentials, its AES key) each channel class states:
    # channels.check_config, which create_app runs after this.
    if config.get("WECHAT_TEMPLATE_FIELDS"):
        try:
            parse_template_fields(config["WECHAT_TEMPLATE_FIELDS"])
        except ValueError as error:
            raise ConfigError(f"WECHAT_TEMPLATE_FIELDS is not valid: {error}") from None
    if config.get("BOT_DEFAULT_FOLLOW", "own") not in DEFAULT_FOLLOWS:
        raise ConfigError(f"BOT_DEFAULT_FOLLOW={config.get('BOT_DEFAULT_FOLLOW')!r} is not valid:"
                          f" use one of {', '.join(DEFAULT_FOLLOWS)}")
    try:
        url = urllib.parse.urlsplit(str(config.get("BOT_PUBLIC_URL") or ""))
        url.port  # noqa: B018 - raises for a port that is not a number up to 65535
        usable = url.scheme in ("http", "https") and bool(url.hostname)
    except ValueError:  # `https://[fd00::1/`, `https://host:99999`: no address at all
        usable = False
    if not usable:
        raise ConfigError(f"BOT_PUBLIC_URL={config.get('BOT_PUBLIC_URL')!r} is not valid: "
                          "use the full address, e.g. https://jianbao.example.gov.cn")
    secret = config.get("BOT_SECRET_KEY")
    if secret is not None and len(str(secret).strip()) < MIN_SECRET_KEY:
        raise ConfigError(f"BOT_SECRET_KEY is too short: use at least {MIN_SECRET_KEY} random "
                          "characters (e.g. python -c 'import secrets; print(secrets.token_hex(32))')")
    for name, least in LOWER_BOUNDS.items():
        value = config.get(name)
        if value is not None and not (math.isfinite(float(value)) and float(value) >= least):
            need = {0: "it cannot be negative", 1: "use 1 or more"}.get(least, f"use {least:g} or more")
            raise ConfigError(f"{name}={value!r} is not valid: {need}")
    level = str(config.get("BOT_LOG_LEVEL") or "INFO").upper()
    if level not in LOG_LEVELS:
        raise ConfigError(f"BOT_LOG_LEVEL={config.get('BOT_LOG_LEVEL')!r} is not valid: "
                          f"use one of {', '.join(LOG_LEVELS)}")
    office = config.get("BOT_OFFICE_NAME")
    if office is not None and not re.fullmatch(r"[^\x00-\x1f\x7f{}]{1,30}", str(office).strip()):
        raise ConfigError(f"BOT_OFFICE_NAME={office!r} is not valid: the office's name as cadres "
                          "know it, one line of at most 30 characters (e.g. 县委办公室)")
    user = config.get("BOT_CLI_USER")
    if user is not None and not re.fullmatch(r"[\w.\-@]{1,40}", str(user)):
        raise ConfigError(f"BOT_CLI_USER={user!r} is not valid: the name of a console account "
                          "(python bot.py user list)")
    try:
        local_zone(config)
    except (ValueError, LookupError):
        raise ConfigError(f"BOT_TIMEZONE={config.get('BOT_TIMEZONE')!r} is not valid: use an "
                          "IANA time zone name, e.g. Asia/Shanghai") from None
    try:
        parse_quiet_hours(config.get("BOT_QUIET_HOURS"))
    except ValueError as error:
        raise ConfigError(f"BOT_QUIET_HOURS={config.get('BOT_QUIET_HOURS')!r} is not valid: "
                          f"{error}") from None
    for entry in str(config.get("BOT_TRUSTED_PROXIES") or "").split(","):
        try:
            if entry.strip():
                ipaddress.ip_network(entry.strip(), strict=False)
        except ValueError:
            raise ConfigError(f"BOT_TRUSTED_PROXIES: {entry.strip()!r} is not an address or "
                              "network (e.g. 127.0.0.1,::1 or 10.0.0.0/24)") from None


QUIET_HOURS = re.compile(r"^\s*([01]?\d|2[0-3]):([0-5]\d)\s*-\s*([01]?\d|2[0-3]):([0-5]\d)\s*$")


def parse_quiet_hours(text):
    """`parse_quiet_hours("22:00-07:30")` -> (1320, 450): minutes after local midnight of the
    window's start and end (the window may cross midnight); None for no text; ValueError."""
    if not text or not str(text).strip():
        return None
    found = QUIET_HOURS.match(str(text))
    if not found:
        raise ValueError("write HH:MM-HH:MM, e.g. 22:00-07:30")
    start = int(found[1]) * 60 + int(found[2])
    end = int(found[3]) * 60 + int(found[4])
    if start == end:
        raise ValueError("the window starts and ends at the same time")
    return start, end


def local_zone(config):
    """`local_zone(app.config)` -> the ZoneInfo of BOT_TIMEZONE (ValueError/LookupError if
    unknown)."""
    import zoneinfo

    name = str(setting(config, "BOT_TIMEZONE") or "").strip()
    if not name:
        raise ValueError("empty time zone")
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as error:
        raise LookupError(str(error)) from None


def valid_aes_key(key):
    """43 base64 characters that decode to a 32-byte AES key (what WeChat generates)."""
    if len(key) != 43 or not re.fullmatch(r"[A-Za-z0-9+/]{43}", key):
        return False
    try:
        return len(base64.b64decode(key + "=", validate=True)) == 32
    except (binascii.Error, ValueError):
        return False


def _describe(kind):
    return {"bool": "1 or 0", int: "a whole number", float: "a number"}.get(kind, "text")
