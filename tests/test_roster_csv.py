"""Reading the office's roster CSV: import and re-import, bad rows with their line, GBK and
Excel's own headers, namesakes and keys, a broken file refused whole.

    pytest tests/test_roster_csv.py
"""

import pytest

from store import roster
from subscriptions import roster_csv
from subscriptions import subscribe
import test_roster
from test_roster import HEADER, write_csv

known = test_roster.known  # the fixture: the roster's departments learned

EXCEL_HEADER = "序号,姓名,职务,所在单位,手机号码,企业微信帐号\r\n"


def test_import_and_reimport_updates_instead_of_duplicating(known, tmp_path):
    path = write_csv(tmp_path, HEADER + "张三,区审计局,13800000001,zhangsan,审计|督察局\n"
                     "李四,峡窝镇,13800000002,,\n王五,区人社局,,,\n")
    first = roster_csv.import_roster(known, path)
    assert (first["created"], first["updated"], first["errors"]) == (3, 0, [])
    assert first["subscriptions"] == 2
    changed = write_csv(tmp_path, HEADER + "张三,区审计局办公室,13800000009,zhangsan,\n"
                        "李四,峡窝镇党政办,13800000002,lisi,\n王五,区人社局,13900000003,,\n",
                        name="roster2.csv")
    second = roster_csv.import_roster(known, changed)
    assert (second["created"], second["updated"]) == (0, 3)
    cadres = {c["name"]: c for c in roster.list_cadres(known)}
    assert len(cadres) == 3
    assert cadres["张三"]["mobile"] == "13800000009"  # matched by userid
    assert cadres["李四"]["userid"] == "lisi"  # matched by mobile, userid learned
    assert cadres["王五"]["mobile"] == "13900000003"  # matched by name + department
    assert cadres["张三"]["subscriptions"] == 2  # the office's pre-subscriptions stay


def test_import_reports_bad_rows_with_line_numbers(known, tmp_path):
    path = write_csv(tmp_path, HEADER + "张三,区审计局,13800000001,zhangsan,\n"
                     ",区审计局,13800000002,,\n"
                     "李四,峡窝镇,12345,,\n"
                     "王五,峡窝镇,,bad id!,\n"
                     "赵六,峡窝镇,,zhangsan,\n"
                     "钱七,峡窝镇,+86 138-0000-0007,,局|交通局|审计\n")
    summary = roster_csv.import_roster(known, path)
    assert summary["created"] == 2
    lines = [(e["line"], e["message"]) for e in summary["errors"]]
    assert [line for line, _ in lines] == [3, 4, 5, 6, 7, 7]
    assert "姓名" in lines[0][1] and "11位" in lines[1][1] and "同一人" in lines[3][1]
    assert "不唯一" in lines[4][1] and "不是已知部门" in lines[5][1]
    qian = [c for c in roster.list_cadres(known) if c["name"] == "钱七"][0]
    assert qian["mobile"] == "13800000007" and qian["subscriptions"] == 1


def test_gbk_roster_with_chinese_headers(known, tmp_path):
    path = write_csv(tmp_path, "姓名,部门,手机,企业微信账号,订阅\n张三,区审计局,13800000001,,审计\n",
                     encoding="gbk")
    assert roster_csv.import_roster(known, path)["created"] == 1


def test_not_a_roster(known, tmp_path):
    with pytest.raises(ValueError):
        roster_csv.import_roster(known, write_csv(tmp_path, "a,b,c\n1,2,3\n"))
    with pytest.raises(ValueError):
        roster_csv.import_roster(known, write_csv(tmp_path, "", name="empty.csv"))


def _people(db, name):
    return sorted((c["mobile"], c["userid"]) for c in roster.list_cadres(db) if c["name"] == name)


def test_namesakes_with_different_keys_are_two_people_in_one_file_and_across_files(known, tmp_path):
    first = roster_csv.import_roster(known, write_csv(tmp_path, HEADER
                                     + "周八,区审计局,13900000077,zhou77,\n"
                                     + "周八,区审计局,13900000078,zhou78,\n"))
    assert (first["created"], first["errors"]) == (2, [])
    assert [n["line"] for n in first["notices"]] == [3] and "两人" in first["notices"][0]["message"]
    assert _people(known, "周八") == [("13900000077", "zhou77"), ("13900000078", "zhou78")]
    again = roster_csv.import_roster(known, write_csv(tmp_path, HEADER + "周八,区审计局,13900000078,zhou78,\n",
                                                      name="again.csv"))
    assert (again["created"], again["updated"]) == (0, 1)
    assert _people(known, "周八") == [("13900000077", "zhou77"), ("13900000078", "zhou78")]
    # a third 周八 with keys nobody has: a new person, reported; nobody's keys overwritten
    third = roster_csv.import_roster(known, write_csv(tmp_path, HEADER + "周八,区审计局,13900000079,zhou79,\n",
                                                      name="third.csv"))
    assert third["created"] == 1 and "另一人" in third["notices"][0]["message"]
    assert len(_people(known, "周八")) == 3


def test_a_namesake_is_matched_only_when_exactly_one_fits(known, tmp_path):
    roster_csv.import_roster(known, write_csv(tmp_path, HEADER + "吴九,峡窝镇,,,\n"))
    learned = roster_csv.import_roster(known, write_csv(tmp_path, HEADER + "吴九,峡窝镇,13900000091,wu9,\n",
                                                        name="keys.csv"))
    assert (learned["created"], learned["updated"]) == (0, 1)  # the file adds the keys
    assert _people(known, "吴九") == [("13900000091", "wu9")]
    roster_csv.import_roster(known, write_csv(tmp_path, HEADER + "吴九,峡窝镇,13900000092,wu9b,\n",
                                              name="second.csv"))
    keyless = roster_csv.import_roster(known, write_csv(tmp_path, HEADER + "吴九,峡窝镇,,,全部\n",
                                                        name="keyless.csv"))
    assert keyless["updated"] == 0 and "无法确定是谁" in keyless["errors"][0]["message"]
    assert all(not c["subscribe_all"] for c in roster.list_cadres(known) if c["name"] == "吴九")


def test_a_mobile_holder_with_another_userid_is_not_overwritten(known, tmp_path):
    roster_csv.import_roster(known, write_csv(tmp_path, HEADER + "郑十,峡窝镇,13900000010,zheng10,\n"))
    clash = roster_csv.import_roster(known, write_csv(tmp_path, HEADER + "郑十,峡窝镇,13900000010,other10,\n",
                                                      name="clash.csv"))
    assert clash["updated"] == 0 and "与本行账号" in clash["errors"][0]["message"]
    assert _people(known, "郑十") == [("13900000010", "zheng10")]


def test_keys_repeated_in_one_file_are_one_person(known, tmp_path):
    summary = roster_csv.import_roster(known, write_csv(tmp_path, HEADER
                                       + "周七,区审计局,13900000007,zhou7,\n"
                                       + "吴八,区审计局,13900000007,,\n"
                                       + "周七,区审计局,,,\n"))
    assert summary["created"] == 1
    assert [(e["line"], "同一人" in e["message"]) for e in summary["errors"]] == [(3, True), (4, True)]


@pytest.mark.parametrize("body, line, words", [
    ('"unterminated,区审计局,13900000001,,\n', 3, "引号没有闭合"),
    ('张三,区审计局,13900000001,zhangsan,,多出来的一列\n', 3, "6 列"),
    ('x"y,区审计局,,,\n"a"b,区审计局,,,\n', 4, "引号用法"),
])
def test_a_broken_file_is_refused_whole_with_its_line(known, tmp_path, body, line, words):
    path = write_csv(tmp_path, HEADER + "李四,峡窝镇,13800000002,,\n" + body)
    with pytest.raises(roster_csv.MalformedRoster) as refused:
        roster_csv.import_roster(known, path)
    assert [e["line"] for e in refused.value.errors] == [line]
    assert words in str(refused.value) and f"第{line}行" in str(refused.value)
    assert roster.list_cadres(known) == []  # not even the good line before it


def test_a_short_row_leaves_its_last_cells_empty(known, tmp_path):
    summary = roster_csv.import_roster(known, write_csv(tmp_path, HEADER + "李四,峡窝镇,13800000002\n"))
    assert (summary["created"], summary["errors"]) == (1, [])


def test_subscriptions_all_means_every_department(known, tmp_path):
    summary = roster_csv.import_roster(known, write_csv(
        tmp_path, "姓名,部门,手机,企业微信账号,订阅\n孙三,区审计局,13900000003,,全部\n"))
    assert (summary["errors"], summary["subscriptions"]) == ([], 1)
    assert subscribe.subscriptions_of(known, roster.list_cadres(known)[0]["id"])["all"] is True


def test_roster_cli_reports_a_broken_file_in_one_line(runner, known, tmp_path):
    path = write_csv(tmp_path, "name,department,mobile\n\"unterminated,区审计局,1390000\n")
    result = runner.invoke(args=["roster", "import", path])
    assert result.exit_code == 2 and "第2行" in result.stderr and result.stderr.count("\n") == 1
    assert roster.list_cadres(known) == []


def test_a_keyless_row_naming_a_cadre_of_another_department_is_reported(known, tmp_path):
    # A roster kept without mobiles: next year's file lists 陈一 under another department.
    # Without a key nobody can tell a move from a namesake, so the row is a new person (as
    # before), and the office is told which record may be the same person, to check.
    roster_csv.import_roster(known, write_csv(tmp_path, HEADER + "陈一,区审计局,,,\n"))
    moved = roster_csv.import_roster(known, write_csv(tmp_path, HEADER + "陈一,区人社局,,,\n",
                                                      name="next.csv"))
    assert (moved["created"], moved["errors"]) == (1, [])
    assert [n["line"] for n in moved["notices"]] == [2]
    message = moved["notices"][0]["message"]
    assert "区审计局" in message and "调动" in message and "手机号" in message
    # a namesake of another department who has a key is one more fact to check, not hidden
    roster_csv.import_roster(known, write_csv(tmp_path, HEADER + "陈二,区审计局,13900000021,,\n",
                                              name="keyed.csv"))
    again = roster_csv.import_roster(known, write_csv(tmp_path, HEADER + "陈二,峡窝镇,,,\n",
                                                      name="again.csv"))
    assert again["created"] == 1 and "区审计局" in again["notices"][0]["message"]
    # a row that has a key of its own is matched by it, and no notice is needed
    keyed = roster_csv.import_roster(known, write_csv(tmp_path, HEADER + "陈二,区人社局,13900000021,,\n",
                                                      name="moved.csv"))
    assert (keyed["created"], keyed["updated"], keyed["notices"]) == (0, 1, [])


@pytest.mark.parametrize("encoding", ["gbk", "utf-8-sig"])
def test_an_excel_roster_with_the_office_s_own_headers(known, tmp_path, encoding):
    # The office's own spreadsheet saved as CSV from Excel (GBK, or UTF-8 with a BOM): its
    # headers are 手机号码, 所在单位, 企业微信帐号, and it has columns no roster needs
    # (序号, 职务). The mobile was dropped without a word ("0 problems"): the cadres could
    # then be matched by nothing but their names; the columns left out were never named.
    path = write_csv(tmp_path, EXCEL_HEADER + "1,张三,科长,区审计局,138 0000 0001,zhangsan\r\n"
                     "2,李四,科员,峡窝镇,13800000002,\r\n", encoding=encoding)
    summary = roster_csv.import_roster(known, path)
    assert (summary["created"], summary["errors"]) == (2, [])
    cadres = {c["name"]: c for c in roster.list_cadres(known)}
    assert cadres["张三"]["mobile"] == "13800000001" and cadres["张三"]["userid"] == "zhangsan"
    assert cadres["李四"]["mobile"] == "13800000002" and cadres["李四"]["department"] == "峡窝镇"
    ignored = [n for n in summary["notices"] if n["line"] == 1]
    assert len(ignored) == 1 and "序号" in ignored[0]["message"] and "职务" in ignored[0]["message"]
    assert "手机号码" not in ignored[0]["message"]


def test_a_roster_without_a_name_column_says_which_headers_work(runner, known, tmp_path):
    # 名字 instead of 姓名: the refusal quoted only the English header row.
    path = write_csv(tmp_path, "名字,部门,手机\r\n张三,区审计局,13800000001\r\n", encoding="gbk")
    result = runner.invoke(args=["roster", "import", path])
    assert result.exit_code == 2 and result.stderr.count("\n") == 1
    assert "名字" in result.stderr and "姓名" in result.stderr
    assert roster.list_cadres(known) == []
