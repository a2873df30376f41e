"""Configuration: every setting comes from an environment variable of the same name.

    config = from_env()            # a dict of BOT_*/WECHAT_*/WECOM_* settings
    check(config)                  # raises ConfigError with a sentence an operator can act on

`create_app(config)` layers a dict over `from_env()`, so tests and scripts set the same
keys the operator sets in the environment. The README lists every variable.
"""

import os

CHANNELS = ("sandbox", "work", "mp")

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
    "BOT_SEARCH_CACHE": (512, int),  # search answers kept per process; 0 = off
    "BOT_QUERY_LIMIT": (20, int),  # keyword searches per user per minute; 0 = no limit
    "BOT_LOG_LEVEL": ("INFO", str),
    "BOT_BACKUP_DIR": (None, str),  # None: instance/backups
    "BOT_METRICS_TOKEN": (None, str),  # bearer token for /metrics (loopback needs none)
    "WECHAT_APP_ID": (None, str),
    "WECHAT_SECRET": (None, str),
    "WECHAT_TOKEN": (None, str),
    "WECHAT_ENCODING_AES_KEY": (None, str),
    "WECHAT_TEMPLATE_ID": (None, str),
    "WECHAT_API_BASE": ("https://api.weixin.qq.com/cgi-bin/", str),
    "WECOM_CORP_ID": (None, str),
    "WECOM_SECRET": (None, str),
    "WECOM_AGENT_ID": (None, str),
    "WECOM_TOKEN": (None, str),
    "WECOM_ENCODING_AES_KEY": (None, str),
    "WECOM_API_BASE": ("https://qyapi.weixin.qq.com/cgi-bin/", str),
}

# What each channel cannot run without.
REQUIRED = {
    "sandbox": (),
    "mp": ("WECHAT_APP_ID", "WECHAT_SECRET", "WECHAT_TOKEN"),
    "work": ("WECOM_CORP_ID", "WECOM_SECRET", "WECOM_AGENT_ID", "WECOM_TOKEN",
             "WECOM_ENCODING_AES_KEY"),
}


class ConfigError(ValueError):
    """A setting is missing or malformed; the message names the variable."""


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
    """Raise ConfigError if the settings cannot work together."""
    channel = config.get("BOT_CHANNEL")
    if channel not in CHANNELS:
        raise ConfigError(f"BOT_CHANNEL={channel!r} is not valid: use one of {', '.join(CHANNELS)}")
    missing = [name for name in REQUIRED[channel] if not config.get(name)]
    if missing:
        raise ConfigError(f"BOT_CHANNEL={channel} needs {', '.join(missing)} (see README, Configuration)")
    aes_key = config.get("WECOM_ENCODING_AES_KEY" if channel == "work" else "WECHAT_ENCODING_AES_KEY")
    if aes_key and len(aes_key) != 43:
        raise ConfigError("the EncodingAESKey must be the 43 characters shown on the WeChat admin page")
    if config.get("BOT_SEND_RATE", 1) <= 0:
        raise ConfigError("BOT_SEND_RATE must be a positive number of calls per second")


def _describe(kind):
    return {"bool": "1 or 0", int: "a whole number", float: "a number"}.get(kind, "text")
