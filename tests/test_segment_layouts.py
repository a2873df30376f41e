"""Layouts offices use that the parser got wrong, one fixture each in tests/fixtures/layouts/
(made-up issues typed like real ones), and the rule behind each fix in variants. Contents
boxes: test_segment_contents.py; traditional characters: test_segment_traditional.py."""

import pathlib
import re

import pytest

from bulletin import parse_file, parse_text
from bulletin.repair import fix_spaces

LAYOUTS = pathlib.Path(__file__).resolve().parent / "fixtures" / "layouts"


def layout(name):
    from test_repair import check_nothing_lost

    issue = parse_file(LAYOUTS / name)
    check_nothing_lost((LAYOUTS / name).read_text(encoding="utf-8"))
    return issue


def test_a_title_that_ends_like_a_unit_after_the_masthead_is_the_first_title():
    """`我区新增3家省级企业技术中心` ends like an issuer (…中心); after the issuer and date line it
    is the lead's title (it was taken into the header and the lead titled from its body)."""
    issue = layout("title-ends-like-issuer.txt")
    assert (issue.issuer, issue.date, issue.number) == ("中共临川区委办公室", "2024-08-12", "第16期")
    assert issue.header.split("\n")[-1] == "中共临川区委办公室2024年8月12日"
    assert [(i.kind, i.title, i.department) for i in issue.items] == [
        ("lead", "我区新增3家省级企业技术中心", "区工信局"), ("article", "区委书记张建华调研区政务服务中心", "区委办公室")]


@pytest.mark.parametrize("head", [
    "工作简报\n第3期\n2024年1月2日\n",  # no issuer printed: the title followed by body text
    "工作简报\n第3期\n某某县委办公室信息科\n2024年1月2日\n",  # an issuer and a date above it
])
@pytest.mark.parametrize("under", ["", "（县卫健委）\n"])
def test_a_title_ending_in_a_units_word_is_no_issuer(head, under):
    issue = parse_text(head + "某某县人民医院开设老年医学科\n" + under
                       + "近日，某某县人民医院开设老年医学科，配备床位30张。" + ("" if under else "（县卫健委）") + "\n")
    assert [(i.title, i.department) for i in issue.items] == [("某某县人民医院开设老年医学科", "县卫健委")]
    assert issue.issuer == ("某某县委办公室信息科" if "信息科" in head else None)
    assert issue.date == "2024-01-02"


@pytest.mark.parametrize("text, issuer", [
    ("梅林街道党工委办公室\n2024年4月2日\n\n某某街道打造便民生活圈\n某某街道新建便民服务点16个。（某某街道）\n",
     "梅林街道党工委办公室"),
    ("某某信息\n第6期\n某某街道党工委办公室\n2024年4月2日\n某某街道打造便民生活圈\n某某街道新建服务点16个。（某某街道）\n",
     "某某街道党工委办公室"),
])
def test_an_issuer_on_its_own_line_before_the_date_stays_the_issuer(text, issuer):
    issue = parse_text(text)
    assert issue.issuer == issuer and issue.items[0].title == "某某街道打造便民生活圈"


def test_an_editors_note_between_items_opens_the_item_it_introduces():
    """`编者按：…` in mid-issue was a brief titled 编者按 with no department; it introduces the
    article after it and is that article's first paragraph."""
    issue = layout("editors-note-mid.txt")
    assert [(i.kind, i.title, i.department) for i in issue.items] == [
        ("lead", "平山县推行“村级小微权力清单”制度", "县纪委监委"),
        ("article", "西柏坡镇“红色+”模式激活乡村振兴新动能", "西柏坡镇"),
        ("brief", "县委组织部举办全县村党组织书记示范培训班", "县委组织部")]
    assert issue.items[1].body.split("\n")[0].startswith("编者按：党建引领乡村振兴是一项系统工程。")
    assert issue.front == []


LEAD = "某某县召开防汛工作会议\n6月17日，某某县召开防汛工作会议，部署防汛工作。（县水利局）\n"
ARTICLE = "某某镇探索“积分制”治理模式\n近年来，某某镇推行积分制管理，覆盖农户3200户。（某某镇）\n"


@pytest.mark.parametrize("note", ["编者按：某某镇的做法值得借鉴，现予刊发。", "【编者按】\n某某镇的做法值得借鉴，现予刊发。"])
@pytest.mark.parametrize("before", ["", "二、经验交流\n"])
def test_an_editors_note_over_an_article_or_under_a_section(note, before):
    issue = parse_text("某某信息\n第1期\n某某办公室 2024年1月2日\n" + LEAD + before + note + "\n" + ARTICLE)
    assert [(i.title, i.department, i.section) for i in issue.items] == [
        ("某某县召开防汛工作会议", "县水利局", None),
        ("某某镇探索“积分制”治理模式", "某某镇", "经验交流" if before else None)]
    assert issue.items[1].body.split("\n")[:-1] == [fix_spaces(t) for t in note.split("\n")]


def test_an_editors_note_under_a_title_and_before_a_brief():
    head = "某某信息\n第1期\n某某办公室 2024年1月2日\n" + LEAD
    issue = parse_text(head + "某某镇探索“积分制”治理模式\n编者按：某某镇的做法值得借鉴。\n近年来，某某镇推行积分制管理。（某某镇）\n")
    assert [i.title for i in issue.items] == ["某某县召开防汛工作会议", "某某镇探索“积分制”治理模式"]
    assert issue.items[1].body == "编者按：某某镇的做法值得借鉴。\n近年来，某某镇推行积分制管理。"
    issue = parse_text(head + "编者按：以下简讯供参考。\n△近日，某某局完成隐患排查，排查隐患点58处。（某某局）\n")
    assert [(i.kind, i.title) for i in issue.items[1:]] == [("brief", "某某局完成隐患排查")]
    issue = parse_text(head + "编者按：以上做法供参考。\n")  # nothing after it: front matter
    assert issue.front == ["编者按：以上做法供参考。"] and len(issue.items) == 1


FOOTED = ("某某信息\n第1期\n某某办公室 2024年1月2日\n" + LEAD
          + "△近日，某某局完成隐患排查，排查隐患点58处。（某某局）\n")


@pytest.mark.parametrize("footer, stored", [
    ("本期编辑：张三  签发：李四", "本期编辑：张三 签发：李四"),  # was a section heading with no items
    ("本期编辑：张三\n签发：李四", "本期编辑：张三\n签发：李四"),
    ("（本期编辑：张三  签发：李四）", "（本期编辑：张三 签发：李四）"),
    ("主编：张三  责任编辑：李四", "主编：张三 责任编辑：李四"),
    ("本期责任编辑：张三\n报：市委办公室\n（共印50份）", "本期责任编辑：张三\n报：市委办公室\n（共印50份）"),
    ("签发：李四        编辑：张三\n报：市委办公室\n送：县委常委，县人大常委会、县政府、\n县政协领导。\n发：各乡镇。",
     "签发：李四 编辑：张三\n报：市委办公室\n送：县委常委，县人大常委会、县政府、\n县政协领导。\n发：各乡镇。"),
    ("报：市委、市政府\n送：县委常委\n发：各乡镇（街道）党（工）委，县直各单位",
     "报：市委、市政府\n送：县委常委\n发：各乡镇（街道）党（工）委，县直各单位"),
    # fields of one line keep one space between them; spaces inside a field go as everywhere
    ("编辑：张三\u3000审核：李四\t校对：王五", "编辑：张三 审核：李四 校对：王五"),
    ("送：县委常委          共印 60 份", "送：县委常委 共印60份"),
    ("抄送：县人大办  县政协办", "抄送：县人大办 县政协办"),  # units of a list keep a space (was run together)
    ("发：各乡镇  县直各单位", "发：各乡镇县直各单位"),  # not two units' names: the spaces go as everywhere
    ("送：区委 宣传部", "送：区委宣传部"),  # one name spaced out
    ("编辑：张三审核：李四", "编辑：张三 审核：李四"),  # typed with nothing between the fields
    ("编 辑：张 三    审 核：李 四", "编辑：张三 审核：李四"),  # PDF text: every character apart
    ("报：市委。送：县委常委", "报：市委。送：县委常委"),  # the stop parts them
    ("送：县委常委共印60份", "送：县委常委 共印60份"),
])
def test_editor_and_signatory_lines_are_the_footer(footer, stored):
    """A footer line printing two fields (`本期编辑：张三  签发：李四`) keeps a space between them
    (it was stored `本期编辑：张三签发：李四`, the fields run together)."""
    issue = parse_text(FOOTED + footer + "\n")
    assert issue.footer == stored
    assert [(i.title, i.department, i.body[-5:]) for i in issue.items] == [
        ("某某县召开防汛工作会议", "县水利局", "部署防汛工作。"[-5:]), ("某某局完成隐患排查", "某某局", "隐患点58处。"[-5:])]
    assert not set(issue.dropped) - {"（", "）", "△"}


def test_an_attribution_after_a_contact_line_keeps_the_article_out_of_the_footer():
    from bulletin.masthead import footer_start
    from bulletin.repair import Line

    lines = [Line("近日，某某局完成隐患排查。"), Line("联系电话：1234567"), Line("（某某局）")]
    assert footer_start(lines, 0) == 3
    assert footer_start(lines[:2] + [Line("（共印50份）")], 0) == 1


@pytest.mark.parametrize("contact", [
    "联系电话：1234567", "联系人：王五  联系电话：0371-1234567", "联系人：王五", "（联系电话：1234567）",
    "电子邮箱：office@example.org", "传真：0371-7654321",
])
def test_a_contact_line_before_the_attribution_stays_in_the_article(contact):
    """A contact line printed at an article's end, before its attribution, has no sentence end;
    it read as a title, so the attribution went to that bodiless heading (or the heading took
    the next article's title). A `label：` of contact details is never a title."""
    issue = parse_text(FOOTED.replace("（县水利局）", "\n" + contact + "\n（县水利局）"))
    assert [(i.title, i.department) for i in issue.items] == [
        ("某某县召开防汛工作会议", "县水利局"), ("某某局完成隐患排查", "某某局")]
    assert issue.items[0].body.split("\n")[-1] == re.sub(r"\s+", " ", contact)  # fields a space apart


def test_a_brief_that_prints_its_unit_first_has_it_as_its_source():
    """`▲区住建局：全力推进…` / `▲【区卫健委】开展…`: no bracket at the end, the unit is printed
    first (the briefs had no department, and the unit alone as a title)."""
    issue = layout("source-first.txt")
    assert [(i.kind, i.title, i.department) for i in issue.items] == [
        ("brief", "区住建局：全力推进老旧小区改造", "区住建局"), ("brief", "区教体局：扎实做好秋季开学准备", "区教体局"),
        ("brief", "区卫健委：开展“健康进万家”巡回义诊活动", "区卫健委")]
    assert issue.items[0].body.startswith("全力推进老旧小区改造。今年计划")
    assert issue.items[2].departments == ["区卫健委"]


@pytest.mark.parametrize("brief, department, body", [
    ("△县农业农村局：全县完成秋播面积12万亩。", "县农业农村局", "全县完成秋播面积12万亩。"),
    ("△会议强调：要压实防汛责任。（县水利局）", "县水利局", "会议强调：要压实防汛责任。"),  # no unit
    ("△某某镇：开展人居环境整治。（县农业农村局）", "县农业农村局", "某某镇：开展人居环境整治。"),  # the end wins
    ("△7月以来：全县降雨量偏多。", None, "7月以来：全县降雨量偏多。"),
])
def test_a_leading_unit_only_when_it_is_a_unit_and_nothing_is_at_the_end(brief, department, body):
    from test_repair import check_nothing_lost

    issue = check_nothing_lost("某某信息\n第1期\n某某办公室 2024年1月2日\n" + LEAD + brief + "\n")
    assert (issue.items[1].department, issue.items[1].body) == (department, body)


@pytest.mark.parametrize("article, title, department, body", [
    # the title prints the unit first: it stays as printed, the unit is the department
    ("县住建局：全力推进老旧小区改造\n今年计划改造老旧小区32个，已开工28个。\n",
     "县住建局：全力推进老旧小区改造", "县住建局", "今年计划改造老旧小区32个，已开工28个。"),
    # the body's first line prints it: it leaves the body as in a brief
    ("全力推进老旧小区改造\n县住建局：今年计划改造老旧小区32个，已开工28个。\n",
     "全力推进老旧小区改造", "县住建局", "今年计划改造老旧小区32个，已开工28个。"),
    ("一、县住建局：全力推进老旧小区改造\n今年计划改造老旧小区32个。\n",
     "县住建局：全力推进老旧小区改造", "县住建局", "今年计划改造老旧小区32个。"),
    # an attribution at the end wins; a roundup whose paragraphs each open with a unit has none
    ("某某镇：开展人居环境整治\n全镇清理垃圾1200吨。（县农业农村局）\n",
     "某某镇：开展人居环境整治", "县农业农村局", "全镇清理垃圾1200吨。"),
    ("各部门重点工作进展\n县住建局：已开工老旧小区28个。\n县教体局：新增学位1800个。\n",
     "各部门重点工作进展", None, "县住建局：已开工老旧小区28个。\n县教体局：新增学位1800个。"),
    ("经验交流：网格化管理见实效\n某某镇划分网格46个，配备网格员52名。\n",
     "经验交流：网格化管理见实效", None, "某某镇划分网格46个，配备网格员52名。"),  # no unit
])
def test_an_article_that_prints_its_unit_first_has_it_as_its_source(article, title, department, body):
    """`县住建局：全力推进…` as an article's title or its first body line, no attribution at the
    end: the unit printed first is the source, as for a brief (the article had no department)."""
    from test_repair import check_nothing_lost

    issue = check_nothing_lost("某某信息\n第1期\n某某办公室 2024年1月2日\n" + LEAD + article)
    assert (issue.items[1].title, issue.items[1].department, issue.items[1].body) == (title, department, body)


def test_a_reports_parts_right_under_its_title_are_one_article():
    """`关于…的调研报告` then `一、基本情况`, `二、存在问题`, one source at the end: the title became
    a section and each part an item without a department."""
    issue = layout("report-direct-subheads.txt")
    assert [(i.kind, i.title, i.department, i.section) for i in issue.items] == [
        ("lead", "关于我区农村集体经济发展情况的调研报告", "区委政研室 区农业农村局联合调研组", None)]
    assert issue.items[0].body.split("\n")[0::3] == ["一、基本情况", "（一）发展不均衡。近郊村与偏远村收入差距较大，最高的村超过500万元，最低的不足10万元。",
                                                     "（一）分类施策。因村制宜发展物业经济、服务经济和生态经济。"]
    assert [line for line in issue.items[0].body.split("\n") if line.endswith(("情况", "问题", "建议"))] == [
        "一、基本情况", "二、存在问题", "三、对策建议"]


def test_numbered_items_under_a_long_heading_stay_items():
    issue = parse_text("某某信息\n第1期\n某某办公室 2024年1月2日\n全县重点项目建设进展情况\n"
                       "一、某某局加快推进城市更新\n某某局推进城市更新项目23个。（某某局）\n"
                       "二、某某镇完成厂房建设\n某某镇完成标准厂房建设4万平方米。（某某镇）\n"
                       "关于某某工作的报告\n（一）总体情况\n项目进展总体顺利。\n（二）存在问题\n资金不到位。（某某调研组）\n")
    assert [(i.title, i.department, i.section) for i in issue.items] == [
        ("某某局加快推进城市更新", "某某局", "全县重点项目建设进展情况"),
        ("某某镇完成厂房建设", "某某镇", "全县重点项目建设进展情况"),
        ("关于某某工作的报告", "某某调研组", "全县重点项目建设进展情况")]
    assert issue.items[2].body.split("\n") == ["（一）总体情况", "项目进展总体顺利。", "（二）存在问题", "资金不到位。"]


BRIEFS = ["县人社局举办春风行动招聘会", "县教育局开展校园安全大排查", "县卫健委组织义诊活动12场", "县农业农村局发放春耕补贴资金860万元"]


def test_a_short_plain_heading_over_bulleted_briefs_is_their_section():
    """A lone `简讯` line (two characters, no marks) over `△` briefs was a brief titled 简讯 with
    body 简讯; it is the section the briefs stand under."""
    issue = layout("contents-box-briefs.txt")
    assert [(i.kind, i.title, i.section) for i in issue.items[2:]] == [("brief", t, "简讯") for t in BRIEFS]


@pytest.mark.parametrize("heading", ["简讯", "要闻", "短讯"])
@pytest.mark.parametrize("mark", ["△", "■", "1．", "①"])
def test_a_lone_short_heading_over_marked_items(heading, mark):
    issue = parse_text("某某信息\n第1期\n某某办公室 2024年1月2日\n" + LEAD + heading + "\n"
                       + mark + "某某局开展业务培训，参训80人。（某某局）\n"
                       + mark.replace("1", "2").replace("①", "②") + "某某镇整治村庄12个。（某某镇）\n")
    assert [(i.department, i.section) for i in issue.items] == [
        ("县水利局", None), ("某某局", heading), ("某某镇", heading)]


def test_a_contact_line_that_ends_in_the_attribution_closes_the_last_article():
    """The last article ends `联系电话：0833-5201234。（县就业服务中心）`: the line and the
    attribution went to the footer (a contact line opens it), the article lost its department.
    An attribution after a sentence end closes an item; a footer's fields carry none."""
    issue = layout("contact-line-attributed.txt")
    assert issue.footer == "报：县委办公室，县政府办公室\n共印30份"
    assert (issue.items[1].department, issue.items[1].body.split("\n")[-1]) == (
        "县就业服务中心", "联系电话：0833-5201234。")


@pytest.mark.parametrize("line, footer", [
    ("联系人：王五，电话：1234567。（某某局）", "本期编辑：张三 签发：李四"),
    ("咨询电话：1234567。（某某局）", "本期编辑：张三 签发：李四"),
    ("", "联系人：王五（某某办公室信息科）\n本期编辑：张三 签发：李四"),  # the editor's unit in brackets: footer
])
def test_an_attributed_contact_line_is_the_items(line, footer):
    issue = parse_text("某某信息\n第1期\n某某办公室 2024年1月2日\n" + LEAD + "某某局开通线上申领渠道\n即日起可在线申领补贴。\n"
                       + (line + "\n" if line else "（某某局）\n") + "\n" + footer.replace(" ", "    ") + "\n")
    assert issue.footer == footer
    assert [i.department for i in issue.items] == ["县水利局", "某某局"]


def test_an_articles_numbered_list_right_under_its_title_is_its_body():
    """`县委常委会研究部署近期重点工作` / `1．…` `2．…` `3．…` / `（县委办公室）`: the title was taken
    for a section heading over numbered briefs, the list's first point became the title and the
    "section" ran on over the next articles. One attribution after the last point: the list is
    the article's body."""
    issue = layout("title-over-numbered-list.txt")
    assert [(i.kind, i.title, i.department, i.section) for i in issue.items] == [
        ("lead", "县委常委会研究部署近期重点工作", "县委办公室", None),
        ("article", "县政府常务会议研究多项议题", "县政府办公室", None),
        ("article", "县农业农村局开展农机安全检查", "县农业农村局", None)]
    assert issue.items[0].body.split("\n")[0] == "1．传达学习省委十二届七次全会精神，研究贯彻落实意见。"
    assert issue.items[1].body.split("\n")[-1] == "③听取县市场监管局关于食品安全工作的汇报。"


POINTS = ["审议某某县促进消费若干措施；", "研究全县防汛救灾工作；", "听取某某局关于食品安全工作的汇报。"]


@pytest.mark.parametrize("numbers", [["1.", "2.", "3."], ["1、", "2、", "3、"], ["①", "②", "③"], ["１．", "２．", "３．"]])
@pytest.mark.parametrize("attributed", [False, True])
def test_a_long_title_over_numbered_lines(numbers, attributed):
    """The numbered lines are the article's points when one attribution closes them all; when
    each closes with its own, they are items and the title a section heading over them."""
    lines = [n + p + ("（某某局）" if attributed else "") for n, p in zip(numbers, POINTS)]
    issue = parse_text("某某信息\n第1期\n某某办公室 2024年1月2日\n" + LEAD + "某某县政府常务会议研究多项议题\n"
                       + "\n".join(lines) + ("\n" if attributed else "\n（县政府办）\n"))
    if attributed:
        assert [(i.department, i.section) for i in issue.items[1:]] == [("某某局", "某某县政府常务会议研究多项议题")] * 3
    else:
        assert [(i.title, i.body, i.department, i.section) for i in issue.items[1:]] == [
            ("某某县政府常务会议研究多项议题", "\n".join(lines), "县政府办", None)]


@pytest.mark.parametrize("source", ["（县统计局、县发改局联合供稿）", "（县统计局 县发改局联合报送）", "（县统计局和县发改局共同供稿）"])
def test_joint_units_that_supplied_an_article_together(source):
    """`联合供稿` / `共同供稿` after joint units: `联合` was left as a byline `（联合）` in the body."""
    issue = parse_text("某某信息\n第1期\n某某办公室 2024年1月2日\n县某局召开工作推进会议\n近日，县某局召开推进会，部署全年工作。"
                       + source + "\n")
    item = issue.items[0]
    assert (item.departments, item.body) == (["县统计局", "县发改局"], "近日，县某局召开推进会，部署全年工作。")
