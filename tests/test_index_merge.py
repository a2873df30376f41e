"""The search index's segments: every ingest adds one, the worker merges them back into one
in short steps, and nothing a search finds changes on the way.

    pytest tests/test_index_merge.py
"""

import json
import logging
import time

from fixtures_chat import publish_sample

from store import retention, search_index
from store.search import search

QUERIES = ["疫情", "项目", "疫情防控", "审计 工作", "2021年1月 项目"]


def ingest_weekly(db, issues):
    """Issues stored one by one, as the office publishes them: one write each."""
    for n in range(issues):
        publish_sample(db, date=f"2021-{1 + n // 4:02d}-{1 + 7 * (n % 4):02d}", number=f"第{n + 1}期")


def answers(db):
    return [(r.total, [(h["item_id"], h["score"]) for h in r.hits])
            for r in (search(db, query) for query in QUERIES)]


def test_issues_ingested_one_by_one_are_merged_into_one_segment_without_changing_answers(db):
    ingest_weekly(db, 12)
    assert search_index.segments(db) > 1  # each ingest wrote a segment; FTS5 merges in fours
    before = answers(db)

    assert search_index.merge_segments(db, seconds=5) is True

    assert search_index.segments(db) == 1
    assert answers(db) == before
    db.execute("INSERT INTO items_search (items_search) VALUES ('integrity-check')")
    changes = db.conn.total_changes
    assert search_index.merge_segments(db, seconds=5) is True  # nothing left: one statement
    assert db.conn.total_changes - changes < 2


def test_a_merge_cut_short_goes_on_where_it_stopped(db):
    ingest_weekly(db, 12)
    before = answers(db)
    assert search_index.merge_segments(db, seconds=0, pages=1) is False  # one step of one page
    assert answers(db) == before  # mid-merge, the index answers the same
    steps = 1
    while not search_index.merge_segments(db, seconds=0, pages=1):
        steps += 1
    assert steps > 1 and search_index.segments(db) == 1
    assert answers(db) == before


def test_the_worker_merges_with_the_hourly_purge_and_comes_back_soon_while_work_is_left(
        app, db, monkeypatch, caplog):
    ingest_weekly(db, 12)
    segments = search_index.segments(db)
    monkeypatch.setattr(retention, "MERGE_SECONDS", 0)
    monkeypatch.setattr(search_index, "MERGE_PAGES", 1)  # one page a run: work is left
    monkeypatch.setitem(retention._last, "at", None)
    caplog.set_level(logging.INFO, logger="store.retention")

    retention.maybe_purge(db, dict(app.config))

    assert f"search index: {segments} segments merged into" in caplog.text
    next_run = retention._last["at"] + retention.EVERY - time.monotonic()
    assert 0 < next_run <= retention.RETRY_AFTER  # back in a minute, not an hour

    monkeypatch.setattr(search_index, "MERGE_PAGES", 500)
    monkeypatch.setattr(retention, "MERGE_SECONDS", 5)
    monkeypatch.setitem(retention._last, "at", None)
    retention.maybe_purge(db, dict(app.config))
    assert search_index.segments(db) == 1
    next_run = retention._last["at"] + retention.EVERY - time.monotonic()
    assert next_run > retention.EVERY - 60  # done: the next run in an hour



def test_stats_shows_the_segments(runner, db):
    ingest_weekly(db, 6)
    result = runner.invoke(args=["stats", "--json"])
    assert json.loads(result.output)["search_index"]["segments"] == search_index.segments(db)
    assert "Search index:" in runner.invoke(args=["stats"]).output
