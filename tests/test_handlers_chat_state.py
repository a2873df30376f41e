"""subscriptions/chat_state.py on a real SQLite file: retry memory and per-user chat state."""

from store import chat_state


def test_first_reply_wins_and_later_writers_read_it(db):
    assert chat_state.stored_reply(db, "msg:1") is None
    assert chat_state.remember_reply(db, "msg:1", "<xml>first</xml>") is True
    assert chat_state.remember_reply(db, "msg:1", "<xml>second</xml>") is False
    assert chat_state.stored_reply(db, "msg:1") == "<xml>first</xml>"
    assert chat_state.remember_reply(db, "evt:u:1", "") is True
    assert chat_state.stored_reply(db, "evt:u:1") == ""  # seen, and "no reply" was the answer


def test_old_replies_are_purged(db, monkeypatch):
    chat_state.remember_reply(db, "msg:old", "x")
    db.execute("UPDATE inbound_replies SET created_at = '2020-01-01T00:00:00Z'")
    db.conn.commit()
    monkeypatch.setattr(chat_state, "PURGE_CHANCE", 1.0)
    chat_state.remember_reply(db, "msg:new", "y")
    assert chat_state.stored_reply(db, "msg:old") is None
    assert chat_state.stored_reply(db, "msg:new") == "y"


def test_the_purge_reads_only_old_rows(db):
    """The retry memory grows with every message: the purge must not scan all of it."""
    plan = " ".join(row[3] for row in
                    db.execute("EXPLAIN QUERY PLAN " + chat_state.PURGE_SQL).fetchall())
    assert "USING INDEX inbound_replies_created" in plan, plan


def test_state_defaults_query_paging_and_pending_choice(db):
    assert chat_state.load_state(db, "u") == {"query": None, "page": 0, "basis": None,
                                              "pending": None}
    chat_state.save_pending(db, "u", {"action": "subscribe", "choices": [{"id": 1, "name": "区发改委"}]})
    assert chat_state.load_state(db, "u")["pending"]["choices"][0]["name"] == "区发改委"
    chat_state.save_query(db, "u", "疫情", page=2, basis="7:0a1b2c3d4e5f")
    state = chat_state.load_state(db, "u")
    assert state == {"query": "疫情", "page": 2, "basis": "7:0a1b2c3d4e5f",
                     "pending": None}  # a new query drops the choice
    chat_state.save_pending(db, "u", None)
    assert chat_state.load_state(db, "u")["query"] == "疫情"
    assert chat_state.load_state(db, "someone else")["query"] is None
