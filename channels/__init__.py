"""Delivery channels behind one interface, found through one registry (docs/channels.md).

    channel = make_channel(app.config, db_path)   # the channel BOT_CHANNEL names
    channel_class("work").identity                # "userid": what addresses a WeCom cadre
    identity_of(app.config)                       # the same for BOT_CHANNEL
    from channels import Result, TransientError, inbox

Each channel class (sandbox.py, work.py, mp.py) holds what is particular to it; code outside
this package asks the registry and never compares channel names.
"""

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


def identity_of(config):
    """`identity_of(app.config)` -> "userid", "openid" or "any": how BOT_CHANNEL addresses a
    cadre (subscriptions.audience and store.binding take it)."""
    return channel_class(config.get("BOT_CHANNEL") or "sandbox").identity


def make_channel(config, db_path):
    """The channel BOT_CHANNEL names, configured from the app settings."""
    return channel_class(config.get("BOT_CHANNEL") or "sandbox").from_config(config, db_path)


__all__ = ["Channel", "Result", "TransientError", "make_channel", "channel_class", "identity_of", "inbox",
           "REGISTRY", "SENT", "FAILED", "WINDOW_CLOSED", "STATUSES"]
