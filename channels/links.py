"""Signed, expiring links to an item's full-text page.

    url = item_url(app_config, item_id=42, cadre_id=7)     # https://…/items/42?t=42-c7.<time>.<sig>
    claim = read_token(app_config, token, item_id=42)       # {"i": 42, "c": 7} or None
    issued_at(app_config, token)                            # unix time it was signed, or None
    expired(app_config, token, item_id=42)                  # ours, for 42, only too old

A token names the item and who it was sent to: `c` (a cadre id) where the channel sends
to one recipient per call (sandbox, mp), or `g` (a delivery group key) where WeCom sends
one identical message to up to 1,000 members, so the page can only know the group.

The token is itsdangerous' `TimestampSigner` over a short claim — `42`, `42-c7` or
`42-g<group in URL-safe base64>` — signed with BOT_SECRET_KEY; it expires after
BOT_LINK_TTL_DAYS. (A search reply carries five links, so signing is on the chat hot path:
this costs ~5.5 µs a link, the JSON serializer used before ~45 µs.) Links sent before that
change, JSON tokens from `URLSafeTimedSerializer`, are still read until they expire.
"""

import base64
import binascii
import functools
import hashlib
import hmac
import time

from itsdangerous import BadData, BadSignature, SignatureExpired, TimestampSigner, URLSafeTimedSerializer
from itsdangerous.encoding import int_to_bytes, want_bytes

SALT = "jianbao.item-link"


@functools.lru_cache(maxsize=8)
def _signer(secret_key):
    # itsdangerous' HMAC-SHA1 with its "hmac" key derivation, done once here rather than on
    # every token (key_derivation="none" takes the derived key as given); SHA-1 is named by
    # hashlib's function so HMAC runs in OpenSSL, not the hmac module's pure-Python path.
    derived = hmac.new(want_bytes(secret_key), SALT.encode(), hashlib.sha1).digest()
    return TimestampSigner(derived, key_derivation="none", digest_method=hashlib.sha1)


@functools.lru_cache(maxsize=8)
def _mac(secret_key):
    # The same HMAC as _signer's, keyed once: each token copies it (a search reply signs five
    # links; through TimestampSigner.sign a token took 11.5 µs, this way 9 µs — same bytes).
    return hmac.new(_signer(secret_key).secret_keys[-1], digestmod=hashlib.sha1)


def _sign(secret_key, claim, issued_at):
    """TimestampSigner.sign's form — `claim.<time>.<signature>` — for `issued_at`."""
    value = claim.encode() + b"." + _stamp(int(issued_at))
    mac = _mac(secret_key).copy()
    mac.update(value)
    return (value + b"." + _b64(mac.digest())).decode()


@functools.lru_cache(maxsize=4)
def _stamp(seconds):
    # itsdangerous' timestamp field: the big-endian bytes of the time, URL-safe base64; the
    # five links of one reply share their second
    return _b64(int_to_bytes(seconds))


def _b64(data):
    # itsdangerous' base64_encode for bytes, without its str checks (with _stamp: 8 → 5.5 µs)
    return base64.urlsafe_b64encode(data).rstrip(b"=")


@functools.lru_cache(maxsize=8)
def _legacy_serializer(secret_key):
    return URLSafeTimedSerializer(secret_key, salt=SALT)


def make_token(config, item_id, cadre_id=None, group=None, issued_at=None):
    """A token for `item_id` addressed to one cadre or to one delivery group.

    `issued_at` (unix time) signs it as issued then: a page's previous/next links keep the
    expiry of the link that was opened, so following them never renews a link."""
    claim = str(int(item_id))
    if cadre_id is not None:
        claim += f"-c{int(cadre_id)}"
    elif group is not None:
        claim += "-g" + base64.urlsafe_b64encode(str(group).encode()).decode().rstrip("=")
    return _sign(config["SECRET_KEY"], claim, time.time() if issued_at is None else issued_at)


def item_path(config, item_id, cadre_id=None, group=None, issued_at=None):
    """`/items/<id>?t=<token>`: the path cards carry."""
    return f"/items/{int(item_id)}?t={make_token(config, item_id, cadre_id, group, issued_at)}"


def item_url(config, item_id, cadre_id=None, group=None):
    """The absolute link, on BOT_PUBLIC_URL."""
    base = str(config["BOT_PUBLIC_URL"]).rstrip("/")
    return base + item_path(config, item_id, cadre_id, group)


def read_token(config, token, item_id):
    """The claim if `token` is valid, unexpired and for `item_id`; otherwise None."""
    max_age = int(config["BOT_LINK_TTL_DAYS"]) * 86400
    token = token or ""
    try:
        if token[:1].isdigit():
            claim = _parse_claim(_signer(config["SECRET_KEY"]).unsign(token, max_age=max_age))
        else:
            claim = _legacy_serializer(config["SECRET_KEY"]).loads(token, max_age=max_age)
    except (BadSignature, SignatureExpired):
        return None
    if not isinstance(claim, dict) or claim.get("i") != int(item_id):
        return None
    return claim


def expired(config, token, item_id):
    """True when `token` is one we signed for `item_id` and only its age refuses it (a
    card opened from chat history after BOT_LINK_TTL_DAYS): the page can say so."""
    token = str(token or "")
    try:
        if token[:1].isdigit():
            claim = _parse_claim(_signer(config["SECRET_KEY"]).unsign(token))
        else:  # a link sent before the compact tokens
            claim = _legacy_serializer(config["SECRET_KEY"]).loads(token)
    except BadData:
        return False
    return (isinstance(claim, dict) and claim.get("i") == int(item_id)
            and read_token(config, token, item_id) is None)


def issued_at(config, token):
    """When a valid compact token was signed (unix time), else None (legacy tokens too)."""
    try:
        _, issued = _signer(config["SECRET_KEY"]).unsign(str(token or ""), return_timestamp=True)
    except BadSignature:
        return None
    return int(issued.timestamp())


def _parse_claim(value):
    """`b"42-c7"` -> {"i": 42, "c": 7}; None for anything that is not a claim we sign."""
    item, _, who = value.decode("ascii", "replace").partition("-")
    if not item.isdigit():
        return None
    claim = {"i": int(item)}
    if who[:1] == "c" and who[1:].isdigit():
        claim["c"] = int(who[1:])
    elif who[:1] == "g":
        try:
            padded = who[1:] + "=" * (-len(who[1:]) % 4)
            claim["g"] = base64.b64decode(padded, altchars=b"-_", validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            return None
    elif who:
        return None
    return claim
