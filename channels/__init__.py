"""Delivery channels behind one interface, found through one registry (docs/channels.md).

    channel = make_channel(app.config, db_path)   # the channel BOT_CHANNEL names
    channel_class("work").identity                # "userid": what addresses a WeCom cadre
    identity_of(app.config)                       # the same for BOT_CHANNEL
    from channels import Result, TransientError, inbox

Each channel class (sandbox.py, work.py, mp.py) holds what is particular to it; code outside
this package asks the registry and never compares channel names.
"""

from config import ConfigError, setting, valid_aes_key
from channels.base import (FAILED, SENT, STATUSES, WINDOW_CLOSED, Channel, Result,
                           TransientError)
from channels.mp import MpChannel
from channels.sandbox import SandboxChannel, inbox
from channels.work import WorkChannel

REGISTRY = {cls.name: cls for cls in (SandboxChannel, WorkChannel, MpChannel)}


def channel_class(name):
    """`channel_class("mp")` -> MpChannel; ValueError for a name no channel has."""
    try:
        return REGISTRY[name]
    except KeyError:
        raise ValueError(f"unknown channel {name!r}: use {', '.join(REGISTRY)}") from None


def init_app(app):
    """Register the channels' own tables (tokens, locks, the sandbox inbox)."""
    from channels.schema import migrations
    from store.db import add_schema

    add_schema(app, migrations)


def check_config(config):
    """Raise config.ConfigError naming what BOT_CHANNEL's channel cannot run without."""
    name = config.get("BOT_CHANNEL")
    if name not in REGISTRY:
        raise ConfigError(f"BOT_CHANNEL={name!r} is not valid: use one of {', '.join(REGISTRY)}")
    cls = REGISTRY[name]
    missing = [setting for setting in cls.required_settings if not config.get(setting)]
    if missing:
        raise ConfigError(f"BOT_CHANNEL={name} needs {', '.join(missing)} (see README, Configuration)")
    aes_key = config.get(cls.aes_key_setting) if cls.aes_key_setting else None
    if aes_key and not valid_aes_key(aes_key):
        raise ConfigError(f"{cls.aes_key_setting} is not valid: the EncodingAESKey is the 43 "
                          "letters and digits shown on the WeChat admin page")
    cls.check_settings(config)


def identity_of(config):
    """`identity_of(app.config)` -> "userid", "openid" or "any": how BOT_CHANNEL addresses a
    cadre (subscriptions.audience and store.binding take it)."""
    return channel_class(setting(config, "BOT_CHANNEL")).identity


def make_channel(config, db_path):
    """The channel BOT_CHANNEL names, configured from the app settings."""
    return channel_class(setting(config, "BOT_CHANNEL")).from_config(config, db_path)


__all__ = ["Channel", "Result", "TransientError", "make_channel", "channel_class", "identity_of", "check_config", "inbox",
           "REGISTRY", "SENT", "FAILED", "WINDOW_CLOSED", "STATUSES"]
