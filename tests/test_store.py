"""Storing issues: idempotent by content, departments learned, corrections, the publish CLI."""

import json

from bulletin.model import Issue, Item
from fixtures_chat import save_approved
from store import departments, issues


def make_issue(date="2021-01-06", extra=""):
    return Issue("中共上街区委办公室", date, "第1期", [
        Item(1, "lead", "上街区十个重大项目集中开工", "郑州市2021年第一批重大项目集中开工。" + extra, None),
        Item(2, "article", "区督查局新年谋新篇", "新年伊始，区督察局早行动早部署。", "区督查局"),
        Item(3, "article", "区审计局提升信息宣传工作", "一是打造一支宣传队伍。", "区审计局"),
        Item(4, "brief", "峡窝镇扎实做好疫情防控", "开展疫情防控工作。", "峡窝镇"),
    ])


def test_same_content_twice_is_one_issue(db):
    first = issues.save_issue(db, make_issue(), source="a.txt")
    again = issues.save_issue(db, make_issue(), source="a.pdf")
    assert first == (first[0], True)
    assert again == (first[0], False)
    assert issues.count_issues(db) == 1
    assert db.execute("SELECT COUNT(*) FROM items").fetchone()[0] == 4


def test_whitespace_and_width_differences_are_the_same_content(db):
    issue_id, _ = issues.save_issue(db, make_issue())
    spaced = make_issue()
    spaced.items[0].body = "郑州市 2021 年第一批重大\n项目集中开工。"
    spaced.items[1].title = "区督查局 新年谋新篇"
    spaced.number = "第 1 期"  # the header is not content
    assert issues.save_issue(db, spaced) == (issue_id, False)


def test_different_content_is_a_new_issue(db):
    first, _ = issues.save_issue(db, make_issue())
    second, created = issues.save_issue(db, make_issue(extra="（补充）"))
    assert created and second != first


def test_items_department_ids_and_reading_back(db):
    issue_id, _ = issues.save_issue(db, make_issue(), source="a.txt")
    items = issues.issue_items(db, issue_id)
    assert [i["seq"] for i in items] == [1, 2, 3, 4]
    assert items[0]["department_id"] is None
    audit = departments.resolve(db, "区审计局").department
    assert items[2]["department_id"] == audit["id"]
    item = issues.get_item(db, items[1]["id"])
    assert item["issuer"] == "中共上街区委办公室" and item["date"] == "2021-01-06"
    assert item["department"] == "区督查局"
    issue = issues.get_issue(db, issue_id)
    assert issue["source"] == "a.txt" and issue["item_count"] == 4
    assert issues.get_item(db, 999) is None and issues.get_issue(db, 999) is None


def test_latest_and_list_by_issue_date(db):
    older, _ = issues.save_issue(db, make_issue("2020-12-30"))
    newer, _ = issues.save_issue(db, make_issue("2021-01-06"))
    oldest, _ = issues.save_issue(db, make_issue("2020-06-01"))  # archived later
    assert issues.latest_issue_id(db) == newer
    assert [i["id"] for i in issues.list_issues(db, 10, 0)] == [newer, older, oldest]
    assert [i["id"] for i in issues.list_issues(db, 1, 1)] == [older]
    assert issues.list_issues(db, 10, 0)[0]["item_count"] == 4


def test_attribution_variant_joins_the_known_department(db):
    issues.save_issue(db, make_issue())
    variant = make_issue("2021-01-13")
    variant.items[1].department = "区督察局"
    issue_id, _ = issues.save_issue(db, variant)
    item = issues.issue_items(db, issue_id)[1]
    assert item["department"] == "区督查局" and item["printed_department"] == "区督察局"
    assert len(departments.list_with_counts(db)) == 3


def test_update_item_reindexes_and_resolves(db):
    from store.search import search

    issue_id, _ = save_approved(db, make_issue())
    item_id = issues.issue_items(db, issue_id)[0]["id"]
    updated = issues.update_item(db, item_id, title="全区重点工程集中开工", department="审计局")
    assert updated["title"] == "全区重点工程集中开工"
    assert updated["department"] == "区审计局"  # a correction resolves to the known name
    assert [h["item_id"] for h in search(db, "重点工程").hits] == [item_id]
    assert item_id not in [h["item_id"] for h in search(db, "十个").hits]
    assert issues.update_item(db, item_id, department="")["department_id"] is None
    assert issues.update_item(db, 999, title="x") is None


def test_update_item_rejects_an_empty_title(db):
    import pytest

    issue_id, _ = issues.save_issue(db, make_issue())
    item_id = issues.issue_items(db, issue_id)[0]["id"]
    with pytest.raises(ValueError):
        issues.update_item(db, item_id, title="  ")


def test_an_issue_without_items_is_refused(db):
    import pytest

    with pytest.raises(ValueError):
        issues.save_issue(db, Issue("x", "2021-01-06", None, []))
    assert issues.count_issues(db) == 0


def test_publish_cli_is_idempotent(runner, sample_path, db):
    first = runner.invoke(args=["publish", str(sample_path)])
    assert first.exit_code == 0, first.output
    issue_id = int(first.stdout.strip())
    again = runner.invoke(args=["publish", str(sample_path), "--json"])
    assert again.exit_code == 0
    data = json.loads(again.stdout)
    assert data["id"] == issue_id and data["items"] >= 5
    assert issues.count_issues(db) == 1
    assert len(issues.issue_items(db, issue_id)) == data["items"]


def test_publish_cli_unreadable_file_is_one_line_exit_2(runner, tmp_path):
    missing = runner.invoke(args=["publish", str(tmp_path / "nope.txt")])
    assert missing.exit_code == 2
    assert missing.stderr.strip().count("\n") == 0 and "Error" in missing.stderr
    junk = tmp_path / "junk.pdf"
    junk.write_bytes(b"\x00\x01 not a pdf at all")
    broken = runner.invoke(args=["publish", str(junk)])
    assert broken.exit_code == 2
    assert broken.stderr.strip().count("\n") == 0


def test_concurrent_saves_of_the_same_issue_store_it_once(app, db):
    import threading

    from store.db import open_db

    results, errors = [], []

    def save():
        connection = open_db(app.config["DATABASE_PATH"], migrate=False)
        try:
            results.append(issues.save_issue(connection, make_issue()))
        except Exception as error:  # noqa: BLE001 - the assertion below reports it
            errors.append(error)
        finally:
            connection.conn.close()

    threads = [threading.Thread(target=save) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len({issue_id for issue_id, _ in results}) == 1
    assert sorted(created for _, created in results) == [False, False, False, True]
    assert issues.count_issues(db) == 1


def test_a_dict_issue_with_odd_kinds_and_repeated_seqs_is_stored_in_order(db):
    data = {"issuer": "x", "date": "2021-01-06", "number": None, "items": [
        {"seq": 1, "kind": "lead", "title": "甲", "body": "一", "department": None},
        {"seq": 1, "kind": "headline", "title": "乙", "body": "二", "department": "区审计局"},
        {"kind": None, "title": "丙", "body": "三"},
    ]}
    issue_id, created = issues.save_issue(db, data)
    items = issues.issue_items(db, issue_id)
    assert created and [(i["seq"], i["kind"], i["title"]) for i in items] == [
        (1, "lead", "甲"), (2, "article", "乙"), (3, "article", "丙")]


def test_the_latest_issue_is_found_by_index_and_listed_without_bodies(db):
    """最新 reads the newest issue by the issues_by_date index (no sort of every issue) and
    its titles without the bodies; a withdrawn item is still listed, marked."""
    plan = " ".join(str(row[-1]) for row in db.execute(
        "EXPLAIN QUERY PLAN SELECT id FROM issues ORDER BY date DESC, id DESC LIMIT 1"))
    assert "issues_by_date" in plan and "TEMP B-TREE" not in plan
    older, _ = issues.save_issue(db, {"date": "2021-01-06", "items": [
        {"title": "旧", "body": "正文", "department": "区审计局"}]}, source="a")
    newer, _ = issues.save_issue(db, {"date": "2021-02-01", "number": "第2期", "items": [
        {"title": "一", "body": "很长的正文", "department": "区审计局"},
        {"title": "二", "body": "正文"}]}, source="b")
    assert issues.latest_issue_id(db) == newer
    listed = issues.headlines(db, newer)
    assert listed["date"] == "2021-02-01" and listed["number"] == "第2期"
    assert [(i["title"], i["department"], i["withdrawn_at"]) for i in listed["items"]] == [
        ("一", "区审计局", None), ("二", None, None)]
    assert all("body" not in item for item in listed["items"])
    assert issues.headlines(db, 999) is None
