"""One access token for every process: SQLite session storage, a refresh lease, bounded retry.

    client = WeComClient(corp_id, secret, db_path, api_base=…, timeout=10)
    result = client.call(lambda: client.message.send(agent_id, users, msg=payload))

wechatpy 1.8.18 keeps `expires_at` on the client object, so two processes would each fetch
(and, on the Official Account, kill the other's token five minutes later). Here the token
lives only in `channel_tokens` with its expiry (stored `MARGIN` seconds early), every read
goes to that table, and a fetch happens under a lease row in `channel_locks`: the other
processes wait for it and use the token it stored. `call` refetches once on 40001/40014/42001
(only if nobody else already did) and retries the call once — never wechatpy's unbounded
`auto_retry`, which every client here has off. Every HTTP call, the token fetch included,
carries the channel timeout.
"""

import hashlib
import time
import uuid

import requests
from wechatpy.exceptions import WeChatClientException
from wechatpy.session import SessionStorage

import metrics
from channels import store
from channels.base import TransientError
from channels.errors import RETRYABLE, TOKEN_ERRORS, TokenFetchError, checked, describe
from channels.http import TimeoutSession

MARGIN = 300  # seconds: treat a token as expired this long before WeChat does
POLL = 0.05

class SQLiteSessionStorage(SessionStorage):
    """`SQLiteSessionStorage(db_path)`: wechatpy's session storage, shared through SQLite."""

    def __init__(self, db_path, margin=MARGIN):
        self.db_path = db_path
        self.margin = margin

    def get(self, key, default=None):
        value = store.get_token(store.thread_db(self.db_path), key)
        return default if value is None else value

    def set(self, key, value, ttl=None):
        expires_at = None
        if ttl:
            expires_at = time.time() + max(int(ttl) - self.margin, int(ttl) // 2)
        store.put_token(store.thread_db(self.db_path), key, value, expires_at)

    def delete(self, key, value=None):
        store.drop_token(store.thread_db(self.db_path), key, value)


class SharedTokenClient:
    """Mixin placed before a wechatpy client class: shared token, bounded token retry."""

    def setup_shared_token(self, api_base, timeout):
        self.API_BASE_URL = api_base
        self.timeout = timeout
        self.auto_retry = False
        self._http = TimeoutSession(timeout)

    @property
    def access_token_key(self):
        """`work:<corp id>:<fingerprint>` / `mp:<app id>:<fingerprint>`: which channel and app
        (health reports tokens per channel), and no secret material (wechatpy's own key holds
        the first 10 characters of the secret)."""
        return token_key(self)

    @property
    def access_token(self):
        return self.session.get(self.access_token_key) or self.refresh_access_token()

    def refresh_access_token(self, stale=None):
        """A token other than `stale`: someone else's fresh one, or one fetched under the lease."""
        key, holder = self.access_token_key, uuid.uuid4().hex
        lease = f"token:{key}"
        deadline = time.time() + 2 * self.timeout + 5
        db = store.thread_db(self.session.db_path)
        while True:
            token = self.session.get(key)
            if token and token != stale:
                return token
            if store.take_lease(db, lease, holder, self.timeout + 5):
                try:
                    token = self.session.get(key)
                    if token and token != stale:
                        return token
                    return self._fetch_token_now()
                finally:
                    store.end_lease(db, lease, holder)
            if time.time() > deadline:
                raise TransientError(None, "another process is still fetching the access token")
            time.sleep(POLL)

    def _fetch_token_now(self):
        try:
            token = self.fetch_access_token()["access_token"]
            metrics.token_fetch("ok")
            return token
        except WeChatClientException as error:
            metrics.token_fetch("refused")
            metrics.api_error(error.errcode)
            if error.errcode is None or error.errcode in RETRYABLE:
                raise TransientError(error.errcode, f"token fetch failed: {describe(error)}")
            raise TokenFetchError(error.errcode, error.errmsg)
        except (requests.RequestException, ValueError, KeyError) as error:
            metrics.token_fetch("failed")
            raise TransientError(None, f"token fetch failed: {type(error).__name__}")

    def call(self, request):
        """`client.call(lambda: client.message.send(…))`: one token refetch and retry at most."""
        token = self.access_token
        try:
            return checked(request())
        except WeChatClientException as error:
            metrics.api_error(error.errcode)
            if error.errcode not in TOKEN_ERRORS:
                raise
        self.refresh_access_token(stale=token)
        try:
            return checked(request())
        except WeChatClientException as error:
            metrics.api_error(error.errcode)
            if error.errcode in TOKEN_ERRORS:
                raise TransientError(error.errcode, f"token refused after a refetch: {error.errmsg}")
            raise


def token_key(client):
    corp_id = getattr(client, "corp_id", None)
    app_id = corp_id or getattr(client, "appid", "")
    # Two WeCom apps of one corp have different secrets and tokens: a short hash of the
    # secret tells them apart without keeping any part of it.
    fingerprint = hashlib.sha256(f"jianbao-token-key:{client.secret}".encode()).hexdigest()[:8]
    return f"{'work' if corp_id else 'mp'}:{app_id}:{fingerprint}"
