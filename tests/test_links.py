"""Signed item links: valid for their item, refused when tampered, expired or for another item."""

import time

from web import links

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
