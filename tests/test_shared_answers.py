"""The answer cache's second level: answers shared by every process on one database, stored
in the chat reply's own transaction, never found for another version of the archive, and
kept to BOT_SEARCH_CACHE rows."""

import json
import subprocess
import sys

import pytest

from fixtures_chat import publish_sample, save_approved
from test_access import bound_chat
from store import search_cache, shared_answers
from store.search import search
from store.transaction import write
from test_search import issue, titles
from conftest import ROOT

OTHER_PROCESS = r"""
import json, sys
sys.path.insert(0, sys.argv[1])
from store import search_cache
from store.db import open_db
from store.search import search
from store.transaction import write

search_cache.configure(512)
db = open_db(sys.argv[2])
queued = []
result = search(db, sys.argv[3], later=lambda make, *args: queued.append((make, args)))
with write(db):                   # as the chat does: in the reply's transaction
    for make, args in queued:
        make(db, *args)
print(json.dumps([hit["title"] for hit in result.hits], ensure_ascii=False))
"""


def matches_run(db, action):
    """The FTS5 walks `action()` made on `db`'s connection (a search that really ran)."""
    seen = []
    db.conn.set_trace_callback(lambda sql: seen.append(sql) if "MATCH" in sql else None)
    try:
        result = action()
    finally:
        db.conn.set_trace_callback(None)
    return result, seen


@pytest.mark.slow
def test_an_answer_another_process_worked_out_is_found_without_searching(app, db):
    publish_sample(db)
    out = subprocess.run([sys.executable, "-c", OTHER_PROCESS, str(ROOT),
                          app.config["DATABASE_PATH"], "疫情"],
                         capture_output=True, text=True, timeout=60, check=True)
    theirs = json.loads(out.stdout)
    assert theirs and shared_answers.count(db) == 1
    search_cache.CACHE.clear()  # this process has never seen it
    result, walks = matches_run(db, lambda: search(db, "疫情"))
    assert titles(result) == theirs and walks == []


def test_the_chat_shares_its_answers_and_another_worker_uses_them(app, client, db, tmp_path):
    publish_sample(db)
    first = bound_chat(client, db, tmp_path)
    answer = first.say("疫情")
    assert answer.startswith("找到") and shared_answers.count(db) == 1
    first.say("疫情")                                   # the same answer: nothing more stored
    assert shared_answers.count(db) == 1
    search_cache.CACHE.clear()                          # the other worker's own cache is empty
    result, walks = matches_run(db, lambda: search(db, "疫情"))
    assert walks == [] and result.hits[0]["title"] in answer


def test_an_answer_is_never_found_for_another_version_of_the_archive(db):
    search_cache.configure(512)
    save_approved(db, issue("2021-01-06", [("峡窝镇做好疫情防控", "落实措施。", "峡窝镇")]))
    _share(db, "疫情")
    save_approved(db, issue("2021-02-03", [("工业路街道疫情防控志愿服务", "志愿者上岗。", "工业路街道")]))
    search_cache.CACHE.clear()
    result, walks = matches_run(db, lambda: search(db, "疫情"))
    assert "工业路街道疫情防控志愿服务" in titles(result) and walks


def test_nothing_is_shared_with_the_cache_off(db):
    size = search_cache.CACHE.size
    search_cache.configure(0)
    try:
        assert _share(db, "疫情") == []
        assert shared_answers.count(db) == 0
    finally:
        search_cache.configure(size)


def test_the_table_keeps_at_most_the_cache_size_and_one_version(db):
    keep = 10
    with write(db):
        for n in range(shared_answers.PURGE_EVERY):
            shared_answers.put(db, ("old", 1, f"q{n}", 0, 5, False), "{}", keep)
        for n in range(3 * shared_answers.PURGE_EVERY):
            shared_answers.put(db, ("new", 2, f"q{n}", 0, 5, False), "{}", keep)
    versions = {row[0] for row in db.execute("SELECT version FROM search_answers")}
    assert len(versions) == 1 and versions.pop().endswith(":new:2")
    assert keep <= shared_answers.count(db) < keep + shared_answers.PURGE_EVERY


def test_a_second_copy_of_an_answer_is_ignored(db):
    key = ("t", 1, "疫情", 0, 5, False)
    with write(db):
        shared_answers.put(db, key, '{"total": 1}', 100)
        shared_answers.put(db, key, '{"total": 2}', 100)
    assert shared_answers.get(db, key) == {"total": 1}


def test_an_answer_stored_with_fields_this_version_does_not_know_is_searched_afresh(db):
    search_cache.configure(512)
    save_approved(db, issue("2021-01-06", [("峡窝镇做好疫情防控", "落实措施。", "峡窝镇")]))
    [(make, args)] = _share(db, "疫情")
    with write(db):
        db.execute("UPDATE search_answers SET answer = ?",
                   [json.dumps({"hits": [], "total": 0, "a_field_gone": 1})])
    search_cache.CACHE.clear()
    result, walks = matches_run(db, lambda: search(db, "疫情"))
    assert titles(result) == ["峡窝镇做好疫情防控"] and walks


def test_other_code_or_another_district_never_finds_an_answer_stored_before():
    """The rows outlive a restart; a deploy of other search code, another jieba or another
    BOT_DISTRICT must not be answered from them."""
    from store.db import open_db

    db = open_db(":memory:")
    key = ("t", 1, "审计", 0, 5, False)
    shared_answers.configure(None)
    with write(db):
        shared_answers.put(db, key, '{"total": 1}', 100)
    assert shared_answers.get(db, key) == {"total": 1}
    shared_answers.configure("东城区")
    try:
        assert shared_answers.get(db, key) is None
    finally:
        shared_answers.configure(None)
    assert shared_answers.get(db, key) == {"total": 1}


def _share(db, query):
    """Search as the chat does (the answer stored in a write transaction after) -> queued."""
    queued = []
    search(db, query, later=lambda make, *args: queued.append((make, args)))
    with write(db):
        for make, args in queued:
            make(db, *args)
    return queued
