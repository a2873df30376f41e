"""Departments: learned from attributions, imported with aliases, resolved forgivingly."""

import json

import pytest

from fixtures_chat import publish_sample
from store import department_file, departments


@pytest.fixture
def known(db):
    for name in ("区审计局", "区督查局", "区资源规划局", "区农委", "峡窝镇", "工业路街道",
                 "区人社局", "区教育局", "区卫健委"):
        departments.learn(db, name)
    return db


@pytest.mark.parametrize("word, expected", [
    ("审计", "区审计局"), ("审计局", "区审计局"), ("区审计局", "区审计局"),
    ("督察局", "区督查局"), ("督查局", "区督查局"), ("督察", "区督查局"), ("區督查局", "区督查局"),
    ("资源规划", "区资源规划局"), ("资规局", "区资源规划局"), ("农委", "区农委"),
    ("峡窝", "峡窝镇"), ("工业路", "工业路街道"), (" 人社局 ", "区人社局"), ("ＡＢ审计", None),
])
def test_forgiving_resolution(known, word, expected):
    found = departments.resolve(known, word)
    assert (found.department or {}).get("name") == expected


def test_ambiguous_word_gives_numbered_choices_not_a_guess(known):
    found = departments.resolve(known, "局")
    assert found.department is None and not found.unknown
    names = [d["name"] for d in found.choices]
    assert {"区审计局", "区督查局", "区人社局"} <= set(names)
    assert len(names) <= departments.MAX_CHOICES
    both = departments.resolve(known, "委")
    assert {d["name"] for d in both.choices} == {"区农委", "区卫健委"}


def test_unknown_word(known):
    for word in ("交通运输", "", "   ", "😀", "'; DROP TABLE departments; --"):
        found = departments.resolve(known, word)
        assert found.unknown and found.department is None and found.choices == []


def test_strict_resolution_stops_at_names_and_cores(known):
    assert departments.resolve(known, "审计", strict=True).department["name"] == "区审计局"
    assert departments.resolve(known, "资规", strict=True).unknown
    assert departments.resolve(known, "资规").department["name"] == "区资源规划局"


def test_learn_merges_only_variants_of_the_same_name(known):
    first = departments.resolve(known, "区督查局").department["id"]
    assert departments.learn(known, "区督察局") == first
    assert departments.learn(known, "区 督查局") == first
    assert departments.get_department(known, first)["aliases"] == ["区督察局"]
    farm = departments.learn(known, "区农业局")  # not the same as 区农委
    assert farm != departments.resolve(known, "区农委").department["id"]


def test_aliases(known):
    target = departments.add_alias(known, "纪委监委", "区督查局")
    assert departments.resolve(known, "纪委监委").department["id"] == target
    with pytest.raises(ValueError):
        departments.add_alias(known, "x", "不存在的局")


def test_import_file_with_aliases(db, tmp_path):
    path = tmp_path / "departments.csv"
    path.write_text("# 部门表：全称,别名...\n区审计局,审计,审计办\n\n区督查局|督察局|督查室\n"
                    "区委组织部\t组织部\n区委宣传部 宣传部\n区农委,区审计局\n", encoding="utf-8-sig")
    summary = department_file.import_departments(db, str(path))
    assert summary["departments"] == 5
    assert summary["aliases"] == 6
    assert summary["errors"] == ["第7行：别名“区审计局”已是另一个部门的名称"]
    assert departments.resolve(db, "组织部").department["name"] == "区委组织部"
    assert departments.resolve(db, "督查室").department["name"] == "区督查局"
    again = department_file.import_departments(db, str(path))
    assert again["departments"] == 0
    assert len(departments.list_with_counts(db)) == 5


def test_import_gbk_file(db, tmp_path):
    path = tmp_path / "departments.txt"
    path.write_bytes("区审计局，审计\n".encode("gbk"))
    department_file.import_departments(db, str(path))
    assert departments.resolve(db, "审计").department["name"] == "区审计局"


def test_list_with_counts(db):
    from tests.test_store import make_issue
    from store.issues import save_issue

    save_issue(db, make_issue("2021-01-06"))
    save_issue(db, make_issue("2021-01-13"))
    rows = departments.list_with_counts(db)
    assert {r["name"]: r["items"] for r in rows} == {"区督查局": 2, "区审计局": 2, "峡窝镇": 2}
    assert set(rows[0]) == {"id", "name", "items", "aliases", "parent"}


def test_departments_cli(runner, db, tmp_path):
    path = tmp_path / "departments.csv"
    path.write_text("区审计局,审计\n", encoding="utf-8")
    result = runner.invoke(args=["departments", "import", str(path)])
    assert result.exit_code == 0 and "1 new departments, 1 aliases" in result.stdout
    listed = runner.invoke(args=["departments"])
    assert listed.exit_code == 0 and "区审计局" in listed.stdout and "审计" in listed.stdout
    missing = runner.invoke(args=["departments", "import", str(tmp_path / "none.csv")])
    assert missing.exit_code == 2 and missing.stderr.count("\n") == 1


def test_departments_alias_cli(runner, known):
    result = runner.invoke(args=["departments", "alias", "纪检", "督察局"])
    assert result.exit_code == 0
    assert departments.resolve(known, "纪检").department["name"] == "区督查局"
    bad = runner.invoke(args=["departments", "alias", "x", "不存在的部门"])
    assert bad.exit_code == 2 and "未知部门" in bad.stderr


# ---- the org chart ------------------------------------------------------------------------------

def test_org_chart_csv_with_aliases_and_parents(db, tmp_path):
    path = tmp_path / "org.csv"
    path.write_text("name,aliases,parent\n"
                    "东城区财政局,财政|财政局,\n"
                    "东城区国库中心,国库,东城区财政局\n"
                    "东城区教育局,,\n"
                    "东城区第一中学,一中,东城区教育局\n"
                    "东城区税务所,税务,东城区财政局\n", encoding="utf-8")
    summary = department_file.import_departments(db, str(path))
    assert summary == {"departments": 5, "aliases": 5, "errors": []}
    rows = {r["name"]: r for r in departments.list_with_counts(db)}
    assert rows["东城区国库中心"]["parent"] == "东城区财政局"
    assert rows["东城区第一中学"]["parent"] == "东城区教育局"
    assert rows["东城区财政局"]["parent"] is None and rows["东城区财政局"]["aliases"] == ["财政", "财政局"]
    assert departments.resolve(db, "国库").department["name"] == "东城区国库中心"
    assert department_file.import_departments(db, str(path)) == {"departments": 0, "aliases": 0, "errors": []}


def test_the_district_prefix_comes_from_the_org_chart_not_from_code(db):
    """Names that share an `X区` prefix: the prefix is stripped like 区 is, so `教育` finds
    东城区教育局 exactly; nothing about any one district is built in."""
    for name in ("东城区教育局", "东城区卫生健康委员会", "东城区财政局", "清河镇"):
        departments.learn(db, name)
    assert departments.district_prefix(["东城区教育局", "东城区财政局", "清河镇"]) == "东城区"
    assert departments.district_prefix(["东城区教育局", "西城区财政局"]) is None
    found = departments.resolve(db, "教育", strict=True)
    assert found.department["name"] == "东城区教育局" and found.exact
    assert departments.core("东城区财政局", "东城区") == "财政"


def test_the_issuer_names_the_district_when_department_names_do_not(db):
    """A district's own bulletin prints 区教育局, never the place: the issuer (中共东城区委
    办公室) names it, so `东城区教育局` and `东城区委办公室` are found like `区教育局`;
    another place's name is not folded into ours."""
    from bulletin.model import Issue, Item
    from store.issues import save_issue

    for name in ("区教育局", "区委办公室", "区财政局"):
        departments.learn(db, name)
    assert departments.resolve(db, "东城区教育局").unknown  # no issue yet: the place unknown
    save_issue(db, Issue(issuer="中共东城区委办公室", date="2021-01-06", number="第1期",
                         items=[Item(1, "lead", "标题", "正文", None)]), source="test")
    assert departments.district_prefix(["区教育局"], [("中共东城区委办公室", 3)]) == "东城区"
    assert departments.district_prefix(["区教育局"], [("区委办公室", 3)]) is None
    for word, name in [("东城区教育局", "区教育局"), ("东城区教育", "区教育局"),
                       ("东城区委办公室", "区委办公室")]:
        found = departments.resolve(db, word, strict=True)
        assert found.department and found.department["name"] == name, word
    assert departments.resolve(db, "东城区委办").department["name"] == "区委办公室"  # as 区委办
    assert departments.resolve(db, "西城区教育局").unknown


def test_bot_district_names_the_prefix(make_app):
    from store.db import open_db

    app = make_app(BOT_DISTRICT="南湖县")
    db = open_db(app.config["DATABASE_PATH"])
    try:
        departments.learn(db, "南湖县水利局")
        assert departments.resolve(db, "水利", strict=True).department["name"] == "南湖县水利局"
    finally:
        departments.configure(None)
        db.conn.close()


def test_unknown_words_get_the_closest_known_names(known):
    assert departments.suggest(known, "审记局")[0] == "区审计局"
    assert departments.suggest(known, "卫生健康委") [0] == "区卫健委"
    assert departments.suggest(known, "😀") == []


def test_a_file_that_is_not_a_department_table_is_refused_whole(db, tmp_path):
    """A roster CSV gave five "departments" named after people, a note gave `hello`: the
    chat's 部门 lists each to every cadre."""
    before = len(departments.list_with_counts(db))
    roster = tmp_path / "roster.csv"
    roster.write_text("name,department,mobile,userid\n甲乙,区某局,13900000001,u1\n", encoding="utf-8")
    with pytest.raises(ValueError, match="表头有部门表没有的列：department、mobile、userid"):
        department_file.import_departments(db, str(roster))
    bare = tmp_path / "roster.txt"
    bare.write_text("甲乙,区某局,13900000001\n丙丁,区某局,13900000002\n", encoding="utf-8")
    with pytest.raises(ValueError, match="第1行“13900000001”含有号码"):
        department_file.import_departments(db, str(bare))
    note = tmp_path / "note.txt"
    note.write_text("区某局\nhello world\n", encoding="utf-8")
    with pytest.raises(ValueError, match="第2行“hello”不是部门名称"):
        department_file.import_departments(db, str(note))
    assert len(departments.list_with_counts(db)) == before  # nothing of any of them



def test_an_org_chart_from_excel_with_the_office_s_own_headers(db, tmp_path):
    """An office's spreadsheet heads its columns 部门名称, 简称, 上级部门 (GBK from Excel): the
    header line became a department named 部门名称 (aliases 简称, 上级部门) in every cadre's
    部门 list, which nothing can delete, and no parent was read."""
    path = tmp_path / "org.csv"
    path.write_bytes("部门名称,简称,上级部门\r\n东城区财政局,财政,\r\n东城区国库中心,国库,东城区财政局\r\n"
                     .encode("gbk"))
    summary = department_file.import_departments(db, str(path))
    assert summary == {"departments": 2, "aliases": 2, "errors": []}
    rows = {r["name"]: r for r in departments.list_with_counts(db)}
    assert set(rows) == {"东城区财政局", "东城区国库中心"}
    assert rows["东城区国库中心"]["parent"] == "东城区财政局"


def test_a_header_line_of_unknown_column_names_is_refused_not_imported(db, tmp_path):
    path = tmp_path / "org.csv"
    path.write_text("单位全称,其他叫法\n东城区财政局,财政\n", encoding="utf-8-sig")
    with pytest.raises(ValueError, match="单位全称") as refused:
        department_file.import_departments(db, str(path))
    assert "名称、别名、上级" in str(refused.value)
    assert departments.list_with_counts(db) == []

# ---- the district named by the issuer: its own unit, not the first place in its name ------

@pytest.mark.parametrize("issuer, district", [
    ("中共青禾市临川区委办公室", "临川区"),             # 市辖区 under its 市
    ("青禾市临川区人民政府办公室", "临川区"),
    ("中共北岭省青禾市临川区委员会办公室", "临川区"),   # 省, 市, 区
    ("中共北岭省白水县委办公室", "白水县"),             # 县 under a 省
    ("青禾市白水县人民政府办公室", "白水县"),
    ("中共青禾市石桥市委办公室", "石桥市"),             # 县级市 under its 地级市
    ("中共石桥市委办公室", "石桥市"),
    ("中共北原自治区青山盟乌兰旗委办公室", "乌兰旗"),   # 旗 under 盟 under 自治区
    ("中共南溪自治州东岭自治县委办公室", "东岭自治县"),  # 自治县 under 自治州
    ("中共青禾市红旗区委办公室", "红旗区"),             # 旗 inside a 区's own name
    ("中共青禾市市中区委办公室", "市中区"),             # 市 opening a 区's own name
    ("中共临川区委办", "临川区"),
    ("临川区融媒体中心", "临川区"),                     # no 委/政府: the unit before the rest
    ("区委办公室", None),
    ("", None),
])
def test_the_district_in_an_issuer_is_the_unit_that_issues(issuer, district):
    """An issuer's name is its chain of administrative units (省/自治区, 市/州/盟, then the
    区/县/市/旗 that issues) and then its organ (委, 人民政府, 办公室…): the district is the
    last unit before the organ, never the first place named."""
    assert departments.district_prefix(["区教育局"], [(issuer, 1)]) == district


def test_a_cadre_writes_the_district_the_issuer_names_before_a_department(make_app):
    """The issuer names its city before the district (中共X市Y区委办公室): `订阅 Y区审计局` in
    the sandbox subscribes to 区审计局; the city's name is not the district's."""
    from dataclasses import replace

    from fixtures_chat import Chat
    from test_plan import add_cadre, make_issue, publish

    from store.db import open_db

    app = make_app()
    db = open_db(app.config["DATABASE_PATH"])
    publish(db, replace(make_issue(), issuer="中共青禾市临川区委办公室"))
    add_cadre(db, "张三", "o_zhang")
    phone = Chat(app.test_client(), "o_zhang")
    assert phone.say("订阅 临川区审计局") == phone.say("订阅 审计局")
    assert "区审计局" in phone.say("我的订阅")
    assert departments.resolve(db, "临川区督查局", strict=True).department["name"] == "区督查局"
    assert departments.resolve(db, "青禾市督查局", strict=True).department is None
    db.conn.close()


def test_bot_district_still_overrides_the_issuer(make_app):
    make_app(BOT_DISTRICT="石桥市")
    try:
        assert departments.district_prefix(["区教育局"], [("中共青禾市临川区委办公室", 1)]) == "石桥市"
    finally:
        departments.configure(None)


def test_a_hostile_issuer_is_read_at_once():
    """A name made only of unit words gives the pattern the most ways to split it: bounded."""
    import time

    start = time.perf_counter()
    for name in ("省" * 500, "市" * 500 + "。", "省市" * 250, "中共" + "市" * 300 + "委"):
        departments.district_of(name)
        departments.district_of(name, issuer=False)
    assert time.perf_counter() - start < 0.5


def test_departments_json_without_list_as_the_readme_writes_it(runner, db):
    publish_sample(db)
    result = runner.invoke(args=["departments", "--json"])
    assert result.exit_code == 0, result.output
    assert {row["name"] for row in json.loads(result.stdout)} >= {"区农委", "区审计局"}


def test_departments_list_separates_released_awaiting_and_withdrawn(runner, db, tmp_path):
    """`departments list` counted every item — unapproved uploads and withdrawn items too —
    so the office read 2 for a department whose cadres could find 0 or 1. `items` stays the
    total; `released`, `awaiting_approval` and `withdrawn` say what it is made of."""
    import json

    from store.issues import issue_items

    def publish(date, name):
        path = tmp_path / name
        path.write_text(json.dumps({"issuer": "某区委办公室", "date": date, "number": "第1期",
                                    "items": [{"title": "区审计局开展业务培训" + date,
                                               "body": "组织全体干部开展业务培训。",
                                               "department": "区审计局"},
                                              {"title": "峡窝镇做好防汛工作" + date,
                                               "body": "扎实做好防汛工作。",
                                               "department": "峡窝镇"}]},
                                   ensure_ascii=False), encoding="utf-8")
        return json.loads(runner.invoke(args=["publish", str(path), "--json"]).stdout)["id"]

    approved = publish("2024-04-09", "a.json")
    publish("2024-04-16", "b.json")  # uploaded, not approved
    assert runner.invoke(args=["approve", str(approved)]).exit_code == 0
    audit_item = next(i for i in issue_items(db, approved) if i["department"] == "区审计局")
    assert runner.invoke(args=["item", "withdraw", str(audit_item["id"]),
                               "--note", "数据有误"]).exit_code == 0

    rows = {r["name"]: r for r in json.loads(runner.invoke(
        args=["departments", "list", "--json"]).stdout)}
    assert {"id", "name", "items", "aliases", "parent"} <= set(rows["区审计局"])
    assert {k: rows["区审计局"][k] for k in ("items", "released", "awaiting_approval",
                                          "withdrawn")} == \
        {"items": 2, "released": 0, "awaiting_approval": 1, "withdrawn": 1}
    assert {k: rows["峡窝镇"][k] for k in ("items", "released", "awaiting_approval",
                                         "withdrawn")} == \
        {"items": 2, "released": 1, "awaiting_approval": 1, "withdrawn": 0}
    text = runner.invoke(args=["departments", "list"]).stdout
    line = next(line for line in text.splitlines() if "区审计局" in line)
    assert line.split()[0] == "2"
    assert "0 released" in line and "1 awaiting approval" in line and "1 withdrawn" in line
