"""A department renamed or merged after issues already print both names: one department from
then on — its items, its followers, its cadres, search, 部门 and the next push.

    pytest tests/test_department_merge.py

The office's year: 区农委 items in the archive, cadres of 区农委 and a follower of it; then an
issue prints the new name 区农业农村局 (learned as a department of its own) and the office
says, through the CLI, that the two are one.
"""

import json

from bulletin.model import Issue, Item
from fixtures_chat import Chat, enrol, publish_sample, save_approved


def _next_year(db):
    items = [Item(seq=1, kind="lead", title="全区新年工作开局", body="全区新年各项工作开局良好。", department=None),
             Item(seq=2, kind="brief", title="区农业农村局部署春耕生产",
                  body="区农业农村局召开会议部署春耕生产。", department="区农业农村局")]
    issue_id, _ = save_approved(db, Issue(issuer="中共上街区委办公室", date="2022-01-05",
                                          number="第1期", items=items))
    return issue_id


def _office_year(client, db, tmp_path):
    """Last year's issue, cadres bound, 张三 following 区农委 by chat; this year's issue."""
    publish_sample(db)
    codes = enrol(db, tmp_path)
    wang, zhang = Chat(client, "o_wang"), Chat(client, "o_zhang")
    assert "绑定成功" in wang.say(f"绑定 {codes['王五']}")
    assert "绑定成功" in zhang.say(f"绑定 {codes['张三']}")
    assert "区农委" in zhang.say("订阅 区农委")
    return _next_year(db), wang, zhang


def _departments(runner):
    result = runner.invoke(args=["departments", "list", "--json"])
    assert result.exit_code == 0, result.output
    return {row["name"]: row for row in json.loads(result.stdout)}


def _reach(runner, issue_id):
    result = runner.invoke(args=["push", str(issue_id), "--dry-run", "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_a_rename_after_an_issue_printed_the_new_name_makes_one_department(client, runner, db,
                                                                          tmp_path):
    issue_id, wang, zhang = _office_year(client, db, tmp_path)
    assert _reach(runner, issue_id)["by_department"].get("区农业农村局") is None  # split

    result = runner.invoke(args=["departments", "rename", "区农委", "区农业农村局"])
    assert result.exit_code == 0, result.output

    listed = _departments(runner)
    assert "区农委" not in listed
    assert listed["区农业农村局"]["items"] == 2 and "区农委" in listed["区农业农村局"]["aliases"]
    # the next push reaches the department's cadre (own) and its follower (subscribed)
    reach = _reach(runner, issue_id)
    assert reach["by_department"]["区农业农村局"] == 2
    assert "区农业农村局" in zhang.say("我的订阅")
    assert "区农业农村局" in wang.say("我的订阅")  # his own department, by its new name
    assert "区农业农村局 2条" in wang.say("部门") and "区农委 " not in wang.say("部门")
    # both names find both years' items, and filter by the one department
    for word in ("区农委", "农业农村局"):
        reply = zhang.say(f"{word} 生产")
        assert "找到2条" in reply, reply
    audit = runner.invoke(args=["audit", "--action", "department_rename", "--json"])
    assert json.loads(audit.stdout)[0]["details"]["merged"] is True


def test_an_alias_naming_another_department_merges_it_and_says_so(client, runner, db, tmp_path):
    issue_id, wang, zhang = _office_year(client, db, tmp_path)

    result = runner.invoke(args=["departments", "alias", "区农业农村局", "区农委"])
    assert result.exit_code == 0, result.output
    assert "1" in result.stdout and "合并" in result.stdout  # not a silent no-op

    listed = _departments(runner)
    assert "区农业农村局" not in listed
    assert listed["区农委"]["items"] == 2 and "区农业农村局" in listed["区农委"]["aliases"]
    assert _reach(runner, issue_id)["by_department"]["区农委"] == 2  # by its current name
    assert "找到2条" in zhang.say("区农业农村局 生产")  # the filter: both years


def test_a_rename_before_any_issue_prints_the_new_name(client, runner, db, tmp_path):
    publish_sample(db)
    codes = enrol(db, tmp_path)
    wang = Chat(client, "o_wang")
    wang.say(f"绑定 {codes['王五']}")
    result = runner.invoke(args=["departments", "rename", "区农委", "区农业农村局"])
    assert result.exit_code == 0, result.output
    issue_id = _next_year(db)  # printed with the new name: the same department
    listed = _departments(runner)
    assert listed["区农业农村局"]["items"] == 2 and "区农委" not in listed
    assert _reach(runner, issue_id)["by_department"]["区农业农村局"] == 1
    assert "本部门（区农业农村局）" in wang.say("我的订阅")


def test_renaming_refuses_what_it_cannot_do(runner, db):
    publish_sample(db)
    for args, words in ((["区不存在局", "区新局"], "未知部门"), (["区农委", "x"], "太短"),
                        (["区农委", "区农委"], "同一个")):
        result = runner.invoke(args=["departments", "rename", *args])
        assert result.exit_code == 2 and words in result.stderr, result.output


def test_two_address_book_departments_are_merged_in_the_address_book_not_here(runner, db):
    publish_sample(db)
    db.execute("UPDATE departments SET wecom_id = id + 100 WHERE name IN ('区农委', '区人社局')")
    db.conn.commit()
    result = runner.invoke(args=["departments", "alias", "区农委", "区人社局"])
    assert result.exit_code == 2 and "通讯录" in result.stderr
    assert {"区农委", "区人社局"} <= set(_departments(runner))


def test_the_new_name_alone_finds_the_items_printed_with_the_old_one(client, runner, db, tmp_path):
    """A department's name or alias alone is a keyword over the attribution as printed and
    also the department's own items: after a rename, last year's items too."""
    issue_id, wang, zhang = _office_year(client, db, tmp_path)
    assert runner.invoke(args=["departments", "rename", "区农委", "区农业农村局"]).exit_code == 0
    for word in ("区农业农村局", "区农委"):
        reply = zhang.say(word)
        assert "找到2条" in reply and "区农委做好冬春农业生产" in reply, reply
    assert "找到1条" in zhang.say("春耕")  # an ordinary word is unchanged


def test_the_dry_run_counts_a_merged_department_once_by_its_current_name(client, runner, db,
                                                                         tmp_path):
    """An issue printing both names of one department (its items were written before and
    after the office renamed it): after the merge `by_department` listed it twice, once per
    printed name, each counting the same followers."""
    publish_sample(db)
    codes = enrol(db, tmp_path)
    zhang = Chat(client, "o_zhang")
    assert "绑定成功" in zhang.say(f"绑定 {codes['张三']}")
    assert "区农委" in zhang.say("订阅 区农委")
    items = [Item(seq=1, kind="brief", title="区农委做好冬春农业生产",
                  body="区农委指导农户做好越冬作物管理。", department="区农委"),
             Item(seq=2, kind="brief", title="区农业农村局部署春耕生产",
                  body="区农业农村局召开会议部署春耕生产。", department="区农业农村局")]
    issue_id, _ = save_approved(db, Issue(issuer="中共上街区委办公室", date="2022-01-05",
                                          number="第1期", items=items))
    result = runner.invoke(args=["departments", "rename", "区农委", "区农业农村局"])
    assert result.exit_code == 0, result.output
    reach = _reach(runner, issue_id)
    assert reach["by_department"] == {"区农业农村局": reach["recipients"]}
    assert reach["recipients"] == 1  # 张三, who follows it (both items: one department)



def _answered_after_a_merge(zhang, runner, asked):
    """张三 asks `asked` (a word naming two departments) and gets a numbered list; the office
    merges 区发展研究中心 into 区发改委 (`departments alias`); then he answers with its number."""
    listed = zhang.say(asked)
    assert "请回复序号" in listed, listed
    number = next(line.split(".")[0] for line in listed.splitlines()
                  if line.endswith("区发展研究中心"))
    result = runner.invoke(args=["departments", "alias", "区发展研究中心", "区发改委"])
    assert result.exit_code == 0, result.output
    return zhang.say(number)


def test_a_numbered_choice_answered_after_a_merge_acts_on_the_merged_department(client, runner,
                                                                               db, tmp_path):
    """张三 asked to follow a word naming two departments and got a numbered list; before he
    answered, the office merged the one he picks into another (`departments alias`). His
    number named a department that no longer exists: nothing was subscribed, yet the reply
    said 已订阅 with the old name. It acts on the department it joined, by its name now."""
    issue_id, wang, zhang = _office_year(client, db, tmp_path)
    reply = _answered_after_a_merge(zhang, runner, "订阅 区发")
    assert reply.startswith("已订阅：区发改委") and "区发展研究中心" in reply, reply
    assert "区发改委" in zhang.say("我的订阅")


def test_a_numbered_choice_after_a_merge_into_a_department_already_followed(client, runner,
                                                                            db, tmp_path):
    """张三 follows 区发改委 and asks to stop following a word naming two departments; the one
    he picks joins 区发改委 before he answers: the reply said 已退订 of a department that no
    longer exists while he still followed the one it joined. He stops following it."""
    issue_id, wang, zhang = _office_year(client, db, tmp_path)
    assert "已订阅：区发改委" in zhang.say("订阅 区发改委")
    reply = _answered_after_a_merge(zhang, runner, "退订 区发")
    assert reply.startswith("已退订：区发改委") and "区发展研究中心" in reply, reply
    assert "区发改委" not in zhang.say("我的订阅")
