"""The per-process search cache: answers reused until anything they read changes — in this
connection, another connection, or for another database in the same process."""

import pytest

from fixtures_chat import save_approved
from store import search as search_module
from store import search_cache
from store.db import open_db
from store.departments import add_alias, learn
from store.issues import issue_items, update_item
from store.search import search
from store.search_index import reindex_all
from test_search import issue, titles


@pytest.fixture
def searches(monkeypatch):
    """Counts the searches that really ran (cache misses)."""
    ran = []
    real = search_module._search

    def counting(*args):
        ran.append(args[1])
        return real(*args)
    monkeypatch.setattr(search_module, "_search", counting)
    search_cache.configure(512)
    return ran


@pytest.fixture
def archive(db):
    save_approved(db, issue("2021-01-06", [
        ("峡窝镇扎实做好疫情防控工作", "峡窝镇发放倡议书，落实疫情防控措施。", "峡窝镇"),
        ("区审计局提升信息宣传工作", "一是打造一支宣传队伍。", "区审计局"),
    ]))
    return db


def test_the_same_question_is_answered_from_the_cache(archive, searches):
    first = search(archive, "疫情")
    assert search(archive, "疫情") == first
    assert searches == ["疫情"]
    search(archive, "疫情", page=1)  # another page is another question
    assert searches == ["疫情", "疫情"]


def test_a_new_issue_is_found_at_once(archive, searches):
    assert titles(search(archive, "疫情")) == ["峡窝镇扎实做好疫情防控工作"]
    save_approved(archive, issue("2021-02-03", [("工业路街道疫情防控志愿服务", "志愿者上岗。", "工业路街道")]))
    assert "工业路街道疫情防控志愿服务" in titles(search(archive, "疫情"))


def test_a_correction_from_another_connection_is_seen(app, archive, searches):
    search(archive, "宣传")
    other = open_db(app.config["DATABASE_PATH"])
    item = [i for i in issue_items(other, 1) if i["department"] == "区审计局"][0]
    update_item(other, item["id"], title="区审计局打造宣传队伍")
    other.conn.close()
    assert titles(search(archive, "宣传")) == ["区审计局打造宣传队伍"]


def test_a_new_alias_changes_what_a_query_filters_on(archive, searches):
    assert search(archive, "稽核 宣传").department is None
    add_alias(archive, "稽核", "区审计局")
    assert search(archive, "稽核 宣传").department["name"] == "区审计局"
    learn(archive, "区稽查局")  # a new department moves the version too
    search(archive, "稽核 宣传")
    assert len(searches) == 3


def test_reindex_moves_the_version(archive, searches):
    search(archive, "疫情")
    reindex_all(archive)
    search(archive, "疫情")
    assert searches == ["疫情", "疫情"]


def test_databases_in_one_process_never_share_answers(make_app, tmp_path, searches):
    one = open_db(str(tmp_path / "one.sqlite3"))
    two = open_db(str(tmp_path / "two.sqlite3"))
    save_approved(one, issue("2021-01-06", [("峡窝镇疫情防控", "落实措施。", "峡窝镇")]))
    save_approved(two, issue("2021-01-06", [("区审计局疫情期间审计", "线上审计。", "区审计局")]))
    assert titles(search(one, "疫情")) == ["峡窝镇疫情防控"]
    assert titles(search(two, "疫情")) == ["区审计局疫情期间审计"]


def test_changing_an_answer_does_not_change_the_cache(archive, searches):
    search(archive, "疫情").hits[0]["title"] = "changed by a caller"
    assert titles(search(archive, "疫情")) == ["峡窝镇扎实做好疫情防控工作"]


def test_size_zero_turns_it_off(make_app, archive, searches):
    make_app(BOT_SEARCH_CACHE=0)  # the app factory configures the process's cache
    search(archive, "疫情")
    search(archive, "疫情")
    assert searches == ["疫情", "疫情"]
    search_cache.configure(512)


def test_the_departments_list_is_cached_until_items_or_departments_change(archive, searches,
                                                                          app):
    from store.departments import list_with_counts

    first = list_with_counts(archive)
    assert list_with_counts(archive) == first  # answered from the cache, a copy
    first[0]["aliases"].append("changed by the caller")
    assert "changed by the caller" not in list_with_counts(archive)[0]["aliases"]
    other = open_db(app.config["DATABASE_PATH"])  # another connection (another worker)
    save_approved(other, issue("2021-02-03", [("区审计局开展专项审计", "区审计局审计项目。", "区审计局")]))
    other.conn.close()
    counts = {row["name"]: row["items"] for row in list_with_counts(archive)}
    assert counts["区审计局"] == 2
    learn(archive, "区财政局")
    assert "区财政局" in {row["name"] for row in list_with_counts(archive)}
    add_alias(archive, "财政", "区财政局")
    assert {"财政"} == {a for row in list_with_counts(archive) for a in row["aliases"]
                        if row["name"] == "区财政局"}


def test_nothing_is_cached_from_inside_a_write_transaction_that_may_roll_back(archive, searches,
                                                                            app):
    """A version read inside a write transaction may be rolled back and then reached again by
    someone else's different change: answers seen there are never cached."""
    from store.departments import list_with_counts
    from store.transaction import write

    with pytest.raises(RuntimeError):
        with write(archive):
            learn(archive, "区临时局")
            assert "区临时局" in {row["name"] for row in list_with_counts(archive)}
            raise RuntimeError("rolled back")
    other = open_db(app.config["DATABASE_PATH"])
    learn(other, "区统计局")  # moves the version to the number the rolled-back change had
    other.conn.close()
    names = {row["name"] for row in list_with_counts(archive)}
    assert "区统计局" in names and "区临时局" not in names


def test_the_memo_of_archive_indexes_keeps_one_version_only(archive, searches):
    """remember() holds whole maps of the archive (issue dates, the department index): a new
    version of the archive empties it rather than piling up one copy per publish."""
    from store import search_cache
    from store.issues import dates_by_issue

    dates_by_issue(archive)
    held = len(search_cache.MEMO._items)
    assert held >= 1
    save_approved(archive, issue("2021-03-03", [("新一期的条目", "正文。", "区审计局")]))
    dates = dates_by_issue(archive)
    assert len(search_cache.MEMO._items) == 1 and len(dates) == 2  # fresh, and alone
