"""The HTTP session every WeChat client here uses: a timeout on every call.

    session = TimeoutSession(timeout=10.0)   # BOT_HTTP_TIMEOUT
"""

import logging

import requests

# urllib3 logs every request URL at DEBUG, and ours carry corpsecret / access_token.
logging.getLogger("urllib3.connectionpool").setLevel(logging.INFO)


class TimeoutSession(requests.Session):
    """A requests session that puts `timeout` on every call that does not set one."""

    def __init__(self, timeout):
        super().__init__()
        self.default_timeout = timeout

    def request(self, method, url, **kwargs):
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self.default_timeout
        return super().request(method, url, **kwargs)
