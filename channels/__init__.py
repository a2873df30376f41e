"""Delivery channels behind one interface (see push/channels/base.py and docs/channels.md).

    from channels import make_channel, Result, TransientError, inbox
"""

from channels.base import (FAILED, SENT, STATUSES, WINDOW_CLOSED, Channel, Result,
                                TransientError, make_channel)
from channels.sandbox import inbox

__all__ = ["Channel", "Result", "TransientError", "make_channel", "inbox",
           "SENT", "FAILED", "WINDOW_CLOSED", "STATUSES"]
