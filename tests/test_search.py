"""Search: 1- and 2-character words, ranking, filters in the query, hostile input, the CLI."""

import json

import pytest

from bulletin.model import Issue, Item
from fixtures_chat import save_approved
from store import search as search_module
from store import search_index
from store.issues import issue_items
from store.search import search

HOSTILE = ['"', '""', "*", "项*", "AND (", "OR", "NOT 项目", "NEAR", "NEAR(项目 疫情, 2)",
           "'; DROP TABLE items; --", "title:项目", "{title}:项目", "^项目", "项目 -疫情", "😀",
           "😀项目🎉", "\x00", "\\", "%", "_", "　", "", "   ", "项" * 5000, "疫情" * 2500,
           "2021年13月", "9999-99-99", "((((", "'\"'", "项目 AND (疫情 OR", "SELECT * FROM items"]


def issue(date, items):
    return Issue("中共上街区委办公室", date, None,
                 [Item(n, "article", title, body, department)
                  for n, (title, body, department) in enumerate(items, start=1)])


@pytest.fixture
def archive(db):
    save_approved(db, issue("2021-01-06", [
        ("上街区十个重大项目集中开工", "郑州市2021年第一批重大项目集中开工，总投资350亿元。", None),
        ("峡窝镇扎实做好疫情防控工作", "峡窝镇发放倡议书，落实疫情防控措施。", "峡窝镇"),
        ("区审计局提升信息宣传工作", "一是打造一支宣传队伍，立项开展专题培训。", "区审计局"),
        ("工业路街道锻炼青年党员干部", "街道组织党员参加疫情防控志愿服务。", "工业路街道"),
    ]))
    save_approved(db, issue("2020-12-30", [
        ("区督查局开展年终考核", "督察考核工作有序推进，审计整改同步落实。", "区督查局"),
        ("峡窝镇召开冬季安全生产会议", "会议部署安全生产和项目建设工作。", "峡窝镇"),
    ]))
    save_approved(db, issue("2021-02-03", [
        ("区资源规划局完成土地卫片核查", "全区项目用地手续齐全。", "区资源规划局"),
    ]))
    return db


def titles(result):
    return [hit["title"] for hit in result.hits]


def test_one_character_word_matches_inside_longer_words(archive):
    result = search(archive, "项", per_page=10)
    assert set(titles(result)) == {"上街区十个重大项目集中开工", "区审计局提升信息宣传工作",
                                   "峡窝镇召开冬季安全生产会议", "区资源规划局完成土地卫片核查"}
    assert titles(search(archive, "疫"))[0] == "峡窝镇扎实做好疫情防控工作"


@pytest.mark.parametrize("word, expected", [
    ("项目", 3), ("疫情", 2), ("审计", 2), ("宣传", 1), ("党员", 1), ("考核", 1), ("卫片", 1),
])
def test_two_character_words(archive, word, expected):
    result = search(archive, word, per_page=10)
    assert result.total == expected and len(result.hits) == expected
    assert all(set(hit) == {"item_id", "title", "department", "date", "score"} for hit in result.hits)


def test_hit_shape(archive):
    hit = search(archive, "卫片").hits[0]
    assert hit["department"] == "区资源规划局" and hit["date"] == "2021-02-03"
    assert hit["score"] > 0 and isinstance(hit["item_id"], int)


def test_title_above_body(archive):
    # 疫情 is in the title of the 峡窝镇 item and only the body of the 工业路街道 item
    assert titles(search(archive, "疫情")) == ["峡窝镇扎实做好疫情防控工作", "工业路街道锻炼青年党员干部"]
    # same for 审计: title of 区审计局's item, body of 区督查局's
    assert titles(search(archive, "审计"))[0] == "区审计局提升信息宣传工作"


def test_recent_issue_first_among_equals(db):
    same = [("全区召开项目推进会", "会议听取项目进展汇报。", "区发改委")]
    older, _ = save_approved(db, issue("2020-11-04", same))
    newer, _ = save_approved(db, issue("2021-03-03", same))
    oldest, _ = save_approved(db, issue("2019-05-08", same))  # archived last
    dates = [hit["date"] for hit in search(db, "项目推进").hits]
    assert dates == ["2021-03-03", "2020-11-04", "2019-05-08"]


def test_department_filter_inside_the_query(archive):
    result = search(archive, "峡窝镇 疫情")
    assert result.department["name"] == "峡窝镇" and result.keywords == ["疫情"]
    assert titles(result) == ["峡窝镇扎实做好疫情防控工作"]
    assert titles(search(archive, "督察局 考核")) == ["区督查局开展年终考核"]
    # the department alone is a keyword: its items and items that mention it
    assert {h["department"] for h in search(archive, "峡窝镇", per_page=10).hits} == {"峡窝镇"}


@pytest.mark.parametrize("query, expected", [
    ("2021年1月 项目", {"上街区十个重大项目集中开工"}),
    ("2021-01 项", {"上街区十个重大项目集中开工", "区审计局提升信息宣传工作"}),
    ("项目 2020年", {"峡窝镇召开冬季安全生产会议"}),
    ("2021年 项目", {"上街区十个重大项目集中开工", "区资源规划局完成土地卫片核查"}),
    ("2021-02-03", {"区资源规划局完成土地卫片核查"}),
    ("2021年2月3日", {"区资源规划局完成土地卫片核查"}),
    ("2021/1 疫情", {"峡窝镇扎实做好疫情防控工作", "工业路街道锻炼青年党员干部"}),
])
def test_date_filter_inside_the_query(archive, query, expected):
    result = search(archive, query, per_page=10)
    assert set(titles(result)) == expected
    assert result.date is not None


def test_department_and_date_without_keywords_list_newest_first(archive):
    result = search(archive, "峡窝镇 2021年1月")
    assert titles(result) == ["峡窝镇扎实做好疫情防控工作"]
    assert [h["date"] for h in search(archive, "峡窝镇 2020年").hits] == ["2020-12-30"]


def test_paging(archive):
    first = search(archive, "项", page=0, per_page=3)
    second = search(archive, "项", page=1, per_page=3)
    assert first.total == 4 and first.has_more and len(first.hits) == 3
    assert not second.has_more and len(second.hits) == 1
    assert not {h["item_id"] for h in first.hits} & {h["item_id"] for h in second.hits}
    assert search(archive, "项", page=9).hits == []


def test_window_caps_the_count_and_pages_on_newest_first(archive, monkeypatch):
    monkeypatch.setattr(search_module, "WINDOW", 3)
    monkeypatch.setattr(search_module, "RANK_WINDOW", 2)
    first = search(archive, "项", per_page=2)
    assert (first.total, first.total_exact, first.has_more) == (3, False, True)
    rest = search(archive, "项", page=1, per_page=2)
    assert len(rest.hits) == 1 and not rest.has_more
    # the newest three matches, none repeated
    seen = [h["item_id"] for h in first.hits + rest.hits]
    assert len(set(seen)) == 3
    assert "峡窝镇召开冬季安全生产会议" not in titles(first) + titles(rest)


def test_any_text_gives_hits_or_nothing(archive):
    for query in HOSTILE:  # one archive for all: each query is read-only
        for page in (0, 1):
            result = search(archive, query, page=page)
            assert isinstance(result.hits, list), query
            assert result.total >= len(result.hits), query


def test_fts_syntax_is_searched_as_words(archive):
    assert titles(search(archive, '"项目"'))[0] == "上街区十个重大项目集中开工"
    assert search(archive, "项目 AND 疫情").total == 0  # "and" is a word nobody wrote
    assert search(archive, "NEAR").total == 0


def test_corrections_are_searchable(archive):
    from store.issues import update_item, latest_issue_id

    item = issue_items(archive, latest_issue_id(archive))[0]
    update_item(archive, item["id"], title="卫星遥感图斑核查")
    assert titles(search(archive, "遥感")) == ["卫星遥感图斑核查"]


def test_search_cli(runner, archive):
    result = runner.invoke(args=["search", "峡窝镇", "疫情", "--json"])
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert [h["title"] for h in data] == ["峡窝镇扎实做好疫情防控工作"]
    assert set(data[0]) == {"item_id", "title", "department", "date", "score", "review_state"}
    assert data[0]["review_state"] == "approved"
    nothing = runner.invoke(args=["search", "AND ("])
    assert nothing.exit_code == 0 and "没有找到" in nothing.stdout
    assert json.loads(runner.invoke(args=["search", "*", "--json"]).stdout) == []
    text = runner.invoke(args=["search", "项目"])
    assert "上街区十个重大项目集中开工" in text.stdout and "found" in text.stdout


def test_sample_issue_search(runner, sample_path, db):
    assert runner.invoke(args=["publish", str(sample_path)]).exit_code == 0
    assert search(db, "项目").total == 0                       # 待审核: not for cadres yet
    assert runner.invoke(args=["approve", "1"]).exit_code == 0
    assert search(db, "项目").total >= 1
    assert search(db, "疫情").hits[0]["department"] == "峡窝镇"
    assert search(db, "审计").hits[0]["department"] == "区审计局"
    assert search(db, "宋洁").total == 1
    assert search(db, "督察局 督查").hits[0]["department"] == "区督查局"


def test_reindex_rebuilds_the_same_answers(runner, archive):
    before = search(archive, "项", per_page=10).hits
    archive.execute("DELETE FROM items_search")
    archive.conn.commit()
    assert search(archive, "项").total == 0
    result = runner.invoke(args=["reindex"])
    assert result.exit_code == 0 and "7 items indexed (1 segment)" in result.stdout
    assert search(archive, "项", per_page=10).hits == before
    assert search_index.segments(archive) == 1


def test_reindex_works_in_batches_and_drops_rows_no_item_stands_behind(archive):
    before = [search(archive, q, per_page=10).hits for q in ("项", "疫情防控", "审计")]
    with archive.conn:  # an index row of an item that is not there (written behind our back)
        archive.execute("INSERT INTO items_search (rowid, title, body, title_chars, body_chars,"
                        " department_chars, filters, date) VALUES (?, '项目', '项目', '项 目',"
                        " '项 目', '', 'dept0', '2021-01-06')",
                        [search_index.index_rowid("2021-01-06", 999)])
    assert search(archive, "项目").total == 4
    statements = []
    archive.conn.set_trace_callback(statements.append)
    try:
        assert search_index.reindex_all(archive, batch=2) == 7
    finally:
        archive.conn.set_trace_callback(None)
    assert statements.count("BEGIN IMMEDIATE") == 5  # 7 items two at a time, then the strays
    assert search(archive, "项目").total == 3
    assert [search(archive, q, per_page=10).hits for q in ("项", "疫情防控", "审计")] == before
