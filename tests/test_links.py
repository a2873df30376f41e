"""Signed item links: valid for their item, refused when tampered, expired or for another item."""

import time

from channels import links

CONFIG = {"SECRET_KEY": "k", "BOT_LINK_TTL_DAYS": 30, "BOT_PUBLIC_URL": "https://bot.example/"}


def test_round_trip_names_the_cadre():
    path = links.item_path(CONFIG, 42, cadre_id=7)
    token = path.split("t=", 1)[1]
    assert path.startswith("/items/42?t=")
    assert links.read_token(CONFIG, token, 42) == {"i": 42, "c": 7}


def test_group_token_and_absolute_url():
    url = links.item_url(CONFIG, 5, group="g1")
    assert url.startswith("https://bot.example/items/5?t=")
    assert links.read_token(CONFIG, url.split("t=", 1)[1], 5) == {"i": 5, "g": "g1"}


def test_refused_for_other_item_tamper_and_expiry(monkeypatch):
    token = links.make_token(CONFIG, 42, cadre_id=7)
    assert links.read_token(CONFIG, token, 43) is None
    assert links.read_token(CONFIG, token[:-2] + "xx", 42) is None
    assert links.read_token(CONFIG, "", 42) is None
    assert links.read_token(dict(CONFIG, SECRET_KEY="other"), token, 42) is None
    later = time.time() + 31 * 86400
    monkeypatch.setattr(time, "time", lambda: later)
    assert links.read_token(CONFIG, token, 42) is None


def test_group_keys_of_any_text_round_trip():
    for group in ("dept:3|issue:9", "审计局·第12期", "a-b.c_d"):
        token = links.make_token(CONFIG, 8, group=group)
        assert links.read_token(CONFIG, token, 8) == {"i": 8, "g": group}


def test_token_is_short_and_url_safe():
    token = links.make_token(CONFIG, 123456, cadre_id=98765)
    assert token.startswith("123456-c98765.") and len(token) < 50
    assert all(ch.isalnum() or ch in "-_." for ch in token)


def test_links_sent_before_the_compact_format_still_open():
    from itsdangerous import URLSafeTimedSerializer

    legacy = URLSafeTimedSerializer("k", salt=links.SALT).dumps({"i": 42, "c": 7})
    assert links.read_token(CONFIG, legacy, 42) == {"i": 42, "c": 7}
    assert links.read_token(CONFIG, legacy, 41) is None


def test_a_signed_value_that_is_not_a_claim_is_refused():
    signer = links._signer("k")  # validly signed, so only the claim's shape can refuse them
    assert links.read_token(CONFIG, signer.sign("42-c7").decode(), 42) == {"i": 42, "c": 7}
    for value in ("42-x7", "42-c", "42-cx", "4a", "42-g!!!"):
        assert links.read_token(CONFIG, signer.sign(value).decode(), 42) is None


def test_tokens_are_itsdangerous_hmac_sha1_with_the_salt():
    """The signer built once per key signs exactly as itsdangerous would with the salt."""
    import hashlib

    from itsdangerous import TimestampSigner

    reference = TimestampSigner("k", salt=links.SALT, key_derivation="hmac",
                                digest_method=hashlib.sha1)
    token = links.make_token(CONFIG, 42, cadre_id=7)
    assert reference.unsign(token) == b"42-c7"


def test_tokens_are_the_bytes_itsdangerous_signs_at_that_second(monkeypatch):
    """make_token builds the token by hand (the chat signs five a reply): byte for byte what
    TimestampSigner.sign gives at the same second, for any second."""
    import hashlib

    from itsdangerous import TimestampSigner

    reference = TimestampSigner("k", salt=links.SALT, key_derivation="hmac",
                                digest_method=hashlib.sha1)
    for second in (0, 1, 255, 256, 65536, 1764300000, 2**32 + 5):
        monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: second)
        assert links.make_token(CONFIG, 42, cadre_id=7, issued_at=second) == \
            reference.sign("42-c7").decode()
