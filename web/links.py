"""Signed, expiring links to an item's full-text page.

    url = item_url(app_config, item_id=42, cadre_id=7)     # https://…/items/42?t=…
    claim = read_token(app_config, token, item_id=42)       # {"i": 42, "c": 7} or None

A token names the item and who it was sent to: `c` (a cadre id) where the channel sends
to one recipient per call (sandbox, mp), or `g` (a delivery group key) where WeCom sends
one identical message to up to 1,000 members, so the page can only know the group.
Tokens are signed with BOT_SECRET_KEY and expire after BOT_LINK_TTL_DAYS.
"""

import functools

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

SALT = "jianbao.item-link"


def _serializer(config):
    return _serializer_for(config["SECRET_KEY"])


@functools.lru_cache(maxsize=8)
def _serializer_for(secret_key):
    """One serializer per key: building it is most of a token's cost (a reply carries five)."""
    return URLSafeTimedSerializer(secret_key, salt=SALT)


def make_token(config, item_id, cadre_id=None, group=None):
    """A token for `item_id` addressed to one cadre or to one delivery group."""
    claim = {"i": int(item_id)}
    if cadre_id is not None:
        claim["c"] = int(cadre_id)
    if group is not None:
        claim["g"] = str(group)
    return _serializer(config).dumps(claim)


def item_path(config, item_id, cadre_id=None, group=None):
    """`/items/<id>?t=<token>`: the path cards carry."""
    return f"/items/{int(item_id)}?t={make_token(config, item_id, cadre_id, group)}"


def item_url(config, item_id, cadre_id=None, group=None):
    """The absolute link, on BOT_PUBLIC_URL."""
    base = str(config["BOT_PUBLIC_URL"]).rstrip("/")
    return base + item_path(config, item_id, cadre_id, group)


def read_token(config, token, item_id):
    """The claim if `token` is valid, unexpired and for `item_id`; otherwise None."""
    max_age = int(config["BOT_LINK_TTL_DAYS"]) * 86400
    try:
        claim = _serializer(config).loads(token or "", max_age=max_age)
    except (BadSignature, SignatureExpired):
        return None
    if not isinstance(claim, dict) or claim.get("i") != int(item_id):
        return None
    return claim
