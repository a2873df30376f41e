"""How WeChat's failures are told apart: retry later, refetch the token, or give up.

    retry = transient(error)        # TransientError for -1, 45009, timeouts, HTTP 5xx…, else None
    describe(error)                 # a short reason: errmsg, or "HTTP 502"
    checked(result)                 # the JSON answer, or TransientError when it is not JSON
"""

import requests
from wechatpy.exceptions import WeChatClientException

from channels.base import TransientError

TOKEN_ERRORS = (40001, 40014, 42001)  # invalid / expired token: fetch a new one once
RETRYABLE = (-1, 45009, 45033)  # system busy, API rate limit, too many concurrent calls
UNTRUSTED_IP = 60020  # WeCom: the server's address is not in the app's 企业可信IP
UNKNOWN_AGENT = 40056  # WeCom: no app with this AgentId in the company


class TokenFetchError(Exception):
    """The token endpoint refused our credentials (wrong corp id / secret): not retryable."""

    def __init__(self, errcode, reason):
        super().__init__(f"{errcode}: {reason}")
        self.errcode = errcode
        self.reason = reason


def checked(result):
    if not isinstance(result, dict):
        raise TransientError(None, "WeChat answered something that is not JSON")
    return result


def describe(error):
    """A short reason for a WeChatClientException (HTTP status when there is no errcode)."""
    if error.errcode is None:
        status = getattr(error.response, "status_code", None)
        return f"HTTP {status}" if status else "HTTP error"
    return str(error.errmsg)


def transient(error):
    """The TransientError for a retryable failure of a send call, else None (permanent)."""
    if isinstance(error, TransientError):
        return error
    if isinstance(error, requests.Timeout):
        return TransientError(None, "timeout")
    if isinstance(error, requests.RequestException):
        return TransientError(None, f"connection failed: {type(error).__name__}")
    if isinstance(error, WeChatClientException):
        if error.errcode is None or error.errcode in RETRYABLE or error.errcode in TOKEN_ERRORS:
            return TransientError(error.errcode, describe(error))
    return None
